"""What the planner does next: answer in text, or call tools, given the whole conversation.

A turn is planned from the shopper's message alone (plus what earlier turns showed), so the
same plan is recomputed on every call of the model within a turn; the tool results that came
back since the message decide whether to relax a search or to write the final answer.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import median_low
from typing import Any, Literal

from langchain_core.messages import BaseMessage

from agents.offline import answers
from agents.offline.content_requests import WRITE_CONTENT, content_step
from agents.offline.context import DETAILS, SEARCH, STOCK, Conversation, read_conversation
from agents.offline.nlu import NluContext, Reference, Understanding, understand
from agents.offline.recommending import recommendation_step
from agents.offline.relax import Relaxation, relaxations
from agents.offline.supply import product_stock_args, supply_step
from agents.offline.text import normalize, tokens
from agents.offline.vocabulary import CatalogVocabulary

MAX_COMPARED = 3  # products looked up at once for "compare 1, 2 and 3"
MAX_STOCK_CHECKS = 10  # inventory checks for "are they in stock" over a listed page
CENT = 0.01
# A shopper's need fits in a few words; a pasted essay must not fail the tool's validation.
MAX_QUERY_WORDS = 12
MAX_QUERY_CHARS = 200

PlanKind = Literal["text", "search", "refine", "more", "similar", "details", "stock"]


@dataclass(frozen=True)
class ToolCallPlan:
    """One tool call to make: the tool's name and its arguments."""

    name: str
    args: dict[str, Any]


@dataclass
class Step:
    """The model's next message: text, or tool calls."""

    text: str = ""
    calls: list[ToolCallPlan] = field(default_factory=list)


@dataclass
class TurnPlan:
    """How a turn starts (text, or the first tool calls) and how it may go on."""

    kind: PlanKind
    text: str = ""
    calls: list[ToolCallPlan] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)  # list positions of stock-checked products
    # Searches to try, in order, while the previous one finds nothing.
    fallbacks: list[Relaxation] = field(default_factory=list)
    like: str = ""  # the title a "similar" search started from


def _query(words: Sequence[str]) -> str:
    """Free text for the search tool: each word once, short enough for any backend."""
    kept = list(dict.fromkeys(words))[:MAX_QUERY_WORDS]
    return " ".join(kept)[:MAX_QUERY_CHARS].strip()


def search_args(u: Understanding) -> dict[str, Any]:
    """Arguments of a fresh search: ``query`` always, every other field only when set."""
    args: dict[str, Any] = {"query": _query(u.query_words)}
    if u.category:
        args["category"] = u.category
    if u.brand:
        args["brand"] = u.brand
    if u.attributes:
        args["attributes"] = dict(u.attributes)
    if u.price is not None:
        if u.price.min_price is not None:
            args["min_price"] = u.price.min_price
        if u.price.max_price is not None:
            args["max_price"] = u.price.max_price
    if u.in_stock_only:
        args["in_stock_only"] = True
    if u.excluded:
        args["exclude"] = list(u.excluded)
    sort = u.sort or ("price_asc" if u.cheaper else "price_desc" if u.pricier else None)
    if sort and sort != "relevance":
        args["sort"] = sort
    return args


def _set_price(args: dict[str, Any], low: float | None, high: float | None) -> None:
    """Apply new bounds, dropping an old bound that would contradict a new one."""
    if low is not None:
        args["min_price"] = low
    if high is not None:
        args["max_price"] = high
    lo, hi = args.get("min_price"), args.get("max_price")
    if lo is not None and hi is not None and lo > hi:
        args.pop("max_price" if low is not None else "min_price")


