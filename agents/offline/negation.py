"""Negation: what the shopper does not want becomes the search's ``exclude`` argument.

"clocks, any colour except pink", "bags that aren't jumbo", "candles, but nothing heart shaped",
"not the union jack one": a negation cue, then the words it governs up to the end of the
clause. Those words are kept as an exclusion only when the catalog knows every one of them (a
title word or an attribute value; the search drops products whose title or category holds
them), so "not sure", "no thanks" or "without the price filter"
(clearing a filter, handled by ``slots.take_clears``) stay what they were. The words are cut
out of the message, so they never reach the search's free text or its filters.
"""

from __future__ import annotations

import re

from agents.offline import cues
from agents.offline.text import singular_forms
from agents.offline.vocabulary import CatalogVocabulary
from tools.search.text import normalize as search_term

# The first words of a reason given for a refusal: "because", "she", "everyone"; after "the
# red one", also "that's" ("not the red one, that's so dated"): the one is already told apart,
# so what follows is why, where "not the lantern that's silver" says which.
_REASON_START = r"(?:cos|coz|cuz|because|since|she|he|they|everyone|everybody|nobody)\b"
_REASON_AFTER_ONE = r"(?:that'?s|thats|which (?:is|are|was|were|looks?))\b"
NEGATION = re.compile(
    r"\b(?:except(?: for)?|excluding|exclude|other than|apart from|anything but|but not|"
    # "can't live without coffee" loves coffee: no exclusion
    # "we have no cutlery" lacks it, so needs it: no exclusion either
    r"not|(?<!have )(?<!'ve )(?<!has )(?<!had )(?<!got )(?<!ran out of )no|nothing|none|"
    r"(?<!live )(?<!cope )(?<!manage )(?<!survive )without|"
    r"(?:that |which )?(?:are|is)(?: not|n'?t)|aren'?t|isn'?t|"
    r"(?:i )?(?:don'?t|do not) (?:want|like|need)(?: any)?|avoid(?:ing)?|minus|never|"
    # "she's already got loads of cake tins": what they have is no present
    r"already (?:got|has|have|owns?)(?: (?:loads|lots|plenty|a lot|a few|several|enough|"
    r"too many|so many|many|all the)(?: of)?)?)\s+"
    # a clause ends at punctuation, a dash between spaces ("not the red one - what else") or
    # the next clause's first word
    r"(?P<span>[a-z0-9' -]+?)(?=\s+[-–—]+\s|\s+(?:pl[sz] |please )?" + _REASON_START + r"|"
    r"(?<=\bone)\s+" + _REASON_AFTER_ONE + r"|(?<=\bones)\s+" + _REASON_AFTER_ONE + r"|"
    r"\s*(?:$|[,.;!?)]|\b(?:but|and|please|thanks|instead|under|over|below|above|between|for|"
    r"in stock)\b))"
)
# Why the thing is refused, said right after it ("not the red one thats so dated", "no mugs
# pls everyone gets mugs"): its words name nothing wanted, up to the sentence's end.
_REASON = re.compile(r"^\s*,?\s*(?:pl[sz] |please )?" + _REASON_START + r"[^.;!?]*")
_REASON_AFTER = re.compile(r"^\s*,?\s*(?:" + _REASON_START + "|" + _REASON_AFTER_ONE + r")[^.;!?]*")
# Words around the negated thing that are not the thing: "nothing MADE OF paper", "no
# strawberry ONES", "nothing heart SHAPED".
_FRAME_WORDS = frozenset(
    """the a an any anything something made of from with in any one ones thing things kind
    kinds type types shaped shape design designs designed pattern patterned patterns style
    styled look looking print printed coloured colored colour color version versions ones
    too so very really at all that which come comes came have has having include includes
    including contain contains containing""".split()  # noqa: SIM905 (a word list reads better as text)
)
MAX_WORDS = 3
# "no skulls or hearts": a negation governs every phrase of an "or" list.
_ALTERNATIVES = re.compile(r"\s+(?:or|nor)\s+")
# Words for children: a product for "kids" is titled "childrens" as often as "kids".
_CHILD_WORDS = ("kid", "kids", "child", "children", "childrens")
_ADJECTIVE_SUFFIXES = ("sy", "y", "ish", "ed", "s")
_FORM_ENDINGS = ("", "s", "d", "y", "ed")


def _known(word: str, vocab: CatalogVocabulary) -> bool:
    if any(t.kind == "attribute" for t in vocab.lookup((word,))):
        return False  # "no colour", "without size": a filter dropped, not a value refused
    return vocab.knows_word(word) or any(t.kind == "value" for t in vocab.lookup((word,)))


def _catalog_form(word: str, vocab: CatalogVocabulary) -> str | None:
    """The catalog's word for ``word``: itself, or the noun of an adjective ("christmassy",
    "floral" -> "christmas", "flower" only when the catalog knows that form)."""
    if _known(word, vocab):
        return word
    for suffix in _ADJECTIVE_SUFFIXES:
        stem = word.removesuffix(suffix)
        if stem != word and len(stem) >= 3 and _known(stem, vocab):
            return stem
    # "stripy" where the catalog says "stripe": another inflection the titles use
    return next((f for f in _word_forms(word) if f in vocab.title_terms), None)


