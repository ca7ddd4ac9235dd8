"""The curated corpus of mentoring practice, and the code that loads, chunks,
indexes and searches it (hybrid dense + lexical retrieval with citations)."""

from pathlib import Path

CORPUS_DIR = Path(__file__).parent / "corpus"
EVAL_QUERIES = Path(__file__).parent / "eval" / "queries.yaml"
# Written after retrieval was designed and never used to tune it (docs/knowledge.md).
HOLDOUT_QUERIES = Path(__file__).parent / "eval" / "holdout.yaml"