def refined_args(
    u: Understanding, base: dict[str, Any], ctx: NluContext, anchor: float | None
) -> dict[str, Any] | str:
    """The previous search changed only as asked; a text reply when there is nowhere to go."""
    args = copy.deepcopy(base)
    args.pop("offset", None)
    if u.query_words:
        old = str(args.get("query", "")).split()
        if u.replacing:
            # New words replace the old free text; the product kind stays.
            kind = str(args.get("category") or "").lower().split()
            old = [w for w in old if w in kind]
            args["query"] = _query([*u.query_words, *old])
        else:
            args["query"] = _query([*old, *u.query_words])
    if "*" in u.cleared:
        for key in (
            "attributes", "min_price", "max_price", "brand", "category", "in_stock_only", "exclude"
        ):
            args.pop(key, None)
    if "price" in u.cleared:
        args.pop("min_price", None)
        args.pop("max_price", None)
    for key in ("category", "brand"):
        if key in u.cleared:
            args.pop(key, None)
    attributes = {k: v for k, v in (args.get("attributes") or {}).items() if k not in u.cleared}
    attributes.update(u.attributes)
    if attributes:
        args["attributes"] = attributes
    else:
        args.pop("attributes", None)
    if u.price is not None:
        if u.price.approximate or (u.price.min_price is not None and u.price.max_price is not None):
            args.pop("min_price", None)
            args.pop("max_price", None)
        _set_price(args, u.price.min_price, u.price.max_price)
    prices = [p.price for p in ctx.shown if p.price > 0]
    # "cheaper" / "more expensive" are read against the typical (median) price shown, or the
    # product pointed at: the list's single cheapest item should not make "cheaper" empty.
    # An old bound on the other side ("over £10") no longer holds once the shopper asks.
    reference = anchor if anchor is not None else (median_low(prices) if prices else None)
    if u.cheaper and reference is not None and u.price is None:
        ceiling = round(reference - CENT, 2)
        if ceiling <= 0:
            return answers.nothing_cheaper("cheapest")
        args.pop("min_price", None)
        args["max_price"] = ceiling
    if u.pricier and reference is not None and u.price is None:
        args.pop("max_price", None)
        args["min_price"] = round(reference + CENT, 2)
    if u.excluded:
        args["exclude"] = list(dict.fromkeys([*(args.get("exclude") or []), *u.excluded]))
    if u.in_stock_only is True:
        args["in_stock_only"] = True
    elif u.in_stock_only is False:
        args.pop("in_stock_only", None)
    sort = u.sort
    if sort is None and (u.cheaper or u.pricier) and not prices and anchor is None:
        sort = "price_asc" if u.cheaper else "price_desc"
    if sort == "relevance":
        args.pop("sort", None)
    elif sort is not None:
        args["sort"] = sort
    return args


@dataclass
class _Targets:
    ids: list[str] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    reply: str = ""  # a question back when the reference cannot be resolved


def resolve(u: Understanding, ctx: NluContext, *, plural_ok: bool = False) -> _Targets:
    """The product ids the message points at, or a question asking which."""
    targets = _Targets()
    shown = list(ctx.shown)
    first, last = ctx.shown_offset + 1, ctx.shown_offset + len(shown)
    if u.ambiguous:
        position = {p.id: i for i, p in enumerate(shown, start=first)}
        candidates = [(position[pid], ctx.known[pid.lower()].title) for pid in u.ambiguous]
        targets.reply = answers.which_one(candidates)
        return targets
    for ref in u.references:
        if ref.kind in ("id", "title"):
            targets.ids.append(ref.product_id)
            numbers = [i for i, p in enumerate(shown, start=first) if p.id == ref.product_id]
            targets.numbers.append(numbers[0] if numbers else 0)
        elif ref.kind in ("position", "last"):
            if not shown:
                targets.reply = answers.nothing_shown()
                return targets
            if ref.kind == "last":
                index = max(len(shown) - 1 - ref.position, 0)
            elif first <= ref.position <= last:
                index = ref.position - first
            elif 1 <= ref.position <= len(shown):
                index = ref.position - 1  # "the second one" of a later page
            else:
                targets.reply = answers.out_of_range(ref.position, first, last)
                return targets
            targets.ids.append(shown[index].id)
            targets.numbers.append(first + index)
        elif ref.kind == "pronoun":
            _resolve_pronoun(ref, ctx, targets, plural_ok)
            if targets.reply:
                return targets
    if not u.references:
        _resolve_pronoun(Reference("pronoun", plural=u.compare), ctx, targets, plural_ok)
    targets.ids = list(dict.fromkeys(targets.ids))
    return targets


def _resolve_pronoun(ref: Reference, ctx: NluContext, targets: _Targets, plural_ok: bool) -> None:
    """The product "it" means (in focus, or the only one listed); "they": the listed page."""
    shown = list(ctx.shown)
    first = ctx.shown_offset + 1
    if targets.ids:
        return  # "is it in stock, the second one?": the explicit reference wins
    if ref.plural and plural_ok and shown:
        targets.ids = [p.id for p in shown[:MAX_STOCK_CHECKS]]
        targets.numbers = list(range(first, first + len(targets.ids)))
    elif ctx.focus:
        targets.ids = [ctx.focus]
        numbers = [i for i, p in enumerate(shown, start=first) if p.id == ctx.focus]
        targets.numbers = [numbers[0] if numbers else 0]
    elif len(shown) == 1:
        targets.ids, targets.numbers = [shown[0].id], [first]
    elif shown:
        targets.reply = answers.which_one([(i, p.title) for i, p in enumerate(shown, start=first)])
    else:
        targets.reply = answers.nothing_shown()


