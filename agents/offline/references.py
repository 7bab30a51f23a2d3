"""References to products: "the second one", "#2", "that one", "85123A", "the heart lantern"."""

from __future__ import annotations

import re
from collections.abc import Iterable

from agents.offline import cues
from agents.offline.cue_slots import blank
from agents.offline.text import normalize, singular_forms, tokens
from agents.offline.understanding import (
    Flags,
    NluContext,
    Reference,
    ShownProduct,
    Understanding,
)
from agents.offline.vocabulary import CatalogVocabulary

_PLURAL_PRONOUNS = frozenset({"them", "they", "these", "those"})


def _ordinal_value(word: str) -> int | None:
    if word in cues.ORDINAL_WORDS:
        return cues.ORDINAL_WORDS[word]
    digits = re.match(r"\d+", word)
    return int(digits.group(0)) if digits else None


def take_references(
    u: Understanding, text: str, vocab: CatalogVocabulary, ctx: NluContext, flags: Flags
) -> str:
    """Note the products the message points at; the text without those words."""
    text, found = blank(cues.FIRST_N, text)
    for match in found:
        if not ctx.shown:
            continue  # "top 3 best selling mugs" with nothing listed yet asks for a listing
        count = _ordinal_value(match.group("n")) or 0
        if match.group("end") == "last":
            # kind "last" counts back from the end of the list: 0 is the last one
            u.references += [Reference("last", position=i) for i in reversed(range(count))]
        else:
            u.references += [Reference("position", position=i + 1) for i in range(count)]
    text, found = blank(cues.ORDINAL, text)
    for match in found:
        if match.group("last") or match.group("last2"):
            u.references.append(Reference("last"))
            continue
        word = match.group("w") or match.group("n") or match.group("h")
        position = 1 if match.group("top") else _ordinal_value(word) if word else None
        if position:
            u.references.append(Reference("position", position=position))
    if u.compare or flags.details or flags.stock or not tokens(text.replace(";", " ")):
        text, found = blank(cues.NUMBER_LIST, text)
        for match in found:
            for number in re.findall(r"\d+", match.group(0)):
                u.references.append(Reference("position", position=int(number)))
    words = tokens(text)
    lone = re.fullmatch(r"\s*(?:;\s*)*#?(\d{1,2})[\s;?.!]*", text)
    if lone and ctx.shown and not u.references:
        u.references.append(Reference("position", position=int(lone.group(1))))
        return " ; "
    kept: list[str] = []
    for i, word in enumerate(words):
        product_id = product_id_in(word, vocab, ctx)
        if product_id:
            u.references.append(Reference("id", product_id=product_id))
            continue
        nxt = words[i + 1] if i + 1 < len(words) else None
        prev = words[i - 1] if i > 0 else None
        # "that" after a noun starts a relative clause ("a mug that is red"), not a reference.
        demonstrative = word in {"this", "that"} and (prev is None or prev in cues.STOPWORDS)
        if word == "it" or (demonstrative and (nxt is None or nxt in cues.STOPWORDS)):
            u.references.append(Reference("pronoun"))
            continue
        if word in _PLURAL_PRONOUNS:
            u.references.append(Reference("pronoun", plural=True))
            continue
        kept.append(word)
    _chosen_reference(u, text, ctx)
    return " ".join(kept)


# "ok I'll go silver", "we'll take the gold flock one": a choice among the products shown.
_CHOSEN = re.compile(
    r"\b(?:i'll|i will|ill|we'll|we will|let's) (?:go|take|have|pick) (?:with |for )?(?:the )?"
    r"((?:[a-z0-9'-]+ ){0,2}?[a-z0-9'-]+)(?: ones?)?\s*(?:[.,;!?]|$)"
)


def _chosen_reference(u: Understanding, text: str, ctx: NluContext) -> None:
    """The one shown product whose title holds every word of a choice said ("I'll go silver"
    of a gold and a silver candle); "it" after it is that product."""
    found = _CHOSEN.search(text)
    if found is None or not ctx.shown:
        return
    said = [w for w in tokens(found.group(1)) if w not in cues.STOPWORDS]
    if not said:
        return
    whole = [pid for score, pid in _title_scores(said, ctx.shown) if score == 1.0]
    if len(whole) == 1:
        u.references.append(Reference("title", product_id=whole[0]))


