"""Where poison records go: kept with the reason, so a bad record never blocks its shard.

A record is stored once per consumer, shard and sequence, so a processor that dies and reads
the same record again does not file it twice. The S3 store also announces each one on an
EventBridge bus, where an alarm or a person can pick it up.
"""

from __future__ import annotations

import base64
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from infra.errors import UpstreamError
from infra.events.stream import Record


class DeadLetters(Protocol):
    def put(self, consumer: str, record: Record, reason: str) -> None:
        """Keep ``record`` with why ``consumer`` could not apply it."""

    def count(self) -> int:
        """How many records were dead-lettered."""

    def close(self) -> None: ...


class LocalDeadLetters:
    """Dead letters in a SQLite file."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS dead_letters (consumer TEXT NOT NULL, shard TEXT NOT NULL,"
            " sequence TEXT NOT NULL, reason TEXT NOT NULL, data BLOB NOT NULL, at REAL NOT NULL,"
            " PRIMARY KEY (consumer, shard, sequence))"
        )

    def put(self, consumer: str, record: Record, reason: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO dead_letters VALUES (?, ?, ?, ?, ?, ?)",
                (consumer, record.shard, record.sequence, reason, record.data, time.time()),
            )

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM dead_letters").fetchone()[0])

    def list(self) -> list[dict[str, Any]]:
        """Every dead letter, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT consumer, shard, sequence, reason, data FROM dead_letters ORDER BY at"
            ).fetchall()
        keys = ("consumer", "shard", "sequence", "reason", "data")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def close(self) -> None:
        self._db.close()


class S3DeadLetters:
    """Dead letters as S3 objects ``<prefix>/<consumer>/<shard>/<sequence>.json``."""

    def __init__(
        self,
        s3: Any,
        bucket: str,
        prefix: str = "dead-letters",
        events: Any | None = None,
        bus: str | None = None,
    ) -> None:
        self._s3 = s3
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self._events = events
        self.bus = bus

    def put(self, consumer: str, record: Record, reason: str) -> None:
        key = f"{self.prefix}/{consumer}/{record.shard}/{record.sequence}.json"
        body = {
            "consumer": consumer,
            "shard": record.shard,
            "sequence": record.sequence,
            "reason": reason,
            "data": base64.b64encode(record.data).decode(),
        }
        try:
            self._s3.put_object(Bucket=self.bucket, Key=key, Body=json.dumps(body).encode())
            if self._events is not None and self.bus:
                self._events.put_events(
                    Entries=[
                        {
                            "EventBusName": self.bus,
                            "Source": "shopagent.events",
                            "DetailType": "PoisonRecord",
                            "Detail": json.dumps({"key": key, "reason": reason}),
                        }
                    ]
                )
        except (BotoCoreError, ClientError) as err:
            raise UpstreamError(f"cannot store a dead letter in s3://{self.bucket}: {err}") from err

    def count(self) -> int:
        try:
            pages = self._s3.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=f"{self.prefix}/"
            )
            return sum(page.get("KeyCount", 0) for page in pages)
        except (BotoCoreError, ClientError) as err:
            raise UpstreamError(f"cannot list dead letters in s3://{self.bucket}: {err}") from err

    def close(self) -> None:
        """Nothing to release."""
