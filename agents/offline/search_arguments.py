"""The arguments of a search: a fresh one from the understood message, a refinement of the
previous one (changed only as asked), the relaxations of a refinement that found nothing, and
a "similar" search from a product.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from statistics import median_low
from typing import Any

from agents.offline import answers
from agents.offline.nlu import NluContext, Understanding
from agents.offline.relax import Relaxation
from agents.offline.text import normalize, tokens
from agents.offline.variant_options import options_in_text, related_option_names, values_said
from agents.offline.vocabulary import CatalogVocabulary

CENT = 0.01
# A shopper's need fits in a few words; a pasted essay must not fail the tool's validation.
MAX_QUERY_WORDS = 12
MAX_QUERY_CHARS = 200


# Asking for what can be ordered ("the cheapest laptop I can actually order", "what phones
# CAN I buy", "one that can be shipped now") is asking for what is in stock.
_ORDERABLE = re.compile(
    r"\b(?:i|we) can (?:actually |really |still )?(?:buy|order|get)\b"
    r"|\bcan (?:i|we) (?:actually |really |still )?(?:buy|order)\b(?! (?:it|one|them|this|that)\b)"
    r"|\bcan (?:i|we) actually (?:buy|order|get)\b"
    r"|\bcan (?:i|we) (?:buy|order|get)\b(?:\s+\w+){0,3}?\s+(?:right now|now|today)\b"
    r"|\bcan be (?:bought|ordered|shipped)\b|\b(?:orderable|purchasable)\b"
    r"|\bactually (?:available|in stock)\b",
    re.IGNORECASE,
)


def asks_orderable(text: str) -> bool:
    """The message asks only for what can be ordered now, in words the stock cues miss."""
    return bool(_ORDERABLE.search(text))


def _query(words: Sequence[str]) -> str:
    """Free text for the search tool: each word once, short enough for any backend."""
    kept = list(dict.fromkeys(words))[:MAX_QUERY_WORDS]
    return " ".join(kept)[:MAX_QUERY_CHARS].strip()


def _same_ask(name: str, value: str, attributes: dict[str, str]) -> bool:
    """(name, value) repeats another asked option: a yes/no said by a name related to an
    option given a value ("waterproof" beside "water resistance": "IPX7"), or a value that is
    only a word of that option's name ("battery" beside "battery life": "20 hours")."""
    low = str(value).lower()
    for other, v in attributes.items():
        if other == name or str(v).lower() in ("yes", "no"):
            continue
        if low in ("yes", "no") and related_option_names(name, other):
            return True
        if low in other.lower().split():
            return True
    return False


def one_ask_per_option(attributes: dict[str, str]) -> dict[str, str]:
    """Each asked option once: what only repeats another asked option goes, the value that
    says the most stays ("waterproof IPX7" -> water resistance IPX7; "20 hours battery" ->
    battery life 20 hours, not also a battery power source)."""
    return {
        name: value
        for name, value in attributes.items()
        if not _same_ask(name, str(value), attributes)
    }


def _shown_values_said(u: Understanding, ctx: NluContext) -> dict[str, str]:
    """Option values of the products shown that the message names, one per option; none when
    it names two values of one option ("white or silver")."""
    rows = [
        {"options": {name: value}}
        for product in ctx.shown
        for name, values in product.attributes.items()
        for value in values
    ]
    if any(len(values) > 1 for values in values_said(u.text, rows).values()):
        return {}
    said = options_in_text(u.text, rows)
    return {name: value for name, value in said.items() if value.lower() not in ("yes", "no")}


def search_args(u: Understanding) -> dict[str, Any]:
    """Arguments of a fresh search: ``query`` always, every other field only when set."""
    args: dict[str, Any] = {"query": _query(u.query_words)}
    if u.category:
        args["category"] = u.category
    if u.brand:
        args["brand"] = u.brand
    if u.attributes:
        args["attributes"] = one_ask_per_option(dict(u.attributes))
    if u.price is not None:
        if u.price.min_price is not None:
            args["min_price"] = u.price.min_price
        if u.price.max_price is not None:
            args["max_price"] = u.price.max_price
    if u.in_stock_only or (u.in_stock_only is None and asks_orderable(u.text)):
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
            "attributes",
            "min_price",
            "max_price",
            "brand",
            "category",
            "in_stock_only",
            "exclude",
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
    # A value of an option of the products shown, said in words the reading above missed
    # ("and wifi-only?" after Wi-Fi + Cellular ones), replaces that option's earlier value.
    for name, value in _shown_values_said(u, ctx).items():
        if name in attributes and name not in u.attributes:
            attributes[name] = value
    attributes = one_ask_per_option(attributes)
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
    if u.in_stock_only is True or (u.in_stock_only is None and asks_orderable(u.text)):
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


# Size words from small to big: "a bigger one" moves up this scale from the size asked for.
SIZE_SCALE = ("mini", "tiny", "small", "medium", "large", "big", "jumbo", "giant")


def resized(args: dict[str, Any], step: int, vocab: CatalogVocabulary) -> dict[str, Any]:
    """The search with its size option moved one step the way asked ("is there a bigger one?"
    after small: the catalog's next size up, else no size filter); the kind is kept."""
    attributes = dict(args.get("attributes") or {})
    name = next((n for n in attributes if "size" in n.lower()), None)
    if not step or name is None or str(attributes[name]).lower() not in SIZE_SCALE:
        return args
    at = SIZE_SCALE.index(str(attributes[name]).lower())
    offered = {v.lower(): v for v in vocab.attribute_values(name)}
    ahead = SIZE_SCALE[at + 1 :] if step > 0 else SIZE_SCALE[:at][::-1]
    bigger = next((offered[v] for v in ahead if v in offered), None)
    if bigger is None:
        attributes.pop(name)
    else:
        attributes[name] = bigger
    out = {**args, "attributes": attributes}
    if not attributes:
        out.pop("attributes")
    return out


def refine_fallbacks(
    u: Understanding, refined: dict[str, Any], *, guessed: bool = False
) -> list[Relaxation]:
    """When a refinement finds nothing, drop the attribute filters earlier turns asked for (never
    what this message asked for, nor the product kind the refinement is about). A category the
    planner guessed for a gift (``guessed``) goes first: the words stay, the price is added."""
    steps: list[Relaxation] = []
    current = copy.deepcopy(refined)
    if guessed and current.get("category") and not u.category:
        category = current.pop("category")
        steps.append(Relaxation(f"outside the '{category}' category", copy.deepcopy(current)))
    if u.cheaper or u.pricier:
        return steps  # "cheaper" finding nothing means these were the cheapest: say so
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


def similar_args(pid: str, ctx: NluContext) -> dict[str, Any] | None:
    """Products of the same kind: the category (or the title's head word), a longer page."""
    product = ctx.known.get(pid.lower())
    if product is None or not product.title:
        return None
    if product.category:
        return {"query": product.category.lower(), "category": product.category, "limit": 6}
    words = [w for w in tokens(normalize(product.title)) if not w.isdigit()]
    return {"query": words[-1], "limit": 6} if words else None
