"""The cited answer: a coordinator's question answered from the retrieved passage that
answers it best, opening with its sentence that says what to do, then the citation; or
a plain "the knowledge base does not cover this" when no passage comes close enough,
or "ask your finance team" when the question is closer to one of the areas the guides
leave to the organisation (knowledge/elsewhere.yaml) than to any passage.

Closeness is measured with the process's sentence encoder (cosine similarity of the
question with each passage, with each of its whole sentences, and with the questions
listed for its section in knowledge/asked.yaml), so an answer is chosen by what the
question means, not by the words it shares with a passage.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

import numpy as np

from companion import language
from companion.drafting.inputs import GUIDANCE_CHUNKS, Sources
from companion.drafting.kinds.spec import Audience, Reviewer
from companion.drafting.text import (
    ended,
    marked_blocks,
    plain,
    sentences_of,
    shorten,
    split_sentences,
    whole_sentences,
    words_of,
)
from knowledge.asked import asked_questions
from knowledge.elsewhere import areas
from prompts.schemas import (
    AnswerInput,
    CitedAnswer,
    Claim,
    DraftKind,
    Elsewhere,
    Guidance,
    PassageFit,
)

if TYPE_CHECKING:
    from embeddings import Encoder

KIND = DraftKind.answer
HEADLINE = "An answer from the knowledge base"
REVIEWERS = frozenset({Reviewer.requester})
RECEIVERS = Audience.requester

# A passage answers a question only when its meaning is at least this close to it
# (cosine of all-MiniLM-L6-v2 vectors). Set on the tuning half of the scenarios in
# tests/drafting/data: their best passages score 0.50 or more, while questions the
# corpus does not cover score 0.31 at most (bench/draft_quality.py; docs/llm.md).
RELEVANCE_THRESHOLD = 0.40
# Sentences of the chosen passage that join the opening one: close to the question in
# their own right, and not far behind the closest sentence.
SENTENCE_FLOOR = 0.30
SENTENCE_MARGIN = 0.15
# How much the questions listed for a passage's section (knowledge/asked.yaml, in the
# words people ask them) count beside the passage's own closeness to the question.
ASKED_WEIGHT = 0.3
# A section whose closest listed question is at least this close to the question is read
# even when the search did not return it (at most ASKED_SECTIONS such sections).
ASKED_REACH = 0.75
ASKED_SECTIONS = 2
MAX_CLAIMS = 3
MAX_STEPS = 5
LEAD_MIN_WORDS = 8
# A sentence of advice leads when it is at most this much less close to the question than
# the closest sentence of the passage.
LEAD_MARGIN = 0.10
MIN_WORDS = 4
# A question is left to the organisation (expenses, IT access, leave…) when its closest
# listed question of such an area (knowledge/elsewhere.yaml) is at least this close to
# it, and no more than ELSEWHERE_MARGIN less close than the best passage. Set on the
# tuning halves (docs/llm.md, "Questions the guides leave to the organisation"): every
# covered question's best passage led its closest area by 0.04 or more, and the admin
# questions caught were closer to their area than to any passage; three wrapped in a
# mentoring situation trailed by 0.05-0.08 and are still answered.
ELSEWHERE_FLOOR = 0.40
ELSEWHERE_MARGIN = 0.02


def gather(sources: Sources) -> AnswerInput:
    question = sources.text or ""
    encoder = sources.services.encoder
    found = passages(question, lambda query, top_k: sources.guidance(query, top_k=top_k), encoder)
    return for_question(question, found, encoder)


def passages(
    question: str, search: Callable[[str, int], list[Guidance]], encoder: Encoder | None = None
) -> list[Guidance]:
    """The passages an answer to `question` reads, `search(query, top_k)` finding them.

    With `encoder`, also the passages of the sections whose listed question
    (knowledge/asked.yaml) is closest to it (`_asked_sections`): a section written for
    the question can sit below four passages that share more of its words.
    The guides' answer to mistreatment is worded as the mistreatment and where it goes
    ("harassment, discrimination, bullying … HR"), not as the question's other words
    ("my mentee", "manager", "what do I do"): for such a question that is searched for
    as well. Every passage comes from `search`, so what it may not return (a guide
    written for other readers) is never read."""
    found = search(question, passages_for(question))
    if encoder is not None and language.not_english(question) is None:
        found = [*found, *_asked_sections(question, found, search, encoder)]
    harm = _MISTREATMENT.search(question)
    if harm is not None:
        seen = {g.chunk_id for g in found}
        more = search(f"{harm.group(0)} {_REFERRING_ON}", GUIDANCE_CHUNKS)
        found = [*found, *(g for g in more if g.chunk_id not in seen)]
    risk = _AT_RISK_QUESTION.search(question)
    if risk is not None:
        # Someone who may harm themselves: what to do now is searched for in the guides'
        # words, whatever else the question says ("I'm just a volunteer mentor").
        seen = {g.chunk_id for g in found}
        more = search(f"{risk.group(0)} {_AT_RISK_ANSWER}", GUIDANCE_CHUNKS)
        found = [*found, *(g for g in more if g.chunk_id not in seen)]
    return found


# A question about someone being mistreated or at risk: declining it is the worst refusal
# an answer can make, and the guides' answer (formal processes, the exceptions to
# confidentiality, referring on) is often a few passages down, below passages that
# share its other words ("my mentee", "manager").
# Someone who may harm themselves: the question of all questions not to turn away.
_AT_RISK = (
    r"self[- ]harm\w*|suicid\w*|overdos\w*|"
    r"(?:harm|hurt|kill|cut)(?:s|ting|ing)?\s+(?:themselves|themself|himself|herself|myself)|"
    r"(?:end|take|taking|took)(?:s|ing)?\s+(?:their|his|her|my)\s+(?:own\s+)?life"
)
# Mistreatment of the person asked about (not a threat of a lawsuit).
_MISTREATED = (
    r"bull(?:y|ies|ied|ying)|harass\w*|discriminat\w*|abus\w*|assault\w*|racis\w*|"
    r"sexis\w*|victimi[sz]\w*|intimidat\w*|belittl\w*|"
    # … named by its kind or its act ("homophobic jokes", "a racial slur", "humiliates
    # her in front of the team"). Not "racial", "ethnic" or "mocked" alone: "racial
    # equity in matching" and "mocked up a portfolio" are no mistreatment.
    r"slurs?\b|homophob\w*|transphob\w*|misogyn\w*|xenophob\w*|"
    r"islamophob\w*|antisemit\w*|ableis\w*|humiliat\w*|demean\w*|"
    # … or by the act and what it is aimed at: "jokes about his accent", "remarks about
    # her religion", "mocks their weight" ("mocked up a portfolio" is no mistreatment).
    r"(?:jok\w*|comment\w*|remark\w*|fun|mock\w*|laugh\w*|teas\w*|imitat\w*|insult\w*)\s+"
    r"(?:about\s+|of\s+|at\s+|on\s+)?(?:(?:his|her|their|my|your|someone's|people's|"
    r"(?:my\s+)?mentee's|\w+'s)\s+(?:accent|race|religion|faith|skin|colou?r|ethnicity|"
    r"nationality|gender|sexuality|weight|age|disability|body|hijab|turban|headscarf|"
    r"name|pronouns|appearance|looks)\b|"
    # "comments about how she looks", "commenting on how he dresses"
    r"how\s+(?:she|he|they|i)\s+(?:looks?|dress\w*|sounds?|speaks?|talks?)\b)"
)
_SAFEGUARDING = re.compile(
    rf"\b(?:{_MISTREATED}|threat\w*|unsafe|whistle-?blow\w*|{_AT_RISK})", re.IGNORECASE
)
# A question about someone at risk of harming themselves is answered from a passage this
# close to it, not RELEVANCE_THRESHOLD: declining it is the worst refusal, and the
# guides' answer (the limits of a mentor's role, referring on) is worded unlike the
# question. "My mentee told me something that suggests they might harm themselves" is
# 0.37 from the section on signs a situation is beyond the mentor's role. Also for
# mistreatment, but then only from a passage that speaks of it (`_MISTREATMENT`). Never
# for every word above: "an employee is threatening to sue us" (held out, labelled as
# nothing the guides answer) was answered.
SAFEGUARDING_THRESHOLD = 0.30
# An answer to a question about mistreatment comes only from a passage that speaks of
# mistreatment, never from one that shares only the question's other words ("manager",
# "mentee"): a mentee being bullied by their manager was answered with the signs a
# mentee needs help with promotion.
_MISTREATMENT = re.compile(rf"\b(?:{_MISTREATED})", re.IGNORECASE)
_REFERRING_ON = "harassment discrimination bullying formal process HR where a mentor's role ends"
_AT_RISK_ANSWER = "a mentee tells you about self-harm or thoughts of suicide: what to do now"
_AT_RISK_QUESTION = re.compile(rf"\b(?:{_AT_RISK})", re.IGNORECASE)


# The kinds of mistreatment the guides name; a question that names none of them ("jokes
# about his accent") is read for closeness as if it did, since the guides' answer to it
# is worded as these, not as the act.
_NAMED_MISTREATMENT = re.compile(r"\b(?:harass|discriminat|bull[yi])", re.IGNORECASE)


def _named_as_mistreatment(question: str) -> str:
    """`question`, with what it describes named as mistreatment when it describes one
    without naming its kind ("keeps making jokes about his accent"): then closeness to the
    guides' passage on a disclosure is closeness to the question's meaning."""
    if not _MISTREATMENT.search(question) or _NAMED_MISTREATMENT.search(question):
        return question
    return f"{question.rstrip()} Is this harassment or discrimination?"


def _section(chunk: Guidance) -> str:
    """The heading of the section a passage sits in, its innermost."""
    return chunk.heading.split(">")[-1].strip()


def _other_side(question: str) -> str:
    """How a section written for the other side of the asker's pair names them: a mentor
    asking ("my mentee") is not answered from "When your mentor keeps cancelling"."""
    mentor = re.search(r"\bmy mentees?\b", question, re.IGNORECASE)
    mentee = re.search(r"\bmy mentor\b", question, re.IGNORECASE)
    if mentor and not mentee:
        return "your mentor"
    if mentee and not mentor:
        return "your mentee"
    return ""


def _speaks_of_mistreatment(chunk: Guidance) -> bool:
    """Whether a passage, or the heading it sits under, speaks of mistreatment."""
    return bool(_MISTREATMENT.search(f"{chunk.heading}\n{chunk.text}"))


def passages_for(question: str) -> int:
    """How many passages an answer to `question` reads: twice as many for a question
    about mistreatment or risk (`_SAFEGUARDING`)."""
    return GUIDANCE_CHUNKS * (2 if _SAFEGUARDING.search(question) else 1)


def for_question(question: str, guidance: list[Guidance], encoder: Encoder) -> AnswerInput:
    """The input of an answer to `question` from the passages retrieved for it."""
    found = language.not_english(question)
    if found is not None:
        # The encoder is English: its closeness scores for this question mean nothing.
        return AnswerInput(question=question, guidance=guidance, language=found.code)
    fits = fit(_named_as_mistreatment(question), guidance, encoder)
    return AnswerInput(
        question=question,
        guidance=guidance,
        fit=fits,
        elsewhere=elsewhere(question, guidance, fits, encoder),
    )


def claim_sentences(chunk: Guidance) -> list[str]:
    """The sentences of a passage an answer may be made of, in the passage's order. A
    table's row is reference to look up, not a statement: quoted alone it answers
    nothing ("Rescheduling: Chat or email")."""
    return whole_sentences(chunk.text, rows=False)


def fit(question: str, guidance: Sequence[Guidance], encoder: Encoder) -> list[PassageFit]:
    """How close each passage, and each of its sentences, is to `question` in meaning,
    and how close the closest question listed for its section is."""
    per_chunk = [claim_sentences(g) for g in guidance]
    texts = [question, *(f"{g.heading}\n{_quotable(g)}" for g in guidance)]
    texts += [s for sentences in per_chunk for s in sentences]
    vectors = encoder.encode(texts)
    scores = [float(v) for v in vectors[1:] @ vectors[0]]
    passages, sentences = scores[: len(guidance)], scores[len(guidance) :]
    asked = _asked_closeness(vectors[0], encoder)
    fits = []
    for chunk, own, passage in zip(guidance, per_chunk, passages, strict=True):
        fits.append(
            PassageFit(
                chunk_id=chunk.chunk_id,
                passage=passage,
                sentences=sentences[: len(own)],
                asked=next((asked[k] for k in _sections_of(chunk) if k in asked), None),
            )
        )
        sentences = sentences[len(own) :]
    return fits


def _quotable(chunk: Guidance) -> str:
    """What of a passage an answer can be made of: without its tables (`claim_sentences`),
    so a passage is not judged close on rows it could never quote ("First meeting,
    getting to know each other: In person or video" to "what should we talk about in
    our first session")."""
    blocks = marked_blocks(chunk.text)
    if all(kind != "row" for kind, _ in blocks):
        return chunk.text
    return "\n".join(text for kind, text in blocks if kind != "row")


# The listed questions' vectors, encoded once per encoder.
_ASKED_VECTORS: WeakKeyDictionary[Encoder, np.ndarray] = WeakKeyDictionary()


def _asked_vectors(encoder: Encoder) -> np.ndarray:
    vectors = _ASKED_VECTORS.get(encoder)
    if vectors is None:
        vectors = _ASKED_VECTORS[encoder] = encoder.encode([q.text for q in asked_questions()])
    return vectors


def _asked_sections(
    question: str,
    found: Sequence[Guidance],
    search: Callable[[str, int], list[Guidance]],
    encoder: Encoder,
) -> list[Guidance]:
    """The passages of the sections, not among `found`, whose closest listed question is
    at least ASKED_REACH close to `question`: of at most ASKED_SECTIONS of them, closest
    first, each found by searching for its heading."""
    closest = _asked_closeness(encoder.encode([question])[0], encoder)
    have = {key for g in found for key in _sections_of(g)}
    wanted = sorted(
        (
            (score, key)
            for key, score in closest.items()
            if score >= ASKED_REACH and key not in have
        ),
        reverse=True,
    )[:ASKED_SECTIONS]
    seen = {g.chunk_id for g in found}
    added: list[Guidance] = []
    for _, key in wanted:
        # The heading alone finds its section: with the listed question's words as well,
        # sections sharing those words came first.
        for g in search(key[1], 2 * GUIDANCE_CHUNKS):
            if key in _sections_of(g) and g.chunk_id not in seen:
                seen.add(g.chunk_id)
                added.append(g)
    return added


def _asked_closeness(question_vector: np.ndarray, encoder: Encoder) -> dict[tuple[str, str], float]:
    """(guide, section) -> closeness of its closest listed question to the question asked."""
    closest: dict[tuple[str, str], float] = {}
    scores = _asked_vectors(encoder) @ question_vector
    for listed, score in zip(asked_questions(), scores, strict=True):
        key = (listed.doc_id, listed.section)
        closest[key] = max(closest.get(key, -1.0), float(score))
    return closest


# The listed questions of the areas the guides leave to the organisation, encoded once.
_ELSEWHERE_VECTORS: WeakKeyDictionary[Encoder, np.ndarray] = WeakKeyDictionary()


def elsewhere(
    question: str, guidance: Sequence[Guidance], fits: Sequence[PassageFit], encoder: Encoder
) -> Elsewhere:
    """The area the guides leave to the organisation whose listed question is closest in
    meaning to `question`; `likely` when it is at least as close as the passages' best
    (within ELSEWHERE_MARGIN): a question for the organisation, not for the guides."""
    listed = [(area, text) for area in areas() for text in area.asked]
    vectors = _ELSEWHERE_VECTORS.get(encoder)
    if vectors is None:
        vectors = _ELSEWHERE_VECTORS[encoder] = encoder.encode([text for _, text in listed])
    scores = vectors @ encoder.encode([question])[0]
    closest = int(np.argmax(scores))
    area, closeness = listed[closest][0], float(scores[closest])
    by_chunk = {f.chunk_id: f for f in fits}
    best = max(
        (evidence(by_chunk[g.chunk_id]) for g in guidance if not _illustrates(g)),
        default=-1.0,
    )
    return Elsewhere(
        area=area.key,
        about=area.about,
        ask=area.ask,
        closeness=closeness,
        likely=closeness >= ELSEWHERE_FLOOR and closeness >= best - ELSEWHERE_MARGIN,
    )


def _sections_of(chunk: Guidance) -> list[tuple[str, str]]:
    """The (guide, heading) keys a passage sits under, the innermost first."""
    return [(chunk.document_id, part.strip()) for part in chunk.heading.split(">")[:0:-1]]


def compose(data: AnswerInput) -> CitedAnswer:
    if data.language != language.ENGLISH:
        return _other_language(data)
    if not data.fit and data.elsewhere is None:
        # Gathered elsewhere (a test, a benchmark): `for_question` fills both, so a
        # question gathered with no guidance found keeps its own `elsewhere`.
        data = _packaged_fit(data)
    if data.elsewhere is not None and data.elsewhere.likely:
        return _ask_elsewhere(data.elsewhere)
    by_chunk = {f.chunk_id: f for f in data.fit}
    if not data.guidance:
        return _insufficient(data)
    ranked = sorted(
        range(len(data.guidance)),
        key=lambda i: (-evidence(by_chunk[data.guidance[i].chunk_id]), i),
    )
    # Someone at risk, or mistreated (answered only from passages about mistreatment,
    # below): the guides' answer is worded unlike the question, and declining it is the
    # worst refusal.
    at_risk = bool(_AT_RISK_QUESTION.search(data.question))
    mistreated = bool(_MISTREATMENT.search(data.question))
    bar = SAFEGUARDING_THRESHOLD if at_risk or mistreated else RELEVANCE_THRESHOLD
    answering = [
        i
        for i in ranked
        if evidence(by_chunk[data.guidance[i].chunk_id]) >= bar
        and not _illustrates(data.guidance[i])
        and _candidates(data.guidance[i], by_chunk[data.guidance[i].chunk_id])
    ]
    if at_risk:
        # What to do when someone may harm themselves leads, where a passage says it.
        # A section about it first, then any passage that speaks of it.
        headed = [i for i in answering if _AT_RISK_QUESTION.search(_section(data.guidance[i]))]
        risky = headed + [
            i
            for i in answering
            if i not in headed and _AT_RISK_QUESTION.search(data.guidance[i].text)
        ]
        answering = risky + [i for i in answering if i not in risky]
    if mistreated and not at_risk:
        answering = [i for i in answering if _speaks_of_mistreatment(data.guidance[i])]
    elif not mistreated:
        # A section on responding to mistreatment shares HR, grievances and unions with
        # questions about dismissals and pay disputes, which it does not answer.
        answering = [i for i in answering if not _MISTREATMENT.search(_section(data.guidance[i]))]
    other = _other_side(data.question)
    if other:
        # "My mentee keeps cancelling": a section written for the other side ("When your
        # mentor keeps cancelling") answers another person's question; it goes last.
        facing = [i for i in answering if other not in _section(data.guidance[i]).lower()]
        answering = facing + [i for i in answering if i not in facing]
    if not answering:
        return _insufficient(data)
    best = data.guidance[answering[0]]
    kinds = _kinds(best, data.question)
    steps = [] if kinds else _steps(best)
    candidates = _candidates(best, by_chunk[best.chunk_id])
    whole = None if kinds or steps else _whole(best, _opening_lead(candidates))
    chosen = (
        [s for s in [kinds[0], *(said for _, said in kinds[1])] if s]
        if kinds
        else [s for step in steps for s in step if s]
        or (whole[1] if whole else [])
        or _chosen(candidates, claim_sentences(best))
    )

    claims = []
    for sentence in chosen:
        # Chunks overlap: cite every retrieved chunk that holds the sentence.
        cited = [g.chunk_id for g in data.guidance if sentence in " ".join(sentences_of(g.text))]
        # A step joined from its label and its line is not one of the passage's
        # sentences as split, but it is the passage's: it cites where it came from.
        claims.append(Claim(text=sentence, citations=list(dict.fromkeys(cited or [best.chunk_id]))))
    citation = f"Source: {_where(best)}."
    others = [
        data.guidance[i] for i in answering[1:] if data.guidance[i].document_id != best.document_id
    ]
    if others:
        citation += f" See also {_where(others[0])}."
    if kinds:
        intro, items = kinds
        listed = "\n".join(f"- {label}: {said}" for label, said in items)
        body = f"{ended(intro)}\n\n{listed}" if intro else listed
    elif steps:
        body = "\n".join(f"- {ended(label)} {said}".rstrip() for label, said in steps)
    elif whole:
        body = whole[0]
    else:
        body = " ".join(ended(s) for s in chosen)
    answer = shorten(body + "\n\n" + citation, 3000)
    return CitedAnswer(answer=answer, claims=claims, insufficient=False)


def _ask_elsewhere(area: Elsewhere) -> CitedAnswer:
    return CitedAnswer(
        answer=(
            f"The mentoring guides do not answer this: it reads like a question about "
            f"{area.about}, and they cover mentoring practice, not workplace rules or "
            f"administration. Try {area.ask}."
        ),
        claims=[],
        insufficient=True,
    )


def _steps(chunk: Guidance) -> list[tuple[str, str]]:
    """The steps a passage lists as items whose bold labels say what to do ("**Choose
    the moment.** Not at the end…", "**Count to three** after…"): each label with what
    the item says under it (whole when short, else its first sentence), in order, when
    there are at least two. A passage written as a procedure is answered with it: the
    labels alone say what to do, not how."""
    steps = []
    items = list(_STEP_ITEM.finditer(chunk.text))
    advice = [m for m in items if _advises(m.group(1))]
    # A procedure most of whose steps say what to do is answered whole: a step that
    # opens on a verb the drafter does not know ("Translate their experience") or asks
    # ("Same department?") is still one of its steps; a one-word label ("Context:") is
    # a note beside them, not a step.
    if len(advice) >= 2 and 2 * len(advice) >= len(items):
        advice = [m for m in items if len(m.group(1).strip().rstrip(":.,;").split()) >= 2]
    for match in advice:
        label = match.group(1).strip().rstrip(":.,;").strip()
        raw, body = match.group(1).strip(), match.group(2).strip()
        if body[:1] in ",:;" and raw[-1] not in ".:;!?,":
            # The label's own punctuation written after the bold ("**Offer a format that
            # fits**: mentoring circles", "**Ask in person**, not by mass email").
            raw, body = raw + body[0], body[1:].strip()
        body = body.lstrip(":").strip()
        if len(body.split()) > STEP_WORDS:
            body = (sentences_of(body) or [""])[0]
        if body and raw.endswith(":") and body[:1].islower():
            # "**Keep live sessions for what needs a conversation:** a hard decision, …":
            # the label introduces its line; never "… a conversation. a hard decision".
            label, body = f"{raw} {body}", ""
        elif body and (raw.endswith(",") or (raw[-1] not in ".:;!?" and body[:1].islower())):
            # The label runs on into its line ("**Agree a next step,** even a small one,
            # before ending."): one sentence, as written, not a label and a fragment.
            label, body = f"{raw} {body}", ""
        steps.append((label, body))
    return steps[:MAX_STEPS] if len(steps) >= 2 else []


def _advises(label: str) -> bool:
    """Whether a step's bold label says what to do ("Agree a next step")."""
    said = label.strip().rstrip(":.,;").strip()
    return len(said.split()) >= 2 and gives_advice(said)


# An item of a list with a bold label and what follows it on its line.
_STEP_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d+[.)])[ \t]+\*\*([^*\n]+)\*\*[ \t]*(.*)$", re.M)
# A step's text under its label is quoted whole up to this many words.
STEP_WORDS = 40


