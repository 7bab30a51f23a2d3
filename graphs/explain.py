"""The explanation graph: why this product for this shopper, worded from the recommender's evidence.

    gather ─► facts ─► word ─► check

``gather`` asks the recommendation service for the evidence (co-purchase counts, the shopper's
history items that point at the product, attributes shared with them, recent sales); ``facts``
turns it into plain sentences, the only things an explanation may say. Without a chat model
(the offline default) ``word`` joins those sentences; with one (Bedrock …) the model words them
and ``check`` rejects a wording that brings in a number or a product id the facts do not hold
(the sentences are used instead, and the note says why). ``ExplainGraph`` is the ``Explainer``
behind the ``explain_recommendation`` tool, so it is reachable over REST and from the chat.
"""

from __future__ import annotations

import re
from typing import Any, TypedDict

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from graphs.spans import ModelSpans
from infra.errors import UpstreamError
from tools.recommend.base import Evidence
from tools.recommend.reasons import describe_shared, plural
from tools.recommend.service import (
    ExplainInput,
    Explanation,
    ExplanationEvidence,
    RecommendationService,
)

TEMPLATES = "templates"
MAX_WORDED_CHARS = 800
_NUMBER = re.compile(r"(?<![\w-])\d[\d,]*(?:\.\d+)?(?![\w-])")
_ID_IN_PARENS = re.compile(r"\(([A-Za-z0-9][A-Za-z0-9_-]{2,40})\)")

WRITER_PROMPT = """\
You explain to a shopper why a product was recommended to them. Write two or three short,
friendly sentences in plain English. Use only the facts listed: add no other fact, number,
product, price or claim, and keep every number exactly as written. Do not greet the shopper."""


class ExplainState(TypedDict, total=False):
    args: ExplainInput
    evidence: ExplanationEvidence
    facts: list[str]
    text: str
    worded_by: str
    note: str


def _sentence(item: Evidence, title: str, titles: dict[str, str]) -> str | None:
    other = titles.get(item.product_id or "", "")
    if item.kind in ("anchor", "history") and other:
        where = " from your purchase history" if item.kind == "history" else ""
        if item.orders:
            orders = plural(item.orders, "order")
            return f"{title} was bought together with {other}{where} in {orders}."
        if item.shoppers:
            who = plural(item.shoppers, "shopper")
            return f"{who} who bought {other}{where} also bought {title}."
        return f"{title} goes with {other}{where}."
    if item.kind == "trending" and item.orders:
        return (
            f"{title} was in {plural(item.orders, 'order')} in the last {item.days} days of sales."
        )
    if item.kind == "popular" and item.shoppers:
        verb = "has" if item.shoppers == 1 else "have"
        return f"{plural(item.shoppers, 'shopper')} {verb} bought {title}."
    return None


def facts_of(evidence: ExplanationEvidence) -> list[str]:
    """Each piece of evidence as one sentence about the product."""
    titles = evidence.titles
    # A history item that is also the product the listing started from is said once.
    items = [
        e
        for e in evidence.evidence
        if not (e.kind == "history" and e.product_id == evidence.source_product_id)
    ]
    sentences = [s for item in items if (s := _sentence(item, evidence.title, titles))]
    shared = describe_shared(evidence.shared)
    linked = [e.product_id for e in evidence.evidence if e.product_id in titles]
    source = titles.get(evidence.source_product_id or "") or (titles[linked[0]] if linked else "")
    if shared and source:
        sentences.append(f"It shares {shared.removeprefix('same ')} with {source}.")
    if not sentences:
        sentences.append(f"{evidence.title} is new: the sales data says little about it yet.")
    return list(dict.fromkeys(sentences))


