"""The processor as an AWS Lambda behind a Kinesis event-source mapping.

It runs the same ``BatchApplier`` as the long-running processor: poison records go to the
dead-letter store and the rest are applied. The mapping must enable
``ReportBatchItemFailures``: when a dependency is down the handler names the first record of
the shard's batch, and Lambda retries from there, so nothing is skipped. The deployed
``handler`` writes the lake from the settings in the function's environment.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from infra.errors import UpstreamError
from infra.events.processor import BatchApplier
from infra.events.stream import Record
from infra.settings import get_settings

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


def kinesis_handler(applier: BatchApplier) -> LambdaHandler:
    """A Lambda handler that applies each invocation's records with ``applier``."""

    def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
        by_shard: dict[str, list[Record]] = {}
        for item in event.get("Records", []):
            shard = str(item["eventID"]).partition(":")[0]
            kinesis = item["kinesis"]
            record = Record(shard, kinesis["sequenceNumber"], base64.b64decode(kinesis["data"]))
            by_shard.setdefault(shard, []).append(record)
        failures = []
        for shard, records in by_shard.items():
            try:
                applier.apply(shard, records)
            except UpstreamError:
                failures.append({"itemIdentifier": records[0].sequence})
        return {"batchItemFailures": failures}

    return handle


_handler: LambdaHandler | None = None


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The deployed entry point: events into the lake, poison into the dead-letter store."""
    global _handler
    if _handler is None:
        from infra.events.backends import open_dead_letters, open_lake

        settings = get_settings()
        applier = BatchApplier("lake", open_lake(settings).write, open_dead_letters(settings))
        _handler = kinesis_handler(applier)
    return _handler(event, context)