# An item that defines one of a set: "- **Democratic:** "What do you think?" Builds …".
_DEFINED = re.compile(r"^[ \t]*[-*+][ \t]+\*\*([^*\n]+?)\*\*[ \t]*(.*)$", re.MULTILINE)
# A question that asks for a whole set: "is there a standard set of styles, and when is
# each one used?", "what kinds of …".
_ASKS_FOR_A_SET = re.compile(
    r"\b(?:each|types? of|kinds? of|styles|set of|what are the|which are the|list)\b", re.I
)
MAX_KINDS = 8


def _kinds(chunk: Guidance, question: str) -> tuple[str, list[tuple[str, str]]] | None:
    """The set a passage defines, item by item ("**Coercive (commanding):** "Do what I
    say." Useful in a genuine crisis …"), for a question that asks for the set: the
    passage's opening sentence, and each item's label with its first sentence that is
    not only a quotation. None unless at least three items define something (a label
    ending in a colon that is no advice to act on: those are steps, `_steps`)."""
    if not _ASKS_FOR_A_SET.search(question):
        return None
    items: list[tuple[str, str]] = []
    for match in _DEFINED.finditer(chunk.text):
        label, body = match.group(1).strip(), match.group(2).strip()
        if label.endswith(":"):
            label = label[:-1].strip()
        elif body.startswith(":"):
            body = body[1:].strip()
        else:
            continue
        if gives_advice(label):
            continue
        said = [s for s in sentences_of(body) if not _only_quoted(s)]
        if said:
            items.append((plain(label), said[0]))
    if len(items) < 3:
        return None
    first_item = _DEFINED.search(chunk.text)
    before = chunk.text[: first_item.start()] if first_item else ""
    opening = whole_sentences(before)
    return (opening[0] if opening else ""), items[:MAX_KINDS]


