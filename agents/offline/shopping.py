"""Core shopping: search, refine, show more, similar, details and stock, from the understood
message; the skill that answers whatever no other skill took.

A turn is planned from the shopper's message alone (plus what earlier turns showed), so the
same plan is recomputed on every call of the model within a turn; the tool results that came
back since the message decide whether to relax a search or to write the final answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from agents.offline import answers, cues
from agents.offline.carried_limits import with_earlier_limits
from agents.offline.context import DETAILS, SEARCH, STOCK, Conversation
from agents.offline.dialogue import Dialogue
from agents.offline.nlu import NluContext, Understanding
from agents.offline.relax import Relaxation, relaxations
from agents.offline.search_arguments import (
    CENT,
    refine_fallbacks,
    refined_args,
    resized,
    search_args,
    similar_args,
)
from agents.offline.step import Step, ToolCallPlan
from agents.offline.targets import resolve
from agents.offline.text import normalize, phrase_key, singular_forms, tokens
from agents.offline.understanding import ShownProduct
from agents.offline.vocabulary import CatalogVocabulary

MAX_COMPARED = 3  # products looked up at once for "compare 1, 2 and 3"

PlanKind = Literal["text", "search", "refine", "more", "similar", "details", "stock"]


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
    if _asks_what_is_sold(u, conv):
        return TurnPlan("text", text=answers.catalog_overview(vocab))
    if (candidates := _price_candidates(u, ctx)) is not None:
        return TurnPlan("text", text=answers.candidate_prices(candidates))
    if _prices_of_the_page(u, ctx):
        return TurnPlan("text", text=answers.shown_prices(ctx.shown, ctx.shown_offset + 1))
    if u.intent in simple:
        return TurnPlan("text", text=simple[u.intent]())
    if u.intent == "search":
        args = with_earlier_limits(u, conv, _priced_against_focus(u, ctx, search_args(u)))
        return TurnPlan(
            "search",
            calls=[ToolCallPlan(SEARCH, args)],
            fallbacks=relaxations(args, vocab, guessed=u.guessed),
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
        refined = resized(refined, u.resize, vocab)
        return TurnPlan(
            "refine",
            calls=[ToolCallPlan(SEARCH, refined)],
            fallbacks=refine_fallbacks(u, refined, guessed=_guessed_category(refined, conv)),
        )
    if u.intent == "more":
        shown_record = conv.display_search()
        if shown_record is None:
            return TurnPlan("text", text=answers.nothing_shown())
        args = dict(shown_record.args)
        offset = int(args.get("offset", 0) or 0) + len(shown_record.products)
        if offset >= shown_record.total:
            broader = _something_else(u, args)
            if broader is not None:
                return TurnPlan("search", calls=[ToolCallPlan(SEARCH, broader)])
            return TurnPlan("text", text=answers.nothing_more(shown_record.total))
        args["offset"] = offset
        return TurnPlan("more", calls=[ToolCallPlan(SEARCH, args)])
    plural_ok = u.intent == "stock" or u.compare
    targets = resolve(u, ctx, plural_ok=plural_ok)
    if targets.reply:
        return TurnPlan("text", text=targets.reply)
    if u.intent == "similar":
        similar = similar_args(targets.ids[0], ctx)
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


def _asks_what_is_sold(u: Understanding, conv: Conversation) -> bool:
    """ "what kinds of products do you sell?", "what does the shop stock?": a question about
    the catalog as a whole, naming no product kind and no limit."""
    if u.has_product_words or u.has_constraints or u.references:
        return False
    return bool(cues.CATALOG_OVERVIEW.search(normalize(conv.text)))


def _priced_against_focus(
    u: Understanding, ctx: NluContext, args: dict[str, Any]
) -> dict[str, Any]:
    """ "too pricey, show me cheaper teapots" right after one teapot was looked at: the search
    for the kind kept below (or, "pricier", above) that product's price, not only sorted."""
    if not (u.cheaper or u.pricier) or u.price is not None or ctx.focus is None:
        return args
    product = ctx.known.get(ctx.focus.lower())
    if product is None or product.price <= 0:
        return args
    kind = str(args.get("category") or "").lower()
    if not kind or kind != product.category.lower():
        return args  # "cheaper mugs" after a teapot: no price of a mug to be below
    bound = {"max_price": round(product.price - CENT, 2)} if u.cheaper else {}
    if u.pricier:
        bound = {"min_price": round(product.price + CENT, 2)}
    return {**args, **bound}


