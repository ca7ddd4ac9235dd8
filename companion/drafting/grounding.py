"""Guidance chosen by meaning: passages ranked by how close they are to the pair's focus,
and the worked examples inside them quoted only when they fit the mentee's role.

Guidance passages often illustrate a point with examples from several professions
("A nurse preparing to become a charge nurse: …", "For example, a hospital
pharmacist might practise: …"). Quoting the pharmacist's line to a payments
engineer makes a draft read as if nobody looked at it. So each passage given to a
relationship's draft keeps at most one example: the one whose profession is
closest in meaning to the mentee's role, and only if it is close enough
(`ROLE_FIT`, with a margin over the next example). Everything is compared with
the encoder the process has already loaded; nothing is matched by word overlap.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from companion.drafting.text import first_sentences, sentences_of, shorten, split_sentences
from prompts.schemas import Guidance

if TYPE_CHECKING:
    from embeddings.encoder import Encoder

# Cosine similarity (all-MiniLM-L6-v2) between an example's profession and the
# mentee's role above which the example is taken to fit, and the margin by which it
# must beat the next example of the same passage. Set on the tuning half of
# tests/drafting/data (fits: a backend engineer and "software engineer" 0.62, a staff
# nurse and "nurse" 0.82; misfits: a senior financial analyst and "operations
# analyst" 0.58, a support agent and "policy officer" 0.53, a staff nurse and
# "hospital pharmacist" 0.50): a missed fit costs an example, a wrong one costs the
# draft its credibility, so the bar errs high. See docs/llm.md.
ROLE_FIT = 0.6
ROLE_MARGIN = 0.1

# The profession is the noun phrase after the article, up to the verb that follows it.
_WHO = (
    r"(?:a|an)\s+(?P<who>(?:[\w'’-]+\s+){0,4}?[\w-]+?)"
    r"(?=\s+(?:preparing|aiming|working|writing|who|might|could|may|would|trying|moving|"
    r"learning|leading|returning|starting|new to|with|at|in|on|says|said|joins|joined|wants|"
    r"has|had|is|was|asks|asked|finds|found|needs|manages|runs|leads|becomes|became|takes|"
    r"took|moves|moved|starts|started|gets|got|promoted|appointed|hired|recently|just)\b|"
    r"\s*[:,(])"
)
# "For example, a hospital pharmacist might…", "Worked example: a clinical data analyst…",
# "A worked example: a warehouse shift supervisor…"
_MARKED = re.compile(
    r"^(?:for example|for instance|e\.g\.|(?:(?:a|an|one|another)\s+)?(?:worked\s+)?example)"
    r"[,:.]?\s+" + _WHO,
    re.IGNORECASE,
)
# "A software engineer preparing to lead a design review: …" in a list of examples, or
# any sentence of a passage headed as an example.
_PLAIN = re.compile(r"^" + _WHO, re.IGNORECASE)
# A script in someone's own voice ("I most want to…", "we agreed…"), not guidance.
_FIRST_PERSON = re.compile(r"\b(?:I|I'm|I've|I'd|my|me|we|our)\b|^Hi\b", re.IGNORECASE)
_LIST_ITEM = re.compile(r"^(\s*(?:[-*+]|\d+[.)])\s+)(.*)$")
_EXAMPLE_HEADING = re.compile(r"\bexamples?\b", re.IGNORECASE)
_ROLE_PLAY = re.compile(r"\brole[- ]?plays?\b|\bpractice exercises?\b", re.IGNORECASE)


@dataclass(frozen=True)
class _Example:
    who: str
    # Where it is: the line, and the sentences of the line it spans (None: the whole item).
    line: int
    sentences: tuple[int, ...] | None


def _who(unit: str, pattern: re.Pattern[str]) -> str | None:
    text = re.sub(r"^\*\*[^*]+\*\*\s*", "", unit.strip().lstrip("*_").strip())
    match = pattern.match(text)
    return match.group("who").strip() if match else None


def profession(unit: str, *, in_examples: bool = False) -> str | None:
    """The profession an example sentence or list item is about, if it is one.
    `in_examples`: the unit stands in a list or passage of examples."""
    return _who(unit, _MARKED) or (_who(unit, _PLAIN) if in_examples else None)


def _examples(lines: list[str], heading: str) -> list[_Example]:
    # Headed as examples by its own section, not by its guide's title: under "Writing
    # SMART mentoring goals, with worked examples > Breaking a SMART goal into
    # milestones", "A six-month goal is too large …" is guidance, not a worked example.
    headed = bool(_EXAMPLE_HEADING.search(heading.split(" > ")[-1]))
    found: list[_Example] = []
    for number, line in enumerate(lines):
        item = _LIST_ITEM.match(line)
        if item:
            who = profession(item.group(2), in_examples=True)
            if who:
                found.append(_Example(who, number, None))
                continue
            sentences = split_sentences(item.group(2))
        else:
            sentences = split_sentences(line.strip())
        # An example runs from its first sentence to the next example or the paragraph's
        # end; after one, "A software engineer might…" is the next example.
        current: tuple[str, list[int]] | None = None
        for index, sentence in enumerate(sentences):
            who = profession(sentence, in_examples=headed or current is not None)
            if who:
                if current is not None:
                    found.append(_Example(current[0], number, tuple(current[1])))
                current = (who, [index])
            elif current is not None:
                current[1].append(index)
        if current is not None:
            found.append(_Example(current[0], number, tuple(current[1])))
    return found


def fitting_examples_only(text: str, role: str, encoder: Encoder, heading: str = "") -> str:
    """`text` with every worked example removed except the one that fits `role`, if any."""
    lines = text.splitlines()
    examples = _examples(lines, heading)
    if not examples:
        return text
    keep: _Example | None = None
    # Cards to act out in a role-play are scenarios, not guidance: none is kept, even
    # for the role they name.
    if role.strip() and not _ROLE_PLAY.search(heading):
        scores = _recurring(encoder, [e.who for e in examples]) @ _recurring(encoder, [role])[0]
        order = np.argsort(-scores)
        best = float(scores[order[0]])
        runner_up = float(scores[order[1]]) if len(examples) > 1 else -1.0
        if best >= ROLE_FIT and best - runner_up >= ROLE_MARGIN:
            keep = examples[int(order[0])]
    dropped_lines: set[int] = set()
    dropped_sentences: dict[int, set[int]] = {}
    for example in examples:
        if example is keep:
            continue
        if example.sentences is None:
            dropped_lines.add(example.line)
        else:
            dropped_sentences.setdefault(example.line, set()).update(example.sentences)
    kept: list[str] = []
    for number, line in enumerate(lines):
        if number in dropped_lines:
            continue
        if number in dropped_sentences:
            item = _LIST_ITEM.match(line)
            prefix, body = (item.group(1), item.group(2)) if item else ("", line.strip())
            sentences = [
                s for i, s in enumerate(split_sentences(body)) if i not in dropped_sentences[number]
            ]
            if not sentences:
                continue
            line = prefix + " ".join(sentences)
        kept.append(line)
    return "\n".join(kept)


# The professions named in the corpus's examples, mentees' roles and the sentences of
# the corpus's passages are few and recur in every draft: their vectors are kept for
# the life of the process, apart from the encoder's own cache (which queries churn), so
# a draft does not wait for them to be encoded again.
_CORPUS_VECTORS: dict[tuple[str, str], np.ndarray] = {}
_CORPUS_CAP = 50_000


def _recurring(encoder: Encoder, texts: list[str]) -> np.ndarray:
    """Vectors of recurring corpus phrases, encoded once per process."""
    model = getattr(encoder, "model_name", "")
    missing = list(dict.fromkeys(t for t in texts if (model, t) not in _CORPUS_VECTORS))
    if missing:
        if len(_CORPUS_VECTORS) + len(missing) > _CORPUS_CAP:
            _CORPUS_VECTORS.clear()
        for text, vector in zip(missing, encoder.encode(missing), strict=True):
            _CORPUS_VECTORS[model, text] = vector
    return np.vstack([_CORPUS_VECTORS[model, t] for t in texts])


def by_meaning(
    guidance: Sequence[Guidance],
    focus: str,
    role: str,
    encoder: Encoder,
    keep: int,
    stored: Mapping[str, np.ndarray] | None = None,
    aims: Sequence[str] = (),
) -> list[Guidance]:
    """The `keep` passages closest in meaning to `focus`, closest first, each holding
    only the worked example that fits `role` (or none). `stored`: the vectors the
    knowledge base already holds, by chunk id (a passage is encoded only if absent).
    `aims`: what the pair works on, one by one (each goal, what the mentee wants): a
    sentence is as close to the pair as to `focus` or to the closest of them, since one
    aim among several is diluted in `focus`."""
    if not guidance:
        return []
    cleaned = []
    for g in guidance:
        text = fitting_examples_only(g.text, role, encoder, g.heading)
        if _EXAMPLE_HEADING.search(g.heading.split(" > ")[-1]) and len(text) < len(g.text) / 2:
            # A passage that is one worked example from another profession: not this pair's.
            continue
        if text.strip():
            cleaned.append(g.model_copy(update={"text": text}))
    if not focus.strip():
        return cleaned[:keep]
    stored = stored or {}
    missing = [g for g in cleaned if g.chunk_id not in stored]
    fresh = dict(
        zip(
            [g.chunk_id for g in missing],
            encoder.encode([f"{g.heading}\n{g.text}" for g in missing]) if missing else [],
            strict=True,
        )
    )
    query = encoder.encode_one(focus)
    scores = np.array(
        [float(np.dot(stored.get(g.chunk_id, fresh.get(g.chunk_id)), query)) for g in cleaned]
    )
    order = sorted(range(len(cleaned)), key=lambda i: (-float(scores[i]), i))
    wanted = [a for a in dict.fromkeys(a.strip() for a in aims) if a]
    targets = np.vstack([query, *encoder.encode(wanted)]) if wanted else query
    return [with_focus(cleaned[i], targets, encoder) for i in order[:keep]]


def with_focus(chunk: Guidance, focus: np.ndarray, encoder: Encoder) -> Guidance:
    """`chunk` with how close each of its sentences is to the pair's focus (a vector, or
    one per row: then the closest row counts), so a drafter can quote the sentence of a
    passage that is about this pair."""
    sentences = sentences_of(chunk.text)
    if not sentences:
        return chunk
    targets = focus.reshape(1, -1) if focus.ndim == 1 else focus
    scores = (_recurring(encoder, sentences) @ targets.T).max(axis=1)
    return chunk.model_copy(update={"focus": [round(float(s), 4) for s in scores]})


# A sentence of the guidance is quoted to a pair only if it is closer to the pair's
# focus than this share of all the sentences given (the median would let through lines
# about as far from the pair as most: "Whether successors … were appointed" to a
# teacher).
QUOTE_PERCENTILE = 70
# … and never less close than this (cosine, all-MiniLM-L6-v2, to the focus or the closest
# aim, `by_meaning`): when every passage found is far from the pair, the closest of them
# is still not about it. Set on the tuning half of tests/drafting/data: the lines that
# fit their pair were 0.45-0.62 close ("Becoming the manager of people who were
# colleagues last month is one of the hardest parts." to a new manager of former
# peers, 0.52); lines about other things came up to 0.44 ("When a long-serving
# specialist is retiring, …" to an engineer who wants to own a service, 0.43). A brief
# with no line from the knowledge base leaves the heading out; a line about someone
# else costs the brief its credibility.
QUOTE_FLOOR = 0.45


def on_focus(guidance: Sequence[Guidance]) -> float:
    """How close to the pair's focus a sentence of `guidance` must be to be quoted: the
    QUOTE_PERCENTILE of all its sentences' closeness, at least QUOTE_FLOOR. -1 when not
    ranked."""
    scores = [s for g in guidance for s in g.focus]
    if not scores:
        return -1.0
    return max(float(np.percentile(scores, QUOTE_PERCENTILE)), QUOTE_FLOOR)


def snippet(chunk: Guidance, bar: float) -> str:
    """What a passage says that is about this pair: its sentence closest to the pair's
    focus (with the next when that one is close too), if closer than `bar`, the median
    of all the guidance given. Unranked guidance: the passage's opening."""
    sentences = sentences_of(chunk.text)
    if len(chunk.focus) != len(sentences):
        return first_sentences(chunk.text, limit=600)
    usable = [
        i for i, sentence in enumerate(sentences) if readable(sentence) and chunk.focus[i] > bar
    ]
    if not usable:
        return ""
    # "It may mean …", "This works because …": a sentence that points back is quoted
    # with the sentence it points back to, or not at all.
    usable = [i for i in usable if not _LEANS_BACK.match(sentences[i]) or _leads_in(sentences, i)]
    if not usable:
        return ""
    best = max(usable, key=lambda i: (chunk.focus[i], -i))
    picked = sentences[best]
    labels = {_label(m.group(1)) for m in _LABELLED_ITEM.finditer(chunk.text)}
    if _LEANS_BACK.match(picked) or (best > 0 and _label(sentences[best - 1]) in labels):
        # What "it" is, or the label that says what an item's list is for ("Ask the
        # right people." before "A peer who watched the meeting, …").
        picked = f"{sentences[best - 1]} {picked}"
    after = best + 1
    if len(picked.split()) < 15 and after in usable:
        picked = f"{picked} {sentences[after]}"
    return shorten(picked, 600)