# A passage of at most this many words is the answer as it stands: its sentences lean on
# each other, and picking some can drop the one that matters ("Most of what a mentee
# tells you should stay private." without "The usual exceptions are serious risk to
# someone's safety …").
WHOLE_WORDS = 200
# A label of a list item is at most this many words ("One voice dominates.").
LABEL_WORDS = 6
# A lead that refers back brings at most this many sentences with it, itself included.
MAX_LEAD_BACK = 3
MAX_WHOLE_CLAIMS = 10


def _whole(chunk: Guidance, lead: str) -> tuple[str, list[str]] | None:
    """A short passage as the answer: the part holding `lead` (the sentence that answers
    most directly, `_lead`) first, then the rest of the passage in its order, list items
    as "- …" lines; and the claims, one per sentence of a paragraph and one per item. A
    line that introduces a list or asks claims nothing; an example or a research note is
    left out, as in any answer. None for a longer passage, a table, or a passage that
    opens mid-sentence (the overlap of a long section)."""
    blocks = marked_blocks(chunk.text)
    # "(self-rated progress on goals, …)": the end of a bracket the passage before
    # opened, carried over by the overlap between passages.
    while blocks and _BRACKET_ONLY.match(blocks[0][1]):
        blocks = blocks[1:]
    # A line that introduces a list whose items are in the next passage says nothing.
    while blocks and blocks[-1][1].rstrip().endswith(":"):
        blocks = blocks[:-1]
    words = sum(len(text.split()) for _, text in blocks)
    if not blocks or words > WHOLE_WORDS or any(kind == "row" for kind, _ in blocks):
        return None
    if not blocks[0][1][:1].isupper():
        return None
    # (block, is an item, text): an item whole (its bold label is half of it), a
    # paragraph sentence by sentence.
    units = [
        (number, kind == "item", text)
        for number, (kind, block) in enumerate(blocks)
        for text in ([block] if kind == "item" else split_sentences(block))
        if not _is_background(text)
    ]
    first = next((i for i, (_, _, text) in enumerate(units) if lead in text), None)
    if first is None:
        return None
    block, item, text = units[first]
    whole_item = item and (
        refers_back(text)
        or (text.startswith(lead) and all(units[i][1] for i in range(first)))
        # One of a set of labelled options ("Close: help the pair end properly …"):
        # lifted above the others, it would read as the answer and the rest as an
        # afterthought; the choice is the set, read in its order.
        or (text.startswith(lead) and _OPTION_LABEL.match(text) is not None)
        # One of a list of things to look out for, not to do ("A pool much less diverse
        # than the mentee population, which …"), in a passage that opens with a sentence
        # of its own: out of its list the item answers nothing; the passage's opening does.
        or (text.startswith(lead) and not gives_advice(text) and not units[0][1])
    )
    lifted = item and not whole_item and not text.startswith(lead)
    if lifted and len(text[: text.index(lead)].split()) <= LABEL_WORDS:
        # The lead is what an item says under its short label ("Forgetting the ending.
        # Plan a final session …"): lifted out, it would leave the label bare in the
        # list. The passage is read in its own order instead.
        lifted, whole_item = False, True
    if whole_item:
        # A whole item of a list the passage opens with ("Expecting a mentor to get you
        # promoted. A mentor helps …"), or one whose subject is in the line above ("They
        # cannot say what the criteria are …"): the passage is read in its own order,
        # from its start, a list as a list.
        taken: list[int] = []
        opening: list[str] = []
        rest = list(range(len(units)))
    elif lifted:
        # The lead is the advice of an item ("Rushing to a decision. If the mentee is still
        # deciding …, explore options …"): it opens the answer, and its item stays in the
        # list with what comes before it, so the list still reads whole.
        taken = [first]
        opening = [lead]
        units[first] = (block, item, text[: text.index(lead)].strip())
        rest = list(range(len(units)))
    else:
        taken = [first]
        # "It shows…" after what "it" is, and so on back while each refers back.
        while (
            taken[0] > 0
            and units[taken[0] - 1][0] == block
            and refers_back(units[taken[0]][2])
            and len(taken) < MAX_LEAD_BACK
        ):
            taken.insert(0, taken[0] - 1)
        # … and forward: "That shows the openness …" after the lead it speaks of.
        while (
            taken[-1] + 1 < len(units)
            and units[taken[-1] + 1][0] == block
            and not units[taken[-1] + 1][1]
            and refers_back(units[taken[-1] + 1][2])
            and len(taken) < MAX_LEAD_BACK
        ):
            taken.append(taken[-1] + 1)
        opening = [units[i][2] for i in taken]
        rest = [i for i in range(len(units)) if i not in taken]
    body = " ".join(opening)
    # (block, item) of the unit before: the opening's, when the rest goes on from it in
    # the passage's order (a lead that opens the passage keeps its paragraph).
    previous: tuple[int, bool] | None = None
    if taken and not lifted and rest and rest[0] == taken[-1] + 1:
        previous = units[taken[-1]][:2]
    for i in rest:
        block, item, text = units[i]
        if item:
            body += ("\n" if previous and previous[1] else "\n\n") + f"- {text}"
        elif previous and previous[0] == block:
            body += f" {text}"  # the next sentence of the same paragraph
        else:
            body += f"\n\n{text}"
        previous = (block, item)
    # The opening is cited whole; of the rest, what states something (`_is_claim`: not
    # a line that introduces a list, a question, or an item finishing the line before).
    claims = opening + [units[i][2] for i in rest if _is_claim(units[i][2])]
    if not claims or len(claims) > MAX_WHOLE_CLAIMS:
        return None
    return body.strip("\n"), claims


