"""A stock or run-out question about one product ("how many do we have in stock right now?",
"will we run out of 22423 next month?"): ``check_inventory`` of that product (named, else in
focus), answered from its result; never a catalog search. Asked together with its forecast
("check stock on 22720 and give me a 4 week forecast for it"), both calls are made at once and
both results answered.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from agents.offline import answers
from agents.offline.context import STOCK, ToolRecord
from agents.offline.dialogue import Dialogue
from agents.offline.merchandising import horizon_days
from agents.offline.step import Step, ToolCallPlan, answered, call_then_answer, say
from agents.offline.supply import (
    FORECAST,
    ONE_REORDER_QUESTION,
    forecast_answer,
    forecast_args,
    named_product_id,
    product_stock_args,
    reorder_line,
)
from agents.offline.supply_cues import FORECAST_QUESTION, FORECAST_WORD
from agents.offline.text import normalize

# The stock asked for beside something else ("check stock on X and …", "stock level and …").
_STOCK_AND = re.compile(
    r"\b(?:check (?:the )?stock|stock (?:level|check|position|on hand)|how many (?:do we have|"
    r"have we got|are left)|current stock)\b.*\b(?:and|plus|also|then)\b"
    r"|\b(?:and|plus|also|then)\b.*\b(?:check (?:the )?stock|stock (?:level|check|position)|"
    r"current stock)\b"
    # the two named side by side: "stock + forecast for it", "forecast and stock on 22423"
    r"|\b(?:stock|inventory)(?: levels?)? (?:\+|&|and|plus) (?:a |the )?(?:\w+ )?forecast"
    r"|\bforecast (?:\+|&|and|plus) (?:the )?(?:current )?(?:stock|inventory)\b"
)


def stock_and_forecast_step(d: Dialogue) -> Step | None:
    """Stock and forecast of one product asked in one message: both calls, then both answers;
    ``None`` when the message does not ask for both."""
    conv, norm = d.conv, normalize(d.text)
    if not {STOCK, FORECAST} <= d.tool_names or not _STOCK_AND.search(norm):
        return None
    if not (FORECAST_WORD.search(norm) or FORECAST_QUESTION.search(norm)):
        return None
    product_id = named_product_id(norm, d.vocab) or conv.focus()
    if not product_id:
        return None
    stock, forecast = answered(conv, STOCK), answered(conv, FORECAST)
    if stock and forecast:
        return say(f"{answers.stock_answer(stock[-1])}\n\n{forecast_answer(forecast[-1])}")
    args = {**forecast_args(d.text, d.vocab, product_id), "product_id": product_id}
    calls = [ToolCallPlan(STOCK, {"product_id": product_id}), ToolCallPlan(FORECAST, args)]
    return Step(calls=calls)


# Whether stock meets a demand just forecast: "is current stock enough to cover that", "will
# what we have last?", "can we meet it from stock?", "are we covered?".
_COVERS = re.compile(
    r"\b(?:enough|sufficient|suffice|cover(?:s|ed)?|last|meet|keep up|short|shortfall)\b"
    r"|\b(?:ok|okay|good|fine|alright|all right) for (?:that|it|this|them|those|the demand)\b"
)


def _last_forecast(d: Dialogue) -> ToolRecord | None:
    """The forecast the previous turn gave, when the message asks whether stock covers it and
    names no other product."""
    conv = d.conv
    if not conv.turns or not _COVERS.search(norm := normalize(d.text)):
        return None
    last = next((r for r in reversed(conv.turns[-1]) if r.name == FORECAST and r.output), None)
    if last is None or last.output is None or not last.output.get("available"):
        return None
    named = named_product_id(norm, d.vocab)
    return last if named in (None, last.output.get("product_id")) else None


def _cover_answer(forecast: dict[str, object], stock: object) -> str:
    """Stock measured against the forecast total: what is left over, or the shortfall."""
    total, days = forecast.get("total"), forecast.get("horizon_days")
    name = f"{forecast.get('title', '')} ({forecast.get('product_id')})"
    if not isinstance(total, int | float) or not isinstance(stock, int | float):
        return f"I can't compare stock with the forecast for {name}: a figure is missing."
    need = f"the forecast of about {total:,.1f} units over the next {days} trading days"
    if stock >= total:
        return (
            f"Yes: {name} has {stock:,} in stock, which covers {need}, "
            f"leaving about {stock - total:,.1f}."
        )
    return f"No: {name} has {stock:,} in stock, about {total - stock:,.1f} short of {need}."


def stock_covers_forecast_step(d: Dialogue) -> Step | None:
    """ "and is current stock enough to cover that?" right after a forecast: the product's
    stock now (``check_inventory``) against the forecast total."""
    if STOCK not in d.tool_names or (forecast := _last_forecast(d)) is None:
        return None
    out = forecast.output or {}
    return call_then_answer(
        d.conv,
        STOCK,
        {"product_id": str(out.get("product_id"))},
        lambda record: _cover_answer(out, (record.output or {}).get("stock")),
    )


# "will it last the week?", "will that last us through December?", "is what we have going to
# last till Christmas?": whether the stock of the product in play covers a period's demand.
_WILL_LAST = re.compile(
    r"\b(?:will|would|does|do|can|is|are|going to)\s+(?:it|that|this|they|those|these|"
    r"(?:the|our|its|current) stock|what (?:we have|we've got|is left|'s left|we've left))\s+"
    r"(?:\w+\s+){0,2}?last\b(?!\s+(?:one|item|product|order|time)\b)"
)
_HOW_LONG = re.compile(r"\bhow (?:long|many (?:days|weeks))\b")
_MONTHS = {m.lower(): n for n, m in enumerate(calendar.month_name) if m}
_UNTIL_MONTH = re.compile(
    r"\b(?:through|thru|till|until|til|to the end of|end of|into|for|over|in)\s+"
    r"(?:the\s+(?:end|rest)\s+of\s+)?(" + "|".join(_MONTHS) + r")\b"
)
_UNTIL_CHRISTMAS = re.compile(r"\b(?:christmas|xmas)\b")
_WEEK = re.compile(r"\b(?:the|this|a|one|a whole|the whole|the rest of the) week(?:end)?\b")
MAX_FORECAST_DAYS = 365  # the forecast tool's longest horizon
TRADING_WEEK = 6  # the shop trades about six days a week, as the reorder look-ahead counts


def lasts_horizon(norm: str, today: date) -> tuple[int, str] | None:
    """The trading days a "will it last …" question covers and how to name them; ``None`` when
    it names no period. A month named runs to its last day, counted from today."""
    if (month := _UNTIL_MONTH.search(norm)) is not None:
        number = _MONTHS[month.group(1)]
        year = today.year if number >= today.month else today.year + 1
        end = date(year, number, calendar.monthrange(year, number)[1])
        return max(1, (end - today).days), f"to the end of {month.group(1).title()}"
    if _UNTIL_CHRISTMAS.search(norm):
        year = today.year if (today.month, today.day) <= (12, 25) else today.year + 1
        return max(1, (date(year, 12, 25) - today).days), "to Christmas"
    if (days := horizon_days(norm)) is not None:
        return days, f"over the next {days} trading days"
    if _WEEK.search(norm):
        return TRADING_WEEK, "a trading week"
    return None


def stock_lasts_step(d: Dialogue) -> Step | None:
    """ "will it last the week?" about the product in play (named, else in focus): its demand
    forecast over that period (the result also gives its stock), answered as cover or shortfall."""
    norm = normalize(d.text)
    if FORECAST not in d.tool_names or not _WILL_LAST.search(norm) or _HOW_LONG.search(norm):
        return None  # "how long will it last?": the stock check says its days of cover
    product_id = named_product_id(norm, d.vocab) or d.conv.focus()
    if not product_id:
        return None
    period = lasts_horizon(norm, date.today())
    args: dict[str, object] = {"product_id": product_id}
    if period is not None:
        args["horizon_days"] = min(period[0], MAX_FORECAST_DAYS)
    named = period[1] if period is not None else ""
    return call_then_answer(d.conv, FORECAST, args, lambda r: _lasts_answer(r, named))


def _lasts_answer(record: ToolRecord, period: str) -> str:
    out = record.output or {}
    if not out.get("available"):
        return forecast_answer(record)
    answer = _cover_answer(out, out.get("stock"))
    return f"{answer.removesuffix('.')} ({period})." if period else answer


def product_stock_step(d: Dialogue) -> Step | None:
    """The inventory call, then the answer; ``None`` when the message is not such a question."""
    if (covered := stock_covers_forecast_step(d)) is not None:
        return covered
    if (lasts := stock_lasts_step(d)) is not None:
        return lasts
    if STOCK not in d.tool_names or (args := product_stock_args(d.conv, d.vocab)) is None:
        return None
    if ONE_REORDER_QUESTION.search(normalize(d.text)):
        # "do I need to reorder it?": the stock, then the verdict against its reorder point
        return call_then_answer(d.conv, STOCK, args, _with_reorder_verdict)
    return call_then_answer(d.conv, STOCK, args, answers.stock_answer)


def _with_reorder_verdict(record: ToolRecord) -> str:
    verdict = reorder_line(record.output) if record.output is not None else ""
    stock = answers.stock_answer(record)
    return f"{verdict}\n{stock}" if verdict else stock
