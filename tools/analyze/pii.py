"""Personal data found by validated patterns, and masked.

Each kind is a pattern plus a check that rules out look-alikes: card numbers pass the Luhn
check, IBANs the ISO 13616 mod-97 check and their country's length, phone numbers have 10-13
digits, UK postcodes follow the Royal Mail format. This is the one PII detector of shopagent:
the chat guard, the log filter, the content checks and the local analyzer all call it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from tools.analyze.models import PiiEntity

_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
# 13-19 digits, optionally grouped by spaces or dashes.
_CARD = re.compile(r"\b\d(?:[ -]?\d){12,18}\b")
# Country code, check digits, then 11-30 letters or digits, optionally in groups of four.
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b")
# Phone numbers: an international prefix, a leading 0 or an area code; 10-13 digits in all.
_PHONE = re.compile(r"(?:\+\d{1,3}[ .-]?|\b0|\(\d{3}\)\s?|\b\d{3}[ .-])\d[\d .-]{5,14}\d\b")
# UK postcodes (outward code, space optional, inward code) and US ZIP+4.
_POSTCODE = re.compile(
    r"\b(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2}|\d{5}-\d{4})\b"
)

# IBAN lengths of the countries we sell to and their neighbours (ISO 13616 registry).
_IBAN_LENGTHS = {
    "AT": 20, "BE": 16, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "EE": 20, "ES": 24,
    "FI": 18, "FR": 27, "GB": 22, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IS": 26, "IT": 27,
    "LT": 20, "LU": 20, "LV": 21, "MT": 31, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24,
    "SE": 24, "SI": 19, "SK": 24,
}  # fmt: skip


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


# (type, pattern, check), in the order they claim text: a span taken stays taken.
_KINDS: tuple[tuple[str, re.Pattern[str], Callable[[str], bool]], ...] = (
    ("IBAN", _IBAN, iban_ok),
    ("CARD", _CARD, lambda m: luhn_ok(_digits(m))),
    ("EMAIL", _EMAIL, lambda m: True),
    ("PHONE", _PHONE, lambda m: 10 <= len(_digits(m)) <= 13),
    ("POSTCODE", _POSTCODE, lambda m: True),
)


def find_pii(text: str) -> list[PiiEntity]:
    """Every piece of personal data in ``text``, in order of position."""
    found: list[PiiEntity] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern, check in _KINDS:
        for match in pattern.finditer(text):
            begin, end = match.span()
            if any(begin < t_end and t_begin < end for t_begin, t_end in taken):
                continue
            if check(match.group()):
                taken.append((begin, end))
                found.append(PiiEntity(type=kind, begin=begin, end=end))
    return sorted(found, key=lambda e: e.begin)


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