# The one-word label an option of a set opens with: "Close: …", "Adjust: …"; not a tip
# such as "Change the setup: …", which may lead.
_OPTION_LABEL = re.compile(r"^[A-Z][\w'-]*:\s")


def _only_quoted(sentence: str) -> bool:
    """A sentence that is only a quotation ('"Do what I say."'), not the guide's words."""
    text = sentence.strip()
    return text[:1] in "\"“'‘" and text.rstrip(".").endswith(('"', "”", "'", "’"))


def _illustrates(chunk: Guidance) -> bool:
    """A passage under a heading such as "Example pre-session note" shows one case; the
    advice it illustrates is in its section, and an answer leads with advice."""
    return bool(_EXAMPLE.match(_section(chunk)))


def evidence(scores: PassageFit) -> float:
    """How strongly a passage answers the question: its own closeness in meaning, and,
    where its section lists questions people ask, the closest of them too."""
    if scores.asked is None:
        return scores.passage
    return (1 - ASKED_WEIGHT) * scores.passage + ASKED_WEIGHT * scores.asked


def _packaged_fit(data: AnswerInput) -> AnswerInput:
    """Scores for an input gathered elsewhere (a test, a benchmark): the packaged encoder."""
    from embeddings import Encoder

    encoder = Encoder.shared()
    fits = fit(data.question, data.guidance, encoder)
    return data.model_copy(
        update={
            "fit": fits,
            "elsewhere": elsewhere(data.question, data.guidance, fits, encoder),
        }
    )


