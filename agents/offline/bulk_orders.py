"""A trade order's count of one product: its total and whether the stock covers it.

A bulk buyer names a count with a product ("need 24 of the enamel mugs, got that many?",
"30 packs of <title>, price per pack and total", "ok the second one, we want 40") and wants
both figures a buyer acts on: the unit price times the count with the sum, and whether the
stock holds that many (the stock said when it does not). One ``get_product`` gives both.

- The product: one named in the message by title, else one pointed at (a position counts in
  the products looked up side by side when no listing was shown), else the product in focus.
- The count: a whole number beside a word of ordering ("need", "want", "add", "got") or before
  "of", a pack word or the product's title; numbers that belong to the title ("Pack of 72")
  are no count.
- A running basket: "add 12 <title> too, total for both" keeps the count and product of the
  turn before and adds them up.

A single question about a product already shown ("what would 200 come to", "have you got 50
of the pink?") stays with ``quantities``, which answers it alone.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from agents.offline.answers import error_answer
from agents.offline.comparisons import in_play, named_with_counts
from agents.offline.context import DETAILS, STOCK, Conversation, ToolRecord
from agents.offline.dialogue import Dialogue
from agents.offline.quantities import one_product, quantity_step
from agents.offline.step import Step, ToolCallPlan, answered, say
from agents.offline.targets import resolve
from agents.offline.text import currency_symbol, format_price, normalize, singular_forms, tokens
from agents.offline.vocabulary import CatalogVocabulary

# A whole number that is no price, size, share or span of time.
_NUMBER = re.compile(
    r"(?<![£$€\d.,#])\b(\d{1,5})\b(?![.,]\d|\s?(?:%|cm|mm|ml|l\b|kg|g\b|p\b|inch|pence|pounds?|"
    r"quid|dollars?|euros?|days?|weeks?|months?|years?|yrs?|hours?|mins?|minutes?|am\b|pm\b|"
    r"st\b|nd\b|rd\b|th\b))"
)
# Words of ordering a count follows ("need 24", "we'd want 40", "add 12", "got 100?").
_ORDERING = re.compile(
    r"\b(?:need|needs|needed|want|wanted|order|ordering|take|taking|buy|buying|get|getting|add|"
    r"got|have|require|after|like|supply|stock|(?:down|me|us) for)\s+"
    r"(?:(?:about|around|some|another|maybe|roughly|exactly|only|just|a further|an extra)\s+)?$"
)
# What may follow a count: "of", a pack word.
_COUNT_TAIL = re.compile(
    r"^\s*(?:x\b|×|of\b|units?\b|pcs\b|pieces?\b|packs?\b|packets?\b|boxes?\b|sets?\b|bags?\b|"
    r"rolls?\b|cases?\b|more\b)"
)
# A count of people or of each product, not of one product: "for 180 guests", "48 of each".
_NOT_UNITS = re.compile(
    r"^\s*(?:'s\b|guests?|people|persons?|kids|children|pupils|students|staff|adults|friends|"
    r"attendees|tables|rooms|(?:of )?(?:each|both|apiece)\b|of (?:the )?(?:two|three|them all))"
)
# Not an order: a forecast, a budget, a ranking, an age.
_NOT_AN_ORDER = re.compile(
    r"\b(?:forecast\w*|reorder\w*|predict\w*|under|below|less than|up to|max(?:imum)?|budget|"
    r"over|above|top|best ?sell\w*|old|aged?|between|per (?:day|week|month)|a (?:day|week))\b"
)
# The count asked with a wish for other products ("I need 20 of those, what similar ones could
# I use instead?"): no order to read whole; each request is answered in turn.
_ALTERNATIVES = re.compile(
    r"\b(?:similar|alternatives?|something else|anything else|other options)\b"
    r"|\b(?:use|get|buy|try) instead\b"
)
_TOTAL = re.compile(
    r"\btotals?\b|\bcome to\b|\bcosts?\b|\bprices?\b|\bhow much\b|\bsum\b|\baltogether\b"
    r"|\bin all\b|\bbill\b|\bquote\b"
)
_COVER = re.compile(
    r"\bthat many\b|\benough\b|\bin stock\b|\bavailable\b|\bcover\b|\b(?:ok|okay|fine|doable)\b"
    r"|\b(?:got|have) (?:you )?(?:got )?(?:that|those|them|it|\d+)\b"
    r"|\bcan (?:you|we|i) (?:get|have|order|do|supply)\b"
)
# The turn before is part of this order: "add 12 ... too", "total for both".
_BASKET = re.compile(
    r"\b(?:too|also|as well|both|plus|another|together|altogether|in total|with (?:that|those|"
    r"them|the others?))\b|^\s*add\b"
)


_UNITS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_SMALL = "|".join(sorted(_UNITS, key=len, reverse=True))
_TEN = "|".join(_TENS)
_SPELLED = re.compile(
    rf"\b(?:(?P<half>half a dozen)|(?:(?P<dz>a|{_SMALL}|\d{{1,3}}) dozen)"
    rf"|(?:(?P<hd>a|one|{_SMALL}) hundred(?: and)?(?: (?P<ht>{_TEN}))?(?:[ -](?P<hu>{_SMALL}))?)"
    rf"|(?P<t>{_TEN})(?:[ -](?P<tu>{_SMALL}))?|(?<!\bthe )(?P<u>{_SMALL}))\b"
)


def _spelled_value(found: re.Match[str]) -> int:
    """The number a spelled count says: "two dozen" 24, "a hundred and fifty" 150."""
    g = found.groupdict()
    if g["half"]:
        return 6
    if g["dz"]:
        return 12 * (1 if g["dz"] == "a" else _UNITS.get(g["dz"]) or int(g["dz"]))
    if g["hd"]:
        hundreds = _UNITS.get(g["hd"], 1)
        return 100 * hundreds + _TENS.get(g["ht"] or "", 0) + _UNITS.get(g["hu"] or "", 0)
    if g["t"]:
        return _TENS[g["t"]] + _UNITS.get(g["tu"] or "", 0)
    return _UNITS[g["u"]]


def with_digits(norm: str, keep: Collection[str] = ()) -> str:
    """``norm`` with spelled counts written in digits ("two dozen" → "24"), except words the
    product's title holds ("Set of Three ...")."""

    def digits(found: re.Match[str]) -> str:
        if set(found.group(0).split()) & set(keep):
            return found.group(0)
        return str(_spelled_value(found))

    return _SPELLED.sub(digits, norm)


