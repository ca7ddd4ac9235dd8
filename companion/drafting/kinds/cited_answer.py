"""The cited answer: a coordinator's question answered from retrieved guidance, each
claim citing its passage, or a plain "not enough in the knowledge base".
"""

from __future__ import annotations

from dataclasses import dataclass

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
)

KIND = DraftKind.answer
HEADLINE = "An answer from the knowledge base"
REVIEWERS = frozenset({Reviewer.requester})
RECEIVERS = Audience.requester


def gather(sources: Sources) -> AnswerInput:
    return AnswerInput(question=sources.text, guidance=sources.guidance(sources.text))


MIN_SHARED_WORDS = 2
MAX_CLAIMS = 4


@dataclass(frozen=True)
class _Candidate:
    text: str
    chunk_index: int
    position: int
    overlap: int


def compose(data: AnswerInput) -> CitedAnswer:
    question = plain(data.question)
    asked = content_words(question, domain=False)
    shared = [
        len(asked & content_words(f"{chunk.heading} {chunk.text}", domain=False))
        for chunk in data.guidance
    ]
    candidates: list[_Candidate] = []
    for index, chunk in enumerate(data.guidance):
        if shared[index] < MIN_SHARED_WORDS:
            continue
        for position, sentence in enumerate(whole_sentences(chunk.text)):
            overlap = len(asked & content_words(sentence, domain=False))
            if overlap and _is_claim(sentence) and len(sentence.split()) >= 4:
                candidates.append(_Candidate(sentence, index, position, overlap))
    if not candidates:
        return _insufficient(data)

    # The sentences sharing most words with the question; among equals, those from the
    # passage closest to the question, then the earliest.
    ranked = sorted(
        candidates,
        key=lambda c: (-c.overlap, -shared[c.chunk_index], c.chunk_index, c.position),
    )
    chosen: list[_Candidate] = []
    for candidate in ranked:
        if len(chosen) == MAX_CLAIMS:
            break
        if candidate.overlap < MIN_SHARED_WORDS and len(chosen) >= 2:
            break
        if any(c.text.lower() == candidate.text.lower() for c in chosen):
            continue
        chosen.append(candidate)
    if len(chosen) == 1:
        # One matching sentence: the next one in its chunk usually finishes the thought.
        top = chosen[0]
        following = whole_sentences(data.guidance[top.chunk_index].text)[top.position + 1 :]
        if following and len(following[0]) <= 800 and _is_claim(following[0]):
            chosen.append(_Candidate(following[0], top.chunk_index, top.position + 1, 0))
    chosen.sort(key=lambda c: (c.chunk_index, c.position))

    claims = []
    for candidate in chosen:
        # Chunks overlap: cite every retrieved chunk that holds the sentence.
        cited = [
            g.chunk_id for g in data.guidance if candidate.text in " ".join(sentences_of(g.text))
        ]
        claims.append(Claim(text=candidate.text, citations=list(dict.fromkeys(cited))))
    titles = list(dict.fromkeys(plain(data.guidance[c.chunk_index].title) for c in chosen))
    sources = "; ".join(f"'{t}'" for t in titles)
    answer = shorten(
        "From the knowledge base: "
        + " ".join(ended(c.text) for c in chosen)
        + f" (Sources: {sources}.)",
        3000,
    )
    return CitedAnswer(answer=answer, claims=claims, insufficient=False)


def _is_claim(sentence: str) -> bool:
    """A sentence that states something: a question in the guidance answers nothing."""
    return len(sentence) <= 800 and not sentence.rstrip("\"”'’)").endswith("?")


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
            f"none of the {plural(len(data.guidance), 'passage')} retrieved for it says "
            f"anything{about}"
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
