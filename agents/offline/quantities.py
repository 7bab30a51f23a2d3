"""Quantities asked about products already in the conversation.

- The cost of a number of one product: "what would 200 come to", "how much for 12 of them":
  the count times the unit price, written out.
- The cost of two or more together: "and the chocolate one too, what's that for both": the
  unit prices and their sum.
- Whether a number is in stock: "have you got 50 of the pink?", "is there enough for 40":
  ``check_inventory`` of that product, answered yes or no with the number in stock.

The product is the one the message points at (a position, an id, a title, a word of one shown
title such as "the pink"), else the product in focus, else the only one listed. A price not
yet seen comes from ``get_product``; nothing is computed from a price the tools did not give.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from agents.offline.answers import error_answer
from agents.offline.comparisons import costs_answer, in_play
from agents.offline.context import DETAILS, STOCK, Conversation, ToolRecord
from agents.offline.dialogue import Dialogue
from agents.offline.nlu import NluContext, ShownProduct, understand
from agents.offline.step import Step, ToolCallPlan, answered, call_then_answer, say
from agents.offline.targets import resolve
from agents.offline.text import currency_symbol, format_price, normalize, tokens
from agents.offline.vocabulary import CatalogVocabulary

# A count: a whole number that is no price, size or percentage ("£5", "20cm", "50%").
_N = (
    r"(?<![£$€\d.,])(\d{1,5})(?![\d.,]?\d|\s?(?:%|cm|mm|ml|l\b|kg|g\b|p\b|inch|x\b|pence|"
    r"pounds?|quid|dollars?|euros?))"
)
_COST_OF = re.compile(
    rf"\b(?:what|how much)\b[^?]*?\b{_N}\b[^?]*?\b(?:come to|cost|be|set (?:me|us) back|total"
    r"|work out(?: at)?|run (?:me|us|to))\b"
    rf"|\bhow much (?:for|is|are|would|will|do|does)? ?(?:it |they )?(?:be |cost )?(?:for )?{_N}\b"
    rf"|\b(?:price|cost|total) (?:for|of|on) {_N}\b"
)
_TOGETHER = re.compile(
    r"\b(?:for|of|on) (?:the )?(?:both|two|pair|lot|them all|all (?:of them|three|two|3|2))\b"
    r"|\bboth (?:together|of them|cost|come to)\b|\b(?:together|combined|in total|altogether)\b"
)
_PRICE_CUE = re.compile(
    r"\b(?:how much|whats|what(?:'s| is| would| will| does| do)?|cost\w*|come to|total|price)\b"
)
_STOCK_FOR = re.compile(
    rf"\b(?:have|got|stock|there|get|supply|order|do|can)\b[^?]*?\b{_N} ?"
    r"(?:of\b|units?\b|pcs\b|pieces?\b|packs?\b|boxes?\b|sets?\b|in stock\b|available\b|left\b)"
    rf"|\benough\b[^?]*?\b(?:for|to (?:cover|fill|supply|do))"
    rf"(?: (?:an?|the) (?:order|customer|job|request) (?:of|for))? {_N}\b"
    # "is the ivory one ok for 20 units?": whether the stock will do for that many
    rf"|\b(?:ok|okay|fine|good|alright)\b (?:for|with) {_N}\b"
)
# Words that carry the question, not the product ("have you got 50 of the pink?").
_QUESTION_WORD = re.compile(
    r"(?:have|has|got|you|we|do|does|is|are|there|any|enough|stock|for|of|the|an?|to|get|can|what'?s|"
    r"could|would|will|what|how|much|many|come|cost|total|price|units?|packs?|pieces?|pcs|sets?|"
    r"box(?:es)?|in|available|left|please|it|them|those|these|ones?|that|this|both|and|too|also|"
    r"each|i|me|my|us|our|need|want|order|supply|buy|like|take|ok|so|then|just|okay|fine|"
    r"good|alright|with|customer|job|request)"
)


# "48 of each", "a dozen of both", "10 of the first and 5 of the second": counts per product.
_OF_EACH = re.compile(
    rf"\b{_N} (?:of )?(?:each|both|apiece|of (?:the )?(?:two|three|four|them all))\b"
)
_COUNT_OF = re.compile(rf"\b{_N} (?:of|x|×)\b")
# Where one product's count ends and the next one's begins.
_NEXT_COUNT = re.compile(r"\s*(?:,|;|\band\b|\bplus\b|&)\s*")


# The price of one unit asked about a product in the conversation: "and the unit price?",
# "price per pack?", "what are they each".
_UNIT_PRICE = re.compile(
    r"\b(?:unit|single|individual) (?:price|cost)\b"
    r"|\b(?:price|cost|how much)\w* (?:is it |are they )?(?:per|a|for an?|for one|each) ?"
    r"(?:unit|pack|packet|piece|item|box|set|bag|roll|one)?\b"
)


def _count(pattern: re.Pattern[str], text: str) -> int | None:
    found = pattern.search(text)
    if found is None:
        return None
    number = next(g for g in found.groups() if g)
    return int(number) if int(number) > 0 else None


def _said_product(norm: str, ctx: NluContext) -> str | None:
    """The one product shown whose title holds every word the question leaves ("the pink")."""
    words = [w for w in tokens(norm) if not _QUESTION_WORD.fullmatch(w) and not w.isdigit()]
    if not words:
        return None
    fits = [p for p in ctx.shown if all(w in normalize(p.title) for w in words)]
    return fits[0].id if len(fits) == 1 else None


def one_product(d: Dialogue, norm: str) -> str | None:
    """The product a count is about (see the module's note), or ``None``."""
    u, ctx = d.understanding, d.ctx
    if u.references:
        targets = resolve(u, ctx)
        if targets.ids and not targets.reply:
            return targets.ids[0]
    said = _said_product(norm, ctx)
    if said is not None:
        return said
    if ctx.focus:
        return ctx.focus
    return ctx.shown[0].id if len(ctx.shown) == 1 else None


def _named_too(norm: str, vocab: CatalogVocabulary, focus: ShownProduct | None) -> str | None:
    """A product the message adds by title, "the chocolate one" meaning one of the focus's
    kind: "and the chocolate one too"."""
    if focus is not None and focus.category:
        norm = re.sub(r"\bones?\b", focus.category, norm)
    named = vocab.named_product(norm) or vocab.loosely_named_product(norm)
    return named.product_id if named is not None else None


def _together_ids(d: Dialogue, norm: str) -> list[str]:
    """The products "both" means: those pointed at, else the focus and one named or the two
    last looked at alone."""
    u, ctx, conv = d.understanding, d.ctx, d.conv
    targets = resolve(u, ctx, plural_ok=True) if u.references else None
    ids = list(targets.ids) if targets and not targets.reply else []
    focus = ctx.known.get(ctx.focus.lower()) if ctx.focus else None
    if len(ids) < 2 and (added := _named_too(norm, d.vocab, focus)) is not None:
        ids = [pid for pid in ids if pid != added] + [added]
        if ctx.focus and ctx.focus not in ids:
            ids.insert(0, ctx.focus)
    if len(ids) < 2:
        ids = _looked_at(conv)[-2:]
    return list(dict.fromkeys(ids))


def _looked_at(conv: Conversation) -> list[str]:
    """Products looked at one by one (details, stock), oldest first, each once."""
    seen: list[str] = []
    for record in conv.history:
        if record.name in (DETAILS, STOCK) and record.output:
            pid = str(record.output.get("product_id") or record.output.get("id") or "")
            if pid:
                seen = [p for p in seen if p != pid] + [pid]
    return seen


def _money(product: ShownProduct, amount: float) -> str:
    return format_price(amount, currency_symbol(product.currency))


def _priced(d: Dialogue, ids: Sequence[str]) -> list[ShownProduct] | Step:
    """The products with their prices as ``get_product`` gives them this turn (an answer names
    only products a tool returned this turn), or the calls that bring them."""
    if DETAILS not in d.tool_names:
        return say("Sorry, I can't look up prices here: the product tool isn't available.")
    done = {str(r.args.get("product_id", "")).lower(): r for r in answered(d.conv, DETAILS)}
    missing = [pid for pid in ids if pid.lower() not in done]
    if missing:
        return Step(calls=[ToolCallPlan(DETAILS, {"product_id": pid}) for pid in missing])
    failed = [done[pid.lower()] for pid in ids if done[pid.lower()].output is None]
    if failed:
        return say(error_answer(failed[0]))
    known = d.conv.known_products()
    return [known[pid.lower()] for pid in ids]


def _cost_of(product: ShownProduct, count: int) -> str:
    total = round(product.price * count, 2)
    return (
        f"{count:,} × {product.title} ({product.id}) at {_money(product, product.price)} each "
        f"comes to {_money(product, total)}."
    )


def _together(products: Sequence[ShownProduct]) -> str:
    lines = [f"- {p.title} ({p.id}): {_money(p, p.price)}" for p in products]
    total = round(sum(p.price for p in products), 2)
    return "\n".join([*lines, f"Together: {_money(products[0], total)}."])


def _stock_for(record: ToolRecord, count: int, product: ShownProduct | None) -> str:
    """Yes or no for ``count`` units, with the number in stock (and their cost, when priced)."""
    if record.output is None:
        return error_answer(record)
    out = record.output
    name = f"{out.get('title', '')} ({out.get('product_id', out.get('id'))})"
    stock = out.get("stock")
    if not out.get("in_stock"):
        return f"No: {name} is out of stock, none left."
    if not isinstance(stock, int):
        return f"{name} is in stock, but I can't see how many, so I can't promise {count:,}."
    if stock < count:
        return f"Not {count:,}: {name} has only {stock:,} in stock."
    line = f"Yes: {name} has {stock:,} in stock, enough for {count:,}."
    if product is not None and product.price:
        line += f" At {_money(product, product.price)} each, {count:,} come to "
        line += f"{_money(product, round(product.price * count, 2))}."
    return line


# A price asked about what was shown ("cool, how much?", "price for 40 please").
_PRICE_QUESTION = re.compile(
    r"\bhow much\b|\bwhat(?:'s| is|s) (?:the |its |their )?(?:price|cost)\b|\bprices?\b"
    r"|\bcosts?\b"
)


# What the store charges for, not a product: "how much is delivery"
_STORE_WORDS = re.compile(
    r"\b(?:shipping|deliver\w*|postage|p&p|return\w*|refund\w*|fees?|tax|vat|duty|duties|"
    r"discounts?|vouchers?|coupons?|membership|wrapping|gift ?wrap\w*|order\w*|account)\b"
)


def asks_about_shown(d: Dialogue) -> bool:
    """A price, a count or a total asked while the conversation holds products: the shopping
    skills read it, whatever else the message sounds like ("cool how much")."""
    norm = normalize(d.text)
    asks = _PRICE_QUESTION.search(norm) or _STOCK_FOR.search(norm) or _TOGETHER.search(norm)
    if not asks or _STORE_WORDS.search(norm):
        return False
    return bool(d.conv.known_products())


def quantity_step(d: Dialogue) -> Step | None:
    """A count's cost, a total for several, or a stock check for a count; ``None`` when the
    message asks none of these about a product the conversation holds."""
    norm = normalize(d.text)
    if not d.conv.known_products() and not d.vocab.named_product(norm):
        return None
    wanted = _count(_STOCK_FOR, norm)
    if wanted is not None and STOCK in d.tool_names and not _is_id(norm, d.vocab):
        pid = one_product(d, norm)
        if pid is None:
            return None
        product = d.conv.known_products().get(pid.lower())
        return call_then_answer(
            d.conv, STOCK, {"product_id": pid}, lambda r: _stock_for(r, wanted, product)
        )
    unit = _UNIT_PRICE.search(norm)
    if unit is not None and not _named_beside(norm, unit):
        pid = one_product(d, norm)
        if pid is not None:
            priced = _priced(d, [pid])
            return priced if isinstance(priced, Step) else say(_unit_price(priced[0]))
    counted = _counted_ids(d, norm) if _PRICE_CUE.search(norm) else None
    if counted and not _is_id(norm, d.vocab):
        priced = _priced(d, [pid for pid, _ in counted])
        if isinstance(priced, Step):
            return priced
        return say(_costs(priced, [n for _, n in counted]))
    count = _count(_COST_OF, norm)
    if count is not None and not _is_id(norm, d.vocab):
        pid = one_product(d, norm)
        if pid is None:
            return None
        priced = _priced(d, [pid])
        return priced if isinstance(priced, Step) else say(_cost_of(priced[0], count))
    if _TOGETHER.search(norm) and _PRICE_CUE.search(norm):
        ids = _together_ids(d, norm)
        if len(ids) < 2:
            return None
        priced = _priced(d, ids)
        return priced if isinstance(priced, Step) else say(_together(priced))
    return None


def _counted_ids(d: Dialogue, norm: str) -> list[tuple[str, int]] | None:
    """(product, count) for "48 of each" (the products in play, else the two last looked at)
    or "10 of the first and 5 of the second" (each count with the product it names)."""
    each = _count(_OF_EACH, norm)
    if each is not None:
        ids = in_play(d.conv) or _together_ids(d, norm)
        return [(pid, each) for pid in ids] if len(ids) >= 2 else None
    chunks = [c for c in _NEXT_COUNT.split(norm) if _COUNT_OF.search(c)]
    if len(chunks) < 2:
        return None
    counted: list[tuple[str, int]] = []
    for chunk in chunks:
        found = _COUNT_OF.search(chunk)
        count = _count(_COUNT_OF, chunk)
        if found is None or count is None:
            return None
        u = understand(chunk[found.end() :], d.vocab, d.ctx)
        targets = resolve(u, d.ctx) if u.references else None
        pid = targets.ids[0] if targets and targets.ids and not targets.reply else None
        pid = pid or _said_product(chunk, d.ctx)
        if pid is None:
            return None
        counted.append((pid, count))
    return counted


def _costs(products: Sequence[ShownProduct], counts: Sequence[int]) -> str:
    """Each count times its unit price, and the sum."""
    return costs_answer(
        [(p.title, p.id, p.price, p.currency, n) for p, n in zip(products, counts, strict=True)]
    )


def _named_beside(norm: str, unit: re.Match[str]) -> bool:
    """Words beside "the unit price" that are not question words may name another product."""
    rest = f"{norm[: unit.start()]} {norm[unit.end() :]}"
    return any(not _QUESTION_WORD.fullmatch(w) and not w.isdigit() for w in tokens(rest))


def _unit_price(product: ShownProduct) -> str:
    return f"{product.title} ({product.id}) is {_money(product, product.price)} each."


def _is_id(norm: str, vocab: CatalogVocabulary) -> bool:
    """The message's number is a product id ("how much is 22423"), not a count."""
    return any(vocab.product_id(w) for w in tokens(norm) if w.isdigit())