# A list item that opens with a bold label: "- **Ask the right people.** A peer who …".
_LABELLED_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d+[.)])[ \t]+\*\*([^*\n]+)\*\*", re.MULTILINE)


def _label(text: str) -> str:
    return text.strip().strip("*_").strip().rstrip(".:").strip().lower()


# Openings that point back to the sentence before.
_LEANS_BACK = re.compile(
    r"^(?:It|This|That|These|Those|They|Their|Them|He|She|His|Her|Such|Doing so|Both|"
    r"Neither|Either|Otherwise)\b"
)


def _leads_in(sentences: list[str], index: int) -> bool:
    """Whether the sentence before `index` can be quoted with it: guidance in the guide's
    own voice, not a heading's line or a list's introduction."""
    if index == 0:
        return False
    before = sentences[index - 1]
    return (
        (before[0].isupper() or before[0].isdigit())
        and not before.rstrip("\"”'’)").endswith((":", "…"))
        and not _FIRST_PERSON.search(before)
        and _MARKED.match(before.strip().lstrip("*_").strip()) is None
    )


def readable(sentence: str, shortest: int = 8) -> bool:
    """A sentence that reads on its own as guidance: whole, in the guide's own voice (not
    a script in someone's "I"), not a question, a line introducing a list or the line
    that sets up a worked example ("Worked example: a clinical data analyst joins…",
    which says who, not what to do), nor a list item that runs on into the next ("HR, a
    speak-up or grievance route, a staff network … or the employee assistance program;").
    `shortest`: the fewest words it may have (quoted under its section's heading, a
    shorter sentence still reads)."""
    return (
        len(sentence.split()) >= shortest
        and _MARKED.match(sentence.strip().lstrip("*_").strip()) is None
        and (sentence[0].isupper() or sentence[0].isdigit())
        and not sentence.rstrip("\"”'’)").endswith((":", "?", "…", ";", ","))
        and not _FIRST_PERSON.search(sentence)
        and "…" not in sentence
        and _POINTS_ELSEWHERE.search(sentence) is None
    )


