"""Messages in another language: detected, and answered in one line naming the shop's language.

The planner reads English only. A message is taken as another language when langid.py (the
``py3langid`` model the text analyzer already pins) ranks a language other than English first
with at least ``MIN_PROBABILITY`` (``NO_ENGLISH_PROBABILITY`` when not one of three or more
words is English or the catalog's), and fewer than half its words are English function words or
words of the catalog ("¿tienen tazas rojas?", "Haben Sie Kerzen aus Glas?"). Short messages,
names, ids and e-mail addresses are left to the other readers.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Any

from agents.offline import cues
from agents.offline.acts import split_passage
from agents.offline.intents import is_plausible
from agents.offline.merchandising import ENGLISH_WORDS
from agents.offline.text import normalize, tokens
from agents.offline.vocabulary import CatalogVocabulary
from infra.errors import ConfigError
from tools.analyze.languages import SUPPORTED

MIN_PROBABILITY = 0.45
# With no English or catalog word at all in three words or more, less certainty will do.
NO_ENGLISH_PROBABILITY = 0.3
NO_ENGLISH_MIN_WORDS = 3
MIN_WORDS = 2
# Languages a shopper here plausibly writes in; on a short message langid.py's guesses outside
# these (Walloon, Latin, Volapük) are noise far more often than a visitor, so need more certainty.
WIDELY_WRITTEN = frozenset({
    "pt", "nl", "pl", "sv", "da", "no", "nb", "fi", "tr", "ru", "uk", "ar", "zh", "ja", "ko",
    "el", "cs", "hu", "ro", "hi", "bg", "hr", "sk", "sl", "he", "id", "vi", "th",
})  # fmt: skip
RARE_PROBABILITY = 0.9
ENGLISH_SHARE = 0.5


def load_language_model() -> None:
    """Load the model now (the first message would otherwise wait for it)."""
    try:
        _identifier()
    except (ConfigError, OSError):
        return


@cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_DIR, LanguageIdentifier

    from tools.analyze.local import verified_model

    model = verified_model(MODEL_DIR, "py3langid/data/model.npz.xz")
    return LanguageIdentifier.from_model_file(model, norm_probs=True)


@lru_cache(maxsize=1024)
def _ranked(text: str) -> tuple[str, float]:
    code, probability = _identifier().rank(text)[0]
    return str(code), float(probability)


def foreign_language(text: str, vocab: CatalogVocabulary) -> str | None:
    """The language code of a message surely not in English, else ``None``."""
    words = [w for w in tokens(normalize(text)) if w.isalpha()]
    if len(words) < MIN_WORDS:
        return None
    english = sum(
        1 for w in words if w in cues.STOPWORDS or w in ENGLISH_WORDS or vocab.knows_word(w)
    )
    if english / len(words) >= ENGLISH_SHARE or not all(is_plausible(w, vocab) for w in words):
        return None  # English, or keyboard mash ("asdfgh qwrtzp") rather than a language
    try:
        code, probability = _ranked(text)
    except (ConfigError, OSError):
        return None
    none_english = english == 0 and len(words) >= NO_ENGLISH_MIN_WORDS
    needed = NO_ENGLISH_PROBABILITY if none_english else MIN_PROBABILITY
    if code not in SUPPORTED and code not in WIDELY_WRITTEN:
        needed = max(needed, RARE_PROBABILITY)  # "wait a sec" as Walloon: noise, not a language
    return code if code != "en" and probability >= needed else None


# "What is the mood of this review: '…'" in the analyzer's other languages (accents folded):
# a review word with a pasted passage goes to the analyzer, which reads those languages.
_REVIEW_WORDS = re.compile(
    r"\b(?:bewertung|rezension|kundenmeinung|stimmung|avis|critique|commentaire|resena|opinion|"
    r"comentario|recensione|commento|parere|sentiment)\b"
)


def foreign_review(text: str) -> bool:
    """A request in another language about a pasted passage that names a review."""
    request, passage = split_passage(text)
    return bool(passage) and bool(_REVIEW_WORDS.search(normalize(request)))


def english_only(code: str, vocab: CatalogVocabulary) -> str:
    """The one-line answer to a message in another language."""
    name = SUPPORTED.get(code, "another language")
    kinds = vocab.top_categories(1)
    example = f" (for example: 'show me {kinds[0]}s')" if kinds else ""
    return (
        f"Sorry, that looks like {name}: I can only help in English here. Please ask me in "
        f"English{example}."
    )
