"""Inventory over REST: the latest reorder alerts, and receipts that raise stock."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field

from api.access import STAFF_ONLY
from api.deps import RuntimeDep, rest_limit
from tools.forecast.alerts import ReorderAlert
from tools.forecast.inventory import StockPosition
from tools.forecast.ledger import Receipt

# Staff only: reorder alerts are business data, and receipts change stock.
router = APIRouter(
    prefix="/v1/inventory", tags=["inventory"], dependencies=[Depends(rest_limit), STAFF_ONLY]
)


class Reorders(BaseModel):
    run_id: str | None = Field(description="the forecast job run that emitted them")
    run: dict[str, Any] | None = None
    alerts: list[ReorderAlert]


class ReceiptIn(BaseModel):
    product_id: str = Field(min_length=1, max_length=64)
    quantity: int = Field(gt=0, le=1_000_000)
    arrives: datetime | None = Field(None, description="when it arrives (default: now)")


@router.get("/reorders", response_model=Reorders)
async def reorders(runtime: RuntimeDep) -> Reorders:
    """The reorder alerts of the latest forecast job run (``shopagent jobs forecast``)."""
    ledger = runtime.services.inventory.ledger
    last = await to_thread.run_sync(ledger.last_run)
    if last is None:
        return Reorders(run_id=None, alerts=[])
    run_id, summary = last
    docs = await to_thread.run_sync(ledger.alerts, run_id)
    return Reorders(
        run_id=run_id,
        run=json.loads(summary),
        alerts=[ReorderAlert.model_validate_json(doc) for doc in docs],
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
