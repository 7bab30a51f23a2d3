"""What the conversation so far holds: earlier tool calls with their results, and this turn's.

The planner is stateless: every call receives the whole conversation, so everything it needs
(the last search, the products it showed, the product "it" means) is read back from the
AIMessage tool calls and the ToolMessages that answered them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agents.offline.nlu import NluContext, ShownProduct
from agents.offline.shorthand import expand_shorthand
from agents.offline.text import normalize

SEARCH = "search_products"
DETAILS = "get_product"
STOCK = "check_inventory"
RECOMMEND = "recommend_products"
# Tools whose answer is a numbered list of products a message can refer to.
LISTINGS = (SEARCH, RECOMMEND)
# Merchandiser tools about one product: copy written, demand forecast.
ONE_PRODUCT = ("write_product_content", "forecast_demand")
# One product asked for by a superlative ("which one's the cheapest?", "the most expensive
# one"): the top of the sorted listing is then the product "that one" means.
ONE_TOP = re.compile(
    r"\b(?:which|what)(?: one| item| product)?(?:'s|s| is)?(?: the| your)? (?:cheapest|priciest|"
    r"most expensive|least expensive|most popular|best sell\w*|biggest|smallest)\b"
    r"|\bthe (?:cheapest|priciest|most expensive|least expensive|most popular) (?:one|item)\b"
)


def _titled_as_asked(products: list[dict[str, Any]], args: dict[str, Any]) -> str | None:
    """The one product listed whose title is just the words searched for, if one is."""
    query = normalize(str(args.get("query", "")))
    if not query or args.get("attributes") or args.get("sort"):
        return None
    same = [p for p in products if normalize(str(p.get("title", ""))) == query]
    return str(same[0].get("id")) if len(same) == 1 else None


@dataclass
class ToolRecord:
    """One tool call and what came back."""

    call_id: str
    name: str
    args: dict[str, Any]
    output: dict[str, Any] | None = None
    error: str | None = None

    @property
    def answered(self) -> bool:
        return self.output is not None or self.error is not None

    @property
    def products(self) -> list[dict[str, Any]]:
        """The product summaries a search returned (empty for other tools)."""
        if self.output is None:
            return []
        found = self.output.get("products")
        return [p for p in found if isinstance(p, dict)] if isinstance(found, list) else []

    @property
    def total(self) -> int:
        value = (self.output or {}).get("total", 0)
        return value if isinstance(value, int) else 0


def _text(message: BaseMessage) -> str:
    return message.content if isinstance(message.content, str) else str(message.text)


def _read_result(record: ToolRecord, message: ToolMessage) -> None:
    content = _text(message).strip()
    if message.status == "error" or content.startswith("Error"):
        record.error = content.removeprefix("Error:").strip() or "the tool failed"
        return
    try:
        data = json.loads(content)
    except json.JSONDecodeError:
        record.error = content or "the tool returned nothing"
        return
    if isinstance(data, dict):
        record.output = data
    else:
        record.error = "the tool returned an unexpected result"


def _summary(data: dict[str, Any]) -> ShownProduct | None:
    pid = data.get("id", data.get("product_id"))
    if not isinstance(pid, str) or not pid:
        return None
    price = data.get("price")
    attributes = data.get("attributes")
    return ShownProduct(
        id=pid,
        title=str(data.get("title", "")),
        price=float(price) if isinstance(price, int | float) else 0.0,
        currency=str(data.get("currency", "")),
        category=str(data.get("category", "")),
        in_stock=bool(data.get("in_stock", True)),
        attributes=attributes if isinstance(attributes, dict) else {},
    )


@dataclass
class Conversation:
    """The current shopper message, earlier turns' tool records and this turn's rounds."""

    text: str = ""
    has_human: bool = False
    # earlier turns, oldest first; each turn is its tool records in call order
    turns: list[list[ToolRecord]] = field(default_factory=list)
    # this turn: one list of records per tool-calling AIMessage
    rounds: list[list[ToolRecord]] = field(default_factory=list)
    # the shopper's message of each earlier turn, in step with ``turns``
    turn_texts: list[str] = field(default_factory=list)

    @property
    def history(self) -> list[ToolRecord]:
        return [r for turn in self.turns for r in turn]

    def display_search(self) -> ToolRecord | None:
        """The latest search whose products an answer listed."""
        for record in reversed(self.history):
            if record.name == SEARCH and record.products:
                return record
        return None

    def refine_base(self) -> dict[str, Any] | None:
        """Arguments a refinement starts from: the latest search turn's listed search, else its
        first (the shopper's own) search when even the relaxed ones found nothing."""
        for turn in reversed(self.turns):
            searches = [r for r in turn if r.name == SEARCH and r.output is not None]
            if not searches:
                continue
            listed = [r for r in searches if r.products]
            return dict((listed[-1] if listed else searches[0]).args)
        return None

    def focus(self) -> str | None:
        """The product "it" means: the last one looked at alone, if nothing was listed since."""
        focus: str | None = None
        texts = self.turn_texts + [""] * (len(self.turns) - len(self.turn_texts))
        asked = [text for turn, text in zip(self.turns, texts, strict=True) for _ in turn]
        for record, text in zip(self.history, asked, strict=True):
            if record.output is None:
                continue
            if record.name in (DETAILS, STOCK):
                summary = _summary(record.output)
                focus = summary.id if summary else focus
            elif record.name in ONE_PRODUCT and record.output.get("product_id"):
                focus = str(record.output["product_id"])  # "and in stock?" after its forecast
            elif record.name in LISTINGS:
                products = record.products
                if len(products) == 1:
                    focus = str(products[0].get("id"))
                elif products and record.args.get("sort") and ONE_TOP.search(normalize(text)):
                    focus = str(products[0].get("id"))  # "which one's the cheapest?": the top one
                elif products and (named := _titled_as_asked(products, record.args)) is not None:
                    focus = named  # "party bunting", then "how much is it": the Party Bunting
                elif products:
                    focus = None
        return focus

    def known_products(self) -> dict[str, ShownProduct]:
        """Every product a tool returned in this conversation, by lower-case id."""
        known: dict[str, ShownProduct] = {}
        for record in [*self.history, *(r for rnd in self.rounds for r in rnd)]:
            if record.output is None:
                continue
            items = record.products if record.name in LISTINGS else [record.output]
            for item in items:
                summary = _summary(item)
                if summary is None:
                    continue
                previous = known.get(summary.id.lower())
                # An inventory answer has no price; keep the richer record.
                if previous is None or summary.price or not previous.price:
                    known[summary.id.lower()] = summary
        return known

    def listed(self) -> ToolRecord | None:
        """The latest search or recommendation whose products an answer listed."""
        for record in reversed(self.history):
            if record.name in LISTINGS and record.products:
                return record
        return None

    def nlu_context(self) -> NluContext:
        """What the next message may refer to."""
        shown_record = self.listed()
        shown = [s for p in (shown_record.products if shown_record else []) if (s := _summary(p))]
        base = self.refine_base()
        category = base.get("category") if base else None
        return NluContext(
            has_search=base is not None,
            category=category if isinstance(category, str) else None,
            shown=shown,
            shown_offset=int(shown_record.args.get("offset", 0) or 0) if shown_record else 0,
            focus=self.focus(),
            known=self.known_products(),
            looked_at=[
                str(r.output.get("product_id") or r.output.get("id"))
                for r in self.history
                if r.name in (DETAILS, STOCK) and r.output is not None
            ],
        )


def read_conversation(messages: Sequence[BaseMessage]) -> Conversation:
    """Split ``messages`` into the current shopper text, earlier turns and this turn's rounds."""
    conv = Conversation()
    records: dict[str, ToolRecord] = {}
    current: list[ToolRecord] = []
    for message in messages:
        if isinstance(message, HumanMessage):
            if conv.has_human:
                conv.turns.append(current)
                conv.turn_texts.append(conv.text)
            current = []
            conv.rounds = []
            conv.has_human = True
            conv.text = expand_shorthand(_text(message))
        elif isinstance(message, AIMessage) and message.tool_calls:
            batch = []
            for call in message.tool_calls:
                record = ToolRecord(str(call.get("id") or ""), call["name"], dict(call["args"]))
                records[record.call_id] = record
                batch.append(record)
            current.extend(batch)
            conv.rounds.append(batch)
        elif isinstance(message, ToolMessage) and message.tool_call_id in records:
            _read_result(records[message.tool_call_id], message)
    if not conv.has_human:
        conv.turns.append(current)
        conv.turn_texts.append("")
        conv.rounds = []
    return conv
