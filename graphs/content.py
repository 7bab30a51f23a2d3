"""The content graph: draft → analyze → refine, at most N rounds, then stored as a version.

``build_graph`` compiles the loop around a writer and an analyzer; ``ContentGraph`` is the
``ContentAuthor`` behind the ``write_product_content`` tool, ``POST /v1/content`` and
``shopagent content``: it looks the product up, chooses the target keywords, runs the graph
and saves the result.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any, Literal, TypedDict

from langchain_core.language_models import BaseChatModel
from langgraph.graph import START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from agents.models import OFFLINE, chat_model
from graphs.spans import ModelSpans
from infra.errors import NotFoundError
from infra.metrics import guard_intervened
from infra.settings import Settings
from tools.analyze.base import TextAnalyzer
from tools.analyze.languages import language_code
from tools.catalog.store import Store
from tools.content.base import Brief, ContentStore, Writer
from tools.content.checks import check_content
from tools.content.facts import source_facts
from tools.content.keywords import queries_leading_to, target_keywords
from tools.content.localise import keywords_in
from tools.content.markup import has_markup, plain_content
from tools.content.model_writer import ModelWriter
from tools.content.models import ContentInput, ContentReport, ContentResult, ProductContent
from tools.content.offline_writer import OfflineWriter

# How long the search-query index behind default keywords is reused before it is rebuilt.
KEYWORD_INDEX_TTL_S = 60.0


class ContentState(TypedDict, total=False):
    brief: Brief
    content: ProductContent
    report: ContentReport
    rounds: int


def build_graph(
    writer: Writer, analyzer: TextAnalyzer, max_rounds: int = 3
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """Compile draft → analyze → (refine → analyze)* with at most ``max_rounds`` writes."""

    # Copy is plain text whatever the writer made of it (``tools.content.markup``).
    async def draft(state: ContentState) -> ContentState:
        return {"content": plain_content(await writer.draft(state["brief"])), "rounds": 1}

    async def analyze(state: ContentState) -> ContentState:
        brief = state["brief"]
        report = await check_content(
            state["content"], brief.facts, brief.language, brief.keywords, analyzer
        )
        return {"report": report}

    async def refine(state: ContentState) -> ContentState:
        content = plain_content(
            await writer.refine(state["brief"], state["content"], state["report"])
        )
        return {"content": content, "rounds": state["rounds"] + 1}

    def route(state: ContentState) -> Literal["refine", "__end__"]:
        if state["report"].passed or state["rounds"] >= max_rounds:
            return "__end__"
        return "refine"

    graph = StateGraph(ContentState)
    graph.add_node("draft", draft)
    graph.add_node("analyze", analyze)
    graph.add_node("refine", refine)
    graph.add_edge(START, "draft")
    graph.add_edge("draft", "analyze")
    graph.add_conditional_edges("analyze", route)
    graph.add_edge("refine", "analyze")
    return graph.compile()


class ContentGraph:
    """Writes, checks and stores product content (``tools.content.base.ContentAuthor``)."""

    def __init__(
        self,
        store: Store,
        contents: ContentStore,
        writer: Writer,
        analyzer: TextAnalyzer,
        max_rounds: int = 3,
    ) -> None:
        self.store = store
        self.contents = contents
        self.writer = writer
        self.graph = build_graph(writer, analyzer, max_rounds)
        self._led: dict[str, Any] = {}
        self._led_at = -KEYWORD_INDEX_TTL_S

    def _keyword_index(self) -> dict[str, Any]:
        """Which search queries led to which product, rebuilt at most once a minute."""
        now = time.monotonic()
        if now - self._led_at >= KEYWORD_INDEX_TTL_S:
            self._led = queries_leading_to(self.store.iter_events())
            self._led_at = now
        return self._led

    @classmethod
    def configured(
        cls,
        settings: Settings,
        store: Store,
        contents: ContentStore,
        analyzer: TextAnalyzer,
        model: BaseChatModel | None = None,
    ) -> ContentGraph:
        """The offline writer with the offline model, else a writer on the configured chat
        model (``model`` when the caller already built it)."""
        writer: Writer
        if settings.model == OFFLINE:
            writer = OfflineWriter()
        else:
            chosen = model or chat_model(settings.model, settings)
            writer = ModelWriter(ModelSpans(chosen, chosen))  # a span per call (graphs.spans)
        return cls(store, contents, writer, analyzer, max_rounds=settings.content_max_rounds)

    async def write(self, request: ContentInput) -> ContentResult:
        """Write ``request.product_id``'s copy and store it as a new version."""
        language = language_code(request.language)
        product = self.store.get_product(request.product_id.strip())
        if product is None:
            raise NotFoundError(f"no product has id {request.product_id!r}")
        facts = source_facts(product)
        if facts.ignored:  # instruction-like sentences in the product's data, not used
            guard_intervened("injection_refused")
        # Shoppers' queries and the catalog's words are English: other copy targets the
        # product's kind and values in its own language (``tools.content.localise``).
        wanted = request.keywords or (
            target_keywords(product, self._keyword_index())
            if language == "en"
            else keywords_in(product, language)
        )
        # A keyword that names a fact the product lacks ("red" for a blue mug) cannot be
        # used honestly, and one holding markup (a shopper's search can) is not plain text:
        # either is left out rather than written into the copy.
        keywords = [
            k.strip()
            for k in wanted
            if k.strip() and not has_markup(k) and not facts.unsupported(k, language)
        ]
        brief = Brief(facts=facts, tone=request.tone, language=language, keywords=keywords)
        state = await self.graph.ainvoke({"brief": brief})
        result = ContentResult(
            product_id=product.id,
            language=language,
            tone=request.tone,
            version=0,
            created_at=datetime.now(UTC),
            writer=self.writer.name,
            rounds=state["rounds"],
            target_keywords=keywords,
            content=state["content"],
            report=state["report"],
            ignored_input=facts.ignored,
        )
        return self.contents.save(result)
