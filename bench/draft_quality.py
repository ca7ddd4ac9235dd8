"""How good the offline drafts are on scenarios written by someone who never read the drafters.

Usage: .venv/bin/python bench/draft_quality.py [--show s01,s02] [--half tuning|held-out]
       .venv/bin/python bench/draft_quality.py --scenarios FILE [--scenarios FILE ...]

For every scenario of tests/drafting/data/scenarios_{tuning,heldout}.jsonl (a
mentoring pair, its notes and a question), builds the inputs the drafting service
would give each kind (guidance retrieved from the built-in corpus by the same
hybrid search, the real MiniLM encoder), drafts a cited answer, a session agenda,
a mentor brief, a SMART goal, feedback prompts and a nudge with the offline
drafter, and runs automatic checks on the text a reviewer would see:

- verbatim: no run of more than 8 words of the mentee's aspiration pasted in;
- broken: no doubled phrase (a 4-word run twice in one sentence, a word twice in
  a row), no dangling preposition pair ("by in"), no word cut off before "…";
- on-focus quotes: every sentence quoted from retrieved guidance is closer in
  meaning (cosine) to the pair's focus (aspiration, challenge and the scenario's
  focus keywords) than the median sentence of the retrieved passages; for a nudge,
  whose guidance is the guide on re-engaging a stalled pair whatever the pair works
  on, closer to that subject (NUDGE_FOCUS) than the median;
- own focus (nudges): the nudge is about this pair, closer in meaning to its own
  focus than to the focus of the median other pair of the same half;
- answers: the first sentence is closer to the question than the median of the
  answer's other sentences (its closing "Source: …" line aside), and at least
  FIRST_SENTENCE_THRESHOLD close; a second sentence that refers back to the first
  ("It has three jobs: …") is read with it, as one opening.

Figures are printed for the tuning and the held-out half separately. Tune only on
the tuning half; the held-out figures are reported, never tuned on. `--scenarios FILE`
(repeatable) evaluates a further set in the same JSON-lines format instead, reported
under its file name; a row that cannot be used is named by file, line and field.
Offline drafts only: no LLM is called. Takes 2-5 minutes (encoding the corpus).
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from pydantic import BaseModel  # noqa: E402

from bench.kb_questions import corpus_passages  # noqa: E402
from companion import language  # noqa: E402
from companion.drafting import grounding, kinds, situations  # noqa: E402
from companion.drafting.inputs import (  # noqa: E402
    GUIDANCE_CHUNKS,
    PAIR_READERS,
    as_guidance,
    written_for,
)
from companion.drafting.kinds import cited_answer  # noqa: E402
from companion.drafting.text import render_text, sentences_of, words_of  # noqa: E402
from embeddings import Encoder  # noqa: E402
from knowledge.search import HybridSearcher, search_text  # noqa: E402
from prompts.schemas import (  # noqa: E402
    DraftKind,
    Guidance,
    Person,
    RelationshipInput,
    SessionSummary,
    SmartGoalInput,
)

DATA = ROOT / "tests" / "drafting" / "data"
HALVES = {"tuning": DATA / "scenarios_tuning.jsonl", "held-out": DATA / "scenarios_heldout.jsonl"}
TODAY = date(2026, 12, 5)
# The scenarios' first sessions date from September to November: a pair is drafted for
# a fortnight after its last note.
LAST_SESSION = TODAY - timedelta(days=14)

VERBATIM_WORDS = 8
REPEATED_NGRAM = 4
# An answer's first sentence must be at least this close to the question (cosine of
# all-MiniLM-L6-v2 vectors): the same bar a passage must clear to answer at all.
FIRST_SENTENCE_THRESHOLD = 0.40

CITATION_OPENERS = ("Source:", "Sources:", "See also")

KINDS_CHECKED = (
    DraftKind.answer,
    DraftKind.agenda,
    DraftKind.brief,
    DraftKind.smart_goal,
    DraftKind.feedback_prompts,
    DraftKind.nudge,
)
# What a nudge's quoted guidance should be about: the guide on stalled pairs.
NUDGE_FOCUS = "re-engaging a mentoring pair that has stopped meeting: a friendly nudge"
# What each relationship kind's gather searches for, ahead of the pair's own words (a
# nudge's search is this alone).
QUERY_PREFIX = {
    DraftKind.agenda: "session agenda discussion topics",
    DraftKind.brief: "preparing for a mentoring session",
    DraftKind.feedback_prompts: "feedback questions after a session",
    DraftKind.nudge: "nudging a stalled pair back into regular sessions",
}

# Two prepositions in a row ("by in", "of with") are a phrase with a hole in it; "for at
# least", "with at most" are whole, and so is "about" before an amount ("a session of
# about an hour", "for about 20 minutes"), where it means "roughly".
_AMOUNT = (
    r"(?:an?|\d[\w.,:]*|half|one|two|three|four|five|six|seven|eight|nine|ten|twenty|"
    r"thirty|forty|fifty|a few|a dozen)\b"
)
_DANGLING = re.compile(
    r"\b(?:by|of|for|with|at|from|about|into) (?:by|of|for|with|at|from|about|into|in|on)(?![\w-])"
    r"(?<!\bat)(?! (?:least|most|all|once|first|last)\b)(?<!\babout(?= " + _AMOUNT + r"))"
    r"|\b(?:by|of|for|with|at|from|about|into) "
    r"at(?! (?:least|most|all|once|first|last)\b)(?![\w-])",
    re.I,
)
_CUT = re.compile(r"(\w+)(?:…|\.\.\.)")


# The fields each scenario row needs, and those of its mentee and mentor.
ROW_FIELDS = ("id", "program", "mentee", "mentor", "notes", "question")
MENTEE_FIELDS = ("name", "role", "aspiration", "challenge")
MENTOR_FIELDS = ("name", "role")


def load(path: Path) -> list[dict[str, Any]]:
    """The scenarios of one file; a bad row is named with its line and what is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: cannot be read ({exc})") from exc
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path.name} line {number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{where}: not JSON ({exc.msg})") from exc
        if not isinstance(row, dict):
            raise ValueError(f"{where}: not a JSON object")
        missing = [k for k in ROW_FIELDS if k not in row]
        if missing:
            raise ValueError(f"{where}: missing {', '.join(missing)}")
        for part, fields in (("mentee", MENTEE_FIELDS), ("mentor", MENTOR_FIELDS)):
            person = row[part]
            if not isinstance(person, dict):
                raise ValueError(f"{where}: {part} must be an object")
            absent = [f"{part}.{k}" for k in fields if not isinstance(person.get(k), str)]
            if absent:
                raise ValueError(f"{where}: {', '.join(absent)} must be text")
        if not isinstance(row["notes"], list) or not all(isinstance(n, str) for n in row["notes"]):
            raise ValueError(f"{where}: notes must be a list of texts")
        if not isinstance(row["question"], str) or not row["question"].strip():
            raise ValueError(f"{where}: question must be text")
        rows.append(row)
    if not rows:
        raise ValueError(f"{path.name}: no scenarios")
    ids = [r["id"] for r in rows]
    doubled = sorted({i for i in ids if ids.count(i) > 1})
    if doubled:
        raise ValueError(f"{path.name}: scenario ids used twice: {', '.join(map(str, doubled))}")
    return rows


class Corpus:
    """The built-in corpus behind the same hybrid search the drafting service uses."""

    def __init__(self, encoder: Encoder) -> None:
        passages, _ = corpus_passages()
        vectors = encoder.encode([search_text(p) for p in passages])
        self.encoder = encoder
        self.searcher = HybridSearcher(encoder, passages, vectors)

    def guidance(
        self, query: str, times: int = 1, readers: frozenset[str] | None = None
    ) -> list[Guidance]:
        """The passages the drafting service retrieves for `query` (`times` as many);
        with `readers`, only from guides written for one of them (`inputs.guidance`)."""
        top_k = GUIDANCE_CHUNKS * times
        hits = self.searcher.search(query[:1000], top_k=min(50, top_k * 2) if readers else top_k)
        if readers:
            hits = written_for(hits, readers)
        return [
            Guidance(
                chunk_id=h.chunk_id,
                document_id=h.doc_id,
                title=h.title,
                heading=h.heading,
                text=h.text,
            )
            for h in hits[:top_k]
        ]

    def section(self, doc_id: str, heading: str) -> list[Guidance]:
        """A section's passages as a pair's draft may be given them (`inputs._situated`)."""
        return as_guidance(written_for(self.searcher.section(doc_id, heading), PAIR_READERS))

    def for_answer(self, question: str) -> list[Guidance]:
        """The passages a cited answer to `question` reads (`cited_answer.passages`)."""
        return cited_answer.passages(
            question,
            lambda query, top_k: self.guidance(query, times=top_k // GUIDANCE_CHUNKS),
            self.encoder,
        )


def focus_of(scenario: dict[str, Any]) -> str:
    """What the pair is about, as the scenario's writer put it."""
    mentee = scenario["mentee"]
    keywords = ", ".join(scenario.get("focus_keywords", []))
    return f"{mentee['aspiration']} {mentee['challenge']} {keywords}".strip()


def inputs_for(scenario: dict[str, Any], corpus: Corpus) -> dict[DraftKind, BaseModel]:
    """The input each kind is drafted from, as its `gather` would build it for this pair."""
    mentee, mentor = scenario["mentee"], scenario["mentor"]
    mentee_person = Person(
        name=mentee["name"],
        role="mentee",
        title=mentee["role"],
        profile={
            "department": mentee.get("department", ""),
            "goals": mentee["aspiration"],
            "challenges": mentee["challenge"],
        },
    )
    mentor_person = Person(
        name=mentor["name"],
        role="mentor",
        title=mentor["role"],
        profile={"expertise": mentor.get("expertise", "")},
    )
    notes = "\n".join(scenario["notes"])
    # As `Sources.relationship` builds them: the search names the mentee's goals (their
    # stated aspiration, as no goal is recorded) and challenge, then the last notes; the
    # passages found are ranked by meaning against the pair's focus (`grounding`).
    pair = f"{mentee['aspiration'][:200]} {mentee['challenge'][:200]} {notes[:300]}"
    focus = " ".join([mentee["role"], mentee["challenge"], mentee["aspiration"], notes[:300]])
    inputs: dict[DraftKind, BaseModel] = {
        DraftKind.answer: cited_answer.for_question(
            scenario["question"], corpus.for_answer(scenario["question"]), corpus.encoder
        ),
        DraftKind.smart_goal: SmartGoalInput(
            program_name=scenario["program"],
            today=TODAY,
            mentee=mentee_person,
            aspiration=mentee["aspiration"],
            guidance=corpus.guidance(f"SMART goals {mentee['aspiration']}"),
        ),
    }
    for kind, prefix in QUERY_PREFIX.items():
        inputs[kind] = RelationshipInput(
            program_name=scenario["program"],
            today=TODAY,
            mentor=mentor_person,
            mentee=mentee_person,
            last_session=(
                SessionSummary(date=LAST_SESSION, shared_notes=notes) if scenario["notes"] else None
            ),
            guidance=grounding.by_meaning(
                corpus.guidance(prefix, 2)
                if kind == DraftKind.nudge
                else corpus.guidance(f"{prefix} {pair}", 2, PAIR_READERS),
                focus,
                mentee["role"],
                corpus.encoder,
                keep=GUIDANCE_CHUNKS,
                aims=[mentee["aspiration"]],
            ),
            days_quiet=45 if kind == DraftKind.nudge else None,
        )
        if kind in (DraftKind.brief, DraftKind.agenda):
            # As `Sources.relationship` adds them: the sections for the pair's situation.
            inputs[kind] = situations.situated(
                inputs[kind],  # type: ignore[arg-type]
                to_both=kind == DraftKind.agenda,
                section=corpus.section,
            )
    return inputs


# --- the checks ---------------------------------------------------------------------


@dataclass
class Verdict:
    scenario: str
    kind: DraftKind
    text: str
    failures: dict[str, str] = field(default_factory=dict)
    figures: dict[str, float] = field(default_factory=dict)


def longest_shared_run(text: str, source: str) -> list[str]:
    """The longest run of consecutive words of `source` that `text` repeats."""
    said, own = [w.lower() for w in words_of(text)], [w.lower() for w in words_of(source)]
    best: list[str] = []
    previous = [0] * (len(own) + 1)
    for i in range(1, len(said) + 1):
        current = [0] * (len(own) + 1)
        for j in range(1, len(own) + 1):
            if said[i - 1] == own[j - 1]:
                current[j] = previous[j - 1] + 1
                if current[j] > len(best):
                    best = said[i - current[j] : i]
        previous = current
    return best


def broken_phrases(text: str, vocabulary: set[str]) -> list[str]:
    """Doubled or broken phrases a reader would stumble on."""
    found = []
    # A citation line quotes guide titles and sections; it is not composed prose.
    for sentence in (s for s in sentences_of(text) if not s.startswith(CITATION_OPENERS)):
        words = [w.lower() for w in words_of(sentence)]
        for a, b in itertools.pairwise(words):
            if a == b and a.isalpha() and len(a) > 1:
                found.append(f"doubled word {a!r}")
        grams = [tuple(words[i : i + REPEATED_NGRAM]) for i in range(len(words) - REPEATED_NGRAM)]
        repeated = {g for g in grams if grams.count(g) > 1}
        found += [f"repeated phrase {' '.join(g)!r}" for g in sorted(repeated)]
        found += [f"dangling {m.group(0)!r}" for m in _DANGLING.finditer(sentence)]
    for match in _CUT.finditer(text):
        fragment = match.group(1).lower()
        if fragment not in vocabulary and any(w.startswith(fragment) for w in vocabulary):
            found.append(f"word cut off: {match.group(0)!r}")
    return found


def quoted_sentences(text: str, guidance: list[Guidance]) -> list[str]:
    """Sentences of the retrieved guidance the draft quotes (8 or more words of one)."""
    flat = " ".join(text.split())
    quoted = []
    for chunk in guidance:
        for sentence in sentences_of(chunk.text):
            words = sentence.split()
            if len(words) < VERBATIM_WORDS:
                continue
            if any(
                " ".join(words[i : i + VERBATIM_WORDS]) in flat
                for i in range(len(words) - VERBATIM_WORDS + 1)
            ):
                quoted.append(sentence)
    return list(dict.fromkeys(quoted))


def check(
    scenario: dict[str, Any], kind: DraftKind, data: BaseModel, draft: BaseModel, encoder: Encoder
) -> Verdict:
    text = render_text(kind, draft.model_dump(mode="json"))
    verdict = Verdict(scenario["id"], kind, text)
    guidance: list[Guidance] = list(getattr(data, "guidance", []))
    sources = [scenario["mentee"]["aspiration"], scenario["mentee"]["challenge"]]
    sources += scenario["notes"] + [g.text for g in guidance]
    vocabulary = {w.lower() for s in sources for w in words_of(s)}

    run = longest_shared_run(text, scenario["mentee"]["aspiration"])
    if len(run) > VERBATIM_WORDS:
        verdict.failures["verbatim"] = f"{len(run)} words of the aspiration: {' '.join(run)!r}"
    broken = broken_phrases(text, vocabulary)
    if broken:
        verdict.failures["broken"] = "; ".join(broken)

    focus = {DraftKind.answer: scenario["question"], DraftKind.nudge: NUDGE_FOCUS}.get(
        kind, focus_of(scenario)
    )
    # An answer opens with what answers the question; the rest of a short passage follows
    # it as context (docs/llm.md), so only its opening sentence must be on the question.
    opening = (sentences_of(text) or [""])[0] if kind == DraftKind.answer else text
    # A section chosen for the pair's situation (`drafting.situations`: no session yet,
    # an overdue action …) is about that situation, not the mentee's field: what it
    # quotes is held against what was said of the situation, and the rest against the
    # pair's focus, each beside the median of every sentence retrieved.
    situations = getattr(data, "situations", [])
    pointed = {chunk_id: s.why for s in situations for chunk_id in s.chunk_ids}
    retrieved = [s for g in guidance for s in sentences_of(g.text)]
    groups = [
        (focus, quoted_sentences(opening, [g for g in guidance if g.chunk_id not in pointed]))
    ]
    groups += [
        (s.why, quoted_sentences(opening, [g for g in guidance if g.chunk_id in s.chunk_ids]))
        for s in situations
    ]
    quoted = [q for _, group in groups for q in group]
    if quoted and retrieved:
        off = []
        for target, group in groups:
            if not group:
                continue
            vectors = encoder.encode([target, *group, *retrieved])
            scores = vectors[1:] @ vectors[0]
            median = float(np.median(scores[len(group) :]))
            off += [q for q, s in zip(group, scores[: len(group)], strict=True) if s < median]
        verdict.figures["quotes_on_focus"] = 1 - len(off) / len(quoted)
        if off:
            verdict.failures["off_focus"] = f"{len(off)} of {len(quoted)} quotes: {off[0][:90]!r}"

    if kind == DraftKind.answer:
        verdict.figures["answered"] = float(not draft.insufficient)
        if not draft.insufficient:
            # The closing "Source: …" line cites; it is not part of what the answer says.
            said = [s for s in sentences_of(draft.answer) if not s.startswith(CITATION_OPENERS)]
            first, *others = said
            # "It has three jobs: …" says nothing without the sentence it follows:
            # the opening is read as the two together.
            if others and cited_answer.refers_back(others[0]):
                first = f"{first} {others.pop(0)}"
            vectors = encoder.encode([scenario["question"], first, *others])
            scores = vectors[1:] @ vectors[0]
            rest = float(np.median(scores[1:])) if others else -1.0
            verdict.figures["first_sentence"] = float(scores[0])
            addresses = scores[0] > rest and scores[0] >= FIRST_SENTENCE_THRESHOLD
            verdict.figures["first_addresses"] = float(addresses)
            if not addresses:
                verdict.failures["first_sentence"] = (
                    f"{scores[0]:.2f} to the question (others {rest:.2f}): {first[:90]!r}"
                )
            keywords = [k.lower() for k in scenario.get("focus_keywords", [])]
            said = draft.answer.lower()
            verdict.figures["keyword"] = float(any(k.split()[0][:5] in said for k in keywords))
    return verdict


def run(
    scenarios: list[dict[str, Any]], corpus: Corpus, *, kinds_checked=KINDS_CHECKED
) -> list[Verdict]:
    verdicts = []
    for scenario in scenarios:
        inputs = inputs_for(scenario, corpus)
        for kind in kinds_checked:
            try:
                draft = kinds.draft(kind, inputs[kind])
            except Exception as exc:  # noqa: BLE001  (a drafter that raises is a failed draft)
                verdict = Verdict(scenario["id"], kind, "")
                verdict.failures["error"] = f"{type(exc).__name__}: {exc}"
                verdicts.append(verdict)
                continue
            verdicts.append(check(scenario, kind, inputs[kind], draft, corpus.encoder))
    own_focus(scenarios, verdicts, corpus.encoder)
    return verdicts


def own_focus(scenarios: list[dict[str, Any]], verdicts: list[Verdict], encoder: Encoder) -> None:
    """Nudges: each must be closer in meaning to its own pair's focus than to the
    focus of the median other pair (a nudge that could go to anyone fails). A pair whose
    mentee wrote in another language is not judged: the English encoder cannot compare
    its focus with an English nudge, as the product itself says (`companion.language`),
    and the nudge quotes nothing of a text the drafter cannot read."""
    foreign = {s["id"] for s in scenarios if language.not_english(s["mentee"]["aspiration"])}
    nudges = [
        v for v in verdicts if v.kind == DraftKind.nudge and v.text and v.scenario not in foreign
    ]
    if len(scenarios) < 2 or not nudges:
        return
    ids = [s["id"] for s in scenarios]
    focuses = encoder.encode([focus_of(s) for s in scenarios])
    for verdict in nudges:
        scores = focuses @ encoder.encode_one(verdict.text)
        own = ids.index(verdict.scenario)
        others = float(np.median(np.delete(scores, own)))
        verdict.figures["own_focus"] = float(scores[own]) - others
        if scores[own] <= others:
            verdict.failures["own_focus"] = (
                f"{scores[own]:.2f} to its own pair, {others:.2f} to the median other pair"
            )


CHECKS = ("verbatim", "broken", "off_focus", "own_focus", "first_sentence", "error")


def table(verdicts: list[Verdict]) -> list[str]:
    """Per kind: drafts, drafts passing every check, and each check's failures."""
    lines = [
        f"{'kind':<18}{'drafts':>7}{'clean':>7}"
        + "".join(f"{c:>16}" for c in CHECKS[:-1])
        + f"{'errors':>8}"
    ]
    for kind in KINDS_CHECKED:
        own = [v for v in verdicts if v.kind == kind]
        if not own:
            continue
        clean = sum(not v.failures for v in own)
        cells = "".join(f"{sum(c in v.failures for v in own):>16}" for c in CHECKS[:-1])
        errors = sum("error" in v.failures for v in own)
        lines.append(f"{kind.value:<18}{len(own):>7}{clean:>7}{cells}{errors:>8}")
    answers = [v for v in verdicts if v.kind == DraftKind.answer]
    if answers:
        answered = [v for v in answers if v.figures.get("answered")]
        lines.append(
            f"answers: {len(answered)} of {len(answers)} answered; "
            + _mean(answered, "first_addresses", "first sentence addresses the question")
            + "; "
            + _mean(answered, "first_sentence", "mean first-sentence similarity", digits=3)
            + "; "
            + _mean(answered, "keyword", "name a focus keyword")
        )
    return lines


def _mean(verdicts: list[Verdict], key: str, label: str, digits: int = 2) -> str:
    values = [v.figures[key] for v in verdicts if key in v.figures]
    if not values:
        return f"{label}: n/a"
    return f"{label} {statistics.fmean(values):.{digits}f}"


# Questions the mentoring corpus does not cover, to show where the answer threshold sits.
OFF_TOPIC = (
    "Which meeting room on the third floor has a working projector?",
    "How do I claim travel expenses for a client visit?",
    "What is the wifi password in the Lisbon office?",
    "How do I reset my laptop to factory settings?",
    "When is the canteen open on public holidays?",
    "How many days of annual leave can I carry over to next year?",
)


def best_passage(question: str, corpus: Corpus) -> float:
    """The evidence of the retrieved passage that best answers `question` (what the
    threshold is compared with: its closeness and its section's listed questions')."""
    data = cited_answer.for_question(question, corpus.guidance(question), corpus.encoder)
    return max((cited_answer.evidence(f) for f in data.fit), default=0.0)


def threshold_lines(scenarios: list[dict[str, Any]], corpus: Corpus) -> list[str]:
    """How much evidence the best retrieved passage has for covered and uncovered questions."""
    covered = [best_passage(s["question"], corpus) for s in scenarios]
    uncovered = [best_passage(q, corpus) for q in OFF_TOPIC]
    return [
        f"best passage evidence: scenario questions min {min(covered):.2f}, median "
        f"{statistics.median(covered):.2f}; off-topic questions max {max(uncovered):.2f}, "
        f"median {statistics.median(uncovered):.2f}; answer threshold "
        f"{cited_answer.RELEVANCE_THRESHOLD:.2f}"
    ]


def main(argv: list[str] | None = None, *, out: Callable[[str], None] = print) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", default="", help="scenario ids whose drafts to print")
    parser.add_argument("--half", choices=sorted(HALVES), help="only this half")
    parser.add_argument(
        "--ask", action="append", default=[], help="also print the offline answer to this"
    )
    parser.add_argument(
        "--scenarios",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="evaluate this scenario set (JSON lines) instead of the two halves; repeatable",
    )
    args = parser.parse_args(argv)
    show = {s for s in args.show.split(",") if s}
    if args.scenarios:
        sets = {path.name: path for path in args.scenarios}
    else:
        sets = {n: p for n, p in HALVES.items() if not args.half or n == args.half}
    # Every file is read and checked before the corpus is encoded (a minute or more).
    loaded = {name: load(path) for name, path in sets.items()}
    corpus = Corpus(Encoder.shared())
    for question in args.ask:
        data = cited_answer.for_question(question, corpus.guidance(question), corpus.encoder)
        answer = kinds.draft(DraftKind.answer, data)
        evidence = ", ".join(f"{cited_answer.evidence(f):.2f}" for f in data.fit)
        out(f"\nQ: {question}\npassages' evidence: {evidence}\n{answer.answer}")
    for name, scenarios in loaded.items():
        path = sets[name]
        verdicts = run(scenarios, corpus)
        out(f"\n{name}: {len({v.scenario for v in verdicts})} scenarios ({path.name})")
        for line in table(verdicts) + threshold_lines(scenarios, corpus):
            out(line)
        for verdict in verdicts:
            if verdict.failures and (name == "tuning" or verdict.scenario in show):
                for check_name, why in verdict.failures.items():
                    out(f"  {verdict.scenario} {verdict.kind.value} {check_name}: {why}")
            if verdict.scenario in show:
                out(f"--- {verdict.scenario} {verdict.kind.value}\n{verdict.text}")


if __name__ == "__main__":
    try:
        main()
    except ValueError as exc:
        raise SystemExit(str(exc)) from None
