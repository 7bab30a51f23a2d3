"""The online-retail history as events: counts, content, idempotent ids, pacing."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from infra.errors import ConfigError
from infra.events.log import SHARD, LocalLog
from infra.events.schema import decode
from tools.behaviour.replay import History, online_retail_history, replay
from tools.catalog.load import DATA_DIR

SOURCE = DATA_DIR / "online-retail"


def test_every_valid_invoice_line_is_a_purchase_and_cancellations_are_kept() -> None:
    history = online_retail_history(SOURCE)
    assert (history.purchases, history.cancels) == (530_104, 9_288)
    first = list(itertools.islice(history.events, 3))
    assert [e.event_id for e in first] == [f"online-retail-{i}" for i in range(3)]
    e = first[0]
    assert (e.type, e.user_id, e.product_id, e.quantity, e.price, e.order_id) == (
        "purchase",
        "17850",
        "85123A",
        6,
        2.55,
        "536365",
    )
    assert e.ts == datetime(2010, 12, 1, 8, 26, tzinfo=UTC)


def test_a_missing_source_is_named() -> None:
    with pytest.raises(ConfigError, match="online_retail.parquet"):
        online_retail_history(Path("/nowhere"))


def test_replay_sends_everything_and_paces_by_time_when_asked(tmp_path: Path) -> None:
    history = online_retail_history(SOURCE)
    # The first 60 events span 08:26 to 09:02 on the first day: 36 minutes of history.
    head = History(60, 0, iter(list(itertools.islice(history.events, 60))))
    log = LocalLog(tmp_path)
    seen: list[int] = []
    started = time.monotonic()
    sent = replay(head, log, speedup=36 * 60 / 0.5, progress=lambda _s, done, _t: seen.append(done))
    took = time.monotonic() - started
    assert sent == 60 and seen[-1] == 60
    # Paced: never faster than the compressed span; the upper bound only shows it is not real
    # time (36 minutes), with room for a loaded machine.
    assert 0.45 <= took < 60, f"36 minutes at 4,320x should take about 0.5 s, took {took:.2f}"
    records = log.read(SHARD, None, 100)
    assert [decode(r.data).event_id for r in records] == [f"online-retail-{i}" for i in range(60)]
