"""Templated answers. Every product fact in them comes from a tool result of this turn.

Products are written one per line as ``N. Title (id) — £2.55, in stock`` so the output guard
can find each product by its id in parentheses. Nothing else is put in parentheses without a
space inside, so no other text can pass for an id.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from agents.offline import variant_options
from agents.offline.context import SEARCH, STOCK, ToolRecord
from agents.offline.relax import Relaxation
from agents.offline.supply import restock_line
from agents.offline.text import currency_symbol, format_price, plural_forms
from agents.offline.understanding import ShownProduct
from agents.offline.vocabulary import CatalogVocabulary

MAX_VARIANT_LINES = 8
MAX_OPTION_VALUES = 12
ANYTHING = "your search"
_SORT_PHRASES = {
    "price_asc": "cheapest first",
    "price_desc": "most expensive first",
    "popularity": "best sellers first",
}


# ------------------------------------------------------------------------------ small talk


_NICE_AMOUNTS = (1, 2, 3, 5, 10, 15, 20, 25, 30, 40, 50, 60, 75, 100, 150, 200, 250, 300, 500)


def plural_label(kind: str) -> str:
    """The plural of a kind ("mug" -> "mugs"); one already plural ("running shoes") stays."""
    if not kind or kind.endswith("s"):
        return kind
    head, _, last = kind.rpartition(" ")
    forms = sorted(plural_forms(last))
    plural = forms[0] if forms else last
    return f"{head} {plural}" if head else plural


def example_request(vocab: CatalogVocabulary) -> str:
    """A request this catalog can answer, built from its own words ("pink necklaces under £20")."""
    top = vocab.top_categories(1)
    kind = plural_label(top[0]) if top else "gifts"
    colour_names = [n for n in vocab.attributes if re.fullmatch(r"colou?r", n.lower())]
    colour = vocab.attributes[colour_names[0]].most_common(1)[0][0] if colour_names else ""
    typical = vocab.category_prices.get(top[0], 0.0) if top else 0.0
    budget = next((a for a in _NICE_AMOUNTS if a >= typical * 1.5), 1000)
    return " ".join(w for w in (colour, kind, f"under {vocab.symbol}{budget}") if w)


def _kinds(vocab: CatalogVocabulary, n: int = 4) -> str:
    kinds = [plural_label(c) for c in vocab.top_categories(n)]
    return f" such as {', '.join(kinds)}" if kinds else ""


def greeting(vocab: CatalogVocabulary) -> str:
    return (
        f"Hello! I'm the shop's assistant. I can find products{_kinds(vocab)}, tell you more "
        f"about them and check stock. What are you looking for? For example: "
        f"'{example_request(vocab)}'."
    )


def help_text(vocab: CatalogVocabulary) -> str:
    return (
        "I'm the shop's shopping assistant. I can:\n"
        f"- search the catalog{_kinds(vocab)}, e.g. '{example_request(vocab)}'\n"
        "- narrow or widen a search: 'cheaper', 'in blue', 'only in stock', 'sort by price', "
        "'show more'\n"
        "- tell you about a product: 'tell me about the second one', or give its product id\n"
        "- check stock: 'is the first one in stock?'\n"
        "I can't place orders or answer questions outside this shop."
    )


OVERVIEW_KINDS = 12


def catalog_overview(vocab: CatalogVocabulary) -> str:
    """What the shop sells: its kinds of products, the biggest ranges first."""
    kinds = [plural_label(c) for c in vocab.top_categories(OVERVIEW_KINDS)]
    if not kinds:
        return help_text(vocab)
    total = len(vocab.categories)
    head = (
        f"The shop sells {total} kinds of products; the biggest ranges are"
        if total > len(kinds)
        else "The shop sells"
    )
    return (
        f"{head}: {', '.join(kinds)}. Ask me for any of them, for example: "
        f"'{example_request(vocab)}'."
    )


def thanks() -> str:
    return "You're welcome! Is there anything else I can help you find?"


def bye() -> str:
    return "Thanks for stopping by. Goodbye!"


def out_of_scope(topic: str, vocab: CatalogVocabulary) -> str:
    about = f" with {topic}" if topic else " with that"
    return (
        f"Sorry, I can't help{about}: I'm the shop's assistant. I can search the catalog, tell "
        f"you about a product and check its stock. Try, for example: '{example_request(vocab)}'."
    )


def empty(vocab: CatalogVocabulary) -> str:
    return (
        "Your message seems to be empty. What are you looking for? For example: "
        f"'{example_request(vocab)}'."
    )


def garbled(vocab: CatalogVocabulary) -> str:
    return (
        "Sorry, I couldn't make sense of that. Could you rephrase it? For example: "
        f"'{example_request(vocab)}'."
    )


def unknown(vocab: CatalogVocabulary) -> str:
    return (
        "Sorry, I'm not sure what you'd like. I can search the catalog, tell you about a product "
        f"or check its stock. Try, for example: '{example_request(vocab)}'."
    )


def reset() -> str:
    return "Sure, let's start again. What are you looking for?"


def order() -> str:
    return (
        "I can't place orders or manage a basket from this chat. I can help you find products, "
        "tell you about them and check whether they are in stock."
    )


def cannot(what: str) -> str:
    return f"Sorry, I can't {what} here: that tool isn't available to me in this chat."


def nothing_shown() -> str:
    return "I haven't shown you any products yet. What are you looking for?"


def which_one(candidates: Sequence[tuple[int, str]]) -> str:
    """Ask which product is meant, by the numbers the shopper saw."""
    if not candidates:
        return "Which product do you mean? Say 'the first one', 'number 2' or give its id."
    options = "; ".join(f"number {n}: {title}" for n, title in candidates[:6])
    return f"Which one do you mean? {options}."


def shown_prices(products: Sequence[ShownProduct], first: int) -> str:
    """ "how much are they?" over a listed page: every product's price, by its number (the
    prices came back with the listing; no id is named, as no tool ran in this turn)."""
    prices = {p.price for p in products}
    symbol = currency_symbol(products[0].currency) if products else ""
    lines = [f"{n}. {p.title}" for n, p in enumerate(products, start=first)]
    if len(prices) == 1:
        return f"They all cost {_money(next(iter(prices)), symbol)}:\n" + "\n".join(lines)
    priced = [
        f"{line} — {_money(p.price, currency_symbol(p.currency))}"
        for line, p in zip(lines, products, strict=True)
    ]
    return "Their prices:\n" + "\n".join(priced)


def candidate_prices(numbered: Sequence[tuple[int, ShownProduct]]) -> str:
    """ "the doormat, price?" when two shown doormats fit: the price of each one it could mean,
    by its number, rather than a question back (the prices came back with the listing)."""
    lines = [
        f"{n}. {p.title} — {_money(p.price, currency_symbol(p.currency))}" for n, p in numbered
    ]
    return "That could be any of these, so here are their prices:\n" + "\n".join(lines)


def out_of_range(position: int, first: int, last: int) -> str:
    return (
        f"I listed numbers {first} to {last}, so there is no number {position}. "
        "Which one did you mean?"
    )


def nothing_more(total: int) -> str:
    return (
        f"That's everything: all {total} matches have been shown. "
        "Want to search for something else?"
    )


def nothing_cheaper(direction: str) -> str:
    return f"Those were already the {direction} matches, so there is nothing to go further."


# ------------------------------------------------------------------------------ searches


def _money(amount: float, symbol: str) -> str:
    return format_price(amount, symbol)


def describe_search(args: Mapping[str, Any], symbol: str) -> str:
    """The constraints of a search in words: "'heart lantern' with colour red, under £5"."""
    parts: list[str] = []
    query = str(args.get("query", "")).strip()
    category = args.get("category")
    if query:
        parts.append(f"'{query}'")
    if category and str(category).lower() not in query.lower():
        parts.append(f"in the '{category}' category")
    if args.get("brand"):
        parts.append(f"by {args['brand']}")
    attributes = args.get("attributes") or {}
    if attributes:
        parts.append("with " + " and ".join(_option(n, str(v)) for n, v in attributes.items()))
    low, high = args.get("min_price"), args.get("max_price")
    if low is not None and high is not None:
        parts.append(f"between {_money(low, symbol)} and {_money(high, symbol)}")
    elif high is not None:
        parts.append(f"under {_money(high, symbol)}")
    elif low is not None:
        parts.append(f"from {_money(low, symbol)} up")
    if args.get("in_stock_only"):
        parts.append("in stock only")
    if args.get("exclude"):
        # Not repeated word for word: an answer naming "pink" reads as if it showed pink ones.
        parts.append("leaving out what you ruled out")
    return ", ".join(parts) if parts else ANYTHING


def _option(name: str, value: str) -> str:
    """An option in words ("colour red"); a yes/no option reads "waterproof" / "not waterproof"."""
    if value.lower() == "yes":
        return name
    if value.lower() == "no":
        return f"not {name}"
    return f"{name} {value}"


def _product_line(number: int, product: Mapping[str, Any]) -> str:
    symbol = currency_symbol(str(product.get("currency", "")))
    price = product.get("price")
    cost = _money(float(price), symbol) if isinstance(price, int | float) else "price unknown"
    stock = "in stock" if product.get("in_stock") else "out of stock"
    return f"{number}. {product.get('title', '')} ({product.get('id')}) — {cost}, {stock}"


def _matches(n: int) -> str:
    return f"{n} match" if n == 1 else f"{n} matches"


def search_answer(
    records: Sequence[ToolRecord],
    relaxed: Sequence[Relaxation],
    vocab: CatalogVocabulary,
    *,
    more: bool = False,
    refinement: bool = False,
    like: str = "",
) -> str:
    """The answer to a search turn: the stated search, what was relaxed, and the list.

    ``like`` names the product a "similar" search started from.
    """
    symbol = vocab.symbol
    first, last = records[0], records[-1]
    if last.error is not None:
        return error_answer(last)
    wanted = describe_search(first.args, symbol)
    sort = _SORT_PHRASES.get(str(last.args.get("sort", "relevance")))
    sort_text = f", {sort}" if sort else ""
    products = last.products
    if not products:
        if more:
            return nothing_more(last.total)
        if relaxed:
            return (
                f"Nothing matched {wanted}, not even {_and([r.label for r in relaxed])}. "
                f"{_suggestion(first.args, vocab)}"
            )
        tail = " The earlier results still stand." if refinement else ""
        return f"Nothing matched {wanted}.{tail} {_suggestion(first.args, vocab)}"
    offset = int(last.args.get("offset", 0) or 0)
    if relaxed:
        head = (
            f"Nothing matched {wanted} exactly; {_and([r.label for r in relaxed])} I found "
            f"{_matches(last.total)}{sort_text}:"
        )
    elif more:
        head = (
            f"More matches for {describe_search(last.args, symbol)}{sort_text} "
            f"(results {offset + 1} to {offset + len(products)} of {last.total}):"
        )
    elif like:
        head = f"Products like {like}: {_matches(last.total)} for {wanted}{sort_text}:"
    elif wanted == ANYTHING:
        head = f"{_matches(last.total)} in the catalog{sort_text}:"
    else:
        head = f"{_matches(last.total)} for {wanted}{sort_text}:"
    # A hit sold in variants is written with the variants that match what was asked.
    asked = {**last.args, "attributes": first.args.get("attributes") or {}}
    lines = [head]
    for i, p in enumerate(products, start=offset + 1):
        hit = variant_options.hit_lines(i, p, asked, hits=len(products))
        lines += hit or [_product_line(i, p)]
    unmatched = _words_no_product_has(str(last.args.get("query", "")), products)
    if unmatched:
        quoted = [f"'{w}'" for w in unmatched]
        lines.append(f"(None of these mentions {_or(quoted)}.)")
    shown_to = offset + len(products)
    if last.total > shown_to:
        lines.append(
            f"Showing {offset + 1} to {shown_to} of {last.total}. Say 'show more' for the next "
            "ones, or ask about one, e.g. 'tell me about the first one'."
        )
    else:
        lines.append("Ask me about any of them, e.g. 'is the first one in stock?'")
    return "\n".join(lines)


def _words_no_product_has(query: str, products: Sequence[Mapping[str, Any]]) -> list[str]:
    """Query words that no listed product's title, category or attributes contain."""
    text = " ".join(
        " ".join(
            [str(p.get("title", "")), str(p.get("category", ""))]
            + [str(v) for vs in (p.get("attributes") or {}).values() for v in vs]
        )
        for p in products
    ).lower()
    words = [w for w in query.lower().split() if len(w) > 2]
    missing = [w for w in words if w.rstrip("s") not in text]
    return missing if len(missing) < len(words) else []


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _suggestion(args: Mapping[str, Any], vocab: CatalogVocabulary) -> str:
    tips: list[str] = []
    if args.get("attributes"):
        tips.append("another colour or material")
    if args.get("max_price") is not None or args.get("min_price") is not None:
        tips.append("a wider price range")
    if args.get("in_stock_only"):
        tips.append("including items that are out of stock")
    if len(str(args.get("query", "")).split()) > 1:
        tips.append("fewer words")
    if not tips:
        tips.append("a more general word for what you need")
    kinds = _kinds(vocab) if not args.get("category") else ""
    shop = f" The shop sells things{kinds}." if kinds else ""
    return f"You could try {_or(tips)}.{shop}"


