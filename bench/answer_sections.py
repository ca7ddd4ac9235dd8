"""How often a cited answer comes from a section that answers the question.

Usage: .venv/bin/python bench/answer_sections.py [--show] [--half tuning|held-out]

For every question of tests/drafting/data/answer_sections_{tuning,heldout}.jsonl
(written and labelled by someone who read the guides but not the code: the sections
of the built-in guides that answer it, or none), retrieves guidance with the same
hybrid search the drafting service uses, drafts the cited answer offline, and counts:

- section right: the answer's source section is one of the labelled ones;
- guide right: its guide is one of the labelled guides;
- in reach: a labelled section is among the passages retrieved for it;
- declined: questions labelled none that the answer declines, and answerable ones
  it declines.

The baseline, measured in the same run: the search's own first passage, as if the
answer always came from it. Tune only on the tuning half; the held-out figures are
reported, never tuned on. Takes about a minute (encoding the corpus).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.draft_quality import Corpus  # noqa: E402
from companion.drafting import kinds  # noqa: E402
from companion.drafting.kinds import cited_answer  # noqa: E402
from embeddings import Encoder  # noqa: E402
from prompts.schemas import DraftKind, Guidance  # noqa: E402

DATA = ROOT / "tests" / "drafting" / "data"
HALVES = {"tuning": "answer_sections_tuning.jsonl", "held-out": "answer_sections_heldout.jsonl"}


def section_of(chunk: Guidance) -> tuple[str, str]:
    """(guide, section heading) of a passage: its heading path is "Title > Section > …"."""
    parts = [part.strip() for part in chunk.heading.split(">")]
    return chunk.document_id, parts[1] if len(parts) > 1 else ""


def measure(rows: list[dict], corpus: Corpus, encoder: Encoder, show: bool) -> dict[str, int]:
    counts = dict.fromkeys(
        ("answerable", "right", "guide", "reach", "first", "none", "none_declined", "declined"), 0
    )
    for row in rows:
        question = row["question"]
        found = corpus.for_answer(question)
        answer = kinds.draft(DraftKind.answer, cited_answer.for_question(question, found, encoder))
        by_id = {g.chunk_id: g for g in found}
        chosen = (
            section_of(by_id[answer.claims[0].citations[0]])
            if answer.claims and not answer.insufficient
            else None
        )
        labels = {(a["doc"], a["section"]) for a in row["answers"]}
        if row["none"]:
            counts["none"] += 1
            counts["none_declined"] += answer.insufficient
            ok = answer.insufficient
        else:
            counts["answerable"] += 1
            counts["declined"] += answer.insufficient
            ok = chosen in labels
            counts["right"] += ok
            counts["guide"] += chosen is not None and chosen[0] in {doc for doc, _ in labels}
            counts["reach"] += any(section_of(g) in labels for g in found)
            counts["first"] += bool(found) and section_of(found[0]) in labels
        if show or not ok:
            print(f"{'ok' if ok else 'XX'} {row['id']} {question}")
            print(f"   labelled: {sorted(labels) or 'none'}")
            print(f"   answered from: {chosen}")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--half", choices=sorted(HALVES), help="only this half")
    parser.add_argument("--show", action="store_true", help="print every question, not only misses")
    args = parser.parse_args()
    encoder = Encoder.shared()
    corpus = Corpus(encoder)
    for half, name in HALVES.items():
        if args.half and half != args.half:
            continue
        rows = [json.loads(line) for line in (DATA / name).read_text().splitlines() if line]
        c = measure(rows, corpus, encoder, args.show)
        n = c["answerable"] or 1
        print(
            f"{half}: section right {c['right']}/{c['answerable']} ({c['right'] / n:.2f}); "
            f"baseline, the search's first passage: {c['first']}/{c['answerable']} "
            f"({c['first'] / n:.2f}); guide right {c['guide']}/{c['answerable']}; "
            f"a labelled section retrieved {c['reach']}/{c['answerable']}; "
            f"no-answer questions declined {c['none_declined']}/{c['none']}; "
            f"answerable declined {c['declined']}"
        )


if __name__ == "__main__":
    main()
