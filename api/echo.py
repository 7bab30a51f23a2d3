"""Client input quoted in an error message, cut short.

An error names what was wrong and may quote the value that was, but never repeats a long one
back: a megabyte id would otherwise come back as a megabyte error (and land in every log and
proxy on the way).
"""

from __future__ import annotations

ECHO_LIMIT = 64


def quoted(value: str, limit: int = ECHO_LIMIT) -> str:
    """``value`` as an ASCII literal, its first ``limit`` characters only when it is longer."""
    if len(value) <= limit:
        return ascii(value)
    return f"{ascii(value[:limit])}… ({len(value):,} characters)"
