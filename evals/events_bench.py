"""Benchmark of the behaviour-event pipeline, each figure beside a baseline from the same run.

    python -m evals.events_bench --out reports/events-bench.json

- local log: events/s appended (baseline: the same JSON lines written to a plain file);
- processor: events/s through the profiles and lake consumers (baseline: reading the log's
  lines and parsing them with ``json.loads``, the least any consumer does), with each
  consumer's CPU time per event split into decoding, its handler and the rest;
- Kinesis (kinesalite): events/s through ``KinesisProducer`` (baseline: ``put_records`` calls
  of 500 records in a loop, one at a time);
- lag: ingest-to-profile p50/p95/p99 at 1,000 events/s on the local log;
- faults: Kinesis rejecting a share of records, a client re-sending, the processor killed
  mid-batch and restarted; then every event is counted in the profiles and the lake.

Kinesis and the fault run start kinesalite and a moto server on 127.0.0.1 themselves.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3

from infra.events.faults import reject_share
from infra.events.kinesis import KinesisProducer
from infra.events.log import SHARD, LocalLog
from infra.events.processor import ApplyStats, Batch
from infra.events.schema import BehaviourEvent, encode
from infra.settings import Settings


def sample_events(n: int, seed: int = 1, prefix: str = "b") -> list[BehaviourEvent]:
    """A shop's mix of events from 500 users over 200 products, distinct ids."""
    rng = random.Random(seed)
    start = datetime(2011, 6, 1, tzinfo=UTC)
    kinds = ["view"] * 6 + ["add_to_cart"] * 2 + ["purchase"] * 2
    out = []
    for i in range(n):
        kind = rng.choice(kinds)
        fields: dict[str, Any] = {"product_id": f"sku{rng.randrange(200)}"}
        if kind != "view":
            fields["quantity"] = rng.randint(1, 6)
        if kind == "purchase":
            fields["price"] = round(rng.uniform(0.5, 20), 2)
        out.append(
            BehaviourEvent(
                event_id=f"{prefix}{i}",
                type=kind,
                ts=start + timedelta(seconds=i),
                user_id=f"u{rng.randrange(500)}",
                **fields,
            )
        )
    return out


def _batches(events: list[BehaviourEvent], size: int) -> Iterator[list[BehaviourEvent]]:
    for start in range(0, len(events), size):
        yield events[start : start + size]


@dataclass
class _Clock:
    """Wall and CPU seconds of a block (CPU: this process, all threads)."""

    wall: float = 0.0
    cpu: float = 0.0

    def __enter__(self) -> _Clock:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_: object) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu


def _rate(n: int, clock: _Clock) -> dict[str, float]:
    return {
        "events_per_s": round(n / clock.wall),
        "seconds": round(clock.wall, 3),
        "cpu_seconds": round(clock.cpu, 3),
        "events_per_cpu_s": round(n / clock.cpu) if clock.cpu else 0,
    }


def _cpu_pressure() -> str:
    """Linux's share of time tasks waited for a CPU (other work on the machine slows runs)."""
    path = Path("/proc/pressure/cpu")
    return path.read_text().splitlines()[0] if path.exists() else "unknown"


def local_log(events: list[BehaviourEvent], work: Path) -> dict[str, Any]:
    """Appends into the local log against a plain file append of the same JSON lines."""
    with _Clock() as base, (work / "plain.jsonl").open("ab") as plain:
        for batch in _batches(events, 500):
            plain.write(b"".join([encode(e) + b"\n" for e in batch]))
            plain.flush()
    log = LocalLog(work / "log")
    with _Clock() as ours:
        for batch in _batches(events, 500):
            log.send(batch)
    log.close()
    result = _rate(len(events), ours)
    result["baseline_events_per_s"] = round(len(events) / base.wall)
    result["ratio_to_baseline"] = round(base.wall / ours.wall, 3)
    return result


def processor(events: list[BehaviourEvent], work: Path) -> dict[str, Any]:
    """Both consumers over a log holding ``events``, against reading and parsing its lines."""
    from assembly.events import open_pipeline

    settings = Settings(data_dir=work / "data")
    log = LocalLog(settings.events_dir / "log")
    for batch in _batches(events, 1000):
        log.send(batch)
    with _Clock() as base:
        reader, after, parsed = LocalLog(settings.events_dir / "log"), None, 0
        while records := reader.read(SHARD, after, 5000):
            parsed += sum(1 for r in records if json.loads(r.data))
            after = records[-1].sequence
    result: dict[str, Any] = {"baseline_events_per_s": round(parsed / base.wall)}
    with open_pipeline(settings, process=True) as pipeline:
        for p in pipeline.processors:
            with _Clock() as clock:
                p.run(until_idle=True)
            assert p.stats.applied == len(events), (p.consumer, p.stats)
            result[p.consumer] = _rate(len(events), clock)
            result[p.consumer]["ratio_to_baseline"] = round(base.wall / clock.wall, 3)
            result[p.consumer]["cpu_us_per_event"] = _cpu_split(p.stats, clock, len(events))
    return result


