"""Reorder alerts: to a local append-only event log (embedded) or to EventBridge (production)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel

from infra.errors import UpstreamError

SOURCE = "shopagent.inventory"
DETAIL_TYPE = "ReorderAlert"
_EVENTBRIDGE_BATCH = 10  # PutEvents takes at most ten entries


class ReorderAlert(BaseModel):
    """A product at or under its reorder point, with the figures that put it there."""

    run_id: str
    product_id: str
    title: str
    stock: int
    on_order: int
    daily_demand: float
    reorder_point: float
    days_of_cover: float | None
    runs_out_on: date | None
    lead_time_days: int
    suggested_order: int
    forecast_method: str
    created_at: datetime


class AlertSink(Protocol):
    """Where reorder alerts go."""

    name: str

    def emit(self, alerts: Sequence[ReorderAlert]) -> int:
        """Deliver ``alerts``; returns how many were accepted."""
        ...


class LocalAlertLog:
    """Alerts appended as JSON lines to one file (the embedded default)."""

    name = "local"

    def __init__(self, path: Path) -> None:
        self.path = path

    def emit(self, alerts: Sequence[ReorderAlert]) -> int:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as log:
            for alert in alerts:
                envelope = {"source": SOURCE, "detail_type": DETAIL_TYPE}
                log.write(json.dumps({**envelope, "detail": alert.model_dump(mode="json")}) + "\n")
        return len(alerts)

    def read(self) -> list[dict[str, Any]]:
        """Every alert written so far, oldest first."""
        if not self.path.is_file():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]


class EventBridgeAlerts:
    """Alerts as EventBridge events (``source`` shopagent.inventory, ``ReorderAlert``)."""

    name = "eventbridge"

    def __init__(self, client: Any, bus_name: str = "default") -> None:
        self.client = client
        self.bus_name = bus_name

    def emit(self, alerts: Sequence[ReorderAlert]) -> int:
        accepted = 0
        for start in range(0, len(alerts), _EVENTBRIDGE_BATCH):
            entries = [
                {
                    "Source": SOURCE,
                    "DetailType": DETAIL_TYPE,
                    "Detail": alert.model_dump_json(),
                    "EventBusName": self.bus_name,
                    "Resources": [f"product/{alert.product_id}"],
                }
                for alert in alerts[start : start + _EVENTBRIDGE_BATCH]
            ]
            try:
                reply = self.client.put_events(Entries=entries)
            except (ClientError, BotoCoreError) as err:
                raise UpstreamError(f"EventBridge bus {self.bus_name!r} failed: {err}") from err
            failed = int(reply.get("FailedEntryCount", 0))
            if failed:
                reasons = {e.get("ErrorCode") for e in reply.get("Entries", []) if "ErrorCode" in e}
                raise UpstreamError(
                    f"EventBridge refused {failed} of {len(entries)} reorder alerts: "
                    f"{', '.join(sorted(str(r) for r in reasons))}"
                )
            accepted += len(entries)
        return accepted
