"""Which language a person wrote in.

The packaged encoder (all-MiniLM-L6-v2) and the offline drafter's word lists
are English. Comparing a German goal with English guidance gives a meaning
score near zero that looks like a confident "no match", so callers ask here
first and say plainly when they cannot compare, instead of answering wrong.

Detection uses py3langid (a trained n-gram model shipped inside the package,
nothing downloaded), loaded once on first use (about 0.6 s). Short or mixed
texts are not judged: a language is reported only for texts of at least
`MIN_WORDS` words identified with probability `MIN_PROBABILITY` or more.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

ENGLISH = "en"
MIN_WORDS = 4
MIN_PROBABILITY = 0.9

NAMES = {
    "en": "English",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "pt": "Portuguese",
    "it": "Italian",
    "nl": "Dutch",
    "pl": "Polish",
    "sv": "Swedish",
    "da": "Danish",
    "no": "Norwegian",
    "fi": "Finnish",
    "cs": "Czech",
    "tr": "Turkish",
    "ru": "Russian",
    "uk": "Ukrainian",
    "ja": "Japanese",
    "zh": "Chinese",
    "ko": "Korean",
    "ar": "Arabic",
    "hi": "Hindi",
}

_WORD = re.compile(r"\w+", re.UNICODE)
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Detected:
    """A confident identification: ISO 639-1 code and its probability."""

    code: str
    probability: float

    @property
    def name(self) -> str:
        return language_name(self.code)

    @property
    def english(self) -> bool:
        return self.code == ENGLISH


def language_name(code: str) -> str:
    return NAMES.get(code, code)


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    with _LOCK:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect(text: str) -> Detected | None:
    """The language of `text`, or None when it is too short or too mixed to say."""
    if len(_WORD.findall(text or "")) < MIN_WORDS:
        return None
    code, probability = _identifier().classify(text)
    if probability < MIN_PROBABILITY:
        return None
    return Detected(code=str(code), probability=float(probability))


def not_english(*texts: str) -> Detected | None:
    """The first confidently non-English language among `texts` (joined), if any.

    Texts are judged together, so a profile whose expertise is German but whose
    skills are a list of English tool names is still seen as German.
    """
    joined = "\n".join(t for t in texts if t and t.strip())
    found = detect(joined)
    if found is None or found.english:
        return None
    return found


def cannot_compare(found: Detected) -> str:
    """The sentence shown when meaning cannot be compared offline."""
    return (
        f"This text looks {found.name}. The built-in model compares meaning in English "
        "only, so it cannot judge it; a person should read it, or the organisation can "
        "configure a multilingual model or an LLM."
    )