def _cpu_split(stats: ApplyStats, clock: _Clock, n: int) -> dict[str, float]:
    """Where a consumer's CPU time went, per event: decoding, its handler, and the rest
    (reading the log, deduping within batches, checkpointing)."""
    decode, handler = stats.decode_cpu_s, stats.handler_cpu_s
    split = {"decode": decode, "handler": handler, "read_and_rest": clock.cpu - decode - handler}
    return {name: round(seconds / n * 1e6, 1) for name, seconds in split.items()}


def _create_stream(client: Any, name: str, shards: int) -> None:
    client.create_stream(StreamName=name, ShardCount=shards)
    client.get_waiter("stream_exists").wait(StreamName=name, WaiterConfig={"Delay": 0.2})


def _kinesis(endpoint: str) -> Any:
    return boto3.client("kinesis", endpoint_url=endpoint, region_name="eu-west-1")


def kinesis(events: list[BehaviourEvent], endpoint: str) -> dict[str, Any]:
    """KinesisProducer into kinesalite against plain ``put_records`` calls in a loop."""
    client = _kinesis(endpoint)
    _create_stream(client, "bench-baseline", 4)
    _create_stream(client, "bench-producer", 4)
    with _Clock() as base:
        for batch in _batches(events, 500):
            records = [{"Data": encode(e), "PartitionKey": e.partition_key} for e in batch]
            client.put_records(StreamName="bench-baseline", Records=records)
    producer = KinesisProducer(_kinesis(endpoint), "bench-producer")
    with _Clock() as ours:
        for batch in _batches(events, 100):
            producer.send(batch)
        producer.flush(timeout_s=120)
    producer.close()
    result = _rate(len(events), ours)
    result["put_calls"] = producer.stats.put_calls
    result["baseline_events_per_s"] = round(len(events) / base.wall)
    result["ratio_to_baseline"] = round(base.wall / ours.wall, 3)
    return result


