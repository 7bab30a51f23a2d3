"""The demo store's history as behaviour events: a year of online-retail invoices.

Every valid invoice line (not a cancellation, quantity and price above zero) becomes a
``purchase`` and every line of a cancellation invoice a ``cancel``, at the invoice's time, in
the order of the source. Event ids name the source row, so replaying twice adds nothing new
in effect. ``replay`` paces the events by their timestamps when given a speed-up.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq

from infra.errors import ConfigError
from infra.events.schema import BehaviourEvent
from infra.events.stream import Producer

SOURCE_FILE = "online_retail.parquet"
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class History:
    """The events of a data set, counted before they are built."""

    purchases: int
    cancels: int
    events: Iterator[BehaviourEvent]

    @property
    def total(self) -> int:
        return self.purchases + self.cancels


def online_retail_history(source_dir: Path) -> History:
    """The purchases and cancellations of ``online_retail.parquet`` in ``source_dir``."""
    path = source_dir / SOURCE_FILE
    if not path.is_file():
        raise ConfigError(f"online-retail source not found: {path}")
    table = pq.read_table(path)
    invoice = table["InvoiceNo"]
    cancelled = pc.starts_with(invoice, "C").to_numpy(zero_copy_only=False)
    quantity = table["Quantity"].to_numpy().astype(np.int64)
    price = table["UnitPrice"].to_numpy()
    purchase = ~cancelled & (quantity > 0) & (price > 0)
    cancel = cancelled & (quantity != 0)
    rows = np.flatnonzero(purchase | cancel)

    def build() -> Iterator[BehaviourEvent]:
        invoices = invoice.to_pylist()
        codes = table["StockCode"].to_pylist()
        customers = table["CustomerID"].to_pylist()
        times = table["InvoiceDate"].to_pylist()
        for row in rows.tolist():
            customer = customers[row]
            yield BehaviourEvent(
                event_id=f"online-retail-{row}",
                type="purchase" if purchase[row] else "cancel",
                ts=times[row].replace(tzinfo=UTC),
                user_id=str(int(customer)) if customer is not None else None,
                session_id=invoices[row],
                product_id=codes[row],
                quantity=abs(int(quantity[row])),
                price=float(price[row]),
                order_id=invoices[row],
            )

    return History(int(purchase.sum()), int(cancel.sum()), build())


def replay(
    history: History,
    producer: Producer,
    *,
    speedup: float | None = None,
    batch_size: int = 2000,
    progress: Progress | None = None,
) -> int:
    """Send ``history`` to ``producer``; returns how many events were sent.

    With ``speedup`` the events keep their spacing in time, compressed by that factor
    (86,400 plays a day per second); without it they go as fast as the stream takes them.
    """
    sent = 0
    batch: list[BehaviourEvent] = []
    start_wall = 0.0
    start_ts: datetime | None = None

    def due(event: BehaviourEvent) -> float:
        assert start_ts is not None and speedup
        return start_wall + (event.ts - start_ts).total_seconds() / speedup

    def send() -> None:
        nonlocal sent
        producer.send(batch)
        sent += len(batch)
        batch.clear()
        if progress is not None:
            progress("replay events", sent, history.total)

    for event in history.events:
        if speedup:
            if start_ts is None:  # the clock starts with the first event
                start_ts, start_wall = event.ts, time.monotonic()
            wait = due(event) - time.monotonic()
            if wait > 0:
                if batch:
                    send()
                time.sleep(wait)
        batch.append(event)
        if len(batch) >= batch_size:
            send()
    if batch:
        send()
    producer.flush(timeout_s=60.0)
    return sent
