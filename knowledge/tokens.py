"""The one tokenizer: words, stop words and stems, shared by lexical search (BM25), the
drafters' word comparisons and matching's reasons, so that they agree on what a word is.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Lower-case words of letters and digits; inner apostrophes and hyphens stay ("on-call",
# "don't"), a possessive 's is dropped.
WORD = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")

STOP_WORDS = frozenset(
    """
    a about above after again against all also am an and any are aren't as at be because
    been before being below between both but by can can't cannot could couldn't did didn't
    do does doesn't doing don't down during each else etc even ever every few for from
    further get gets getting give given go goes going got had hadn't has hasn't have haven't
    having he he'd he'll he's her here here's hers herself him himself his how how's however
    i i'd i'll i'm i've if in into is isn't it it's its itself just know let let's like
    made make makes many may me might more most much must mustn't my myself need needs no
    nor not now of off often on once one only or other others ought our ours ourselves out
    over own per quite rather really same say says shall shan't she she'd she'll she's
    should shouldn't so some something still such than that that's the their theirs them
    themselves then there there's these they they'd they'll they're they've thing things
    this those though through thus to too under until up upon us use used using very via
    want wants was wasn't way we we'd we'll we're we've well were weren't what what's when
    when's where where's whether which while who who's whom whose why why's will with
    within without won't would wouldn't yes yet you you'd you'll you're you've your yours
    yourself yourselves
    """.split()
)


def words(text: str) -> list[str]:
    """Lower-cased words in order, curly apostrophes straightened, possessives dropped."""
    text = text.lower().replace("’", "'").replace("‘", "'")
    return [w.removesuffix("'s") for w in WORD.findall(text)]


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball (English) stem of one word: "preparing" and "preparation" meet."""
    return _stemmer().stemWord(word.lower())


def terms(text: str, *, ignore: frozenset[str] = frozenset()) -> set[str]:
    """The stems of a text's meaningful words: no stop words, no one-letter words, and
    none of `ignore`."""
    return {stem(w) for w in words(text) if len(w) > 1 and w not in STOP_WORDS | ignore}
