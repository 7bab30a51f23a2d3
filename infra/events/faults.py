"""Fault injection for the benchmark and the tests: a Kinesis stream that rejects records.

``reject_share(client, 0.2)`` makes every ``PutRecords`` through ``client`` fail a random fifth
of its records the way Kinesis does under throttling: those records are withheld from the
real stream and reported back with an ``ErrorCode``, while the others are stored as usual.
"""

from __future__ import annotations

import random
from typing import Any

_THROTTLED = {
    "ErrorCode": "ProvisionedThroughputExceededException",
    "ErrorMessage": "Rate exceeded for shard (injected fault).",
}


class RejectShare:
    """Botocore hooks that drop a share of each ``PutRecords`` and splice in the failures."""

    def __init__(self, share: float, seed: int = 7) -> None:
        if not 0 <= share < 1:
            raise ValueError(f"the rejected share must be in [0, 1), got {share}")
        self.share = share
        self.rejected = 0
        self._rng = random.Random(seed)
        self._withheld: list[int] = []

    def before(self, params: dict[str, Any], **_: Any) -> None:
        records = params["Records"]
        withheld = [i for i in range(len(records)) if self._rng.random() < self.share]
        if len(withheld) == len(records):
            withheld.pop()  # PutRecords needs at least one record
        self._withheld = withheld
        dropped = set(withheld)
        params["Records"] = [r for i, r in enumerate(records) if i not in dropped]

    def after(self, parsed: dict[str, Any], **_: Any) -> None:
        if not self._withheld or "Records" not in parsed:
            return
        results = list(parsed["Records"])
        for i in self._withheld:
            results.insert(i, dict(_THROTTLED))
        parsed["Records"] = results
        parsed["FailedRecordCount"] = parsed.get("FailedRecordCount", 0) + len(self._withheld)
        self.rejected += len(self._withheld)
        self._withheld = []


def reject_share(client: Any, share: float, seed: int = 7) -> RejectShare:
    """Make ``client``'s ``PutRecords`` calls fail ``share`` of their records; returns the hook."""
    hook = RejectShare(share, seed)
    client.meta.events.register("before-parameter-build.kinesis.PutRecords", hook.before)
    client.meta.events.register("after-call.kinesis.PutRecords", hook.after)
    return hook