def _refine_fallbacks(u: Understanding, refined: dict[str, Any]) -> list[Relaxation]:
    """When a refinement finds nothing, drop the attribute filters earlier turns asked for (never
    what this message asked for, nor the product kind the refinement is about)."""
    if u.cheaper or u.pricier:
        return []  # "cheaper" finding nothing means these were the cheapest: say so
    steps: list[Relaxation] = []
    current = copy.deepcopy(refined)
    attributes = current.get("attributes") or {}
    inherited = [name for name in attributes if name not in u.attributes]
    if inherited:
        kept = {k: v for k, v in attributes.items() if k in u.attributes}
        if kept:
            current["attributes"] = kept
        else:
            current.pop("attributes", None)
        plural = "filters" if len(inherited) > 1 else "filter"
        names = " and ".join(inherited)
        steps.append(Relaxation(f"without the earlier {names} {plural}", copy.deepcopy(current)))
    return steps


def _similar_args(pid: str, ctx: NluContext) -> dict[str, Any] | None:
    """Products of the same kind: the category (or the title's head word), a longer page."""
    product = ctx.known.get(pid.lower())
    if product is None or not product.title:
        return None
    if product.category:
        return {"query": product.category.lower(), "category": product.category, "limit": 6}
    words = [w for w in tokens(normalize(product.title)) if not w.isdigit()]
    return {"query": words[-1], "limit": 6} if words else None


def plan_turn(
    u: Understanding, conv: Conversation, ctx: NluContext, vocab: CatalogVocabulary
) -> TurnPlan:
    """The first move of a turn, from the understood message."""
    simple = {
        "empty": lambda: answers.empty(vocab),
        "garbled": lambda: answers.garbled(vocab),
        "greeting": lambda: answers.greeting(vocab),
        "thanks": answers.thanks,
        "bye": answers.bye,
        "help": lambda: answers.help_text(vocab),
        "out_of_scope": lambda: answers.out_of_scope(u.topic, vocab),
        "unknown": lambda: answers.unknown(vocab),
        "reset": answers.reset,
        "order": answers.order,
    }
    if u.intent in simple:
        return TurnPlan("text", text=simple[u.intent]())
    if u.intent == "search":
        args = search_args(u)
        return TurnPlan(
            "search", calls=[ToolCallPlan(SEARCH, args)], fallbacks=relaxations(args, vocab)
        )
    if u.intent == "refine":
        base = conv.refine_base()
        anchor: float | None = None
        if u.explicit_references:
            targets = resolve(u, ctx)
            if targets.reply:
                return TurnPlan("text", text=targets.reply)
            product = ctx.known.get(targets.ids[0].lower()) if targets.ids else None
            anchor = product.price if product and product.price else None
        if base is None:
            return TurnPlan("search", calls=[ToolCallPlan(SEARCH, search_args(u))])
        refined = refined_args(u, base, ctx, anchor)
        if isinstance(refined, str):
            return TurnPlan("text", text=refined)
        return TurnPlan(
            "refine",
            calls=[ToolCallPlan(SEARCH, refined)],
            fallbacks=_refine_fallbacks(u, refined),
        )
    if u.intent == "more":
        shown_record = conv.display_search()
        if shown_record is None:
            return TurnPlan("text", text=answers.nothing_shown())
        args = dict(shown_record.args)
        offset = int(args.get("offset", 0) or 0) + len(shown_record.products)
        if offset >= shown_record.total:
            return TurnPlan("text", text=answers.nothing_more(shown_record.total))
        args["offset"] = offset
        return TurnPlan("more", calls=[ToolCallPlan(SEARCH, args)])
    plural_ok = u.intent == "stock" or u.compare
    targets = resolve(u, ctx, plural_ok=plural_ok)
    if targets.reply:
        return TurnPlan("text", text=targets.reply)
    if u.intent == "similar":
        similar = _similar_args(targets.ids[0], ctx)
        if similar is None:
            return TurnPlan(
                "details", calls=[ToolCallPlan(DETAILS, {"product_id": targets.ids[0]})]
            )
        source = ctx.known.get(targets.ids[0].lower())
        return TurnPlan(
            "similar",
            calls=[ToolCallPlan(SEARCH, similar)],
            like=source.title if source else "",
        )
    if u.intent == "stock":
        calls = [ToolCallPlan(STOCK, {"product_id": pid}) for pid in targets.ids]
        return TurnPlan("stock", calls=calls, numbers=targets.numbers)
    ids = targets.ids[:MAX_COMPARED]
    return TurnPlan("details", calls=[ToolCallPlan(DETAILS, {"product_id": pid}) for pid in ids])