# A sentence that sends the reader to another guide ("Choosing the direction itself is
# covered in the guide on career paths.") says nothing about the pair.
_POINTS_ELSEWHERE = re.compile(
    r"\b(?:covered|described|discussed|explained) (?:in|by) (?:the|this|another) guid|"
    r"\bsee the guid|\bthe guid(?:e|ance) on\b",
    re.IGNORECASE,
)


# A citation is carried by the draft's text when the text still names the guide or quotes
# a run of this many words from the passages it was given.
QUOTED_WORDS = 8
_WORD = re.compile(r"[\w'’-]+")


def _words(text: str) -> list[str]:
    words = (w.casefold().replace("’", "'").strip("'-") for w in _WORD.findall(text))
    return [w for w in words if w]


def _runs(text: str) -> set[tuple[str, ...]]:
    words = _words(text)
    return {tuple(words[i : i + QUOTED_WORDS]) for i in range(len(words) - QUOTED_WORDS + 1)}


def _texts_of(content: object, *, top: bool = True) -> list[str]:
    """Every piece of text of a draft's content but its own list of citations."""
    if isinstance(content, str):
        return [content]
    if isinstance(content, dict):
        return [
            text
            for key, value in content.items()
            if not (top and key == "citations")
            for text in _texts_of(value, top=False)
        ]
    if isinstance(content, list):
        return [text for value in content for text in _texts_of(value, top=False)]
    return []