def _or(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


# ------------------------------------------------------------------------------ products


def _options(output: Mapping[str, Any]) -> dict[str, list[str]]:
    """Option name -> values, from the attributes and the variants."""
    options: dict[str, list[str]] = {}
    for name, values in (output.get("attributes") or {}).items():
        if isinstance(values, list):
            options[name] = [str(v) for v in values]
    for variant in output.get("variants") or []:
        for name, value in (variant.get("options") or {}).items():
            values = options.setdefault(name, [])
            if str(value) not in values:
                values.append(str(value))
    return options


def _stock_phrase(output: Mapping[str, Any]) -> str:
    # The count is written as "stock level N" so that no digit ever runs into a word like
    # "available" ("2800 available" would read as "0 available" to a substring check).
    stock = output.get("stock")
    if output.get("in_stock"):
        return f"in stock, stock level {stock:,}" if isinstance(stock, int) else "in stock"
    return "out of stock"


def _same(a: str, b: str) -> bool:
    return a.strip().lower() == b.strip().lower()


def _asked_lines(
    output: Mapping[str, Any], asked_attribute: str | None, asked_value: tuple[str, str] | None
) -> list[str]:
    """The answer to "what sizes…" or "does it come in blue", first in a details answer."""
    options = _options(output)
    lines: list[str] = []
    if asked_value is not None:
        name, value = asked_value
        variants = [
            v
            for v in output.get("variants") or []
            if _same(str((v.get("options") or {}).get(name, "")), value)
        ]
        listed = any(_same(v, value) for v in options.get(name, []))
        if variants:
            available = sum(1 for v in variants if v.get("available"))
            lines.append(
                f"Yes, it comes in {value}: {len(variants)} variant"
                f"{'s' if len(variants) != 1 else ''}, {available} available."
            )
        elif listed:
            lines.append(f"Yes, its {name} is listed as {value}.")
        else:
            others = options.get(name)
            also = f" It comes in {name}: {', '.join(others)}." if others else ""
            lines.append(f"It isn't listed in {value}.{also}")
    elif asked_attribute is not None:
        values = next((vs for n, vs in options.items() if _same(n, asked_attribute)), None)
        if values:
            lines.append(f"{asked_attribute.capitalize()} options: {', '.join(values)}.")
        else:
            lines.append(f"The catalog lists no {asked_attribute} for it.")
    return lines


def details_answer(
    record: ToolRecord,
    asked_attribute: str | None = None,
    asked_value: tuple[str, str] | None = None,
) -> str:
    """A product's description, price, options or variants, and stock with its note."""
    if record.error is not None or record.output is None:
        return error_answer(record)
    out = record.output
    symbol = currency_symbol(str(out.get("currency", "")))
    price = out.get("price")
    cost = _money(float(price), symbol) if isinstance(price, int | float) else "price unknown"
    lines = [f"{out.get('title', '')} ({out.get('id')}) — {cost}, {_stock_phrase(out)}."]
    lines += _asked_lines(out, asked_attribute, asked_value)
    description = str(out.get("description", "")).strip()
    if description:
        lines.append(description)
    variants = [v for v in out.get("variants") or [] if isinstance(v, dict)]
    if variants:
        available = sum(1 for v in variants if v.get("available"))
        lines.append(f"Variants: {len(variants)} in all, {available} available.")
        for v in variants[:MAX_VARIANT_LINES]:
            opts = ", ".join(str(x) for x in (v.get("options") or {}).values())
            state = "available" if v.get("available") else "unavailable"
            vprice = v.get("price")
            money = _money(float(vprice), symbol) if isinstance(vprice, int | float) else ""
            lines.append(f"- {opts}: {money}, {state}, item {v.get('item_id')}")
        if len(variants) > MAX_VARIANT_LINES:
            lines.append(f"- and {len(variants) - MAX_VARIANT_LINES} more variants")
    else:
        for name, values in _options(out).items():
            shown = values[:MAX_OPTION_VALUES]
            lines.append(f"{name.capitalize()}: {', '.join(shown)}.")
    note = str(out.get("stock_note", "")).strip()
    if note:
        lines.append(f"Stock note: {note}")
    return "\n".join(lines)


def stock_answer(record: ToolRecord, number: int | None = None) -> str:
    """In stock or not, how many, and the note."""
    if record.error is not None or record.output is None:
        return error_answer(record)
    out = record.output
    title, pid = out.get("title", ""), out.get("product_id", out.get("id"))
    state = _stock_phrase(out) if out.get("in_stock") else "out of stock, none left"
    if out.get("in_stock") and isinstance(out.get("stock"), int):
        state += f" ({out['stock']:,} left)"  # "how many are left?" answered in its words
    variants = out.get("variants_available")
    extra = f"; variants that can be ordered: {variants}" if isinstance(variants, int) else ""
    prefix = f"{number}. " if number is not None else ""
    line = f"{prefix}{title} ({pid}) is {state}{extra}."
    restock = restock_line(out) if number is None else ""
    if restock:
        line += f"\n{restock}"
    note = str(out.get("note", "")).strip()
    if note and number is None:
        line += f"\nNote: {note}"
    return line


def stock_list_answer(records: Sequence[ToolRecord], numbers: Sequence[int]) -> str:
    """One line per checked product, numbered as listed, then the stock notes once."""
    lines = [
        stock_answer(r, n) if r.output else error_answer(r)
        for r, n in zip(records, numbers, strict=True)
    ]
    notes = {str(r.output.get("note", "")).strip() for r in records if r.output}
    notes.discard("")
    lines += [f"Note: {note}" for note in sorted(notes)]
    return "\n".join(lines)


_NOT_FOUND = re.compile(r"no product has id '([^']*)'")


def error_answer(record: ToolRecord) -> str:
    """A short explanation of a failed tool call."""
    message = (record.error or "no result").strip()
    missing = _NOT_FOUND.search(message)
    if missing:
        return (
            f"I couldn't find a product with id {missing.group(1)}. Tell me what it is and I'll "
            "search for it."
        )
    first_line = message.splitlines()[0][:200]
    action = {
        SEARCH: "search the catalog",
        STOCK: "check the stock",
    }.get(record.name, "look that product up")
    return f"Sorry, I couldn't {action}: {first_line}"