def _candidates(chunk: Guidance, scores: PassageFit) -> list[tuple[int, str, float]]:
    """(position, sentence, closeness) of the sentences that state something. An item's
    bold label ("Confusing mentoring with sponsorship.") is never one alone: it comes with
    the sentence after it ("Advice is not advocacy."), which says what the label means,
    and as close as the closer of the two."""
    sentences = claim_sentences(chunk)
    labels = {_label_text(m.group(1)) for m in _STEP_ITEM.finditer(chunk.text)}
    found = []
    for position, (sentence, score) in enumerate(zip(sentences, scores.sentences, strict=True)):
        if _label_text(sentence) in labels:
            if position + 1 >= len(sentences):
                continue
            sentence = f"{sentence} {sentences[position + 1]}"
            score = max(score, scores.sentences[position + 1])
        if _is_claim(sentence):
            found.append((position, sentence, score))
    return found


def _label_text(text: str) -> str:
    """A bold label as a sentence of the passage reads, for comparing the two."""
    return plain(text).strip().strip('"“”').rstrip(".:").strip().lower()


def _chosen(candidates: list[tuple[int, str, float]], sentences: list[str]) -> list[str]:
    """The lead first, as the direct answer; then, in the passage's order, the others
    close enough to the question to carry it further. A lead that refers back ("It
    shows understanding…") comes after the sentence it refers to, which says what "it"
    is (`sentences`: the passage's sentences, in order)."""
    lead = _lead(candidates)
    floor = max(SENTENCE_FLOOR, lead[2] - SENTENCE_MARGIN)
    following = sorted(
        (c for c in candidates if c is not lead and c[2] >= floor and not _is_background(c[1])),
        key=lambda c: -c[2],
    )[: MAX_CLAIMS - 1]
    following.sort(key=lambda c: c[0])
    chosen = [lead[1]]
    start = lead[0]
    while start > 0 and refers_back(chosen[0]) and len(chosen) < MAX_LEAD_BACK:
        start -= 1
        chosen.insert(0, sentences[start])
    for _, sentence, _ in following:
        # A label comes with the sentence after it: never that sentence twice.
        said = " ".join(chosen).lower()
        if sentence.lower() not in said and not any(c.lower() in sentence.lower() for c in chosen):
            chosen.append(sentence)
    return chosen


