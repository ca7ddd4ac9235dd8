"""The cited answer: a coordinator's question answered from the retrieved passage closest
to it in meaning, its most relevant whole sentences first, then the citation; or a
plain "the knowledge base does not cover this" when no passage comes close enough.

Closeness is measured with the process's sentence encoder (cosine similarity of the
question with each passage and with each of its whole sentences), so an answer is
chosen by what the question means, not by the words it shares with a passage.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from companion import language
from companion.drafting.inputs import Sources
from companion.drafting.kinds.spec import Audience, Reviewer
from companion.drafting.text import (
    content_words,
    ended,
    plain,
    plural,
    sentences_of,
    shorten,
    whole_sentences,
    words_of,
)
from prompts.schemas import (
    AnswerInput,
    CitedAnswer,
    Claim,
    DraftKind,
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
MAX_CLAIMS = 3
LEAD_MIN_WORDS = 8
MIN_WORDS = 4


def gather(sources: Sources) -> AnswerInput:
    question = sources.text or ""
    return for_question(question, sources.guidance(question), sources.services.encoder)


def for_question(question: str, guidance: list[Guidance], encoder: Encoder) -> AnswerInput:
    """The input of an answer to `question` from the passages retrieved for it."""
    found = language.not_english(question)
    if found is not None:
        # The encoder is English: its closeness scores for this question mean nothing.
        return AnswerInput(question=question, guidance=guidance, language=found.code)
    return AnswerInput(question=question, guidance=guidance, fit=fit(question, guidance, encoder))


def claim_sentences(chunk: Guidance) -> list[str]:
    """The sentences of a passage an answer may be made of, in the passage's order."""
    return whole_sentences(chunk.text)


def fit(question: str, guidance: Sequence[Guidance], encoder: Encoder) -> list[PassageFit]:
    """How close each passage, and each of its sentences, is to `question` in meaning."""
    per_chunk = [claim_sentences(g) for g in guidance]
    texts = [question, *(f"{g.heading}\n{g.text}" for g in guidance)]
    texts += [s for sentences in per_chunk for s in sentences]
    vectors = encoder.encode(texts)
    scores = [float(v) for v in vectors[1:] @ vectors[0]]
    passages, sentences = scores[: len(guidance)], scores[len(guidance) :]
    fits = []
    for chunk, own, passage in zip(guidance, per_chunk, passages, strict=True):
        fits.append(
            PassageFit(chunk_id=chunk.chunk_id, passage=passage, sentences=sentences[: len(own)])
        )
        sentences = sentences[len(own) :]
    return fits


def compose(data: AnswerInput) -> CitedAnswer:
    if data.language != language.ENGLISH:
        return _other_language(data)
    if not data.guidance:
        return _insufficient(data)
    fits = data.fit or _packaged_fit(data)
    by_chunk = {f.chunk_id: f for f in fits}
    ranked = sorted(
        range(len(data.guidance)),
        key=lambda i: (-by_chunk[data.guidance[i].chunk_id].passage, i),
    )
    answering = [
        i
        for i in ranked
        if by_chunk[data.guidance[i].chunk_id].passage >= RELEVANCE_THRESHOLD
        and _candidates(data.guidance[i], by_chunk[data.guidance[i].chunk_id])
    ]
    if not answering:
        return _insufficient(data)
    best = data.guidance[answering[0]]
    chosen = _chosen(_candidates(best, by_chunk[best.chunk_id]))

    claims = []
    for sentence in chosen:
        # Chunks overlap: cite every retrieved chunk that holds the sentence.
        cited = [g.chunk_id for g in data.guidance if sentence in " ".join(sentences_of(g.text))]
        claims.append(Claim(text=sentence, citations=list(dict.fromkeys(cited))))
    citation = f"Source: {_where(best)}."
    others = [
        data.guidance[i] for i in answering[1:] if data.guidance[i].document_id != best.document_id
    ]
    if others:
        citation += f" See also {_where(others[0])}."
    answer = shorten(" ".join(ended(s) for s in chosen) + "\n\n" + citation, 3000)
    return CitedAnswer(answer=answer, claims=claims, insufficient=False)


def _packaged_fit(data: AnswerInput) -> list[PassageFit]:
    """Scores for an input gathered elsewhere (a test, a benchmark): the packaged encoder."""
    from embeddings import Encoder

    return fit(data.question, data.guidance, Encoder.shared())


def _candidates(chunk: Guidance, scores: PassageFit) -> list[tuple[int, str, float]]:
    """(position, sentence, closeness) of the sentences that state something."""
    return [
        (position, sentence, score)
        for position, (sentence, score) in enumerate(
            zip(claim_sentences(chunk), scores.sentences, strict=True)
        )
        if _is_claim(sentence)
    ]


def _chosen(candidates: list[tuple[int, str, float]]) -> list[str]:
    """The closest sentence first, as the direct answer; then, in the passage's order,
    the others close enough to the question to carry it further."""
    # The closest sentence leads even when an earlier one is nearly as close: the
    # earlier one is often the passage's topic sentence ("Early virtual calls are often
    # stiff."), not the advice the question asks for.
    # A short general line ("Not every stalled pair should be revived.") is a topic
    # sentence, not the step the question asks for: a lead says what to do, in
    # LEAD_MIN_WORDS words or more, unless the passage has no such sentence.
    leads = [c for c in candidates if len(c[1].split()) >= LEAD_MIN_WORDS] or candidates
    lead = max(leads, key=lambda c: (c[2], -c[0]))
    floor = max(SENTENCE_FLOOR, lead[2] - SENTENCE_MARGIN)
    following = sorted(
        (c for c in candidates if c is not lead and c[2] >= floor),
        key=lambda c: -c[2],
    )[: MAX_CLAIMS - 1]
    following.sort(key=lambda c: c[0])
    seen = {lead[1].lower()}
    chosen = [lead[1]]
    for _, sentence, _ in following:
        if sentence.lower() not in seen:
            seen.add(sentence.lower())
            chosen.append(sentence)
    return chosen


def _where(chunk: Guidance) -> str:
    title = plain(chunk.title)
    section = plain(chunk.heading.split(">")[-1]).strip()
    if not section or section.lower() in title.lower() or title.lower() in section.lower():
        return f"'{title}'"
    return f"'{title}', section '{section}'"


def _is_claim(sentence: str) -> bool:
    """A whole sentence that states something: a question in the guidance answers
    nothing, and a line introducing a list says nothing on its own."""
    end = sentence.rstrip("\"”'’)")
    return (
        len(sentence) <= 800 and len(sentence.split()) >= MIN_WORDS and not end.endswith(("?", ":"))
    )


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
    # The question's key words, in its own order, to say what was looked for.
    words = dict.fromkeys(words_of(plain(data.question)))
    keywords = [f"'{w}'" for w in words if content_words(w, domain=False)][:5]
    about = (
        f" about {', '.join(keywords[:-1])} or {keywords[-1]}"
        if len(keywords) > 1
        else (f" about {keywords[0]}" if keywords else "")
    )
    if not data.guidance:
        found = "no guidance was found for it"
    else:
        found = (
            f"none of the {plural(len(data.guidance), 'passage')} retrieved for it is close "
            f"enough in meaning to a question{about}"
        )
    return CitedAnswer(
        answer=(
            f"The knowledge base has nothing that answers this question: {found}, so no "
            "answer is given rather than a guess. To close the gap, a coordinator can add a "
            "guide on this topic to the knowledge base. Meanwhile, ask your program "
            "coordinator or an experienced mentor, or try the question again in the words a "
            "guide would use."
        ),
        claims=[],
        insufficient=True,
    )
