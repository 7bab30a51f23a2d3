"""Inventory over REST: the latest reorder alerts, and receipts that raise stock."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, Field

from api.access import STAFF_ONLY
from api.deps import RuntimeDep, rest_limit
from api.reorder_pages import (
    MAX_CURSOR,
    BadCursor,
    Sort,
    StaleCursor,
    Urgency,
    make_cursor,
    ordered,
    read_cursor,
)
from api.reorder_pages import urgency as alert_urgency
from tools.forecast.alerts import ReorderAlert
from tools.forecast.inventory import StockPosition
from tools.forecast.ledger import Receipt

# Staff only: reorder alerts are business data, and receipts change stock.
router = APIRouter(
    prefix="/v1/inventory", tags=["inventory"], dependencies=[Depends(rest_limit), STAFF_ONLY]
)


DEFAULT_LIMIT = 50
# 150 alerts are about 40 KB of JSON on the online-retail demo store (its longest titles).
MAX_LIMIT = 150


class UrgentAlert(ReorderAlert):
    """An alert with its urgency; the run's id and time are the page's, not repeated here."""

    run_id: str = Field(exclude=True)
    created_at: datetime = Field(exclude=True)
    urgency: Urgency = Field(
        description="critical: runs out within the lead time; high: within twice the lead "
        "time; normal: later"
    )


class Reorders(BaseModel):
    """One page of the latest run's alerts."""

    run_id: str | None = Field(description="the forecast job run that emitted them")
    run: dict[str, Any] | None = Field(None, description="the run's summary")
    total: int = Field(description="alerts of the run that match the urgency filter")
    sort: Sort
    urgency: Urgency | None = Field(description="the filter (null: every urgency)")
    limit: int
    alerts: list[UrgentAlert]
    next_cursor: str | None = Field(
        description="pass as ?cursor= for the next page; null on the last page"
    )


class ReceiptIn(BaseModel):
    product_id: str = Field(min_length=1, max_length=64)
    quantity: int = Field(gt=0, le=1_000_000)
    arrives: datetime | None = Field(None, description="when it arrives (default: now)")


@router.get("/reorders", response_model=Reorders)
async def reorders(
    runtime: RuntimeDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="alerts per page")] = (
        DEFAULT_LIMIT
    ),
    cursor: Annotated[
        str | None, Query(max_length=MAX_CURSOR, description="next_cursor of the previous page")
    ] = None,
    sort: Annotated[
        Sort | None,
        Query(
            description="urgency (default: most urgent, then fewest days of cover), "
            "days_of_cover, runs_out_on (soonest first), suggested_order, daily_demand "
            "(largest first) or product_id"
        ),
    ] = None,
    urgency: Annotated[Urgency | None, Query(description="only alerts of this urgency")] = None,
) -> Reorders:
    """The reorder alerts of the latest forecast job run (``shopagent jobs forecast``), a page
    at a time: ``next_cursor`` names the next page (400 for a cursor that is not one of ours
    or was made for another sort or urgency, 409 once a newer run replaced the alerts)."""
    ledger = runtime.services.inventory.ledger
    last = await to_thread.run_sync(ledger.last_run)
    if last is None:
        return Reorders(
            run_id=None,
            total=0,
            sort=sort or "urgency",
            urgency=urgency,
            limit=limit,
            alerts=[],
            next_cursor=None,
        )
    run_id, summary = last
    sign = runtime.sessions.keyed_hash
    offset = 0
    if cursor is not None:
        try:
            sort, urgency, offset = read_cursor(sign, cursor, run_id, sort, urgency)
        except BadCursor as err:
            raise HTTPException(400, str(err)) from err
        except StaleCursor as err:
            raise HTTPException(409, str(err)) from err
    sort = sort or "urgency"
    docs = await to_thread.run_sync(ledger.alerts, run_id)
    alerts = ordered([ReorderAlert.model_validate_json(doc) for doc in docs], sort, urgency)
    page = alerts[offset : offset + limit]
    end = offset + len(page)
    return Reorders(
        run_id=run_id,
        run=json.loads(summary),
        total=len(alerts),
        sort=sort,
        urgency=urgency,
        limit=limit,
        alerts=[UrgentAlert(**a.model_dump(), urgency=alert_urgency(a)) for a in page],
        next_cursor=make_cursor(sign, run_id, sort, urgency, end) if end < len(alerts) else None,
    )


@router.post("/receipts", response_model=StockPosition, status_code=201)
async def add_receipt(receipt: ReceiptIn, runtime: RuntimeDep) -> StockPosition:
    """Record goods received (or due, with a future ``arrives``); returns the new position."""
    services = runtime.services
    product = await to_thread.run_sync(services.store.get_product, receipt.product_id)
    if product is None:
        raise HTTPException(404, f"no product has id {receipt.product_id!r}")
    arrives = receipt.arrives or datetime.now(UTC)
    entry = Receipt(product_id=product.id, quantity=receipt.quantity, arrives=arrives)
    await to_thread.run_sync(services.inventory.ledger.add_receipt, entry)
    return (await to_thread.run_sync(services.inventory.positions, [product]))[0]
