"""The merchandiser's words: copy languages and keywords, forecast horizons, stock questions.

A merchandiser asks about one product at a time (named by id or title, or the product in
focus) in words a shopper rarely uses together: *sales*, *demand*, *stock*, *reorder*, *run
out*, *copy*, *blurb*, *listing*, *SEO*. This module reads those requests:

- the language of requested copy, as the ISO code the content tool's contract takes ("in
  German", "auf Deutsch", "French copy" → ``de`` / ``fr``);
- the target keywords after "keywords:" ("SEO copy for 22423, keywords: cake stand, tea");
- a follow-up that repeats the last copy request in another language or tone ("same again in
  Italian", "now a playful one");
- a demand question about one product ("what will sales of X look like over the next 7
  days", "demand over the next 60 days") and its horizon in days (a week is 7, four weeks 28,
  a month 30: the forecast tool's default of 28 is four weeks);
- a stock or run-out question about one product ("how many do we have in stock right now?",
  "will we run out of X next month?", "do we need to reorder it?").
"""

from __future__ import annotations

import re
from typing import Any

from tools.analyze.languages import SUPPORTED

# The merchandiser's English words: a short request made of them and an id is English
# ("write copy for 22423"), whatever a language identifier makes of three words.
ENGLISH_WORDS = frozenset(
    """write draft rewrite copy copywriting description descriptions blurb listing seo keywords
    keyword meta tone playful elegant practical neutral forecast forecasts demand sales sold
    stock restock reorder inventory units outlook expected projected level run out""".split()  # noqa: SIM905
)

# Language names (English and native) → the ISO code the content tool takes.
LANGUAGE_CODES: dict[str, str] = {
    **{name.lower(): code for code, name in SUPPORTED.items()},
    "deutsch": "de",
    "francais": "fr",
    "français": "fr",
    "espanol": "es",
    "español": "es",
    "castellano": "es",
    "italiano": "it",
}
_LANGUAGE_WORD = re.compile(r"\b(" + "|".join(map(re.escape, LANGUAGE_CODES)) + r")\b")
_LANGUAGE_CODE = re.compile(r"\b(?:in|language:?)\s+(" + "|".join(SUPPORTED) + r")\b")

# "keywords: cake stand, afternoon tea" / "target keywords cake stand and tea"
_KEYWORDS = re.compile(
    r"\b(?:key ?words?|search terms?|key ?phrases?)"
    r"\s*(?::|=|-|\blike\b|\bsuch as\b|\bincluding\b|\btargeting\b)\s*(.+)$"
)
# A word for what shoppers search, then the terms quoted: "targeting 'cake stand'".
_SEARCH_TARGET = re.compile(
    r"\b(?:target\w*|searches|search terms?|search phrases?|key ?words?|key ?phrases?|"
    r"rank\w* for|optimi[sz]e\w* for|seo for)\b"
)
_QUOTED_TERM = re.compile(r"'([^']{2,40})'|\"([^\"]{2,40})\"|[‘“]([^’”]{2,40})[’”]")
_KEYWORD_SPLIT = re.compile(r"\s*(?:,|;|\band\b|&|\|)\s*")
_KEYWORDS_END = re.compile(r"[.!?]\s|\b(?:please|thanks|thank you)\b")
MAX_KEYWORDS = 10

# "same again in Italian", "now in French", "and a playful one", "redo it in German"
_AGAIN = re.compile(
    r"^(?:(?:ok(?:ay)?|great|thanks|good|nice|cool|perfect)[,!. ]+)?"
    r"(?:(?:the )?same(?: thing| again| one| copy| text)?|again|now|also|and|then|next|"
    r"(?:can you |could you |please )?(?:redo|repeat|do|translate)(?: it| that| this| the same)?"
    r"|what about|how about|another(?: one)?|one more|make (?:it|that|this)(?: a bit| a little)?"
    r"(?: more)?)\b"
)
_AGAIN_ANYWHERE = re.compile(
    r"\b(?:same again|same copy|same text|same thing|translate (?:it|that))\b"
)

# A demand question: a demand word and a word about the future (or a horizon).
_DEMAND = re.compile(r"\b(?:sales|demand|sell|sells|selling|sold|units? sold)\b")
_FUTURE = re.compile(
    r"\b(?:will|going to|gonna|next|coming|upcoming|forecast\w*|expect\w*|outlook|"
    r"predict\w*|project\w*|look(?:s|ing)? like|over the|ahead)\b"
)
# Not a demand question: a shopper's "on sale", "what's selling well", "best sellers".
_NOT_DEMAND = re.compile(
    r"\b(?:on sale|for sale|sale items?|best ?sell\w*|selling well|top sell\w*)\b"
)

