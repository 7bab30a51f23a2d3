"""The text analyzer that settings choose."""

from __future__ import annotations

from infra.clients import comprehend_client
from infra.settings import Settings
from tools.analyze.base import TextAnalyzer


def text_analyzer(settings: Settings) -> TextAnalyzer:
    """``local`` (packaged models) or ``comprehend`` (Amazon Comprehend)."""
    if settings.analyzer_backend == "comprehend":
        from tools.analyze.comprehend import ComprehendAnalyzer

        return ComprehendAnalyzer(comprehend_client(settings))
    from tools.analyze.local import LocalAnalyzer

    return LocalAnalyzer()