def _variants(phrase: str, vocab: CatalogVocabulary) -> list[str]:
    """``phrase`` and the catalog's other spellings of it: written as one word ("polka dots"
    -> "polkadot"), or another word for children ("kids" -> "childrens")."""
    variants = [phrase]
    words = phrase.split()
    if len(words) > 1:
        joined = "".join(words)
        for form in (joined, joined.removesuffix("s")):
            if vocab.knows_word(form):
                variants.append(form)
                break
    for i, word in enumerate(words):
        if word in _CHILD_WORDS:  # "kids aprons" also "childrens aprons"
            others = [w for w in _CHILD_WORDS if w != word and vocab.knows_word(w)]
            variants += [" ".join([*words[:i], w, *words[i + 1 :]]) for w in others]
    if len(words) == 1:  # "stripy" also "stripe", "striped": the catalog's forms of the word
        seen = {search_term(phrase)}  # the search already matches "hearts" for "heart"
        for form in _word_forms(phrase):
            if form in vocab.title_terms and search_term(form) not in seen:
                seen.add(search_term(form))
                variants.append(form)
    return list(dict.fromkeys(variants))


def _word_forms(word: str) -> list[str]:
    """Other inflections of ``word``: its stem with the usual English endings."""
    stems = {word} | {
        word.removesuffix(s) for s in _ADJECTIVE_SUFFIXES if word.endswith(s) and len(word) > 4
    }
    stems |= {stem + "e" for stem in stems}
    return [stem + end for stem in sorted(stems) for end in _FORM_ENDINGS]


# "none of the sets that come with cutlery": what the sets come with is the thing refused.
_WHAT_COMES_WITH = re.compile(
    r"\b(?:with|(?:that|which) (?:\w+ )?(?:come|comes|have|has|include|includes|contain|"
    r"contains)|containing|including)\b"
)


# What was shown, refused as such ("not the ones you already suggested"): no words to exclude.
_SHOWN = re.compile(
    r"\b(?:(?:you|u) (?:just |already )?(?:showed|shown|listed|suggested|sent|gave|found)|"
    r"already (?:shown|seen|listed|suggested))\b"
)
# When the refusal holds, not what is refused: "not silver this time", "no pink either".
_WHEN = re.compile(r"\b(?:this time|for now|for once|any ?more|again|today|either)\b")


def _phrase(span: str, vocab: CatalogVocabulary) -> str | None:
    """The catalog's words of one negated phrase, or ``None`` when it is not one to exclude."""
    span = _WHEN.sub(" ", span)
    parts = _WHAT_COMES_WITH.split(span)
    if len(parts) > 1 and parts[-1].strip():
        span = parts[-1]
    words = [w for w in span.split() if w not in _FRAME_WORDS]
    words = [w for w in words if w not in cues.STOPWORDS or vocab.lookup((w,))]
    if not words or len(words) > MAX_WORDS:
        return None
    forms = [_catalog_form(w, vocab) for w in words]
    if set(words) & cues.CLEARABLE_WORDS or None in forms:
        return None
    return " ".join(f for f in forms if f)


def _modifiers(phrase: str, elsewhere: set[str], vocab: CatalogVocabulary) -> str:
    """ "a watch, but not a smart watch": the refused phrase is a product kind of its own
    whose last word is the kind asked for outside the negation, so only the words that set
    the refused kind apart are excluded ("smart")."""
    words = [w for w in phrase.split() if w not in _FRAME_WORDS]
    head = words[-1] if words else ""
    kind = any(t.kind == "category" for t in vocab.lookup(tuple(words)))
    if kind and len(words) > 1 and (head in elsewhere or singular_forms(head) & elsewhere):
        return " ".join(words[:-1])
    return phrase


def take_exclusions(text: str, vocab: CatalogVocabulary) -> tuple[str, list[str]]:
    """``text`` without its negated phrases, and those phrases (the catalog's words only)."""
    excluded: list[str] = []
    for match in reversed(list(NEGATION.finditer(text))):
        if _SHOWN.search(match.group("span")):
            # "not the ones you just showed": the listing refused, so others are asked for
            text = f"{text[: match.start()]} others {text[match.end() :]}"
            continue
        elsewhere = set(re.findall(r"[a-z0-9]+", f"{text[: match.start()]} {text[match.end() :]}"))
        spans = _ALTERNATIVES.split(match.group("span"))
        phrases = [_phrase(_modifiers(span, elsewhere, vocab), vocab) for span in spans]
        if not phrases or None in phrases:
            continue
        found = [v for p in phrases if p for v in _variants(p, vocab)]
        excluded[:0] = found
        after_one = re.search(r"\bones?$", match.group("span")) is not None
        rest = (_REASON_AFTER if after_one else _REASON).sub("", text[match.end() :], count=1)
        text = f"{text[: match.start()]} ; {rest}"
    return text, list(dict.fromkeys(excluded))