def _carried(document_id: str, texts: list[str], sources: Sequence[Mapping[str, object]]) -> bool:
    if any(text == document_id for text in texts):  # a brief's snippet names its guide
        return True
    given = [s for s in sources if s.get("document_id") == document_id]
    written = " \n ".join(texts)
    said = _runs(written)
    flat = " ".join(_words(written))
    for source in given:
        title = " ".join(_words(str(source.get("title") or "")))
        if title and f" {title} " in f" {flat} ":
            return True
        if said & _runs(str(source.get("text") or "")):
            return True
    return False


def orphaned_citations(
    before: Mapping[str, object] | None,
    after: Mapping[str, object],
    sources: Sequence[Mapping[str, object]],
) -> list[str]:
    """The guides `after` still cites although an edit removed the text that carried them.

    A citation counts as carried when the text names the guide's title or quotes
    `QUOTED_WORDS` words in a row from a passage of it. Only citations the text carried
    before the edit are judged: one that never stood on quoted text (a question the
    guide inspired) is not dropped because some other line was edited."""
    cited = after.get("citations")
    if not isinstance(cited, list) or not cited:
        return []
    old, new = _texts_of(before or {}), _texts_of(after)
    return [
        str(document_id)
        for document_id in cited
        if _carried(str(document_id), old, sources) and not _carried(str(document_id), new, sources)
    ]