# A stock question about one product (a quantity, a level, on hand, left).
_STOCK = re.compile(
    r"\bhow many\b.*\b(?:stock|left|on hand|in the warehouse|do we have|have we got|remain\w*)\b"
    r"|\bstock (?:level|count|position|figure)s?\b|\bunits? (?:left|on hand|in stock)\b"
    r"|\bhow much stock\b|\b(?:on hand|inventory) (?:now|today|right now)\b"
    r"|\bwhat(?:'s| is) (?:the|our) (?:stock|inventory)\b"
)
# Will it run out, do we need to reorder it: the product's stock position answers.
_RUN_OUT = re.compile(
    r"\b(?:run|running|going to run|sell|selling) out\b|\bstock ?out\b"
    r"|\b(?:need|have|ought|want|should|must|shall)(?: we| i)?(?: to)? "
    r"(?:re-?order|restock|replenish|order more)\b"
    r"|\b(?:re-?order|restock|replenish)(?: it| this| that| them| these| those)?\??$"
    r"|\b(?:enough|sufficient) stock\b|\bis (?:it|the stock) (?:enough|running low)\b"
    r"|\brunning low\b|\blow on stock\b|\bwe (?:\w+ )?(?:need|order|get) more\b"
    # "should we top it up?", "time to order more of it?", "is it due a restock?"
    r"|\b(?:need|have|ought|want|should|must|shall|time)(?: we| i)?(?: to)? top (?:it|this|that|"
    r"them|these|those|the stock) up\b"
    r"|\btime to (?:re-?order|restock|replenish|order more|order in)\b"
    r"|\b(?:due|ready) (?:a |for (?:a )?)?(?:re-?order|restock|top[- ]up)\b"
)

_NUMBER_WORDS = {
    "one": 1,
    "a": 1,
    "an": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "twelve": 12,
    "fourteen": 14,
    "thirty": 30,
    "sixty": 60,
    "ninety": 90,
}
_COUNT = r"(\d{1,3}|" + "|".join(_NUMBER_WORDS) + r")"
_SPAN = re.compile(_COUNT + r"[- ](day|week|month)s?\b")
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30}
_NAMED_SPANS: list[tuple[re.Pattern[str], int]] = [
    (re.compile(r"\b(?:today|tomorrow)\b"), 1),
    (re.compile(r"\bfortnight\b"), 14),
    (re.compile(r"\b(?:this|next|a|the coming|coming) week\b|\bweekly\b"), 7),
    (re.compile(r"\b(?:this|next|a|the coming|coming) month\b|\bmonthly\b"), 30),
    (re.compile(r"\b(?:quarter|this season)\b"), 90),
]
MAX_HORIZON = 365


def content_language(norm: str) -> str | None:
    """The ISO code of the language the copy is asked in ("in German", "French copy", "in de")."""
    if (named := _LANGUAGE_WORD.search(norm)) is not None:
        return LANGUAGE_CODES[named.group(1)]
    if (code := _LANGUAGE_CODE.search(norm)) is not None:
        return code.group(1)
    return None


def content_keywords(text: str) -> list[str]:
    """The target keywords listed after "keywords:" (or quoted after a word for searches:
    "targeting the searches 'night light' and 'lamp'"), in order, lower-case."""
    low = text.lower()
    if _SEARCH_TARGET.search(low) and (quoted := _QUOTED_TERM.findall(low)):
        terms = (a or b or c for a, b, c in quoted)
        return list(dict.fromkeys(t.strip() for t in terms if t.strip()))[:MAX_KEYWORDS]
    found = _KEYWORDS.search(low)
    if found is None:
        return []
    listed = _KEYWORDS_END.split(found.group(1), maxsplit=1)[0]
    words = [w.strip(" \"'“”‘’.") for w in _KEYWORD_SPLIT.split(listed)]
    return list(dict.fromkeys(w for w in words if w))[:MAX_KEYWORDS]


def is_repeat_request(norm: str) -> bool:
    """A short follow-up asking for the same again ("same again in Italian", "now in French")."""
    return bool(_AGAIN.search(norm) or _AGAIN_ANYWHERE.search(norm)) and len(norm.split()) <= 10


def horizon_days(norm: str) -> int | None:
    """The forecast horizon a message names, in days ("next 7 days" 7, "4 weeks" 28)."""
    span = _SPAN.search(norm)
    if span is not None:
        count, unit = span.group(1), span.group(2)
        number = int(count) if count.isdigit() else _NUMBER_WORDS[count]
        return max(1, min(MAX_HORIZON, number * _UNIT_DAYS[unit]))
    for pattern, days in _NAMED_SPANS:
        if pattern.search(norm):
            return days
    return None


def is_demand_question(norm: str) -> bool:
    """Sales or demand ahead ("what will sales look like", "demand over the next 60 days")."""
    if _NOT_DEMAND.search(norm):
        return False
    return bool(_DEMAND.search(norm) and (_FUTURE.search(norm) or _SPAN.search(norm)))


def is_stock_question(norm: str) -> bool:
    """How much of one product is in stock ("how many do we have in stock right now?")."""
    return bool(_STOCK.search(norm))


def is_run_out_question(norm: str) -> bool:
    """Whether one product's stock lasts ("will we run out of X?", "do we need to reorder it?")."""
    return bool(_RUN_OUT.search(norm))


def with_follow_up(base: dict[str, Any], norm: str, tone: str | None) -> dict[str, Any]:
    """The last copy request's arguments changed only as the follow-up asks."""
    args = dict(base)
    language = content_language(norm)
    if language is not None:
        args["language"] = language
    if tone is not None:
        args["tone"] = tone
    return args
