"""Price constraints in the forms shoppers write them ("under £20", "5-10 pounds", "around $50").

``parse_price`` works on normalised text and returns the constraint plus the text with the
price phrases blanked out, so the rest of the NLU never mistakes "20" for a size or an id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# An approximate price ("around £10") means this fraction either side.
AROUND_TOLERANCE = 0.20

_CURRENCY_WORDS = r"(?:pounds?|quid|gbp|dollars?|bucks|usd|euros?|eur|pence|cents?)"
# A number with a currency mark before or after it ("£5", "5 pounds", "50p", "$1,200.50").
_WITH_CURRENCY = (
    r"(?:[£$€]\s?\d[\d,]*(?:\.\d+)?(?:\s?(?:pounds?|quid|dollars?|bucks|euros?))?"
    rf"|\d[\d,]*(?:\.\d+)?(?:\s?{_CURRENCY_WORDS}\b|p\b))"
)
# A bare number that is not a size, a count or a product id: at most four digits and no unit.
_UNITS = (
    r"(?:cm|mm|m|inch|inches|ft|feet|foot|ml|l|litres?|liters?|kg|g|lbs?|gb|tb|mah|w|watts?|"
    r"pieces?|pcs|pack|packs|x|hours?|days?|years?|mp|k|-inch|-piece)\b"
)
_BARE = rf"(?<![\w.])\d{{1,4}}(?:\.\d{{1,2}})?(?![\w%]|\.\d|\s?{_UNITS}|-[a-z])"
_MONEY = rf"(?:{_WITH_CURRENCY}|{_BARE})"
_RANGE_SEP = r"\s*(?:-|to|and|until|till)\s*"

_NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_NUMBER_WORD_RE = "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
_WORD = rf"(?:{_NUMBER_WORD_RE})"
_SPELLED = (
    rf"(?:a|{_WORD})(?:[\s-]{_WORD})?(?:\s+hundred(?:\s+(?:and\s+)?{_WORD}(?:[\s-]{_WORD})?)?)?"
)

_UPPER_CUES = (
    r"under|below|beneath|less than|cheaper than|lower than|no more than|not more than|"
    r"not over|no higher than|not above|nothing over|nothing above|nothing more than|"
    r"nothing pricier than|nothing costing more than|up to|upto|max|maximum|at most|"
    r"at the most|within|"
    r"a budget of|budget of|budget is|budget|for less than|<=|<|≤"
)
_LOWER_CUES = (
    r"over|above|more than|greater than|higher than|pricier than|at least|min|minimum|"
    r"starting at|starting from|no less than|not less than|from|>=|>|≥"
)
_AROUND_CUES = (
    r"around|about|approximately|approx\.?|roughly|circa|near|close to|in the region of|"
    r"something like|~"
)
_RANGE_CUES = r"price(?:d)?|costing|cost|for|range|in the range of|budget"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("range", re.compile(rf"\b(?:between|from)\s+(?P<a>{_MONEY}){_RANGE_SEP}(?P<b>{_MONEY})")),
    ("range", re.compile(rf"(?P<a>{_WITH_CURRENCY}){_RANGE_SEP}(?P<b>{_MONEY})")),
    ("range", re.compile(rf"(?P<a>{_BARE}){_RANGE_SEP}(?P<b>{_WITH_CURRENCY})")),
    ("range", re.compile(rf"\b(?:{_RANGE_CUES})\s+(?P<a>{_BARE})\s*(?:-|to)\s*(?P<b>{_BARE})")),
    # A bare "10-20" is a price range only with a hyphen: "5 to 10" alone could be a count.
    ("range", re.compile(rf"(?P<a>{_BARE})\s*-\s*(?P<b>{_BARE})")),
    ("around", re.compile(rf"(?:\b|(?=~))(?:{_AROUND_CUES})\s*(?P<a>{_MONEY})")),
    ("around", re.compile(rf"(?P<a>{_MONEY})\s?or so\b")),
    ("around", re.compile(rf"(?P<a>[£$€]?\d+(?:\.\d+)?)-?ish\b(?:\s?{_CURRENCY_WORDS}\b)?")),
    ("max", re.compile(rf"(?:\b|(?=[<≤]))(?:{_UPPER_CUES})\s*(?P<a>{_MONEY})")),
    (
        "max",
        re.compile(
            rf"(?P<a>{_MONEY})\s+(?:or less|or under|or below|or cheaper|max(?:imum)?|tops|"
            r"and under|and below)\b"
        ),
    ),
    ("min", re.compile(rf"(?:\b|(?=[>≥]))(?:{_LOWER_CUES})\s*(?P<a>{_MONEY})")),
    (
        "min",
        re.compile(
            rf"(?P<a>{_MONEY})\s*(?:or more\b|or above\b|or higher\b|and up\b|and above\b|"
            r"and over\b|plus\b|\+)"
        ),
    ),
    # A lone amount with a currency mark ("a £10 gift", "mugs for $20") is a budget.
    ("max", re.compile(rf"(?P<a>{_WITH_CURRENCY})")),
]
_SLANG = [
    (re.compile(r"\ba fiver\b"), "£5"),
    (re.compile(r"\ba tenner\b"), "£10"),
    (re.compile(r"\ba (?:quid|pound|buck|dollar)\b"), "1 pound"),
]


@dataclass(frozen=True)
class PriceRange:
    """An inclusive price range; either end may be open."""

    min_price: float | None = None
    max_price: float | None = None
    approximate: bool = False


def _spelled_to_number(words: str) -> int | None:
    total, current = 0, 0
    for word in re.split(r"[\s-]+", words):
        if word == "and":
            continue
        if word == "a":
            current = max(current, 1)
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word in _NUMBER_WORDS:
            current += _NUMBER_WORDS[word]
        else:
            return None
    total += current
    return total or None


def _digits_for_words(text: str) -> str:
    """Spelled amounts next to a price word become digits ("under five pounds" → "under 5")."""

    def repl(match: re.Match[str]) -> str:
        number = _spelled_to_number(match.group("n").strip())
        if number is None:
            return match.group(0)
        return f"{match.group('pre')}{number}{match.group('post')}"

    after_cue = re.compile(
        rf"(?P<pre>\b(?:{_UPPER_CUES}|{_LOWER_CUES}|{_AROUND_CUES}|between|and|to)\s+)"
        rf"(?P<n>{_SPELLED})(?P<post>\s+{_CURRENCY_WORDS}\b)"
    )
    text = after_cue.sub(repl, text)
    before_currency = re.compile(rf"(?P<pre>\b)(?P<n>{_SPELLED})(?P<post>\s+{_CURRENCY_WORDS}\b)")
    text = before_currency.sub(repl, text)
    bare_after_cue = re.compile(
        rf"(?P<pre>\b(?:under|below|over|above|less than|more than|up to|at least|at most|"
        # "about a wholesale account" is no amount; "under a hundred" is
        rf"around|about|between)\s+)(?!a\s+(?!hundred\b))(?P<n>{_SPELLED})(?P<post>\b)"
        rf"(?!\s+(?:of|one|ones)\b)"
    )
    return bare_after_cue.sub(repl, text)


def amount(text: str) -> float:
    """The value of one money expression ("£1,200", "50p" → 0.5, "99 cents" → 0.99)."""
    number = float(re.sub(r"[^\d.]", "", re.search(r"\d[\d,]*(?:\.\d+)?", text)[0]))  # type: ignore[index]
    if re.search(r"\d\s?(?:p|pence|cents?)\b", text) and not re.search(r"[£$€]", text):
        number /= 100
    return round(number, 2)


def parse_price(text: str) -> tuple[PriceRange | None, str]:
    """The price constraint in normalised ``text`` and the text without its price phrases."""
    for pattern, replacement in _SLANG:
        text = pattern.sub(replacement, text)
    text = _digits_for_words(text)
    lows: list[float] = []
    highs: list[float] = []
    approximate = False
    for kind, pattern in _PATTERNS:
        while match := pattern.search(text):
            a = amount(match.group("a"))
            if kind == "range":
                b = amount(match.group("b"))
                lows.append(min(a, b))
                highs.append(max(a, b))
            elif kind == "around":
                approximate = True
                lows.append(round(a * (1 - AROUND_TOLERANCE), 2))
                highs.append(round(a * (1 + AROUND_TOLERANCE), 2))
            elif kind == "max":
                highs.append(a)
            else:
                lows.append(a)
            text = f"{text[: match.start()]} ; {text[match.end() :]}"
    if not lows and not highs:
        return None, text
    low = max(lows) if lows else None
    high = min(highs) if highs else None
    if low is not None and high is not None and low > high:
        # Contradictory bounds ("over 20 under 10"): keep the ceiling, the usual budget.
        low = None
    return PriceRange(low, high, approximate), text