def product_id_in(word: str, vocab: CatalogVocabulary, ctx: NluContext) -> str | None:
    """The product id ``word`` spells, in the catalog's own case, if it is one."""
    if word in ctx.known:
        return ctx.known[word].id
    known = vocab.product_id(word)
    if known:
        return known
    if cues.PRODUCT_ID.match(word) and not vocab.lookup((word,)):
        # Unknown to the vocabulary but shaped like an id: let the tool say whether it exists.
        return word.upper()
    return None


# Words a shopper says for a title's word: "the kids one" is the Childrens Umbrella.
_SAME_AS = (
    frozenset({"kids", "kid", "kiddies", "children", "childrens", "child", "childs", "kiddy"}),
    frozenset({"xmas", "christmas"}),
    frozenset({"grey", "gray"}),
    frozenset({"colour", "color", "coloured", "colored"}),
    frozenset({"large", "big", "jumbo"}),
    frozenset({"small", "mini", "little"}),
)


def title_holds(title_words: set[str], word: str) -> bool:
    """The title holds ``word``, a singular or plural of it, or a word said for it."""
    if word in title_words or singular_forms(word) & title_words:
        return True
    if any(word in singular_forms(t) for t in title_words):
        return True  # "light" of "Christmas Lights 10 Reindeer"
    return any(word in same and same & title_words for same in _SAME_AS)


def _title_scores(content: list[str], products: Iterable[ShownProduct]) -> list[tuple[float, str]]:
    """For each product, the share of ``content`` words its title holds."""
    scored: list[tuple[float, str]] = []
    for product in products:
        title_words = set(tokens(normalize(product.title)))
        hits = sum(1 for w in content if title_holds(title_words, w))
        scored.append((hits / len(content), product.id))
    return scored


# A word that may stand just before "one" without telling products apart ("which one").
_NOT_TELLING = frozenset({"first", "second", "third", "last", "next", "other", "this", "that"})


# A noun that stands for "one" after a description: "the 10 reindeer set".
_ONE_WORDS = frozenset({"one", "ones", "set"})


def one_phrase_words(text: str, *, after_the: bool = False) -> list[str]:
    """ "how much is the retrospot one", "how many chocolate ones": the words just before
    "one(s)" back to the first little word, those that tell one product apart.

    ``after_the``: every word back to a "the" at most four words before ("is the keep calm
    one": "keep" is a little word a title may hold), digits too ("the 10 reindeer set").
    """
    words = tokens(text)
    for i, word in enumerate(words):
        if word not in _ONE_WORDS or (word == "set" and not after_the):
            continue
        said: list[str] = []
        for before in reversed(words[max(0, i - 5) : i]):
            if after_the and before == "the":
                if said and not any(w in _NOT_TELLING for w in said):
                    return said
                break
            if not after_the and (
                before in cues.STOPWORDS or before in _NOT_TELLING or before.isdigit()
            ):
                break
            said.insert(0, before)
        if said and not after_the:
            return said
    return []


def _phrasings(text: str) -> list[list[str]]:
    """The ways the words before "one" may tell a product apart: the plain reading first, then
    the whole phrase after "the" when it differs."""
    plain, whole = one_phrase_words(text), one_phrase_words(text, after_the=True)
    return [w for w in (plain, whole if whole != plain else []) if w]


def _one_phrase_reference(u: Understanding, ctx: NluContext) -> bool:
    """ "how much is the retrospot one": the words before "one" told apart one shown product
    (else one product seen earlier in the conversation); noted, and ``True``, when exactly one
    title holds them all."""
    if u.excluded:
        return False  # "anything except the red retrospot one": ruled out, not pointed at
    for said in _phrasings(u.text):
        whole = [pid for score, pid in _title_scores(said, ctx.shown) if score == 1.0]
        if len(whole) > 1:
            return False  # several shown fit: the question back says which
        whole = whole or _seen_fitting(said, ctx, ctx.known.values())
        if len(whole) == 1:
            u.references.append(Reference("title", product_id=whole[0]))
            return True
    return False


def kind_one_reference(u: Understanding, ctx: NluContext, vocab: CatalogVocabulary) -> bool:
    """ "is the keep calm one available?" over a listing of hot water bottles that did not show
    it: the one product of the listed kind whose title holds the words before "one"; noted, and
    ``True``, when one title of the catalog fits the kind and the words better than any other."""
    if u.excluded or not ctx.category:
        return False
    kind = tokens(normalize(ctx.category))
    for said in _phrasings(u.text):
        words = " ".join([*kind, *said])
        linked, loose = vocab.named_product(words), vocab.loosely_named_product(words)
        if linked is None or loose is None or loose.product_id != linked.product_id:
            continue  # none, or several titles hold the words as well
        title_words = set(tokens(normalize(linked.title)))
        if all(title_holds(title_words, w) for w in [*kind, *said]):
            u.references.append(Reference("title", product_id=linked.product_id))
            return True
    return False


