"""Kinesis Data Streams: a buffered, batching producer and a shard reader.

The producer keeps a bounded buffer drained by one thread into ``PutRecords`` calls, each
within the API's limits (500 records, 5 MiB). Records a call reports as failed — and only
those — go back to the head of the buffer and are retried after a jittered exponential
backoff. When the stream falls behind, the buffer fills and ``send`` blocks, then raises:
callers feel the pressure instead of the process growing without bound.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from infra.errors import UpstreamError
from infra.events.schema import BehaviourEvent, encode
from infra.events.stream import Record

log = logging.getLogger(__name__)

MAX_RECORDS_PER_CALL = 500
MAX_BYTES_PER_CALL = 5 * 2**20
MAX_GET_RECORDS = 10_000


@dataclass(frozen=True, slots=True)
class _Entry:
    n: int  # the order in which it was sent
    key: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data) + len(self.key.encode())


@dataclass
class ProducerStats:
    put_calls: int = 0
    records_put: int = 0
    records_retried: int = 0
    failed_calls: int = 0


class KinesisProducer:
    """A ``Producer`` onto a Kinesis stream, partitioned by user (else session, else event)."""

    name = "kinesis"

    def __init__(
        self,
        client: Any,
        stream: str,
        *,
        max_buffered: int = 10_000,
        send_timeout_s: float = 10.0,
        base_backoff_s: float = 0.05,
        max_backoff_s: float = 2.0,
    ) -> None:
        self._client = client
        self.stream = stream
        self.max_buffered = max_buffered
        self.send_timeout_s = send_timeout_s
        self._base_backoff_s = base_backoff_s
        self._max_backoff_s = max_backoff_s
        self.stats = ProducerStats()
        self._buffer: deque[_Entry] = deque()
        self._in_flight: list[_Entry] = []
        self._cond = threading.Condition()
        self._sent = 0
        self._last_error = ""
        self._closed = False
        self._thread = threading.Thread(target=self._drain, name=f"kinesis-{stream}", daemon=True)
        self._thread.start()

    @property
    def buffered(self) -> int:
        """Events accepted by ``send`` and not yet acknowledged by the stream."""
        with self._cond:
            return len(self._buffer) + len(self._in_flight)

    def send(self, events: Sequence[BehaviourEvent]) -> None:
        entries = [(event.partition_key, encode(event)) for event in events]
        deadline = time.monotonic() + self.send_timeout_s
        with self._cond:
            if self._closed:
                raise UpstreamError(f"the producer for Kinesis stream {self.stream!r} is closed")
            for key, data in entries:
                while len(self._buffer) + len(self._in_flight) >= self.max_buffered:
                    self._cond.notify_all()  # wake the drain for what is already buffered
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise UpstreamError(self._behind("accept more events"))
                    self._cond.wait(remaining)
                self._buffer.append(_Entry(self._sent, key, data))
                self._sent += 1
            self._cond.notify_all()

    def flush(self, timeout_s: float = 10.0) -> None:
        deadline = time.monotonic() + timeout_s
        with self._cond:
            mark = self._sent
            while self._oldest_pending() < mark:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise UpstreamError(self._behind(f"store the events within {timeout_s:g} s"))
                self._cond.wait(remaining)

    def close(self) -> None:
        """Send what is buffered (``UpstreamError`` if the stream will not take it), then stop."""
        try:
            self.flush(self.send_timeout_s)
        finally:
            with self._cond:
                self._closed = True
                self._cond.notify_all()
            self._thread.join(timeout=self._max_backoff_s + 5)

    def _oldest_pending(self) -> int:
        # Retried entries go back to the head, so the buffer stays in send order.
        heads = [part[0].n for part in (self._in_flight, self._buffer) if part]
        return min(heads, default=self._sent)

    def _behind(self, what: str) -> str:
        pending = len(self._buffer) + len(self._in_flight)
        error = f"; last error: {self._last_error}" if self._last_error else ""
        return f"Kinesis stream {self.stream!r} did not {what} ({pending} events waiting{error})"

    # -- the draining thread ---------------------------------------------------------------

    def _drain(self) -> None:
        attempt = 0
        while True:
            with self._cond:
                while not self._buffer and not self._closed:
                    self._cond.wait()
                if self._closed:
                    if self._buffer:
                        log.error("%s", self._behind("take these events before close"))
                    return
                batch = self._take()
            failed = self._put(batch)
            with self._cond:
                self._in_flight = []
                self._buffer.extendleft(reversed(failed))
                self._cond.notify_all()
            if failed:
                attempt += 1
                cap = min(self._max_backoff_s, self._base_backoff_s * 2**attempt)
                time.sleep(random.uniform(cap / 2, cap))
            else:
                attempt = 0

    def _take(self) -> list[_Entry]:
        batch: list[_Entry] = []
        size = 0
        while self._buffer and len(batch) < MAX_RECORDS_PER_CALL:
            entry = self._buffer[0]
            if batch and size + entry.size > MAX_BYTES_PER_CALL:
                break
            batch.append(self._buffer.popleft())
            size += entry.size
        self._in_flight = batch
        return batch

    def _put(self, batch: list[_Entry]) -> list[_Entry]:
        """Put one batch; returns the entries the stream did not take."""
        self.stats.put_calls += 1
        try:
            response = self._client.put_records(
                StreamName=self.stream,
                Records=[{"Data": e.data, "PartitionKey": e.key} for e in batch],
            )
        except (BotoCoreError, ClientError) as err:
            self.stats.failed_calls += 1
            self.stats.records_retried += len(batch)
            self._last_error = str(err)
            log.warning("PutRecords to %s failed, retrying: %s", self.stream, err)
            return batch
        results = response["Records"]
        failed = [e for e, r in zip(batch, results, strict=True) if r.get("ErrorCode")]
        if failed:
            first = next(r for r in results if r.get("ErrorCode"))
            self._last_error = f"{first['ErrorCode']}: {first.get('ErrorMessage', '')}"
        self.stats.records_put += len(batch) - len(failed)
        self.stats.records_retried += len(failed)
        return failed


class KinesisReader:
    """A ``StreamReader`` over the shards of a Kinesis stream."""

    def __init__(self, client: Any, stream: str) -> None:
        self._client = client
        self.stream = stream
        # Per shard: the sequence the cached iterator continues after, and the iterator.
        self._cursors: dict[str, tuple[str | None, str]] = {}

    def shards(self) -> list[str]:
        try:
            paginator = self._client.get_paginator("list_shards")
            pages = paginator.paginate(StreamName=self.stream)
            return sorted(s["ShardId"] for page in pages for s in page["Shards"])
        except (BotoCoreError, ClientError) as err:
            raise UpstreamError(f"cannot list the shards of {self.stream!r}: {err}") from err

    def read(self, shard: str, after: str | None, limit: int) -> list[Record]:
        cached = self._cursors.get(shard)
        iterator = cached[1] if cached and cached[0] == after else None
        try:
            try:
                response = self._client.get_records(
                    ShardIterator=iterator or self._iterator(shard, after),
                    Limit=min(limit, MAX_GET_RECORDS),
                )
            except ClientError as err:
                if err.response["Error"]["Code"] != "ExpiredIteratorException":
                    raise
                response = self._client.get_records(
                    ShardIterator=self._iterator(shard, after), Limit=min(limit, MAX_GET_RECORDS)
                )
        except (BotoCoreError, ClientError) as err:
            raise UpstreamError(f"cannot read shard {shard} of {self.stream!r}: {err}") from err
        records = [Record(shard, r["SequenceNumber"], r["Data"]) for r in response["Records"]]
        following = response.get("NextShardIterator")
        if following:
            self._cursors[shard] = (records[-1].sequence if records else after, following)
        else:  # the shard was closed by a reshard and is read to its end
            self._cursors.pop(shard, None)
        return records

    def _iterator(self, shard: str, after: str | None) -> str:
        where: dict[str, str] = (
            {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "StartingSequenceNumber": after}
            if after
            else {"ShardIteratorType": "TRIM_HORIZON"}
        )
        response = self._client.get_shard_iterator(StreamName=self.stream, ShardId=shard, **where)
        iterator: str = response["ShardIterator"]
        return iterator

    def close(self) -> None:
        self._cursors.clear()