# Words a sentence opens with when its subject is in the sentence before ("It shows…",
# "This keeps…"); "It helps to…" and other advice stand alone (`gives_advice`).
_REFERRING = frozenset("it this that these those they such he she his her their its".split())


def refers_back(sentence: str) -> bool:
    """Whether a sentence's subject is in the sentence before it, or it draws a
    conclusion from that sentence ("Confidentiality should therefore be discussed …")."""
    words = words_of(sentence.strip("*_ ").lower())
    if (words[:5] and _CONCLUDING & set(words[:5])) or _acts_on_before(sentence):
        return True
    return bool(words) and words[0] in _REFERRING and not gives_advice(sentence)


# Words that draw a conclusion from the sentence before, near a sentence's start.
_CONCLUDING = frozenset("therefore thus hence consequently".split())
# Words anywhere in a sentence that make it act on the one before ("Set expectations
# accordingly.").
_IN_KIND = frozenset("accordingly".split())


def _acts_on_before(sentence: str) -> bool:
    return bool(_IN_KIND & set(words_of(sentence.lower())))


def _opening_lead(candidates: list[tuple[int, str, float]]) -> str:
    """The lead of a passage answered whole: its first sentence when the lead is no
    advice and the first is nearly as close (within LEAD_MARGIN), so the passage reads in
    its own order rather than with a reason lifted above the answer it explains."""
    lead = _lead(candidates)
    first = candidates[0]
    # Advice for a special case ("If the mentee arrives with an urgent issue, …") qualifies
    # what the passage says first: it leads only when clearly closer, like a reason.
    advice = gives_advice(lead[1]) and not _SPECIAL_CASE.match(lead[1])
    if advice or first[0] != 0 or first[2] < lead[2] - LEAD_MARGIN:
        return lead[1]
    return first[1]


