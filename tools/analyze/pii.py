"""Personal data found by validated patterns, and masked.

Detection runs on a normalised copy of the text, so that a number is found however it is
spelled: full-width digits and letters become ASCII (NFKC), non-breaking, thin and other
Unicode spaces become plain spaces, Unicode dashes become ``-``, and invisible characters
(zero-width spaces, soft hyphens) are dropped. Every match is mapped back to the offsets of the
original text, so a masked copy keeps everything else exactly as it was written.

Each kind is a pattern plus a check that rules out look-alikes:

- CARD: 13-19 digits written as one block, in groups of four (4-4-4-4, 4-4-4-4-3), the
  Amex / Diners layout (4-6-5, 4-6-4), in pairs or threes (the last group may be shorter) or
  digit by digit, with up to three spaces, or one punctuation mark (``.``, ``-``, ``/``, ``_``,
  ``:``, ``*`` …, not a bracket or ``+``, which phones use) between the groups, mixed freely;
  the Luhn check decides. A list of product ids (groups of five), a phone (it starts with 0 or
  ``+``) and a number with thousands commas are not card layouts.
- CVV: 3-4 digits after a cue (``cvv``, ``cvc``, ``security code`` …); only the digits go.
- EXPIRY: a month/year (``12/29``, ``12/2029``, ``12-29``) after a cue (``exp``, ``expires``,
  ``valid thru`` …) or right after a card number.
- SSN: a US social security number written in three groups (``123-45-6789``,
  ``123/45/6789``, ``219-09/9999``, ``536_22_4710`` …), or nine digits after an ``SSN`` cue;
  the never-issued areas 000, 666 and 900-999 are ruled out.
- NI_NUMBER: a UK national insurance number: two letters, three pairs of digits, A-D
  (``AB 12 34 56 C``; specimen prefixes such as QQ are masked too).
- IBAN: ISO 13616 mod-97 check and the country's length.
- EMAIL (also spelled out: ``sofia [at] example.com``, ``sofia(at)example(dot)com``,
  ``sofia.rossi2645 at example dot com``), PHONE (10-15 digits: ``+44 (0)7700 900462``,
  ``0044 7700 900463``, ``+1 (415) 555-0132``, ``07700 900123``, ``(555) 123-4567``),
  POSTCODE (UK, US ZIP+4).

This is the one PII detector of shopagent: the chat guard, the log filter, the chat's
behaviour events, the content checks and the local analyzer all call it.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from tools.analyze.models import LocalPiiType, PiiEntity

# ---- normalisation -----------------------------------------------------------------------

# Dashes and minus signs people (and word processors) put between digit groups.
_DASHES = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d")
# Characters that show nothing and may be slipped between digits.
_INVISIBLE = frozenset("\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff")


@dataclass(frozen=True)
class Normalised:
    """``text`` as detection sees it, and where each of its characters came from."""

    text: str
    origin: list[int]  # origin[i]: offset in the original text of ``text[i]``

    def span(self, begin: int, end: int) -> tuple[int, int]:
        """The original offsets of the normalised span ``[begin, end)``."""
        return self.origin[begin], self.origin[end - 1] + 1


def _normal_char(ch: str) -> str:
    if ch in _INVISIBLE:
        return ""
    if ch in _DASHES:
        return "-"
    if not ch.isascii() and (value := unicodedata.decimal(ch, None)) is not None:
        return str(value)  # any script's decimal digit: full-width, Arabic-Indic, Devanagari …
    if ch not in "\t\n\r" and (ch.isspace() or unicodedata.category(ch) == "Zs"):
        return " "
    return unicodedata.normalize("NFKC", ch)


def normalise(text: str) -> Normalised:
    """The text detection runs on (see the module docstring), with its offset map."""
    if text.isascii():
        return Normalised(text, list(range(len(text))))
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        for out in _normal_char(ch):
            chars.append(out)
            origin.append(i)
    return Normalised("".join(chars), origin)


# ---- checks ------------------------------------------------------------------------------


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum of a card number holds."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


# IBAN lengths of the countries we sell to and their neighbours (ISO 13616 registry).
_IBAN_LENGTHS = {
    "AT": 20, "BE": 16, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "EE": 20, "ES": 24,
    "FI": 18, "FR": 27, "GB": 22, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IS": 26, "IT": 27,
    "LT": 20, "LU": 20, "LV": 21, "MT": 31, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24,
    "SE": 24, "SI": 19, "SK": 24,
}  # fmt: skip


def iban_ok(candidate: str) -> bool:
    """The IBAN has its country's length and its mod-97 check holds."""
    iban = candidate.replace(" ", "")
    expected = _IBAN_LENGTHS.get(iban[:2])
    if expected is not None and len(iban) != expected:
        return False
    if expected is None and not 15 <= len(iban) <= 34:
        return False
    rearranged = iban[4:] + iban[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(number) % 97 == 1


def ssn_ok(candidate: str) -> bool:
    """A social security number as the SSA issues them: no area 000, 666 or 9xx, no group 00,
    no serial 0000."""
    digits = _digits(candidate)
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return (
        len(digits) == 9
        and area not in ("000", "666")
        and not area.startswith("9")
        and group != "00"
        and serial != "0000"
    )


def phone_ok(candidate: str) -> bool:
    """10-15 digits, not counting a ``(0)`` written after the country code."""
    return 10 <= len(_digits(candidate.replace("(0)", ""))) <= 15


def _always(_: str) -> bool:
    return True


# ---- patterns (on normalised text) -------------------------------------------------------

# Between digit groups: up to three spaces, or one punctuation mark (not a bracket or "+",
# which belong to phones) with a space either side at most. Dates (12/05/2024), times and
# expiries (12/29) are joined the same way: they are never a card layout, so only a 13-19 digit
# run in card groups that passes Luhn is a card.
_SEP = r"(?:[ \t]{1,3}|[ \t]?(?:[^\w\s()\[\]{}+]|_)[ \t]?)"
# The local part starts where no local-part character precedes it: one try per run of such
# characters, not one per character (which would be quadratic on a long dotted string).
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
# An address spelled out to slip past the "@": "[at]" or "(at)" in brackets, then a domain
# with dots or "dot" words; or a bare " at " whose domain spells its dots ("example dot com")
# and whose local part looks like a mailbox's (a digit, "." or "_": not "looked at the dot
# com bubble").
_BRACKET_WORD = r"[ \t]*[\[({<][ \t]*WORD[ \t]*[\])}>][ \t]*"
_AT_BRACKET = _BRACKET_WORD.replace("WORD", "(?i:at)")
_DOT_WORD = rf"(?:{_BRACKET_WORD.replace('WORD', '(?i:dot)')}|[ \t]+(?i:dot)[ \t]+)"
_SPELLED_EMAIL = re.compile(
    rf"(?<![\w.+-])(?:[\w.+-]+{_AT_BRACKET}[\w-]+(?:(?:\.|{_DOT_WORD})[\w-]+)+"
    rf"|(?=[\w+-]*[\d._])[\w.+-]+[ \t]+(?i:at)[ \t]+[\w-]+(?:{_DOT_WORD}[\w-]+)+)\b"
)
# A run of digit groups joined by separators; the card layouts are picked out of it.
_DIGIT_RUN = re.compile(rf"(?<![\w.,+])\d+(?:{_SEP}\d+)*(?!\w)")
# Country code, check digits, then 11-30 letters or digits, optionally in groups of four.
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b")
# Three groups joined by a space, dot, dash, slash or underscore, mixed or not (123-45-6789,
# 123/45/6789, 219-09/9999, 536_22_4710), or nine digits after a cue. The 3-2-4 layout is not a
# date's (12/05/2024 is 2-2-4).
_SSN = re.compile(
    r"(?<![\w.-])\d{3}[ ./_-]\d{2}[ ./_-]\d{4}(?![\w-])"
    r"|(?i:\b(?:ssn|social\s+security(?:\s+(?:number|no\.?))?)\b)[^\w\n]{0,5}(\d{9})(?!\d)"
)
_NINO = re.compile(r"(?i)\b[A-Z]{2}(?: ?\d{2}){3} ?[A-D]\b")
_CVV = re.compile(
    r"(?i:\b(?:cvv2?|cvc2?|cid|csc|security\s+code|card\s+verification(?:\s+(?:code|value))?))"
    r"\b[^\d\n]{0,20}?(\d{3,4})(?!\d)"
)
_DATE = r"(?:0?[1-9]|1[0-2])\s?[/.-]\s?(?:20)?\d{2}"
_EXPIRY = re.compile(
    r"(?i:\b(?:exp(?:iry|iration|ires|\.)?|valid\s+(?:thru|through|until|to)|good\s+thru))"
    rf"(?:\s+date)?[^\w\n]{{0,3}}(?:on\s+|is\s+)?({_DATE})(?![\d/])"
)
# Right after a card number: a separator or two, maybe a cue, then the date.
_EXPIRY_AFTER_CARD = re.compile(
    rf"[ \t,;:-]{{0,4}}(?i:(?:exp\w*|valid\s+\w+)\.?[ \t:]{{0,3}})?({_DATE})(?![\d/])"
)
# Phones: a "+", or at a word start a trunk 0 (also 00 + country code), an area code in
# parentheses or a three-digit group; then digit groups joined by one or two separators, or
# by nothing next to a parenthesised part ("(0)7700"). No two ways to split the same digits, so
# a failed match costs linear time.
_PHONE_PART = r"(?:\(\d{1,4}\)|\d+)"
_PHONE = re.compile(
    r"(?:\+|(?<![\w.+(])(?=0\d|\(\d{3}\)|\d{3}[ .-]))"
    rf"{_PHONE_PART}(?:(?:[ .-]{{1,2}}|(?<=\))|(?=\()){_PHONE_PART})*(?!\w)"
)
# UK postcodes (outward code, space optional, inward code) and US ZIP+4.
_POSTCODE = re.compile(
    r"\b(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2}|\d{5}-\d{4})\b"
)


def _card_layout(sizes: list[int], first: bool) -> bool:
    """Digit groups laid out as card numbers are written (13-19 digits in all). Pairs and
    threes count from the ``first`` group of such a stretch only: two phones written in pairs
    (``01 23 45 67 89 01 23 45 67 89``) hold no card, though a card may be followed by more."""
    if len(sizes) == 1 or all(size == 1 for size in sizes):
        return True
    if sizes in ([4, 6, 5], [4, 6, 4]):
        return True
    if first and sizes[0] in (2, 3) and all(size == sizes[0] for size in sizes[:-1]):
        return sizes[-1] <= sizes[0]
    # Groups of four: 4-4-4-x (13-16 digits) or 4-4-4-4-3 (19 digits).
    if sizes[:3] != [4, 4, 4]:
        return False
    return len(sizes) == 4 or sizes[3:] == [4, 3]


def _cards(norm: str) -> Iterator[tuple[int, int]]:
    """Spans of card numbers: runs of digit groups in a card layout that pass Luhn.

    For each group a candidate could end at, the candidate is grown leftwards one group at a
    time with a running Luhn sum (at most 19 digits), so a run costs linear time. Candidates
    are then taken from the left, the longest first (a CVV or a date may follow a card).
    """
    for run in _DIGIT_RUN.finditer(norm):
        text, base = run.group(), run.start()
        spans = [(m.start(), m.end()) for m in re.finditer(r"\d+", text)]
        sizes = [end - begin for begin, end in spans]
        thousands = "," in text and all(size == 3 for size in sizes[1:])
        longest: dict[int, int] = {}  # first group -> end group (exclusive) of its longest card
        for j in range(1, len(spans) + 1):
            weighted = position = 0
            for i in range(j - 1, -1, -1):
                begin, end = spans[i]
                for ch in reversed(text[max(begin, end - 20) : end]):
                    digit = ord(ch) - 48
                    if position % 2 == 1:
                        digit = digit * 2 - 9 if digit > 4 else digit * 2
                    weighted += digit
                    position += 1
                if position > 19:
                    break
                if (
                    position >= 13
                    and weighted % 10 == 0
                    and text[spans[i][0]] != "0"
                    and not thousands
                    and _card_layout(sizes[i:j], i == 0 or sizes[i - 1] != sizes[i])
                ):
                    longest[i] = max(longest.get(i, j), j)
        taken_to = 0
        for i in sorted(longest):
            if i >= taken_to:
                yield base + spans[i][0], base + spans[longest[i] - 1][1]
                taken_to = longest[i]


# (type, pattern, check), in the order they claim text after IBANs and cards: a span taken
# stays taken. CVV, EXPIRY and the cued SSN mask their value only (the cue word stays).
_KINDS: tuple[tuple[LocalPiiType, re.Pattern[str], Callable[[str], bool]], ...] = (
    ("SSN", _SSN, ssn_ok),
    ("NI_NUMBER", _NINO, _always),
    ("EMAIL", _EMAIL, _always),
    ("EMAIL", _SPELLED_EMAIL, _always),
    ("CVV", _CVV, _always),
    ("EXPIRY", _EXPIRY, _always),
    ("PHONE", _PHONE, phone_ok),
    ("POSTCODE", _POSTCODE, _always),
)


def _value_span(kind: LocalPiiType, match: re.Match[str]) -> tuple[int, int]:
    if kind in ("CVV", "EXPIRY"):
        return match.span(1)
    if kind == "SSN" and match.group(1) is not None:
        return match.span(1)
    return match.span()


class _Claims:
    """Non-overlapping spans of the normalised text, each with the kind that claimed it."""

    def __init__(self) -> None:
        self.spans: list[tuple[int, int, LocalPiiType]] = []  # sorted by position

    def claim(self, kind: LocalPiiType, begin: int, end: int) -> bool:
        """Take ``[begin, end)`` for ``kind`` unless it is empty or overlaps a taken span."""
        at = bisect.bisect_left(self.spans, (begin, begin))
        before = self.spans[at - 1] if at > 0 else None
        after = self.spans[at] if at < len(self.spans) else None
        if begin >= end or (before and before[1] > begin) or (after and after[0] < end):
            return False
        self.spans.insert(at, (begin, end, kind))
        return True


# Each kind of personal data in the words an answer or a refusal uses (the kinds found here,
# Comprehend's under their schema names, and the placeholders the chat's guard writes).
KIND_WORDS = {
    "PHONE": "a phone number",
    "PHONE_NUMBER": "a phone number",
    "EMAIL": "an e-mail address",
    "POSTCODE": "a postcode",
    "ADDRESS": "an address",
    "NAME": "a name",
    "CARD": "a card number",
    "CVV": "a card security code",
    "EXPIRY": "a card expiry date",
    "SSN": "a social security number",
    "NI_NUMBER": "a national insurance number",
    "IBAN": "a bank account number",
}


def find_pii(text: str) -> list[PiiEntity]:
    """Every piece of personal data in ``text``, in order of position (original offsets)."""
    norm = normalise(text)
    claims = _Claims()
    for match in _IBAN.finditer(norm.text):
        if iban_ok(match.group()):
            claims.claim("IBAN", *match.span())
    for begin, end in _cards(norm.text):
        if claims.claim("CARD", begin, end):
            after = _EXPIRY_AFTER_CARD.match(norm.text, end)
            if after is not None:
                claims.claim("EXPIRY", *after.span(1))
    for kind, pattern, check in _KINDS:
        for match in pattern.finditer(norm.text):
            begin, end = _value_span(kind, match)
            if check(norm.text[begin:end]):
                claims.claim(kind, begin, end)
    entities = []
    for begin, end, kind in claims.spans:
        first, last = norm.span(begin, end)
        entities.append(PiiEntity(type=kind, begin=first, end=last))
    return entities


def mask(text: str, entities: Iterable[PiiEntity]) -> str:
    """``text`` with each entity replaced by ``[TYPE]`` (overlapping entities merged)."""
    spans = sorted(entities, key=lambda e: (e.begin, -e.end))
    out: list[str] = []
    cursor = 0
    for entity in spans:
        if entity.begin < cursor:
            continue
        out.append(text[cursor : entity.begin])
        out.append(f"[{entity.type}]")
        cursor = entity.end
    out.append(text[cursor:])
    return "".join(out)


def mask_with_blanks(text: str, entities: Iterable[PiiEntity]) -> str:
    """``text`` with each entity overwritten by spaces, so that offsets stay valid."""
    chars = list(text)
    for entity in entities:
        chars[entity.begin : entity.end] = " " * (entity.end - entity.begin)
    return "".join(chars)


def mask_pii(text: str) -> str:
    """``text`` with its personal data masked."""
    return mask(text, find_pii(text))
