"""Peeling English cues off a message: sort orders, stock filters, comparatives, intent words."""

from __future__ import annotations

import re

from agents.offline import cues
from agents.offline.cues import Sort
from agents.offline.supply_cues import RESTOCK_QUESTION
from agents.offline.understanding import Flags, Understanding


def blank(pattern: re.Pattern[str], text: str) -> tuple[str, list[re.Match[str]]]:
    """Cut every match of ``pattern`` out of ``text`` (a ";" marks the gap); the matches."""
    found = list(pattern.finditer(text))
    for match in reversed(found):
        text = f"{text[: match.start()]} ; {text[match.end() :]}"
    return text, found


def detect_flags(text: str) -> Flags:
    """Which intent cues the message holds, before any of them is cut out."""
    flags = Flags()
    for topic, pattern in cues.OUT_OF_SCOPE:
        if pattern.search(text):
            flags.topic = topic
            break
    flags.greeting = bool(cues.GREETING.search(text))
    flags.thanks = bool(cues.THANKS.search(text))
    flags.bye = bool(cues.BYE.search(text))
    flags.help = bool(cues.HELP.search(text))
    flags.details = bool(cues.DETAILS.search(text))
    flags.stock = bool(cues.STOCK_QUESTION.search(text) or RESTOCK_QUESTION.search(text))
    flags.similar = bool(cues.SIMILAR.search(text))
    flags.order = bool(cues.ORDER.search(text))
    flags.more = bool(cues.MORE.search(text))
    flags.reset = bool(cues.RESET.search(text))
    return flags


def take_sort(u: Understanding, text: str) -> str:
    """Set the sort order the message asks for (the earliest cue wins); the rest of the text."""
    earliest: tuple[int, Sort] | None = None
    for sort, pattern in cues.SORTS:
        text, found = blank(pattern, text)
        for match in found:
            if earliest is None or match.start() < earliest[0]:
                earliest = (match.start(), sort)
    if earliest is not None:
        u.sort = earliest[1]
    return text


def take_slot_cues(u: Understanding, text: str) -> str:
    """Set comparatives, stock filter and sort; cut every cue phrase out of the text."""
    text, found = blank(cues.CHEAPER, text)
    u.cheaper = bool(found)
    text, found = blank(cues.PRICIER, text)
    u.pricier = bool(found)
    text, found = blank(cues.INCLUDE_OUT_OF_STOCK, text)
    if found:
        u.in_stock_only = False
    text, found = blank(cues.STOCK_PHRASE, text)
    if found and u.in_stock_only is None:
        u.in_stock_only = True
    text = take_sort(u, text)
    for pattern in (
        cues.GREETING,
        cues.THANKS,
        cues.BYE,
        cues.HELP,
        cues.DETAILS,
        cues.STOCK_QUESTION,
        cues.SIMILAR,
        cues.ORDER,
        cues.COMPARE,
        cues.RESET,
        cues.BACK_TO,
    ):
        text, _ = blank(pattern, text)
    return text