_SPECIAL_CASE = re.compile(r"(?:if|when|unless|where|should)\b", re.IGNORECASE)


def _lead(candidates: list[tuple[int, str, float]]) -> tuple[int, str, float]:
    """The sentence an answer opens with: the advice closest to the question.

    The closest sentence alone is often the passage's topic sentence ("Boundaries
    protect both people…"), an example or a research note, not the step the question
    asks for. So a sentence that tells the reader what to do leads when it is nearly as
    close as the closest; a short general line ("Not every stalled pair should be
    revived.") never leads when the passage has a sentence of LEAD_MIN_WORDS or more.
    """
    leads = [c for c in candidates if len(c[1].split()) >= LEAD_MIN_WORDS] or candidates
    plain_leads = [c for c in leads if not _is_aside(c[1])] or leads
    # A sentence that acts on the one before ("Set expectations accordingly.") leads only
    # when nothing else can.
    plain_leads = [c for c in plain_leads if not _acts_on_before(c[1])] or plain_leads
    closest = max(plain_leads, key=lambda c: (c[2], -c[0]))
    # A short sentence that says what to do ("Say it plainly once.") may lead.
    advice = [
        c
        for c in candidates
        if gives_advice(c[1]) and c[2] >= closest[2] - LEAD_MARGIN and not _acts_on_before(c[1])
    ]
    return max(advice, key=lambda c: (c[2], -c[0])) if advice else closest