# "what about the other one": of two products in play, the one not in focus.
_OTHER_ONE = re.compile(r"\b(?:the )?other (?:one|1)\b|\bthe other\b(?! \w+s\b)")


def _other_one(u: Understanding, ctx: NluContext) -> bool:
    """ "the other one" when two products were shown and one of them is in focus."""
    if not _OTHER_ONE.search(u.text) or ctx.focus is None:
        return False
    pair = [p.id for p in ctx.shown]
    if len(pair) != 2 or ctx.focus not in pair:  # noqa: PLR2004 (a pair)
        return False
    u.references.append(Reference("title", product_id=next(p for p in pair if p != ctx.focus)))
    return True


def _seen_fitting(
    content: list[str], ctx: NluContext, products: Iterable[ShownProduct]
) -> list[str]:
    """The products seen earlier whose titles hold every word said; of several, the one the
    shopper looked at alone ("going back to the bunting" after the Party Bunting's price)."""
    fitting = [pid for score, pid in _title_scores(content, products) if score == 1.0]
    if len(fitting) > 1:
        looked = [pid for pid in reversed(ctx.looked_at) if pid in fitting]
        return looked[:1]
    return fitting


def title_reference(
    u: Understanding, words: list[str], ctx: NluContext, *, strict: bool = False
) -> None:
    """'tell me about the heart lantern' points at the shown product whose title says so.

    ``strict`` (no cue but "what about …"): only a whole, unique match of two or more words.
    """
    if not strict and (_one_phrase_reference(u, ctx) or _other_one(u, ctx)):
        return
    content = [w for w in words if w not in cues.STOPWORDS and w != ";"]
    if not content:
        return
    if not ctx.shown:
        # nothing listed: a product seen earlier, named by words only its title holds
        seen = _seen_fitting(content, ctx, ctx.known.values())
        if len(seen) == 1 and not strict:
            u.references.append(Reference("title", product_id=seen[0]))
        return
    scored = _title_scores(content, ctx.shown)
    best = max(score for score, _ in scored)
    if best < 1.0 and not strict:
        # "the skull one" after "show more": a product an earlier page listed
        earlier = [p for p in ctx.known.values() if p.id not in {s.id for s in ctx.shown}]
        whole = [(1.0, pid) for pid in _seen_fitting(content, ctx, earlier)]
        if len(whole) == 1:
            scored, best = whole, 1.0
    if best < (1.0 if strict else 0.6) or (strict and len(content) < 2):
        return
    winners = [pid for score, pid in scored if score == best]
    if len(winners) == 1:
        u.references.append(Reference("title", product_id=winners[0]))
    elif not strict:
        u.ambiguous = winners


MAX_RUN = 4
# The price or stock of the one product named is asked.
_PRICE_OR_STOCK = re.compile(
    r"\bhow (?:much|many)\b|\bcosts?\b|\bprices?\b|\bpriced\b|\bstock\b|\bleft\b"
)
# "do you do camping mugs?": whether the shop sells a kind, a search however few titles fit.
_SELLS_ANY = re.compile(
    r"\bdo (?:you|u|ya) (?:do|have|sell|stock|carry|make)\b|\b(?:have|got) (?:you )?any\b"
)


def catalog_words_reference(u: Understanding, vocab: CatalogVocabulary) -> bool:
    """ "lovebird lantern for the top table, how many have you got", "the soldier skittles
    sound fun, what do they cost?": two to four words in a row that only one catalog title
    holds name that product; noted, and ``True``, when exactly one product is named so."""
    if _SELLS_ANY.search(u.text) or not _PRICE_OR_STOCK.search(u.text):
        return False  # "I'll take neither, show me the red diner style": a search
    runs: list[list[str]] = [[]]
    for word in tokens(u.text):
        if word in cues.STOPWORDS or word.isdigit():
            runs.append([])
        else:
            runs[-1].append(word)
    found: set[str] = set()
    for run in runs:
        for size in range(min(len(run), MAX_RUN), 1, -1):
            for start in range(len(run) - size + 1):
                said = run[start : start + size]
                linked = vocab.loosely_named_product(" ".join(said))
                if linked is None:
                    continue
                title_words = set(tokens(normalize(linked.title)))
                if all(title_holds(title_words, w) for w in said):
                    found.add(linked.product_id)
    if len(found) != 1:
        return False
    u.references.append(Reference("title", product_id=found.pop()))
    return True