_PLURAL = re.compile(r"\b(?:them|they|those|these|all of)\b")


@dataclass(frozen=True)
class Line:
    """One product of the order with its count."""

    product_id: str
    count: int


def _numbers(norm: str, title: str, vocab: CatalogVocabulary) -> list[re.Match[str]]:
    """The counts in ``norm``: numbers not part of the product's title, nor a product id."""
    in_title = set(re.findall(r"\d+", title))
    return [
        m
        for m in _NUMBER.finditer(norm)
        if m.group(1) not in in_title
        and not vocab.product_id(m.group(1))
        and not _NOT_UNITS.match(norm[m.end() :])
    ]


def _ordered_count(norm: str, title: str, vocab: CatalogVocabulary) -> int | None:
    """The one count the message orders of the product titled ``title``, or ``None``."""
    title_norm = normalize(title)
    title_words = set(tokens(title_norm))
    norm = with_digits(norm, title_words)
    counts: list[int] = []
    for found in _numbers(norm, title_norm, vocab):
        before, after = norm[: found.start()], norm[found.end() :]
        after_words = tokens(after)[:2]
        if (
            _ORDERING.search(before)
            or _COUNT_TAIL.match(after)
            or (
                after_words
                and all(w in title_words or w.rstrip("s") in title_norm for w in after_words)
            )
        ):
            counts.append(int(found.group(1)))
    counts = list(dict.fromkeys(counts))
    return counts[0] if len(counts) == 1 and counts[0] > 0 else None


def _position_in_play(d: Dialogue) -> str | None:
    """ "The second one" when no listing was shown: the second of those looked up together."""
    if d.ctx.shown:
        return None
    positions = [r for r in d.understanding.references if r.kind == "position"]
    ids = in_play(d.conv)
    if len(positions) != 1 or not ids:
        return None
    index = positions[0].position - 1
    return ids[index] if 0 <= index < len(ids) else None


def _named(d: Dialogue, norm: str) -> str | None:
    """The one product the message names by title (with a count beside it or not)."""
    named = list(dict.fromkeys(pid for pid, _ in named_with_counts(norm, d.vocab)))
    if len(named) == 1:
        return named[0]
    if named:
        return None
    linked = d.vocab.named_product(norm)
    return linked.product_id if linked is not None else None