# Verbs a sentence of advice in the guides opens with ("Ask what…", "Agree a date…"),
# after any label ("Restart: agree…") or opening condition ("If it keeps happening, ask…").
ADVICE_VERBS = frozenset(
    """acknowledge add agree aim allow arrange ask avoid be book bring build cap celebrate
    change check choose close collect commit compare consider contact count decide declare
    describe design do don't encourage ensure explain explore fix focus follow frame get
    give go have help hold identify include invite keep know leave let limit list listen
    look make match meet move name never notice offer own pause pick plan point prepare put
    raise read record reflect reframe remind remove resist review revisit say schedule send
    set share show start stay stop suggest take talk teach tell thank think track treat try
    turn update use walk watch write""".split()
)
_LABEL = re.compile(r"^[^\s:\"“]+(?:\s+[^\s:\"“]+){0,2}:\s+")
_CONDITION = re.compile(
    r"^(?:if|when|once|after|before|where|while|until|whenever|in|at|for|with|during)\b"
    r"[^,]{0,120},\s*",
    re.IGNORECASE,
)
_ADVISING = re.compile(
    r"\b(?:should|must|it helps to|it is worth|works (?:best|well)|the (?:first )?step is)\b",
    re.IGNORECASE,
)
_CITED_STUDY = re.compile(r"\([^()]*\b(?:19|20)\d\d\)|\bresearch\b|\bstud(?:y|ies)\b", re.I)
_EXAMPLE = re.compile(r"^(?:for example|for instance|e\.g\.|example|worked example)\b", re.I)


def gives_advice(sentence: str) -> bool:
    """Whether a sentence tells the reader what to do, rather than describe or illustrate."""
    if _is_aside(sentence):
        return False
    bare = sentence.strip("*_ ")
    # "Change the setup: a walking call…" and "Restart: agree a date…" both say what to do.
    openings = (bare, _CONDITION.sub("", _LABEL.sub("", bare), count=1))
    firsts = {w for opening in openings for w in words_of(opening.lower())[:1]}
    return bool(firsts & ADVICE_VERBS) or bool(_ADVISING.search(sentence))


def _is_aside(sentence: str) -> bool:
    """An example, a line of quoted speech or a research note: it illustrates or backs
    the advice, and does not answer a question on its own."""
    opening = _LABEL.sub("", sentence.strip("*_ "))
    return opening.startswith(('"', "“", "'", "‘")) or _is_background(sentence)


def _is_background(sentence: str) -> bool:
    """A worked example or a note on what research found: it backs the advice for a
    reader who wants more, and is not a step to take."""
    bare = sentence.strip("*_ ")
    return bool(
        _EXAMPLE.match(bare) or _EXAMPLE.match(_LABEL.sub("", bare)) or _CITED_STUDY.search(bare)
    )


def _where(chunk: Guidance) -> str:
    title = plain(chunk.title)
    section = plain(chunk.heading.split(">")[-1]).strip()
    if not section or section.lower() in title.lower() or title.lower() in section.lower():
        return f"'{title}'"
    return f"'{title}', section '{section}'"


def _is_claim(sentence: str) -> bool:
    """A whole sentence that states something: a question in the guidance answers
    nothing, a line introducing a list says nothing on its own, and nor does an item of
    such a list that only finishes its line ("Who got senior mentors." after "look at it
    in aggregate:")."""
    end = sentence.rstrip("\"”'’)")
    return (
        len(sentence) <= 800
        and not _BRACKET_ONLY.match(sentence)
        and len(sentence.split()) >= MIN_WORDS
        and not end.endswith(":")
        and (not end.endswith("?") or _advises_asking(sentence))
        and _NOUN_CLAUSE.match(sentence.lstrip("*_ ")) is None
    )


# Advice to ask a question, the question after a colon: "Go back to the program's
# purpose and ask: what evidence would convince a sceptical sponsor?" tells what to do.
_QUESTION_AFTER_COLON = re.compile(
    r":\s+[\"“]?(?:what|how|why|who|which|when|where|is|are|do|does|did|can|could|would|will)\b",
    re.IGNORECASE,
)


def _advises_asking(sentence: str) -> bool:
    """A sentence of advice that ends with the question to ask, after a colon."""
    return gives_advice(sentence) and _QUESTION_AFTER_COLON.search(sentence) is not None


# "(self-rated progress on goals, …)": a bracket alone, carried over from the passage
# before by the overlap between passages, says nothing on its own.
_BRACKET_ONLY = re.compile(r"^\s*\([^()]*\)[\s.]*$")
# A capitalised "Who …" or "Whether …" that is no question is an item finishing the line
# before it: "collect … and look at it in aggregate: - Who got senior mentors."
_NOUN_CLAUSE = re.compile(r"(?:Who|Whom|Whose|Whether)\b")


def _other_language(data: AnswerInput) -> CitedAnswer:
    found = language.Detected(code=data.language, probability=1.0)
    return CitedAnswer(
        answer=(
            f"{language.cannot_compare(found)} No answer is given rather than a guess from "
            "guidance chosen by an English model. Ask the question in English, or ask your "
            "program coordinator."
        ),
        claims=[],
        insufficient=True,
    )


def _insufficient(data: AnswerInput) -> CitedAnswer:
    if not data.guidance:
        found = "no guidance was found for it"
    elif len(data.guidance) == 1:
        found = "the one passage found is not close enough in meaning to the question"
    else:
        # Not "a question about 'coming', 'back', 'next'": the question's own words
        # named here read as its topic, and the first few rarely are.
        found = (
            f"none of the {len(data.guidance)} passages found is close enough in meaning "
            "to the question"
        )
    return CitedAnswer(
        answer=(
            f"The knowledge base has nothing that answers this question: {found}, so no "
            "answer is given rather than a guess. It holds guides on mentoring practice. If "
            "the question is about mentoring, ask your program coordinator or an experienced "
            "mentor, or try it again in the words a guide would use; a coordinator can add a "
            "guide on the topic. For anything else, such as your health, another person's "
            "records or something outside work, ask the person or service that deals with it, "
            "not the mentoring program."
        ),
        claims=[],
        insufficient=True,
    )
