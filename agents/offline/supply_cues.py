"""The phrases of supply questions: "what should I reorder this week", "when is it back"."""

from __future__ import annotations

import re

REORDER = re.compile(
    r"\b(?:what|which)(?: \w+){0,3} (?:should|do|must|need to|to) (?:i |we )?(?:be )?"
    r"(?:re-?order|restock|replenish)"
    r"|\b(?:what|which)(?: \w+){0,3} (?:needs?|need to be|should be) "
    r"(?:re-?order|restock|replenish)"
    r"|\bre-?order (?:list|report|suggestions?|alerts?|outlook|plan|needs|this week|today|now)\b"
    r"|\b(?:what|which) to (?:re-?order|restock)\b"
    r"|\bwhat(?:'s| is) running (?:low|out)\b|\bwhich products are running (?:low|out)\b"
    # "anything I need to reorder in the next 10 days?", "which lines are about to run out?"
    r"|\b(?:anything|something|what|which|products?|items?|lines?|stock)(?: \w+){0,3} "
    r"(?:i|we) (?:need|have|ought|should|must)(?: to)? (?:re-?order|restock|replenish)\b"
    r"|\b(?:what|which)(?: \w+){0,2}(?:'s| are| is) (?:about|going|likely|set|close) to "
    r"(?:run|sell) out\b(?! of)"
    # "anything that'll run out in the next fortnight?", "what will sell out this month"
    r"|\b(?:anything|something|what|which|products?|items?|lines?)(?: (?:that|which))?"
    r"(?:'ll| will| might| could| would| may) (?:\w+ )?(?:run|sell) out\b(?! of)"
    # a list asked for by how due its lines are: "top 5 products due for reorder", "which
    # items are most urgent to restock", "lines that need replenishing soon"
    r"|\b(?:products?|items?|lines?|skus?|things|stock|what|which|anything)\b[^.?!]{0,40}?\b"
    r"(?:due|ready|up|urgent|needs?|needing|in need)\b(?: (?:for|to|of|a|an|be))*"
    r" (?:re-?order\w*|restock\w*|replenish\w*)"
    # "anything running low?", "which lines are running short", "what needs a PO soon"
    r"|\b(?:anything|something|what|which|products?|items?|lines?|skus?)\b[^.?!]{0,30}?"
    r"\brunning (?:low|short)\b"
    r"|\b(?:needs?|needing|due) (?:a |an )?(?:po|purchase order)s?\b"
    r"|\b(?:raise|place|send|put in) (?:a |any |the )?(?:po|purchase order)s?\b"
)
# How many lines the list should hold ("top 5 products", "the 10 most urgent items").
LIST_SIZE = re.compile(
    r"\b(?:top|first|the) (\d{1,2})\b(?! (?:days?|weeks?|months?))"
    r"|\b(\d{1,2}) (?:most urgent |urgent )?(?:products?|items?|lines?|skus?)\b"
)
LOOK_AHEAD: list[tuple[re.Pattern[str], int]] = [
    (re.compile(r"\b(?:today|now|right away|immediately)\b"), 1),
    (re.compile(r"\b(?:(?:two|2)[- ]weeks?|fortnight)\b"), 12),
    (re.compile(r"\b(?:this|next|a|the|one)(?: whole| full| entire)? month\b"), 26),
    (re.compile(r"\b(?:this|next|a|the|one)(?: whole| full| entire)? week\b"), 6),
]
# A look-ahead counted out ("the next 3 weeks", "in the next 10 days"): the days as said.
COUNTED_LOOK_AHEAD = re.compile(r"\b(\d{1,3}) ?(day|week)s?\b")
_UNIT_DAYS = {"day": 1, "week": 7}


def counted_days(norm: str) -> int | None:
    """The days of a look-ahead counted out in the message, if one."""
    found = COUNTED_LOOK_AHEAD.search(norm)
    return int(found.group(1)) * _UNIT_DAYS[found.group(2)] if found else None


# "when is it back", "when will you restock it", "when do you get more"
RESTOCK_QUESTION = re.compile(
    r"\bwhen (?:is|will|are|do|does|would|can)\b.*\b(?:back|restock\w*|replenish\w*|"
    r"get more|have more|available again|in stock again)\b"
    r"|\b(?:restock(?:ing)? date|back in stock)\b"
    r"|\bwhen'?s (?:it|that|this|they|the \w+)\b.*\b(?:back|restocked|available again|in again)\b"
)
# "how many will sell next month", "demand forecast for 22423", "how fast is it selling"
# (a bare "forecast" is left alone: "the weather forecast" is not about products)
FORECAST_QUESTION = re.compile(
    r"\b(?:demand|sales) forecast|\bforecast (?:the )?(?:demand|sales)\b"
    r"|\bforecast (?:for|of) (?:it|this|that|them|product|item|\d)|\bexpected (?:demand|sales)\b"
    r"|\bhow many (?:[\w'-]+ ){0,6}(?:will|would|do|are|might|could)(?: [\w']+){0,3} "
    r"(?:sell|be sold|go|move|shift)\b"
    r"|\b(?:\w+[- ])?(?:week|day|month)(?:'?s)? forecast (?:for|of|on)\b"
    r"|\bhow (?:fast|quickly|well) (?:is|are|does|do|will) (?:\w+ ){0,4}sell"
    # "what's the outlook for the cakestand next quarter?"
    r"|\b(?:sales |demand |trading )?outlook (?:for|on)\b"
)
# A forecast follow-up that names only a period: "and over 90?", "what about 60 days".
BARE_HORIZON = re.compile(
    r"^(?:(?:ok|okay|and|what|how|about|over|for|the|next|across|within|in)\s+)*"
    r"(\d{1,3})(?:\s+(?:trading\s+)?days?)?\s*\??$"
)
FORECAST_WORD = re.compile(r"\bforecast(?:s|ing)?\b")
WEATHER = re.compile(r"\b(?:weather|rain\w*|sunny|temperature|snow\w*|storm\w*)\b")