def _says_title(norm: str, title: str) -> bool:
    """Every word of ``title`` is in the message, in the singular or the plural ("gin and
    tonic mugs"); "knitting kits for scarves" does not say "Frappucino Scarf Knitting Kit"."""
    said = set(tokens(norm))
    said |= {form for word in said for form in singular_forms(word)}
    return all(word in said for word in tokens(normalize(title)))


def _title(d: Dialogue, pid: str) -> str:
    known = d.ctx.known.get(pid.lower())
    return known.title if known is not None else (d.vocab.title_of(pid) or "")


def _count_for(d: Dialogue, norm: str, pid: str, alone: bool) -> int | None:
    """The count an earlier message ordered of ``pid``: its one count when it looked at that
    product alone, else the count of the piece naming it."""
    if alone:
        return _ordered_count(norm, _title(d, pid), d.vocab)
    for chunk in _chunks(norm):
        if (_named(d, chunk) or "").lower() == pid.lower():
            return _ordered_count(chunk, _title(d, pid), d.vocab) or _only_number(chunk, d, pid)
    return None


def _earlier_lines(d: Dialogue, new_id: str) -> list[Line]:
    """The basket so far, oldest first: the lines of the last turn that counted products, and
    of the turns before it while each added to the one before ("plus", "too", "both")."""
    conv: Conversation = d.conv
    counted: dict[str, int] = {}
    for turn, text in zip(reversed(conv.turns), reversed(conv.turn_texts), strict=False):
        looked = (
            str(r.output.get("product_id") or r.output.get("id") or "")
            for r in turn
            if r.name in (DETAILS, STOCK) and r.output is not None
        )
        ids = [pid for pid in dict.fromkeys(looked) if pid and pid.lower() != new_id.lower()]
        if not ids:
            if counted:
                break
            continue
        norm = normalize(text)
        for pid in ids:
            count = _count_for(d, norm, pid, len(ids) == 1)
            if pid not in counted and count is not None:
                counted[pid] = count
        if not counted or not _BASKET.search(norm):
            break
    return [Line(pid, count) for pid, count in reversed(counted.items())]


# Where one line of an order may end: "30 of the pink, and add 20 <title>".
_LINE_BREAK = re.compile(r"(\s*(?:,|;|\band\b|\bplus\b|&|\s-+\s)\s*)")


def _chunks(norm: str) -> list[str]:
    """The message cut where a piece with a count of its own starts (a piece without one, such
    as "tonic mugs" of "24 gin and tonic mugs", stays with the piece before)."""
    pieces = _LINE_BREAK.split(norm)
    chunks: list[str] = [pieces[0]]
    for joint, piece in zip(pieces[1::2], pieces[2::2], strict=True):
        if _NUMBER.search(with_digits(piece)) and _NUMBER.search(with_digits(chunks[-1])):
            chunks.append(piece)
        else:
            chunks[-1] += joint + piece
    return chunks


def _only_number(chunk: str, d: Dialogue, pid: str) -> int | None:
    """The one number of ``chunk`` that is no part of the title, no id and no size."""
    title = normalize(_title(d, pid))
    found = {
        int(m.group(1)) for m in _numbers(with_digits(chunk, set(tokens(title))), title, d.vocab)
    }
    found.discard(0)
    return found.pop() if len(found) == 1 else None


def _several_lines(d: Dialogue, norm: str) -> list[Line] | None:
    """ "put me down for 30, and add 20 <title>": a count per product, one of them the product
    in focus when its piece names none; ``None`` unless two or more products are counted."""
    lines: list[Line] = []
    focus_used = False
    for chunk in _chunks(norm):
        pid = _named(d, chunk)
        if pid is None:
            if focus_used or not d.ctx.focus:
                return None
            pid, focus_used = d.ctx.focus, True
        # beside other lines, a piece's one number is its count ("pencil in 4 for us; plus")
        count = _ordered_count(chunk, _title(d, pid), d.vocab) or _only_number(chunk, d, pid)
        if count is None:
            return None
        lines.append(Line(pid, count))
    if len({line.product_id.lower() for line in lines}) != len(lines) or len(lines) < 2:
        return None
    return lines