def unsupported(text: str, facts: list[str], evidence: ExplanationEvidence) -> list[str]:
    """Numbers and product ids in ``text`` that the facts do not hold."""
    allowed = " ".join(facts)
    numbers = {n.replace(",", "") for n in _NUMBER.findall(allowed)}
    ids = {evidence.product_id, *evidence.titles}
    extra = [n for n in _NUMBER.findall(text) if n.replace(",", "") not in numbers]
    extra += [
        i for i in _ID_IN_PARENS.findall(text) if i not in ids and i.replace(",", "") not in numbers
    ]
    return list(dict.fromkeys(extra))


def build_graph(
    service: RecommendationService, writer: BaseChatModel | None = None
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """Compile gather → facts → word → check; ``writer`` None words with the templates."""
    spanned = None if writer is None else ModelSpans(writer, writer)  # a span per call

    async def gather(state: ExplainState) -> ExplainState:
        args = state["args"]
        evidence = await service.evidence(args.product_id, args.user_id, args.source_product_id)
        return {"evidence": evidence}

    def facts(state: ExplainState) -> ExplainState:
        return {"facts": facts_of(state["evidence"])}

    async def word(state: ExplainState) -> ExplainState:
        if writer is None or spanned is None:
            return {"text": " ".join(state["facts"]), "worded_by": TEMPLATES}
        evidence = state["evidence"]
        listed = "\n".join(f"- {f}" for f in state["facts"])
        question = (
            f"Product: {evidence.title} ({evidence.product_id})\nFacts:\n{listed}\n"
            "Explain why this product was recommended."
        )
        try:
            reply = await spanned.ainvoke([SystemMessage(WRITER_PROMPT), HumanMessage(question)])
        except UpstreamError as err:
            return {
                "text": " ".join(state["facts"]),
                "worded_by": TEMPLATES,
                "note": f"the chat model failed ({err}); worded from the templates",
            }
        return {"text": str(reply.text).strip(), "worded_by": _model_name(writer)}

    def check(state: ExplainState) -> ExplainState:
        if state["worded_by"] == TEMPLATES:
            return {}
        text = state["text"]
        extra = unsupported(text, state["facts"], state["evidence"])
        problem = (
            "was empty"
            if not text
            else f"was over {MAX_WORDED_CHARS} characters"
            if len(text) > MAX_WORDED_CHARS
            else f"added {', '.join(extra)}, which the evidence does not hold"
            if extra
            else ""
        )
        if not problem:
            return {}
        return {
            "text": " ".join(state["facts"]),
            "worded_by": TEMPLATES,
            "note": f"the chat model's wording {problem}; worded from the templates",
        }

    graph = StateGraph(ExplainState)
    graph.add_node("gather", gather)
    graph.add_node("facts", facts)
    graph.add_node("word", word)
    graph.add_node("check", check)
    graph.add_edge(START, "gather")
    graph.add_edge("gather", "facts")
    graph.add_edge("facts", "word")
    graph.add_edge("word", "check")
    graph.add_edge("check", END)
    return graph.compile()


def _model_name(model: BaseChatModel) -> str:
    for attribute in ("model_id", "model", "model_name"):
        value = getattr(model, attribute, None)
        if isinstance(value, str) and value:
            return value
    return model.get_name()


class ExplainGraph:
    """The ``Explainer`` behind ``explain_recommendation``: runs the graph for one product."""

    def __init__(self, service: RecommendationService, writer: BaseChatModel | None) -> None:
        self.graph = build_graph(service, writer)

    async def explain(self, args: ExplainInput) -> Explanation:
        state = await self.graph.ainvoke({"args": args})
        evidence: ExplanationEvidence = state["evidence"]
        notes = [n for n in (evidence.note, state.get("note", "")) if n]
        return Explanation(
            product_id=evidence.product_id,
            title=evidence.title,
            user_id=evidence.user_id,
            source_product_id=evidence.source_product_id,
            text=state["text"],
            facts=state["facts"],
            evidence=evidence.evidence,
            worded_by=state["worded_by"],
            note="; ".join(notes),
        )
