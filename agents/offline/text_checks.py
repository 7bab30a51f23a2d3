"""Checks asked of a pasted passage: personal data, its language, its sentiment, key phrases.

"does this note contain personal data? '…'", "which language is this one in: '…'": the request
names what to look for, so ``analyze_text`` runs only those analyses (the tool's ``features``)
and the answer reports only them, as returned. Personal data the chat's own guard masked before
the message reached the planner ("[PHONE]") is personal data found too; no value is repeated,
only its kind.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from tools.analyze.languages import SUPPORTED
from tools.analyze.pii import KIND_WORDS

PII_REQUEST = re.compile(
    r"\b(?:personal|private|sensitive|identifying|identifiable|contact|customer'?s?) "
    r"(?:data|info\w*|details?)\b|\bpii\b|\bgdpr\b|\bredact\w*|\banonymi[sz]\w*"
    r"|\bdata protection\b|\b(?:anything|something) personal\b"
    # vetting a passage before it goes out: "check this review before we publish it", "is it
    # ok to post?" (what must not go out is the reviewer's personal data)
    r"|\bbefore (?:we|i|you|it|they) (?:publish|post|share|print|put (?:it|this|them) (?:up|live|"
    r"online)|go(?:es)? live)\b|\b(?:safe|ok|okay|fine|alright) to (?:publish|post|share|print)\b"
)
LANGUAGE_REQUEST = re.compile(
    r"\b(?:what|which) language\b|\blanguage (?:is|of) (?:this|that|it)\b"
    r"|\bwhat(?:'s| is) the language\b|\b(?:detect|identify|guess) the language\b"
)
KEY_PHRASE_REQUEST = re.compile(r"\bkey ?(?:phrases?|points|words|terms)\b|\bmain points\b")
SENTIMENT_REQUEST = re.compile(
    r"\bsentiment\b|\bpositive\b|\bnegative\b|\btone\b|\bfeel\w*\b|\bgood or bad\b"
)
# A passage handed over to be read for what it says: "analyse this message", "what's the
# overall mood and the main complaints?", "summarise these reviews" (its sentiment and key
# phrases, whatever product or order the passage itself talks about).
ANALYSIS_REQUEST = re.compile(
    r"\banaly[sz]\w*|\bsentiment\b|\b(?:overall|general) (?:mood|tone|feeling|verdict|"
    r"impression|opinion)\b|\bmain (?:complaints?|issues?|problems?|gripes?|themes?|points)\b"
    r"|\bsummari[sz]e\b|\bsum (?:up|them up|it up)\b|\b(?:what|how) (?:do|does|did) (?:they|the "
    r"customers?|people|reviewers?|buyers?) (?:think|feel|say)\b"
    r"|\b(?:happy|unhappy|angry|upset|pleased) or (?:not|happy|unhappy|angry|upset)\b"
)
# What the chat's guard writes in place of personal data ("[EMAIL]", "[PHONE]").
MASKED = re.compile(r"\[([A-Z][A-Z_]*)\]")


def requested_features(request: str) -> list[str]:
    """The analyses a request about a passage names; ``[]`` when it names none of the checks
    beyond what a review is read for (sentiment and key phrases are then the default)."""
    low = request.lower()
    features = []
    if PII_REQUEST.search(low):
        features.append("pii")
    if LANGUAGE_REQUEST.search(low):
        features.append("language")
    if features and SENTIMENT_REQUEST.search(low):
        features.append("sentiment")
    if features and KEY_PHRASE_REQUEST.search(low):
        features.append("key_phrases")
    return features


def asks_for_analysis(request: str) -> bool:
    """The request hands a passage over to be read ("analyse this message a customer sent")."""
    return bool(ANALYSIS_REQUEST.search(request.lower()))


def _kind(name: str) -> str:
    return KIND_WORDS.get(name.upper(), name.replace("_", " ").lower())


def pii_line(out: Mapping[str, Any], passage: str) -> str:
    """Whether the passage holds personal data, by kind (never the values)."""
    found = [str(e.get("type", "")) for e in out.get("pii") or [] if isinstance(e, Mapping)]
    found += MASKED.findall(passage)
    kinds = list(dict.fromkeys(_kind(k) for k in found if k))
    if not kinds:
        return "I found no personal data in that text."
    listed = kinds[0] if len(kinds) == 1 else f"{', '.join(kinds[:-1])} and {kinds[-1]}"
    return f"Yes, that text holds personal data: {listed}."


def language_line(out: Mapping[str, Any]) -> str:
    language = out.get("language")
    if not isinstance(language, Mapping) or not language.get("code"):
        return "The analyzer could not tell which language that text is in."
    code = str(language["code"])
    name = SUPPORTED.get(code, code)
    score = language.get("score")
    share = f" ({score:.0%} sure)" if isinstance(score, int | float) else ""
    return f"That text is in {name}{share}."
