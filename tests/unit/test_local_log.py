"""The local append-only log: order, positions, segments, torn lines and concurrent writers."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from infra.events.log import SHARD, LocalLog
from infra.events.schema import BehaviourEvent, decode


def events(n: int, prefix: str = "e") -> list[BehaviourEvent]:
    ts = datetime(2011, 1, 1, tzinfo=UTC)
    return [
        BehaviourEvent(event_id=f"{prefix}{i}", type="view", ts=ts, product_id=f"p{i}")
        for i in range(n)
    ]


def read_all(log: LocalLog, after: str | None = None, limit: int = 10**6) -> list[str]:
    return [decode(r.data).event_id for r in log.read(SHARD, after, limit)]


def test_events_come_back_in_order_and_reading_resumes_after_a_position(tmp_path: Path) -> None:
    log = LocalLog(tmp_path)
    log.send(events(5))
    first = log.read(SHARD, None, 2)
    assert [decode(r.data).event_id for r in first] == ["e0", "e1"]
    assert first[0].sequence < first[1].sequence
    assert read_all(log, first[-1].sequence) == ["e2", "e3", "e4"]
    log.send(events(2, "f"))
    assert read_all(log, first[-1].sequence) == ["e2", "e3", "e4", "f0", "f1"]
    assert log.read(SHARD, log.read(SHARD, None, 100)[-1].sequence, 10) == []


def test_segments_roll_and_a_reader_crosses_them(tmp_path: Path) -> None:
    log = LocalLog(tmp_path, segment_bytes=500)
    for n in range(10):
        log.send(events(3, f"b{n}-"))
    assert len(list(tmp_path.glob("*.log"))) > 3
    ids = read_all(LocalLog(tmp_path))
    assert ids == [f"b{n}-{i}" for n in range(10) for i in range(3)]
    # Read in small steps across segment boundaries: nothing skipped, nothing repeated.
    reader, seen, after = LocalLog(tmp_path), [], None
    while batch := reader.read(SHARD, after, 4):
        seen += [decode(r.data).event_id for r in batch]
        after = batch[-1].sequence
    assert seen == ids


def test_a_line_torn_by_a_crashed_writer_becomes_one_poison_record(tmp_path: Path) -> None:
    log = LocalLog(tmp_path)
    log.send(events(1))
    with (tmp_path / "000000.log").open("ab") as f:
        f.write(b'{"event_id": "half-writ')  # the writer died here
    assert read_all(log) == ["e0"], "an incomplete line is not read"
    log.send(events(1, "after"))
    data = [r.data for r in log.read(SHARD, None, 10)]
    assert data[1] == b'{"event_id": "half-writ'
    assert decode(data[2]).event_id == "after0"


def test_concurrent_writers_never_interleave_lines(tmp_path: Path) -> None:
    def write(name: str) -> None:
        log = LocalLog(tmp_path, segment_bytes=20_000)
        for n in range(40):
            log.send(events(25, f"{name}-{n}-"))

    threads = [threading.Thread(target=write, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = read_all(LocalLog(tmp_path))
    assert len(ids) == len(set(ids)) == 4 * 40 * 25
    for name in ("w0", "w3"):
        mine = [i for i in ids if i.startswith(f"{name}-")]
        assert mine == [f"{name}-{n}-{i}" for n in range(40) for i in range(25)]


def test_the_local_log_has_one_shard(tmp_path: Path) -> None:
    log = LocalLog(tmp_path)
    assert log.shards() == [SHARD]
    assert log.read(SHARD, None, 10) == []
    with pytest.raises(ValueError, match="one shard"):
        log.read("shardId-0001", None, 10)
