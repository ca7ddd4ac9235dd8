"""Which language a person wrote in.

The packaged encoder (all-MiniLM-L6-v2) and the offline drafter's word lists
are English. Comparing a German goal with English guidance gives a meaning
score near zero that looks like a confident "no match", so callers ask here
first and say plainly when they cannot compare, instead of answering wrong.

Detection uses py3langid (a trained n-gram model shipped inside the package,
nothing downloaded), loaded once on first use (about 0.6 s), for texts of at
least `MIN_WORDS` words identified with probability `MIN_PROBABILITY` or more.
Short texts, where the model is unsure, are recognised by their function words
(`profile`: English, Portuguese, Spanish, Italian, German, French) when those
plainly point to one language; otherwise they are not judged.
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
# Three words can be recognised by their function words alone ("quero ser gerente").
MIN_PROFILE_WORDS = 3
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


# Function words of the languages people most often write in besides English, and of
# English: a short text ("quero sair do suporte e ir pra área de dados") has too few
# letters for the n-gram model to be sure, but its small words say which language it is.
# A word in several lists counts for each a share (1 / how many lists hold it).
_FUNCTION_WORDS = {
    "en": """i me my we our you your the a an and or but of to in on at for with from by
        is are was be been am want would like need get will can this that it not more
        next year just also so""",
    "pt": """eu meu minha meus minhas nós nosso nossa você o os as um uma uns umas e ou mas
        de do da dos das em no na nos nas ao aos à para pra pro com por que não nao é são
        ser ter estou sou quero queria gostaria preciso talvez ano vem também mais como
        muito isso esse essa está então ainda melhor""",
    "es": """yo mi mis nosotros nuestro nuestra tú usted el los las un una unos unas y o pero
        de del en al a para con por que no es son ser tener estoy soy quiero quisiera
        gustaría me necesito quizás quizá tal vez año también más como muy eso ese esa
        está entonces todavía mejor lo hacer""",
    "it": """io mio mia miei mie noi nostro nostra tu il lo la gli le un una uno e o ma di
        del della dei delle in nel nella al alla a da per con che non è sono essere avere
        voglio vorrei mi devo forse anno anche più come molto questo questa quello quella
        ancora meglio""",
    "de": """ich mich mir mein meine meinen meinem wir unser unsere du sie der die das den
        dem des ein eine einen einem und oder aber von zu zum zur im in an auf für mit bei
        ist sind sein bin habe haben will möchte würde muss vielleicht jahr auch mehr wie
        sehr dass nicht noch besser werden bis""",
    "fr": """je moi mon ma mes nous notre vous le la les un une des et ou mais de du au aux
        en dans pour avec par que qui ne pas est sont être avoir suis veux voudrais dois
        peut-être année aussi plus comme très ce cette encore mieux""",
}
_SHARE: dict[str, dict[str, float]] = {}
for _code, _words in _FUNCTION_WORDS.items():
    for _word in set(_words.split()):
        _SHARE.setdefault(_word, {})[_code] = 1.0
for _word, _codes in _SHARE.items():
    for _code in _codes:
        _codes[_code] = 1.0 / len(_codes)
# A profile decides only with this much weight of function words, and this many times
# the weight of the next language (English included).
PROFILE_MIN_WEIGHT = 1.5
PROFILE_MARGIN = 2.0


def profile(text: str) -> Detected | None:
    """The language other than English whose function words `text` uses, when they
    plainly point to it: at least `PROFILE_MIN_WEIGHT` of them and `PROFILE_MARGIN`
    times the next language's, English included."""
    weights: dict[str, float] = {}
    for word in _WORD.findall((text or "").lower()):
        for code, share in _SHARE.get(word, {}).items():
            weights[code] = weights.get(code, 0.0) + share
    ranked = sorted(weights.items(), key=lambda item: item[1], reverse=True)
    # English function words only veto: a short English text stays unjudged, as before.
    if not ranked or ranked[0][0] == ENGLISH or ranked[0][1] < PROFILE_MIN_WEIGHT:
        return None
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    if ranked[0][1] < PROFILE_MARGIN * runner_up:
        return None
    return Detected(code=ranked[0][0], probability=ranked[0][1] / sum(weights.values()))


def detect(text: str) -> Detected | None:
    """The language of `text`, or None when it is too short or too mixed to say: the
    n-gram model when it is sure; otherwise the function words, when they agree with
    the model's best guess or the model was given too few words to guess."""
    words = len(_WORD.findall(text or ""))
    if words < MIN_PROFILE_WORDS:
        return None
    by_words = profile(text)
    if words < MIN_WORDS:
        return by_words
    code, probability = _identifier().classify(text)
    if probability >= MIN_PROBABILITY:
        return Detected(code=str(code), probability=float(probability))
    # The model's best guess is unsure, often between close languages (Portuguese and
    # Galician): the function words decide among the languages they know.
    return by_words


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
