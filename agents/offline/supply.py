"""Supply questions: "what should I reorder this week and why?", "how many of 22423 will sell
next month?" and, for a product, "when is it back?".

A reorder question becomes one ``reorder_suggestions`` call; its look-ahead comes from the words
("today" 1 trading day, "this week" 6, "next two weeks" 12, "this month" 26). The answer lists
the products most urgent first, each with the figures that put it there, all copied from the
tool's result. A forecast question about one product (its id, or the product in focus) becomes
one ``forecast_demand`` call, its horizon in days as named ("next 7 days" 7, "four weeks" 28, "next
month" 30); so does a demand question in the merchandiser's words ("what will sales of X look
like", "demand over the next 60 days") about a product named or in focus. A stock or run-out
question about one product ("how many do we have in stock right now?", "will we run out of X
next month?", "do we need to reorder it?") becomes ``check_inventory`` of that product, never a
catalog search. ``restock_line`` adds to a stock answer how long the stock lasts,
or when an out-of-stock product is expected back, from ``check_inventory``'s result.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from agents.offline.context import Conversation, ToolRecord
from agents.offline.dialogue import Dialogue
from agents.offline.merchandising import (
    horizon_days,
    is_demand_question,
    is_run_out_question,
    is_stock_question,
)
from agents.offline.step import Step, call_then_answer, say
from agents.offline.supply_cues import (
    BARE_HORIZON,
    FORECAST_QUESTION,
    FORECAST_WORD,
    LIST_SIZE,
    LOOK_AHEAD,
    REORDER,
    WEATHER,
    counted_days,
)
from agents.offline.text import normalize, tokens
from agents.offline.vocabulary import CatalogVocabulary

# The merchandiser's own stock, about a product named by id or title: "have we got any X
# left?", "do we still have X in stock?" (a shopper's "do you have …" stays a search).
_WE_HAVE_ANY = re.compile(
    r"\b(?:have|do) we (?:still )?(?:got|have)\b.*\b(?:left|in stock|remaining|on hand)\b"
)
REORDERS = "reorder_suggestions"
FORECAST = "forecast_demand"
MAX_LISTED = 8
MAX_LIST = 50  # the reorder tool's largest page
FOLLOW_UP_WORDS = 10


def is_reorder_question(text: str) -> bool:
    return bool(REORDER.search(normalize(text)))


# "do we need to reorder?", "should we restock yet?" asked as a yes/no clause of its own: with
# a product in play it asks about that product; the store's list is asked with "what",
# "which", "anything" or a kind of list ("what do we need to reorder this week?").
_YES_NO_REORDER = re.compile(
    r"(?:^|[,;:.!?]\s*|\s-\s|\b(?:and|so|then|but|ok|okay)\s+)"
    r"(?:do|does|should|shall|must|would|will|can|is it time to) ?(?:i|we|you)?\b[^,.;?!]{0,25}?"
    r"\b(?:re-?order|restock|replenish|top (?:it |them |that )?up|order (?:some )?more)"
    r"(?: (?:it|this|that|them|more|some|any|soon|yet|now|already|again|then|of it))*"
    r"\s*(?:[?.!]|$)"
)
_LIST_WORDS = re.compile(
    r"\b(?:which|anything|something|everything|products|items|lines|skus|list|most urgent|"
    r"top \d+|what (?:else|other|products|items|lines|do|should|needs?|must))\b"
)


def reorders_focus(conv: Conversation, norm: str) -> bool:
    """ "whats stock like, do we need to reorder?" with a product in play: that product's stock
    against its reorder point, not the store-wide reorder list."""
    if conv.focus() is None or _LIST_WORDS.search(norm):
        return False
    return bool(_YES_NO_REORDER.search(norm))


def reorder_args(text: str) -> dict[str, Any]:
    """``within_days`` when the message names a period (the tool's default is a week), and
    ``limit`` when it asks for a number of lines ("top 5 products")."""
    norm = normalize(text)
    args: dict[str, Any] = {}
    size = LIST_SIZE.search(norm)
    if size is not None:
        args["limit"] = max(1, min(MAX_LIST, int(size.group(1) or size.group(2))))
    # the longest period named is the look-ahead ("run out in the next fortnight that I should
    # order now": two weeks; "now" is when to order)
    named = [days for pattern, days in LOOK_AHEAD if pattern.search(norm)]
    if named:
        return {"within_days": max(named), **args}
    counted = counted_days(norm)
    return {"within_days": counted, **args} if counted else args


def reorder_follow_up(conv: Conversation, norm: str, vocab: CatalogVocabulary) -> bool:
    """ "what about two weeks ahead?" right after a reorder list: the same list over another
    look-ahead (no product named, no forecast asked)."""
    if not conv.turns or not any(r.name == REORDERS for r in conv.turns[-1]):
        return False
    if FORECAST_WORD.search(norm) or named_product_id(norm, vocab) or _POSITION.search(norm):
        return False
    timed = any(p.search(norm) for p, _ in LOOK_AHEAD) or counted_days(norm) is not None
    return timed and len(norm.split()) <= FOLLOW_UP_WORDS


def forecast_follow_up(
    conv: Conversation, norm: str, vocab: CatalogVocabulary
) -> dict[str, Any] | None:
    """ "and over 90?" right after a forecast: the same product over the period named; ``None``
    for anything else (another product named, a price, no period)."""
    if not conv.turns or len(norm.split()) > FOLLOW_UP_WORDS or named_product_id(norm, vocab):
        return None
    last = next((r for r in reversed(conv.turns[-1]) if r.name == FORECAST), None)
    if last is None or "£" in norm or "$" in norm:
        return None
    if any(w not in _PERIOD_ONLY for w in tokens(norm) if not w.isdigit()):
        return None  # "and the fox design one, next 20 days?": another product too
    bare = BARE_HORIZON.search(norm)
    days = horizon_days(norm) or (int(bare.group(1)) if bare else None)
    return {**last.args, "horizon_days": days} if days else None


# The words of a follow-up that names only a period ("ok and over the next two weeks?").
_PERIOD_ONLY = frozenset(
    """ok okay and so then what how about over for the next across within in a an the coming
    following same again please day days week weeks month months fortnight quarter year whole
    full trading two three four five six seven eight nine ten twelve fourteen thirty sixty
    ninety""".split()  # noqa: SIM905 (a word list reads better as text)
)


def _num(value: Any) -> str:
    return f"{value:,.1f}".removesuffix(".0") if isinstance(value, int | float) else "?"


def _period(days: int) -> str:
    return {1: "today", 6: "this week", 12: "in the next two weeks", 26: "this month"}.get(
        days, f"within {days} trading days"
    )


def reorder_answer(record: ToolRecord) -> str:
    """The reorder list with each product's reason, or why there is none."""
    if record.output is None:
        return f"I couldn't build the reorder list: {record.error or 'the tool failed'}"
    out = record.output
    products = [p for p in out.get("products") or [] if isinstance(p, dict)]
    period = _period(int(out.get("within_days", 6)))
    if not products:
        return f"Nothing needs reordering {period}: every product's stock covers its lead time."
    total = int(out.get("total", len(products)))
    service = out.get("service_level")
    head = f"{total:,} products need reordering {period}"
    head += f"; the {len(products[:MAX_LISTED])} most urgent first" if total > 1 else ""
    lines = [head + ":"]
    for n, p in enumerate(products[:MAX_LISTED], start=1):
        when = f", runs out around {p['runs_out_on']}" if p.get("runs_out_on") else ""
        lines.append(
            f"{n}. {p.get('title', '')} ({p.get('id')}) — order {p.get('suggested_order', 0):,}. "
            f"Why: stock {_num(p.get('stock'))} (+{_num(p.get('on_order'))} on order) lasts "
            f"{_num(p.get('days_of_cover'))} trading days at a forecast "
            f"{_num(p.get('daily_demand'))} a day{when}; reorder point "
            f"{_num(p.get('reorder_point'))} = {_num(p.get('demand_over_lead_time'))} over the "
            f"{p.get('lead_time_days')}-day lead time + {_num(p.get('safety_stock'))} safety stock."
        )
    if isinstance(service, int | float):
        lines.append(f"Safety stock is set for a {service:.0%} service level.")
    note = str(out.get("note", "")).strip()
    if note:
        lines.append(f"Note: {note}")
    return "\n".join(lines)


def named_product_id(norm: str, vocab: CatalogVocabulary) -> str | None:
    """The product a message names by its id or its title, if one."""
    named = next((pid for w in tokens(norm) if (pid := vocab.product_id(w))), None)
    if named is None and (titled := vocab.named_product(norm)) is not None:
        named = titled.product_id  # "forecast for the Assorted Colour Bird Ornament"
    return named or part_named_product_id(norm, vocab)


def part_named_product_id(norm: str, vocab: CatalogVocabulary) -> str | None:
    """The product a request names by part of its title ("the 2 week forecast on the regency
    cakestand"), once the words of the request itself are set aside ("next day" is no
    product here); ``None`` when the message points back ("forecast it") or names none."""
    if _POINTS_BACK.search(norm):
        return None
    part = vocab.loosely_named_product(_REQUEST_WORDS.sub(" ", norm))
    return part.product_id if part is not None else None


# "forecast it": the product in focus, not a title the other words half name
_POINTS_BACK = re.compile(r"\b(?:it|its|this|that|these|those|them|one)\b")
_REQUEST_WORDS = re.compile(
    r"\b(?:next|coming|last|past|this|a|days?|weeks?|months?|fortnight|year|daily|weekly|"
    r"monthly|forecasts?|demand|sales|sell(?:ing)?|sold|stock|inventory|levels?|left|run|out|"
    r"re-?order|restock|how|many|much|will|we|expect(?:ed)?|write|copy|description|web ?site|"
    r"site|shop|online|store|tone)\b"
)


def forecast_args(text: str, vocab: CatalogVocabulary, focus: str | None) -> dict[str, Any]:
    """``product_id`` (named, else the product in focus; "" if neither) and ``horizon_days``
    when the message names a period."""
    norm = normalize(text)
    args: dict[str, Any] = {"product_id": named_product_id(norm, vocab) or focus or ""}
    days = horizon_days(norm)
    if days is not None:
        args["horizon_days"] = days
    return args


def product_stock_args(conv: Conversation, vocab: CatalogVocabulary) -> dict[str, Any] | None:
    """``check_inventory``'s arguments for a stock or run-out question about one product (named,
    else in focus); ``None`` when the message is not one or names no single product."""
    norm = normalize(conv.text)
    if reorders_focus(conv, norm):
        return {"product_id": conv.focus()}  # "do we need to reorder?" about the one in play
    if is_reorder_question(conv.text):
        return None  # "what should I reorder this week": the list, not one product
    named = named_product_id(norm, vocab)
    if named and _WE_HAVE_ANY.search(norm):
        return {"product_id": named}  # "have we got any <title> left in stock"
    if not (is_stock_question(norm) or is_run_out_question(norm)):
        return None
    product_id = named or conv.focus()
    return {"product_id": product_id} if product_id else None


# Whether one product needs ordering: "do I need to reorder?", "should we order more of it?",
# "time to top it up?", "is it due a restock?".
ONE_REORDER_QUESTION = re.compile(
    r"\b(?:re-?order\w*|restock\w*|replenish\w*|top (?:it |them |this |that )?up|order more|"
    r"order (?:some )?more (?:in|stock)|more stock|buy (?:more|in)|purchase order|\bpo\b)"
)


def reorder_line(out: dict[str, Any]) -> str:
    """Whether the stock in ``out`` (a ``check_inventory`` result) calls for an order now, with
    the reorder point it is measured against and, if not yet, about when it will."""
    stock, point = out.get("stock"), out.get("reorder_point")
    if not isinstance(stock, int | float) or not isinstance(point, int | float):
        return ""
    basis = (
        f"reorder point {_num(point)} = {_num(out.get('demand_over_lead_time'))} expected over "
        f"the {out.get('lead_time_days')}-day lead time + {_num(out.get('safety_stock'))} "
        "safety stock"
    )
    on_order = out.get("on_order")
    pending = f", with {_num(on_order)} already on order" if on_order else ""
    if out.get("reorder_now"):
        size = out.get("suggested_order")
        amount = f" about {_num(size)} units" if isinstance(size, int | float) and size else ""
        return f"Yes, reorder now{amount}: stock {_num(stock)}{pending} is at or below the {basis}."
    daily = out.get("daily_demand")
    when = ""
    if isinstance(daily, int | float) and daily > 0:
        days = _num((stock - point) / daily)
        when = f" At {_num(daily)} a day it reaches that point in about {days} trading days."
    return f"No need to reorder yet: stock {_num(stock)}{pending} is above the {basis}.{when}"


def forecast_answer(record: ToolRecord) -> str:
    """Expected sales over the horizon, the daily rate and its interval, or why there are none."""
    if record.output is None:
        return f"I couldn't forecast that: {record.error or 'the tool failed'}"
    out = record.output
    name = f"{out.get('title', '')} ({out.get('product_id')})"
    if not out.get("available"):
        return f"{name}: {out.get('note') or 'no forecast is available.'}"
    days = [d for d in out.get("days") or [] if isinstance(d, dict)]
    lows = [d["low"] for d in days if isinstance(d.get("low"), int | float)]
    highs = [d["high"] for d in days if isinstance(d.get("high"), int | float)]
    spread = ""
    if lows and highs:
        level = out.get("level")
        share = f"{level:.0%} " if isinstance(level, int | float) else ""
        spread = f"; {share}interval per day {_num(min(lows))} to {_num(max(highs))}"
    return (
        f"{name}: about {_num(out.get('total'))} units over the next "
        f"{out.get('horizon_days')} trading days ({_num(out.get('daily_mean'))} a day{spread}), "
        f"forecast by {out.get('method')} from sales through {out.get('trained_through')}. "
        f"Stock now: {_stock_now(out.get('stock'))}."
    )


def _stock_now(stock: Any) -> str:
    """The stock beside a forecast, said in words when there is none."""
    return "0, it is out of stock" if stock == 0 else str(stock)


def listing_subject(conv: Conversation) -> str | None:
    """The product the last listing was about ("bought together with 22423"): what "and how
    many will we sell?" means right after it."""
    listed = conv.listed()
    source = listed.args.get("product_id") if listed is not None else None
    return str(source) if source else None


_POSITIONS = {"first": 1, "top": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}
_POSITION = re.compile(
    r"\b(?:the )?(first|top|second|third|fourth|fifth|last)(?: one| item| product)?\b"
    r"|\b(?:number|no\.?|#) ?([1-8])\b"
)


def reorder_pick(conv: Conversation, norm: str) -> str | None:
    """The product a position points at on the reorder list just given ("forecast the first
    one on that list"), when the last turn gave one."""
    if not conv.turns or (found := _POSITION.search(norm)) is None:
        return None
    listed = next((r for r in reversed(conv.turns[-1]) if r.name == REORDERS and r.output), None)
    if listed is None or listed.output is None:
        return None
    products = [p for p in listed.output.get("products") or [] if isinstance(p, dict)]
    shown = products[:MAX_LISTED]
    if not shown:
        return None
    word, number = found.group(1), found.group(2)
    index = len(shown) - 1 if word == "last" else (_POSITIONS.get(word or "") or int(number)) - 1
    return str(shown[index].get("id")) if 0 <= index < len(shown) else None


def supply_step(d: Dialogue) -> Step | None:
    """For a reorder or forecast question, the call to make or the answer from its result;
    ``None`` when the message is neither."""
    conv, vocab = d.conv, d.vocab
    norm = normalize(conv.text)
    subject = reorder_pick(conv, norm) or conv.focus() or listing_subject(conv)
    if is_reorder_question(conv.text) and not reorders_focus(conv, norm):
        tool, args = REORDERS, reorder_args(conv.text)
    elif reorder_follow_up(conv, norm, vocab):
        last = next(r for r in reversed(conv.turns[-1]) if r.name == REORDERS)
        tool, args = REORDERS, {**last.args, **reorder_args(conv.text)}
    elif (again := forecast_follow_up(conv, norm, vocab)) is not None:
        tool, args = FORECAST, again
    elif (
        FORECAST_QUESTION.search(norm)
        or (FORECAST_WORD.search(norm) and named_product_id(norm, vocab))
        or (is_demand_question(norm) and (named_product_id(norm, vocab) or subject))
        # "and the forecast for the next 2 weeks" about the product in focus
        or (FORECAST_WORD.search(norm) and subject and horizon_days(norm) is not None)
    ) and not WEATHER.search(norm):  # "forecast for the smart watch": a product, not the weather
        tool, args = FORECAST, forecast_args(conv.text, vocab, subject)
        if not args["product_id"]:
            return say("Which product should I forecast? Give me its id, e.g. 22423.")
    else:
        return None
    if tool not in d.tool_names:
        return say("Sorry, I can't look at demand and stock here: that tool isn't available.")
    answer = reorder_answer if tool == REORDERS else forecast_answer
    return call_then_answer(conv, tool, args, answer)


def restock_line(out: Mapping[str, Any]) -> str:
    """How long the stock lasts, or when an out-of-stock product is expected back."""
    if not out.get("in_stock"):
        back = out.get("back_in_stock_by")
        if not back:
            return ""
        if out.get("next_delivery"):
            return f"A delivery is due: expected back in stock by {back}."
        lead = out.get("lead_time_days")
        return f"If it is reordered now, it should be back by {back} (a {lead}-day lead time)."
    cover, rate = out.get("days_of_cover"), out.get("daily_demand")
    if not isinstance(cover, int | float) or not isinstance(rate, int | float):
        return ""
    # "when will it run out?" is answered in its own words
    until = f": it runs out around {out['runs_out_on']}" if out.get("runs_out_on") else ""
    return (
        f"At the forecast {_num(rate)} sold a day, that stock lasts about {_num(cover)} "
        f"trading days{until}."
    )