def _asked_value(u: Understanding) -> tuple[str, str] | None:
    """The option a details question names ("does it come in blue" -> ("colour", "blue"))."""
    if u.intent == "details" and u.attributes and (u.references or u.asked_attribute is None):
        name, value = next(iter(u.attributes.items()))
        return name, value
    return None


def final_answer(
    u: Understanding, plan: TurnPlan, conv: Conversation, vocab: CatalogVocabulary
) -> str:
    """The text that ends a turn in which tools ran."""
    records = [r for rnd in conv.rounds for r in rnd]
    searches = [r for r in records if r.name == SEARCH]
    if plan.kind in ("search", "refine", "more", "similar") and searches:
        used = plan.fallbacks[: len(searches) - 1]
        return answers.search_answer(
            searches,
            used,
            vocab,
            more=plan.kind == "more",
            refinement=plan.kind == "refine",
            like=plan.like,
        )
    stock = [r for r in records if r.name == STOCK]
    if stock:
        if len(stock) == 1:
            return answers.stock_answer(stock[0])
        numbers = plan.numbers if len(plan.numbers) == len(stock) else range(1, len(stock) + 1)
        return answers.stock_list_answer(stock, list(numbers))
    details = [r for r in records if r.name == DETAILS]
    if details:
        asked_value = _asked_value(u)
        parts = [answers.details_answer(r, u.asked_attribute, asked_value) for r in details]
        return "\n\n".join(parts)
    if searches:
        return answers.search_answer(searches, [], vocab)
    return answers.unknown(vocab)


def next_step(
    messages: Sequence[BaseMessage],
    vocab: CatalogVocabulary,
    tool_names: frozenset[str],
    max_rounds: int,
) -> Step:
    """The planner's reply to ``messages``."""
    conv = read_conversation(messages)
    if not conv.has_human:
        return Step(text=answers.greeting(vocab))
    if (content := content_step(conv, vocab, tool_names)) is not None:
        text, args = content
        return Step(text=text) if args is None else Step(calls=[ToolCallPlan(WRITE_CONTENT, args)])
    if (supply := supply_step(conv, vocab, tool_names)) is not None:
        text, tool, args = supply
        return Step(text=text) if args is None else Step(calls=[ToolCallPlan(tool, args)])
    if STOCK in tool_names and (stock_args := product_stock_args(conv, vocab)) is not None:
        # "how many do we have in stock right now?" about the product in focus
        checked = [r for rnd in conv.rounds for r in rnd if r.name == STOCK and r.answered]
        if checked:
            return Step(text=answers.stock_answer(checked[-1]))
        return Step(calls=[ToolCallPlan(STOCK, stock_args)])
    ctx = conv.nlu_context()
    u = understand(conv.text, vocab, ctx)
    if (recs := recommendation_step(conv, ctx, u, tool_names, resolve)) is not None:
        text, tool, call = recs
        return Step(text=text) if call is None else Step(calls=[ToolCallPlan(tool, call)])
    plan = plan_turn(u, conv, ctx, vocab)
    if not conv.rounds:
        if plan.kind == "text":
            return Step(text=_greeted(u, plan.text))
        missing = {c.name for c in plan.calls} - tool_names
        if missing:
            what = "search the catalog" if SEARCH in missing else "look up products"
            return Step(text=answers.cannot(what))
        return Step(calls=plan.calls)
    searches = [r for rnd in conv.rounds for r in rnd if r.name == SEARCH]
    last = conv.rounds[-1]
    relaxing = (
        plan.fallbacks
        and searches
        and last
        and all(r.name == SEARCH for r in last)
        and last[-1].output is not None
        and not last[-1].products
        and len(conv.rounds) < max_rounds
    )
    if relaxing and len(searches) - 1 < len(plan.fallbacks):
        return Step(calls=[ToolCallPlan(SEARCH, plan.fallbacks[len(searches) - 1].args)])
    return Step(text=_greeted(u, final_answer(u, plan, conv, vocab)))


def _greeted(u: Understanding, text: str) -> str:
    """Prefix "Hello!" when the shopper opened with a greeting but asked for more."""
    if u.greeted and u.intent != "greeting":
        return f"Hello! {text}"
    return text
