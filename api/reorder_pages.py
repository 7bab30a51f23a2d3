"""Pages of reorder alerts: urgency, sort orders, and the opaque cursor that names a page.

A forecast run emits its alerts once and never changes them, so a page is an offset into the
run's alerts in one sort order (and one urgency filter). The cursor carries the run id, the
sort, the filter and the offset, base64url-encoded and signed with the server's session
secret (``SessionRegistry.keyed_hash``): a cursor that was altered or made up is refused
(``BadCursor``, a 400), and one from an earlier run after a new run finished is ``StaleCursor``
(a 409: start again from the first page).

**Urgency** compares the days the stock on hand and on order lasts at the forecast demand
(``days_of_cover``) with the supplier lead time: ``critical`` runs out before an order placed
today can arrive, ``high`` within twice the lead time, ``normal`` later (or no demand at all).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from collections.abc import Callable
from typing import Any, Literal, get_args

from tools.forecast.alerts import ReorderAlert

Urgency = Literal["critical", "high", "normal"]
Sort = Literal[
    "urgency", "days_of_cover", "runs_out_on", "suggested_order", "daily_demand", "product_id"
]
SORTS: tuple[Sort, ...] = get_args(Sort)
URGENCY_RANK: dict[Urgency, int] = {"critical": 0, "high": 1, "normal": 2}
CURSOR_PURPOSE = "reorders-cursor"
MAX_CURSOR = 512


class BadCursor(ValueError):
    """A cursor this server did not issue, or one used with another sort or filter."""


class StaleCursor(ValueError):
    """A cursor of a forecast run that a newer run has replaced."""


def urgency(alert: ReorderAlert) -> Urgency:
    """How soon ``alert``'s product runs out, against its supplier lead time."""
    cover = alert.days_of_cover
    if alert.stock + alert.on_order <= 0 and alert.daily_demand > 0:
        return "critical"
    if cover is None:
        return "normal"
    if cover < alert.lead_time_days:
        return "critical"
    if cover < 2 * alert.lead_time_days:
        return "high"
    return "normal"


_LAST = float("inf")


def _sort_key(sort: Sort) -> Callable[[ReorderAlert], tuple[Any, ...]]:
    """The key of ``sort``: most urgent, fewest days, soonest, biggest first; then product id."""
    keys: dict[Sort, Callable[[ReorderAlert], tuple[Any, ...]]] = {
        "urgency": lambda a: (
            URGENCY_RANK[urgency(a)],
            _LAST if a.days_of_cover is None else a.days_of_cover,
            a.product_id,
        ),
        "days_of_cover": lambda a: (
            _LAST if a.days_of_cover is None else a.days_of_cover,
            a.product_id,
        ),
        "runs_out_on": lambda a: (
            a.runs_out_on is None,
            a.runs_out_on.isoformat() if a.runs_out_on else "",
            a.product_id,
        ),
        "suggested_order": lambda a: (-a.suggested_order, a.product_id),
        "daily_demand": lambda a: (-a.daily_demand, a.product_id),
        "product_id": lambda a: (a.product_id,),
    }
    return keys[sort]


def ordered(alerts: list[ReorderAlert], sort: Sort, only: Urgency | None) -> list[ReorderAlert]:
    """``alerts`` of urgency ``only`` (all when ``None``), in ``sort`` order."""
    kept = [a for a in alerts if only is None or urgency(a) == only]
    return sorted(kept, key=_sort_key(sort))


def make_cursor(
    sign: Callable[[str, str], str], run_id: str, sort: Sort, only: Urgency | None, offset: int
) -> str:
    """The signed cursor of the page at ``offset``."""
    payload = json.dumps({"r": run_id, "s": sort, "u": only, "o": offset}, separators=(",", ":"))
    body = base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")
    return f"{body}.{sign(CURSOR_PURPOSE, body)[:32]}"


def read_cursor(
    sign: Callable[[str, str], str],
    cursor: str,
    run_id: str,
    sort: Sort | None,
    only: Urgency | None,
) -> tuple[Sort, Urgency | None, int]:
    """The sort, urgency filter and offset ``cursor`` names, after checking it is ours, of this
    run, and (when the query names a sort or an urgency too) made for the same ones."""
    body, dot, signature = cursor.partition(".")
    if len(cursor) > MAX_CURSOR or not dot or not body:
        raise BadCursor("cursor is malformed; pass the next_cursor of a previous page")
    if not hmac.compare_digest(signature.encode(), sign(CURSOR_PURPOSE, body)[:32].encode()):
        raise BadCursor("cursor was not issued by this server; pass a next_cursor unchanged")
    try:
        fields = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        made_for = (str(fields["r"]), fields["s"], fields["u"], int(fields["o"]))
    except (binascii.Error, ValueError, KeyError, TypeError) as err:
        raise BadCursor("cursor is malformed; pass the next_cursor of a previous page") from err
    cursor_run, cursor_sort, cursor_only, offset = made_for
    if offset < 0:
        raise BadCursor("cursor is malformed; pass the next_cursor of a previous page")
    if cursor_run != run_id:
        raise StaleCursor(
            "cursor belongs to an earlier forecast run; a newer run replaced its alerts: "
            "start again without a cursor"
        )
    if cursor_sort not in SORTS or (cursor_only is not None and cursor_only not in URGENCY_RANK):
        raise BadCursor("cursor is malformed; pass the next_cursor of a previous page")
    if (sort is not None and cursor_sort != sort) or (only is not None and cursor_only != only):
        raise BadCursor(
            f"cursor was made for sort={cursor_sort} and urgency={cursor_only or 'any'}; "
            "send the same sort and urgency with it, or none"
        )
    return cursor_sort, cursor_only, offset
