"""The ``TextAnalyzer`` Protocol that every backend implements, and input checks they share."""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from infra.errors import ToolInputError
from tools.analyze.languages import language_code
from tools.analyze.models import ALL_FEATURES, MAX_TEXT_CHARS, Feature, TextAnalysis


class TextAnalyzer(Protocol):
    """Analyses one text; the output schema is the same whichever backend answers."""

    name: str

    async def analyze(
        self, text: str, features: Collection[Feature] = ALL_FEATURES, language: str | None = None
    ) -> TextAnalysis:
        """Run ``features`` on ``text``; ``language`` (a supported code) skips detection.

        Raises ``ToolInputError`` for empty or oversized text and unsupported languages,
        ``UpstreamError`` when a remote backend fails.
        """
        ...


def checked_request(
    text: str, features: Collection[Feature] | None, language: str | None
) -> tuple[frozenset[Feature], str | None]:
    """Validate a request: non-blank text within the size limit, a supported language."""
    if not text.strip():
        raise ToolInputError("the text is empty: send the words to analyse")
    if len(text) > MAX_TEXT_CHARS:
        raise ToolInputError(
            f"the text has {len(text):,} characters; the limit is {MAX_TEXT_CHARS:,}: "
            "split it into parts"
        )
    wanted = frozenset(features) if features else ALL_FEATURES
    return wanted, language_code(language) if language else None
