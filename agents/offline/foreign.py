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
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage

from agents.offline import cues
from agents.offline.acts import split_passage
from agents.offline.intents import is_plausible
from agents.offline.lexicon import DESCRIBING, FRAMES, KINDS, LANGUAGES, plural_forms, rows
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


# ---------------------------------------------------------------- reading it in English
# The languages the lexicon reads (``agents.offline.lexicon``); others keep the one-line answer.
READ_LANGUAGES = frozenset(LANGUAGES)
# From this many words, one word unknown to the lexicon and the catalog may stay as it is.
LONG_MESSAGE = 6
# Without langid.py's word, this share of the words must be the lexicon's, not English.
MARKER_SHARE = 0.5
_VERBS = frozenset({"cancel", "return", "exchange"})
_TOKEN = re.compile(
    r"\[[A-Z][A-Z_]*\]|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|#?w\d{5,}|\d+(?:[.,]\d+)?|"
    r"[a-z]+(?:-[a-z]+)*'?|[?!.,;:]",
    re.IGNORECASE,
)
_PUNCT = frozenset("?!.,;:")
# Product copy asked for ("une description du bougeoir"): the content skill reads it as it is.
_COPY_WORDS = re.compile(
    r"\b(?:beschreibung|produkttext|description|texte|descripcion|descrizione|titel|titre|"
    r"titulo|titolo|copy)\b"
)


@dataclass(frozen=True)
class ReadAs:
    """A message in another language, read as the English the planner understands."""

    language: str
    english: str


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.replace("\u2019", "'").replace("\u00df", "ss"))
    return "".join(c for c in text if not unicodedata.combining(c))


def _split(text: str) -> list[str]:
    """Tokens of folded text: placeholders, e-mails and order ids whole, elided articles
    ("l'", "d'", "dell'") apart from their word, punctuation kept."""
    out = []
    for tok in _TOKEN.findall(_fold(text)):
        keep = tok.startswith("[") or "@" in tok
        out.append(tok if keep else tok.lower())
    return out


@cache
def _phrases() -> dict[str, dict[tuple[str, ...], tuple[str, str]]]:
    """Per language: a phrase's tokens -> (its English, "kind" / "describing" / "frame")."""
    table: dict[str, dict[tuple[str, ...], tuple[str, str]]] = {c: {} for c in LANGUAGES}
    for tag, rows_text in (("kind", KINDS), ("describing", DESCRIBING), ("frame", FRAMES)):
        for english, forms in rows(rows_text):
            for code, written in forms.items():
                for form in written:
                    variants = {form} | (plural_forms(form, code) if tag == "kind" else set())
                    for variant in variants:
                        key = tuple(_split(variant))
                        table[code].setdefault(key, (english, tag))
    return table


def _scan(said: list[str], code: str) -> list[tuple[str, str, int]]:
    """The message read in ``code``: (English or the word itself, tag, words covered)."""
    table = _phrases()[code]
    longest = max(len(k) for k in table)
    out: list[tuple[str, str, int]] = []
    i = 0
    while i < len(said):
        for size in range(min(longest, len(said) - i), 0, -1):
            hit = table.get(tuple(said[i : i + size]))
            if hit is not None:
                out.append((hit[0], hit[1], size))
                i += size
                break
        else:
            out.append((said[i], "punct" if said[i] in _PUNCT else "word", 1))
            i += 1
    return out


def _without_fillers(said: list[str], code: str) -> list[str]:
    """The words without those the lexicon drops ("ist er noch vorrätig?"), so the phrases
    around them meet."""
    out: list[str] = []
    i = 0
    for english, tag, n in _scan(said, code):
        if english or tag in ("word", "punct"):
            out.extend(said[i : i + n])
        i += n
    return out


def _english_order(read: list[tuple[str, str, int]]) -> list[str]:
    """English word order: a describing word after its product kind goes before it ("reloj
    rojo" is "red clock"), an article that ends a question is "it" ("was kostet der?"), a
    verb after "i would like" takes "to"."""
    items = [(e, tag) for e, tag, _ in read if e]
    wants = next((i for i, (e, _) in enumerate(items) if e == "i would like"), None)
    verb = next((i for i, (e, _) in enumerate(items) if e in _VERBS), None)
    if wants is not None and verb is not None and verb > wants + 1:
        items.insert(wants + 1, items.pop(verb))  # "ich möchte … stornieren": the verb last
    for i in range(1, len(items)):
        if items[i][1] == "describing" and items[i - 1][1] == "kind":
            items[i - 1], items[i] = items[i], items[i - 1]
    words: list[str] = []
    for i, (english, _) in enumerate(items):
        nxt = items[i + 1][0] if i + 1 < len(items) else "?"
        if english == "the" and nxt in _PUNCT:
            english = "it"
        elif english == "how much is" and nxt in _PUNCT:
            english = "how much is it"  # "quanto costa?"
        words.append(english)
        if english in ("i would like", "i am looking for") and nxt in _VERBS:
            words[-1] = "i would like to"
    text = " ".join(words)
    return [re.sub(r" ([?!.,;:])", r"\1", text)]


