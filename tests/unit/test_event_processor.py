"""The stream processor: once in effect, poison to dead letters, outages, crashes, Lambda."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from infra.errors import ConfigError, UpstreamError
from infra.events.checkpoints import LocalCheckpoints
from infra.events.dead_letters import LocalDeadLetters
from infra.events.lambda_handler import kinesis_handler
from infra.events.log import SHARD, LocalLog
from infra.events.processor import Batch, BatchApplier, Processor
from infra.events.schema import BehaviourEvent, encode
from tools.behaviour.profiles import SqliteProfiles

T0 = datetime(2011, 3, 1, 9, tzinfo=UTC)


def purchase(i: int, user: str = "u1", quantity: int = 1) -> BehaviourEvent:
    return BehaviourEvent(
        event_id=f"p{i}",
        type="purchase",
        ts=T0 + timedelta(minutes=i),
        user_id=user,
        product_id=f"sku{i % 3}",
        quantity=quantity,
        price=2.0,
        order_id=f"o{i}",
    )


@pytest.fixture
def log(tmp_path: Path) -> Iterator[LocalLog]:
    log = LocalLog(tmp_path / "log")
    yield log
    log.close()


@pytest.fixture
def profiles(tmp_path: Path) -> Iterator[SqliteProfiles]:
    store = SqliteProfiles(tmp_path / "profiles.sqlite")
    yield store
    store.close()


@pytest.fixture
def dead(tmp_path: Path) -> Iterator[LocalDeadLetters]:
    store = LocalDeadLetters(tmp_path / "dead.sqlite")
    yield store
    store.close()


def processor(
    tmp_path: Path, handler: object, dead: LocalDeadLetters, batch_size: int = 100
) -> Processor:
    return Processor(
        BatchApplier("profiles", handler, dead),  # type: ignore[arg-type]
        LocalLog(tmp_path / "log"),
        LocalCheckpoints(tmp_path / "checkpoints", "profiles"),
        batch_size=batch_size,
        retry_s=0.01,
    )


def test_each_event_is_applied_once_however_often_it_is_delivered(
    tmp_path: Path, log: LocalLog, profiles: SqliteProfiles, dead: LocalDeadLetters
) -> None:
    batch = [purchase(i, quantity=2) for i in range(10)]
    log.send(batch)
    log.send(batch[:4])  # a client retried part of it
    log.send([batch[5], batch[5]])  # and the same event twice in one batch
    p = processor(tmp_path, profiles.apply, dead, batch_size=7)
    p.run(until_idle=True)
    assert p.stats.records == 16
    assert profiles.applied() == 10
    totals = profiles.totals()["purchase"]
    assert (totals.events, totals.units, totals.revenue) == (10, 20, 40.0)
    profile = profiles.profile("u1")
    assert profile is not None and (profile.purchases, profile.units) == (10, 20)
    # The profile store alone also refuses repeats, whatever the processor sends it.
    profiles.apply(Batch(SHARD, "x", batch))
    assert profiles.totals()["purchase"].events == 10


def test_poison_records_are_dead_lettered_and_the_shard_moves_on(
    tmp_path: Path, log: LocalLog, profiles: SqliteProfiles, dead: LocalDeadLetters
) -> None:
    log.send([purchase(1)])
    with (tmp_path / "log" / "000000.log").open("ab") as f:
        f.write(b"not json at all\n")
        f.write(b'{"event_id": "x", "type": "purchase", "ts": "2011-01-01T00:00:00Z"}\n')
    log.send([purchase(2)])

    def picky(batch: Batch) -> None:
        if any(e.event_id == "p2" for e in batch.events):
            raise RuntimeError("cannot fold p2")
        profiles.apply(batch)

    p = processor(tmp_path, picky, dead)
    p.run(until_idle=True)
    assert profiles.applied() == 1
    letters = dead.list()
    assert [letter["data"][:15] for letter in letters[:2]] == [
        b"not json at all",
        b'{"event_id": "x',
    ]
    assert "not a valid event" in letters[0]["reason"]
    assert "needs product_id, quantity, price" in letters[1]["reason"]
    assert "cannot fold p2" in letters[2]["reason"]
    assert dead.count() == 3 == p.stats.dead_lettered
    # The shard is not blocked: a new event after the poison is applied.
    log.send([purchase(3)])
    p.run(until_idle=True)
    assert profiles.applied() == 2


def test_a_failing_handler_event_is_found_by_halving_and_the_rest_applied(
    tmp_path: Path, log: LocalLog, profiles: SqliteProfiles, dead: LocalDeadLetters
) -> None:
    log.send([purchase(i) for i in range(64)])

    def handler(batch: Batch) -> None:
        if any(e.event_id == "p37" for e in batch.events):
            raise ValueError("bad event")
        profiles.apply(batch)

    processor(tmp_path, handler, dead).run(until_idle=True)
    assert profiles.applied() == 63
    assert [letter["reason"] for letter in dead.list()] == [
        "profiles could not apply it: ValueError('bad event')"
    ]


def test_a_dependency_outage_holds_the_checkpoint_until_it_recovers(
    tmp_path: Path, log: LocalLog, profiles: SqliteProfiles, dead: LocalDeadLetters
) -> None:
    log.send([purchase(i) for i in range(5)])
    down = {"calls": 0}

    def flaky(batch: Batch) -> None:
        down["calls"] += 1
        if down["calls"] <= 3:
            raise UpstreamError("profile store unreachable")
        profiles.apply(batch)

    p = processor(tmp_path, flaky, dead)
    with pytest.raises(UpstreamError):
        p.run(until_idle=True, max_failures=2)
    assert p.checkpoints.get(SHARD) is None, "nothing is checkpointed while the store is down"
    assert dead.count() == 0, "an outage is not poison"
    p.run(until_idle=True)
    assert profiles.applied() == 5


def test_a_crash_between_applying_and_checkpointing_changes_nothing_twice(
    tmp_path: Path, log: LocalLog, profiles: SqliteProfiles, dead: LocalDeadLetters
) -> None:
    log.send([purchase(i) for i in range(30)])

    class Crash(BaseException):
        """Stands for the process dying: not an Exception, so nothing catches it."""

    def crash_after_apply(batch: Batch) -> None:
        profiles.apply(batch)
        raise Crash

    first = processor(tmp_path, crash_after_apply, dead, batch_size=10)
    with pytest.raises(Crash):
        first.run(until_idle=True)
    first.checkpoints.close()
    assert profiles.applied() == 10
    second = processor(tmp_path, profiles.apply, dead, batch_size=10)
    second.run(until_idle=True)
    assert second.stats.records == 30, "the crashed batch was read again"
    assert profiles.applied() == 30
    assert profiles.totals()["purchase"].events == 30


def test_stats_split_the_cpu_time_between_decoding_and_the_handler(
    tmp_path: Path, log: LocalLog, dead: LocalDeadLetters
) -> None:
    log.send([purchase(i) for i in range(20)])

    def busy(batch: Batch) -> None:
        """A handler that burns 50 ms of CPU per batch."""
        until = time.thread_time() + 0.05
        while time.thread_time() < until:
            pass

    p = processor(tmp_path, busy, dead, batch_size=10)
    p.run(until_idle=True)
    assert p.stats.batches == 2
    assert p.stats.handler_cpu_s >= 0.1
    assert 0 < p.stats.decode_cpu_s < 0.05, "decoding 20 events is not the handler's time"


def test_one_consumer_per_local_log_at_a_time(tmp_path: Path, dead: LocalDeadLetters) -> None:
    first = LocalCheckpoints(tmp_path / "cp", "lake")
    with pytest.raises(ConfigError, match="already consuming"):
        LocalCheckpoints(tmp_path / "cp", "lake")
    first.put(SHARD, "000000:000000000100")
    first.close()
    again = LocalCheckpoints(tmp_path / "cp", "lake")
    assert again.get(SHARD) == "000000:000000000100"
    again.close()


def kinesis_event(records: list[tuple[str, str, bytes]]) -> dict[str, object]:
    """The event a Kinesis event-source mapping hands a Lambda."""
    return {
        "Records": [
            {
                "eventID": f"{shard}:{sequence}",
                "eventSource": "aws:kinesis",
                "kinesis": {
                    "sequenceNumber": sequence,
                    "partitionKey": "u1",
                    "data": base64.b64encode(data).decode(),
                },
            }
            for shard, sequence, data in records
        ]
    }


def test_the_lambda_handler_applies_dead_letters_and_reports_outages(
    profiles: SqliteProfiles, dead: LocalDeadLetters
) -> None:
    records = [
        ("shardId-000000000000", "4951", encode(purchase(1))),
        ("shardId-000000000000", "4952", b"garbage"),
        ("shardId-000000000001", "4953", encode(purchase(2))),
    ]
    handle = kinesis_handler(BatchApplier("lambda", profiles.apply, dead))
    assert handle(kinesis_event(records), None) == {"batchItemFailures": []}
    assert profiles.applied() == 2
    assert [(d["shard"], d["sequence"]) for d in dead.list()] == [("shardId-000000000000", "4952")]
    assert handle(kinesis_event(records), None) == {"batchItemFailures": []}
    assert profiles.applied() == 2 and dead.count() == 1, "a redelivery changes nothing"

    def down(batch: Batch) -> None:
        raise UpstreamError("lake unreachable")

    failing = kinesis_handler(BatchApplier("lambda", down, dead))
    assert failing(kinesis_event(records), None) == {
        "batchItemFailures": [{"itemIdentifier": "4951"}, {"itemIdentifier": "4953"}]
    }