def _something_else(u: Understanding, args: dict[str, Any]) -> dict[str, Any] | None:
    """ "something else, not those" once every match was shown: other products within the
    same limits (price, stock), the best sellers first, leaving out what was searched for;
    ``None`` when the message only asks for more of the same."""
    if not cues.SOMETHING_ELSE.search(u.text):
        return None
    kept = {k: v for k, v in args.items() if k in ("min_price", "max_price", "in_stock_only")}
    if not kept:
        return None  # no limits to keep: "something else" says nothing to search for
    said = [*str(args.get("query") or "").split(), *(args.get("exclude") or [])]
    return {**kept, "sort": "popularity", "exclude": list(dict.fromkeys(said))}


def _guessed_category(args: dict[str, Any], conv: Conversation) -> bool:
    """The search's category is one the shopper never named (a gift request read by meaning:
    "space" became 'spaceboy'): a guess a refinement may give up, keeping the words."""
    category = str(args.get("category") or "")
    if not category:
        return False
    said = {w for text in conv.turn_texts for w in tokens(normalize(text))}
    said |= {form for w in said for form in singular_forms(w)}
    return not any(w in said for w in phrase_key(category))


_ONE_PHRASE = re.compile(r"\bones?\b")


def _price_candidates(u: Understanding, ctx: NluContext) -> list[tuple[int, ShownProduct]] | None:
    """The shown products, with their numbers, that a vague reference in a price question could
    mean ("ok back to the doormat, price?" when two doormats were listed); ``None`` when the
    reference is clear, the question is not about price, or one of them is not on the page."""
    if not u.ambiguous or u.intent not in ("details", "unknown"):
        return None
    if u.asked_attribute or not cues.PRICE_QUESTION.search(u.text):
        return None
    if _ONE_PHRASE.search(u.text):
        return None  # "the enamel one" means one of them: which one is asked back
    numbered = {p.id.lower(): (n, p) for n, p in enumerate(ctx.shown, start=ctx.shown_offset + 1)}
    picked = [numbered.get(pid.lower()) for pid in u.ambiguous]
    found = [pick for pick in picked if pick is not None]
    return found if len(found) == len(picked) and len(found) > 1 else None


def _prices_of_the_page(u: Understanding, ctx: NluContext) -> bool:
    """ "how much are they?" after a listing: the prices of every product shown (each listed
    product's price came back with the search), not a question back asking which one."""
    if u.intent not in ("details", "unknown") or len(ctx.shown) < 2:
        return False
    if u.explicit_references or u.ambiguous:
        return False
    if u.has_product_words or u.asked_attribute or not cues.PRICE_QUESTION.search(u.text):
        return False
    plural = any(r.kind == "pronoun" and r.plural for r in u.references)
    return plural or (not u.references and ctx.focus is None)


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


def shopping_step(d: Dialogue) -> Step:
    """The first move of the turn; then a relaxed search while one finds nothing, and the
    answer from the results."""
    conv, vocab, u = d.conv, d.vocab, d.understanding
    plan = plan_turn(u, conv, d.ctx, vocab)
    if not conv.rounds:
        if plan.kind == "text":
            return Step(text=_greeted(u, plan.text))
        missing = {c.name for c in plan.calls} - d.tool_names
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
        and len(conv.rounds) < d.store.max_tool_rounds
    )
    if relaxing and len(searches) - 1 < len(plan.fallbacks):
        return Step(calls=[ToolCallPlan(SEARCH, plan.fallbacks[len(searches) - 1].args)])
    return Step(text=_greeted(u, final_answer(u, plan, conv, vocab)))


def _greeted(u: Understanding, text: str) -> str:
    """Prefix "Hello!" when the shopper opened with a greeting but asked for more."""
    if u.greeted and u.intent != "greeting":
        return f"Hello! {text}"
    return text