def read_in_english(text: str, vocab: CatalogVocabulary) -> ReadAs | None:
    """``text`` in German, French, Spanish or Italian read as English, when the lexicon
    understands enough of it (a product kind, a colour, a price, an order request); else
    ``None`` (an English message, another language, or too little understood)."""
    if split_passage(text)[1] or foreign_review(text) or _COPY_WORDS.search(_fold(text).lower()):
        return None  # a review or copy to write: their skills read other languages
    said = _split(text)
    words = [w for w in said if w not in _PUNCT]
    plain = [w for w in words if w.replace("-", "").replace("'", "").isalpha()]
    if len(plain) < MIN_WORDS:
        return None

    best: tuple[int, str, list[tuple[str, str, int]]] | None = None
    for code in LANGUAGES:
        read = _scan(_without_fillers(said, code), code)
        covered = sum(n for _, tag, n in read if tag not in ("word", "punct"))
        if best is None or covered > best[0]:
            best = (covered, code, read)
    assert best is not None
    covered, code, read = best
    # A catalog word the lexicon reads ("y" is "and", though a title holds the letter Y),
    # unless the lexicon reads it as itself ("mug", "tablet").
    lexicon_words: set[str] = set()
    i = 0
    for english, tag, n in read:
        source = said[i : i + n]
        if tag not in ("word", "punct") and _split(english) != source:
            lexicon_words.update(source)
        i += n

    def english_word(w: str) -> bool:
        w = w.rstrip("'")
        if w in cues.STOPWORDS or w in ENGLISH_WORDS:
            return True
        return vocab.knows_word(w) and w not in lexicon_words

    if sum(1 for w in plain if english_word(w)) / len(plain) >= ENGLISH_SHARE:
        return None
    unknown = [
        e for e, tag, _ in read
        if tag == "word" and not english_word(e) and not _kept_as_is(e)
    ]  # fmt: skip
    meaningful = any(tag in ("kind", "describing") for _, tag, _ in read) or any(
        tag == "frame" and e not in _EMPTY_FRAMES for e, tag, _ in read
    )
    markers = sum(1 for w in words if w in lexicon_words and not english_word(w))
    # Every word read, but for one in a longer message (a name, a place): a word left as it
    # is would become a search for it ("cadeau mere").
    if not meaningful or not markers or len(unknown) > (1 if len(words) >= LONG_MESSAGE else 0):
        return None
    if markers / len(words) < MARKER_SHARE and foreign_language(text, vocab) not in READ_LANGUAGES:
        return None
    return ReadAs(code, _english_order(read)[0])


# Frames that carry no request on their own ("hello", "the", "and").
_EMPTY_FRAMES = frozenset(
    {"hello", "please", "thanks", "the", "a", "and", "or", "it", "is", "in", "with", "for"}
    | {"some", "one", "to", "my", "not", "also", "other", "what", "which"}
)


def _kept_as_is(word: str) -> bool:
    """An e-mail, a placeholder, an order id or a number: read the same in every language."""
    return (
        word.startswith("[") or "@" in word or bool(re.fullmatch(r"#?w\d{5,}|\d+([.,]\d+)?", word))
    )


def read_as_note(read: ReadAs, first: bool) -> str:
    """The sentence that says how a message in another language was read."""
    name = SUPPORTED.get(read.language, "another language")
    if first:
        return f'(I answer in English; I read your {name} message as "{read.english}".)'
    return f'(Read as "{read.english}".)'


def read_messages_in_english(
    messages: Sequence[BaseMessage], vocab: CatalogVocabulary
) -> tuple[list[BaseMessage], ReadAs | None, bool]:
    """The conversation with each shopper message in German, French, Spanish or Italian read
    in English; how the current one was read (``None`` when it was not), and whether an
    earlier one was."""
    out: list[BaseMessage] = []
    reads: list[ReadAs | None] = []
    for message in messages:
        if isinstance(message, HumanMessage) and isinstance(message.content, str):
            read = _read_cached(message.content, vocab)
            reads.append(read)
            if read is not None:
                message = HumanMessage(content=read.english, id=message.id)
        out.append(message)
    current = reads[-1] if reads else None
    return out, current, any(r is not None for r in reads[:-1])


@lru_cache(maxsize=1024)
def _read_cached(text: str, vocab: CatalogVocabulary) -> ReadAs | None:
    return read_in_english(text, vocab)
