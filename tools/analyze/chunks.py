"""Cutting long text into pieces under a byte limit, on sentence or word boundaries."""

from __future__ import annotations

import re
from dataclasses import dataclass

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")


@dataclass(frozen=True)
class Chunk:
    """``text`` starts at character ``offset`` of the whole."""

    offset: int
    text: str


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _hard_cut(text: str, max_bytes: int) -> int:
    """The longest prefix length (in characters) of ``text`` within ``max_bytes``."""
    low, high = 0, len(text)
    while low < high:
        mid = (low + high + 1) // 2
        if _size(text[:mid]) <= max_bytes:
            low = mid
        else:
            high = mid - 1
    return max(low, 1)


def split_text(text: str, max_bytes: int) -> list[Chunk]:
    """Pieces of ``text`` of at most ``max_bytes`` UTF-8 bytes that together cover it.

    A piece ends at the last sentence end that fits, else at the last space, else mid-word.
    """
    chunks: list[Chunk] = []
    start = 0
    while start < len(text):
        rest = text[start:]
        if _size(rest) <= max_bytes:
            chunks.append(Chunk(start, rest))
            break
        limit = _hard_cut(rest, max_bytes)
        window = rest[:limit]
        ends = [m.end() for m in _SENTENCE_END.finditer(window)]
        cut = ends[-1] if ends else window.rfind(" ") + 1 or limit
        chunks.append(Chunk(start, rest[:cut]))
        start += cut
    return [c for c in chunks if c.text.strip()]