def lag(work: Path, rate: int = 1000, seconds: float = 10.0) -> dict[str, Any]:
    """Ingest-to-profile lag of events sent at ``rate`` per second to the local log."""
    from infra.events.checkpoints import LocalCheckpoints
    from infra.events.dead_letters import LocalDeadLetters
    from infra.events.processor import BatchApplier, Processor
    from tools.behaviour.profiles import SqliteProfiles

    profiles = SqliteProfiles(work / "lag-profiles.sqlite")
    lags: list[float] = []

    def apply(batch: Batch) -> None:
        profiles.apply(batch)
        now = time.time()
        lags.extend(now - e.ts.timestamp() for e in batch.events)

    p = Processor(
        BatchApplier("profiles", apply, LocalDeadLetters(work / "lag-dead.sqlite")),
        LocalLog(work / "lag-log"),
        LocalCheckpoints(work / "lag-checkpoints", "profiles"),
    )
    thread = threading.Thread(target=p.run, daemon=True)
    thread.start()
    log = LocalLog(work / "lag-log")
    per_tick = max(1, rate // 100)  # sent every 10 ms
    started, sent = time.monotonic(), 0
    rng = random.Random(3)
    while time.monotonic() - started < seconds:
        now = datetime.now(UTC)
        log.send(
            [
                BehaviourEvent(
                    event_id=f"lag{sent + i}",
                    type="view",
                    ts=now,
                    user_id=f"u{rng.randrange(500)}",
                    product_id=f"sku{rng.randrange(200)}",
                )
                for i in range(per_tick)
            ]
        )
        sent += per_tick
        time.sleep(max(0.0, started + sent / rate - time.monotonic()))
    deadline = time.monotonic() + 30
    while len(lags) < sent and time.monotonic() < deadline:
        time.sleep(0.05)
    p.stop()
    thread.join()
    profiles.close()
    ordered = sorted(lags)

    def pct(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)

    return {
        "rate_per_s": rate,
        "events": sent,
        "applied": len(lags),
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
    }


def fault_run(
    data_dir: Path,
    kinesis_url: str,
    moto_url: str,
    n: int = 20_000,
    share: float = 0.25,
    kills: int = 3,
    seed: int = 11,
) -> dict[str, Any]:
    """Send ``n`` events through a Kinesis that rejects ``share`` of records, with a client
    re-sending a tenth of them, while the processor (a separate process) is killed ``kills``
    times mid-stream and restarted; then count what the profiles and the lake hold."""
    from assembly.events import drain, open_pipeline

    stream = f"faults-{seed}"
    settings = Settings(
        data_dir=data_dir,
        events_backend="kinesis",
        kinesis_endpoint_url=kinesis_url,
        kinesis_stream=stream,
        dynamodb_endpoint_url=moto_url,
        s3_endpoint_url=moto_url,
        events_lease_table=f"leases-{seed}",
        dead_letter_bucket=f"dead-{seed}",
        events_lease_s=1.0,
    )
    _create_stream(_kinesis(kinesis_url), stream, 2)
    dynamo = boto3.client("dynamodb", endpoint_url=moto_url, region_name="eu-west-1")
    dynamo.create_table(
        TableName=settings.events_lease_table,
        KeySchema=[{"AttributeName": "lease_key", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "lease_key", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    boto3.client("s3", endpoint_url=moto_url, region_name="eu-west-1").create_bucket(
        Bucket=settings.dead_letter_bucket,
        CreateBucketConfiguration={"LocationConstraint": "eu-west-1"},
    )
    events = sample_events(n, seed=seed, prefix=f"f{seed}-")
    client = _kinesis(kinesis_url)
    hook = reject_share(client, share, seed)
    producer = KinesisProducer(client, stream, base_backoff_s=0.01, max_backoff_s=0.2)
    rng = random.Random(seed)
    resent = 0

    def produce() -> None:
        nonlocal resent
        for batch in _batches(events, 200):
            producer.send(batch)
            if rng.random() < 0.1:
                producer.send(batch)  # a client that did not hear back and sent again
                resent += len(batch)
            time.sleep(0.02)
        producer.flush(timeout_s=120)

    env = {**os.environ, **_env(settings)}
    command = [sys.executable, "-c", "from api.cli import app; app()", "events", "process"]
    sending = threading.Thread(target=produce)
    sending.start()
    killed = 0
    for _ in range(kills):
        worker = subprocess.Popen(
            [*command, "--follow"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(rng.uniform(3.0, 6.0))
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        killed += 1
    sending.join()
    producer.close()
    time.sleep(settings.events_lease_s + 0.5)  # the killed worker's leases lapse
    with open_pipeline(settings, process=True) as pipeline:
        drain(pipeline, lambda *_: None)
        totals = pipeline.profiles.totals()
        applied = pipeline.profiles.applied()
        lake = pipeline.lake.query(
            "SELECT count(*) AS ids, (SELECT count(*) FROM events_files) AS rows FROM events"
        ).to_pylist()[0]
        dead = pipeline.dead_letters.count()
    expected_units = sum(e.quantity or 0 for e in events if e.type == "purchase")
    counted = sum(t.events for t in totals.values())
    return {
        "events": n,
        "resent_by_client": resent,
        "rejected_by_stream": hook.rejected,
        "records_retried": producer.stats.records_retried,
        "processor_kills": killed,
        "applied": applied,
        "lost": n - applied,
        "duplicates_in_effect": counted - applied,
        "purchase_units_expected": expected_units,
        "purchase_units_applied": totals["purchase"].units if "purchase" in totals else 0,
        "lake_events": lake["ids"],
        "lake_rows_before_dedupe": lake["rows"],
        "dead_letters": dead,
    }


def _env(settings: Settings) -> dict[str, str]:
    """The settings as the ``SHOPAGENT_*`` variables a child process reads."""
    fields = settings.model_dump(exclude_none=True, exclude={"redis_url"})
    return {f"SHOPAGENT_{name.upper()}": str(value) for name, value in fields.items()}


def run(n: int, with_services: bool) -> dict[str, Any]:
    from infra.local_services import kinesalite, moto_server

    report: dict[str, Any] = {"events": n, "cores": os.cpu_count()}
    report["load_average_before"] = [round(x, 2) for x in os.getloadavg()]
    report["cpu_pressure_before"] = _cpu_pressure()
    events = sample_events(n)
    with tempfile.TemporaryDirectory(prefix="events-bench-") as tmp:
        work = Path(tmp)
        report["local_log"] = local_log(events, work)
        report["processor"] = processor(events, work)
        report["lag"] = lag(work)
        if with_services:
            for name, value in AWS_DUMMY.items():
                os.environ.setdefault(name, value)
            with kinesalite() as kinesis_url, moto_server() as moto_url:
                report["kinesis"] = kinesis(events[: min(n, 50_000)], kinesis_url)
                report["faults"] = fault_run(work / "faults", kinesis_url, moto_url)
    report["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    report["cpu_pressure_after"] = _cpu_pressure()
    report["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return report


AWS_DUMMY = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.events_bench", description=__doc__)
    parser.add_argument("--events", type=int, default=100_000, help="events per throughput run")
    parser.add_argument("--out", type=Path, help="also write the report as JSON here")
    parser.add_argument("--no-services", action="store_true", help="skip Kinesis and the fault run")
    args = parser.parse_args(argv)
    report = run(args.events, with_services=not args.no_services)
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
