"""The ``analyze_text`` tool."""

from __future__ import annotations

from tools.analyze.base import TextAnalyzer
from tools.analyze.models import AnalyzeInput, TextAnalysis
from tools.spec import ToolSpec


def analyze_tools(analyzer: TextAnalyzer) -> list[ToolSpec[AnalyzeInput, TextAnalysis]]:
    """The analysis tools bound to a backend."""

    async def analyze_text(args: AnalyzeInput) -> TextAnalysis:
        """Analyse a text: sentiment with scores, key phrases, named entities (where the
        backend has a model), dominant language, and personal data (PII) with types, offsets
        and a masked copy.

        Use it on reviews and messages ("how do customers feel about this?"). ``features``
        picks analyses (default: all); ``language`` skips detection. Languages served: en, de,
        fr, es, it. A feature a backend cannot provide comes back empty and is named in
        ``notes``.
        """
        return await analyzer.analyze(args.text, args.features or (), args.language)

    return [ToolSpec("analyze_text", AnalyzeInput, TextAnalysis, analyze_text)]
