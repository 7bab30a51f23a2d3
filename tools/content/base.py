"""The content writer and content store Protocols, and the brief a writer works from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from tools.content.facts import SourceFacts
from tools.content.models import ContentInput, ContentReport, ContentResult, ProductContent, Tone


@dataclass(frozen=True)
class Brief:
    """What to write: the product's citable data, the tone, the language and the keywords."""

    facts: SourceFacts
    tone: Tone
    language: str
    keywords: list[str]


class Writer(Protocol):
    """Writes product copy from a brief, and rewrites it to fix what the checks found."""

    name: str

    async def draft(self, brief: Brief) -> ProductContent: ...

    async def refine(
        self, brief: Brief, content: ProductContent, report: ContentReport
    ) -> ProductContent: ...


class ContentStore(Protocol):
    """Versioned product content: every save is a new version, none is overwritten."""

    name: str

    def save(self, result: ContentResult) -> ContentResult:
        """Store ``result`` as the next version of its product and language; returns it."""
        ...

    def get(
        self, product_id: str, language: str, version: int | None = None
    ) -> ContentResult | None:
        """One version (the latest when ``version`` is ``None``), or ``None``."""
        ...

    def versions(self, product_id: str, language: str) -> list[int]:
        """The stored version numbers, oldest first."""
        ...


class ContentAuthor(Protocol):
    """Writes, checks and stores one product's content (the content graph implements it)."""

    async def write(self, request: ContentInput) -> ContentResult: ...
