"""Where each consumer of the stream has got to, per shard, and who may move it on.

``LocalCheckpoints`` keeps one JSON file per consumer and holds an exclusive ``flock`` on it for
as long as it is open, so one process at a time consumes a local log. ``DynamoCheckpoints`` is
a lease table: an item per consumer and shard holding the checkpoint, the owner and when the
lease lapses; a worker moves a checkpoint only while it holds the lease.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from pathlib import Path
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from infra.errors import ConfigError, UpstreamError


class Checkpoints(Protocol):
    """One consumer's positions in the stream."""

    def acquire(self, shard: str) -> bool:
        """Take or renew this worker's lease on ``shard``; False when another worker holds it."""

    def get(self, shard: str) -> str | None:
        """The sequence last processed in ``shard``, or None to start from the beginning."""

    def put(self, shard: str, sequence: str) -> None:
        """Record that everything up to ``sequence`` is processed (``UpstreamError`` if the
        lease was lost)."""

    def close(self) -> None: ...


class LocalCheckpoints:
    """Checkpoints of one consumer in ``<directory>/<consumer>.json``."""

    def __init__(self, directory: Path, consumer: str) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / f"{consumer}.json"
        self._lock_fd = os.open(directory / f"{consumer}.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as err:
            os.close(self._lock_fd)
            raise ConfigError(
                f"another process is already consuming the stream as {consumer!r} "
                f"(it holds {directory / (consumer + '.lock')})"
            ) from err
        self._positions: dict[str, str] = (
            json.loads(self.path.read_text()) if self.path.exists() else {}
        )

    def acquire(self, shard: str) -> bool:
        return True

    def get(self, shard: str) -> str | None:
        return self._positions.get(shard)

    def put(self, shard: str, sequence: str) -> None:
        self._positions[shard] = sequence
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self._positions))
        os.replace(tmp, self.path)

    def close(self) -> None:
        if self._lock_fd >= 0:
            os.close(self._lock_fd)
            self._lock_fd = -1


class DynamoCheckpoints:
    """Checkpoints and shard leases in a DynamoDB table keyed by ``lease_key``."""

    def __init__(
        self, client: Any, table: str, consumer: str, owner: str, lease_s: float = 30.0
    ) -> None:
        self._client = client
        self.table = table
        self.consumer = consumer
        self.owner = owner
        self.lease_s = lease_s
        self._held: dict[str, float] = {}  # shard -> when our lease lapses

    def _key(self, shard: str) -> dict[str, Any]:
        return {"lease_key": {"S": f"{self.consumer}/{shard}"}}

    def acquire(self, shard: str) -> bool:
        now = time.time()
        if self._held.get(shard, 0.0) - now > self.lease_s / 2:
            return True  # held, and far from lapsing: no need to renew yet
        try:
            self._client.update_item(
                TableName=self.table,
                Key=self._key(shard),
                UpdateExpression="SET #owner = :me, #expires = :until",
                ConditionExpression=(
                    "attribute_not_exists(lease_key) OR #owner = :me OR #expires < :now"
                ),
                ExpressionAttributeNames={"#owner": "owner", "#expires": "expires"},
                ExpressionAttributeValues={
                    ":me": {"S": self.owner},
                    ":until": {"N": str(now + self.lease_s)},
                    ":now": {"N": str(now)},
                },
            )
        except ClientError as err:
            if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
                self._held.pop(shard, None)
                return False
            raise UpstreamError(f"cannot take the lease of {shard} in {self.table}: {err}") from err
        except BotoCoreError as err:
            raise UpstreamError(f"cannot take the lease of {shard} in {self.table}: {err}") from err
        self._held[shard] = now + self.lease_s
        return True

    def get(self, shard: str) -> str | None:
        try:
            item = self._client.get_item(
                TableName=self.table, Key=self._key(shard), ConsistentRead=True
            ).get("Item", {})
        except (BotoCoreError, ClientError) as err:
            raise UpstreamError(f"cannot read the checkpoint of {shard}: {err}") from err
        checkpoint = item.get("checkpoint", {}).get("S")
        return str(checkpoint) if checkpoint else None

    def put(self, shard: str, sequence: str) -> None:
        until = time.time() + self.lease_s
        try:
            self._client.update_item(
                TableName=self.table,
                Key=self._key(shard),
                UpdateExpression="SET #checkpoint = :seq, #expires = :until",
                ConditionExpression="#owner = :me",
                ExpressionAttributeNames={
                    "#owner": "owner",
                    "#checkpoint": "checkpoint",
                    "#expires": "expires",
                },
                ExpressionAttributeValues={
                    ":seq": {"S": sequence},
                    ":me": {"S": self.owner},
                    ":until": {"N": str(until)},
                },
            )
        except ClientError as err:
            if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
                self._held.pop(shard, None)
                raise UpstreamError(
                    f"worker {self.owner!r} lost the lease of {shard} to another worker"
                ) from err
            raise UpstreamError(f"cannot store the checkpoint of {shard}: {err}") from err
        except BotoCoreError as err:
            raise UpstreamError(f"cannot store the checkpoint of {shard}: {err}") from err
        self._held[shard] = until

    def close(self) -> None:
        """Nothing to release: an unrenewed lease lapses on its own."""