def read_order(d: Dialogue) -> list[Line] | None:
    """The order lines the message asks about, or ``None`` when it places no count."""
    norm = normalize(d.text)
    if _NOT_AN_ORDER.search(norm) or _ALTERNATIVES.search(norm):
        return None
    if not _NUMBER.search(with_digits(norm)):
        return None
    if _TOTAL.search(norm) and (several := _several_lines(d, norm)):
        return several
    singular = [r for r in d.understanding.references if not r.plural]
    if len(d.ctx.shown) > 1 and not singular and _PLURAL.search(norm):
        return None  # "whether you have them, I might order six": several listed, each asked
    in_play_pick = _position_in_play(d)
    named = None if in_play_pick else _named(d, norm)
    pid = in_play_pick or named
    if pid is None and d.understanding.references:
        targets = resolve(d.understanding, d.ctx)
        pid = targets.ids[0] if targets.ids and not targets.reply else None
    pid = pid or one_product(d, norm)
    if pid is None:
        return None
    count = _ordered_count(norm, _title(d, pid), d.vocab)
    if count is None:
        return None
    asks_total, asks_cover = bool(_TOTAL.search(norm)), bool(_COVER.search(norm))
    earlier = _earlier_lines(d, pid) if named and _BASKET.search(norm) and asks_total else []
    # A product first named here is a count's subject only when the figures are asked or the
    # count is "of" it ("and 24 of <title>"); "ceramic knobs in ivory, need 24" is a search.
    new_product = named is not None and named.lower() != (d.ctx.focus or "").lower()
    if new_product and not _says_title(norm, _title(d, pid)):
        return None  # a kind described, not a title said: a search lists what fits
    if new_product and not (asks_total or asks_cover or re.search(rf"\b{count} of\b", norm)):
        return None
    # One question about a product already in the conversation stays with ``quantities``.
    decisive = new_product or in_play_pick or earlier or (asks_total and asks_cover)
    if not decisive and quantity_step(d) is not None:
        return None
    lines = [Line(pid, count)]
    return [*earlier, *lines]


def _looked_up(d: Dialogue, ids: Sequence[str]) -> list[ToolRecord] | Step:
    """This turn's ``get_product`` of each product, or the calls that bring them."""
    done = {str(r.args.get("product_id", "")).lower(): r for r in answered(d.conv, DETAILS)}
    missing = list(dict.fromkeys(pid for pid in ids if pid.lower() not in done))
    if missing:
        return Step(calls=[ToolCallPlan(DETAILS, {"product_id": pid}) for pid in missing])
    return [done[pid.lower()] for pid in ids]


def _cover(out: dict[str, object], count: int) -> str:
    """Whether the stock holds ``count``, with the stock when it does not."""
    stock = out.get("stock")
    if not out.get("in_stock"):
        return f"It is out of stock right now, so none of the {count:,} can go out yet."
    if not isinstance(stock, int):
        return f"It is in stock, but I can't see how many, so I can't promise {count:,}."
    if stock < count:
        return f"Only {stock:,} in stock, not enough for {count:,} ({count - stock:,} short)."
    return f"Yes, {stock:,} in stock, enough for {count:,}."


def _line(out: dict[str, object], count: int) -> tuple[str, float, str]:
    """ "24 × Enamel Mug (123) at £1.65 each = £39.60", the line's cost and its currency."""
    price = out.get("price")
    amount = float(price) if isinstance(price, int | float) else 0.0
    symbol = currency_symbol(str(out.get("currency") or ""))
    cost = round(amount * count, 2)
    name = f"{out.get('title', '')} ({out.get('id', out.get('product_id', ''))})"
    text = (
        f"{count:,} × {name} at {format_price(amount, symbol)} each = {format_price(cost, symbol)}."
    )
    return text, cost, symbol


def order_answer(records: Sequence[ToolRecord], lines: Sequence[Line]) -> str:
    """Each line costed with its stock cover, and the sum when there are several."""
    failed = [r for r in records if r.output is None]
    if failed:
        return error_answer(failed[0])
    parts: list[str] = []
    total, symbol = 0.0, ""
    for record, line in zip(records, lines, strict=True):
        out = record.output or {}
        if not isinstance(out.get("price"), int | float):
            parts.append(f"I couldn't find a price for {out.get('title', line.product_id)}.")
            continue
        text, cost, symbol = _line(out, line.count)
        parts.append(f"{text} {_cover(out, line.count)}")
        total += cost
    if len(lines) > 1 and symbol:
        parts.append(f"Total: {format_price(round(total, 2), symbol)}.")
    return "\n".join(parts)


def bulk_order_step(d: Dialogue) -> Step | None:
    """The total and the stock cover of a count of one product (or a running basket of two);
    ``None`` when the message places no such count."""
    if DETAILS not in d.tool_names:
        return None
    lines = read_order(d)
    if not lines:
        return None
    records = _looked_up(d, [line.product_id for line in lines])
    if isinstance(records, Step):
        return records
    return say(order_answer(records, lines))
