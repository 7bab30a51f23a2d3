"""Text that tries to give the assistant instructions (prompt injection)."""

from __future__ import annotations

import re

_INJECTION = re.compile(
    r"ignore (?:all |any )?(?:the |your )?(?:previous|prior|above|earlier) (?:instructions|rules)"
    r"|disregard (?:your|the|all) (?:previous )?(?:instructions|rules|system prompt)"
    r"|(?:reveal|print|show) (?:me )?(?:your|the) (?:system )?prompt"
    r"|you are now (?:a|an|in) "
    r"|act as (?:a|an) (?:different|new|unrestricted)"
    r"|new instructions\s*:"
    r"|system prompt\s*:",
    re.IGNORECASE,
)


def looks_like_injection(text: str) -> bool:
    """True when ``text`` contains a phrase that addresses instructions to the assistant."""
    return _INJECTION.search(text) is not None
