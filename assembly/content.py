"""The content graph on the configured backends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from langchain_core.language_models import BaseChatModel

from assembly.services import Services
from graphs.content import ContentGraph
from infra.settings import Settings


def content_graph(services: Services, model: BaseChatModel | None = None) -> ContentGraph:
    """``ContentGraph.configured`` on ``services`` (``model``: a chat model already built)."""
    return ContentGraph.configured(
        services.settings, services.store, services.contents, services.analyzer, model
    )


@contextmanager
def open_content_graph(settings: Settings) -> Iterator[ContentGraph]:
    """The content graph on backends of its own (``shopagent content``), closed on exit."""
    services = Services.from_settings(settings)
    try:
        yield content_graph(services)
    finally:
        services.close()
