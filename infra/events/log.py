"""The embedded event stream: an append-only log of JSON lines in numbered segment files.

Writers append whole batches under an exclusive ``flock``, so several processes (the server,
a replay) can share one log. A sequence is ``"<segment>:<offset>"``, the byte position just past
the record, so positions sort as text and a reader resumes exactly where it stopped. Readers
only ever take complete lines; a line torn by a writer that died mid-write is closed with a
newline by the next writer and then reaches the processor as a poison record.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Sequence
from pathlib import Path

from infra.events.schema import BehaviourEvent, encode
from infra.events.stream import Record

SHARD = "log"
_SUFFIX = ".log"
_CHUNK = 256 * 1024


def _position(sequence: str) -> tuple[int, int]:
    segment, _, offset = sequence.partition(":")
    return int(segment), int(offset)


def _sequence(segment: int, offset: int) -> str:
    return f"{segment:06d}:{offset:012d}"


class LocalLog:
    """A ``Producer`` and a ``StreamReader`` over one folder; appends are durable on return."""

    name = "local"

    def __init__(self, directory: Path, segment_bytes: int = 64 * 2**20) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.segment_bytes = segment_bytes
        self._lock = threading.Lock()
        self._lock_fd = os.open(self.directory / "append.lock", os.O_RDWR | os.O_CREAT, 0o644)
        self._segment = max(self._segments(), default=0)
        self._readers: dict[int, int] = {}

    def _path(self, segment: int) -> Path:
        return self.directory / f"{segment:06d}{_SUFFIX}"

    def _segments(self) -> list[int]:
        return sorted(int(p.stem) for p in self.directory.glob(f"*{_SUFFIX}"))

    # -- producing ------------------------------------------------------------------------

    def send(self, events: Sequence[BehaviourEvent]) -> None:
        """Append ``events`` as one write; they are in the log when this returns."""
        if not events:
            return
        payload = b"".join([encode(event) + b"\n" for event in events])
        with self._lock:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
            try:
                self._append(payload)
            finally:
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def _append(self, payload: bytes) -> None:
        while self._path(self._segment + 1).exists():  # another process rolled the log
            self._segment += 1
        path = self._path(self._segment)
        size = path.stat().st_size if path.exists() else 0
        if size >= self.segment_bytes:
            self._segment += 1
            path, size = self._path(self._segment), 0
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            if size and _last_byte(path, size) != b"\n":
                os.write(fd, b"\n")
            view = memoryview(payload)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)

    def flush(self, timeout_s: float = 10.0) -> None:
        """Nothing to do: every append is in the log when ``send`` returns."""

    # -- reading --------------------------------------------------------------------------

    def shards(self) -> list[str]:
        return [SHARD]

    def read(self, shard: str, after: str | None, limit: int) -> list[Record]:
        """Up to ``limit`` complete records after ``after``, moving on to later segments."""
        if shard != SHARD:
            raise ValueError(f"the local log has one shard, {SHARD!r}, not {shard!r}")
        segments = self._segments()
        if not segments:
            return []
        segment, offset = _position(after) if after else (segments[0], 0)
        records: list[Record] = []
        while len(records) < limit:
            before = offset
            offset = self._read_segment(segment, offset, limit - len(records), records)
            if offset != before:
                continue
            if not self._path(segment + 1).exists():
                break
            # The next segment exists, so this one is complete: read it once more, move on.
            offset = self._read_segment(segment, offset, limit - len(records), records)
            if offset == before:
                segment, offset = segment + 1, 0
        return records

    def _read_segment(self, segment: int, offset: int, limit: int, into: list[Record]) -> int:
        """Append up to ``limit`` complete lines from ``offset``; returns the new offset."""
        fd = self._reader(segment)
        if fd is None:
            return offset
        size = _CHUNK
        while True:
            data = os.pread(fd, size, offset)
            end = data.rfind(b"\n")
            if end >= 0 or len(data) < size:
                break
            size *= 2  # a line longer than the chunk: read more
        start = 0
        while start <= end and limit > 0:
            stop = data.index(b"\n", start)
            if stop > start:
                into.append(Record(SHARD, _sequence(segment, offset + stop + 1), data[start:stop]))
                limit -= 1
            start = stop + 1
        return offset + start

    def _reader(self, segment: int) -> int | None:
        fd = self._readers.get(segment)
        if fd is None:
            try:
                fd = os.open(self._path(segment), os.O_RDONLY)
            except FileNotFoundError:
                return None
            for old in [s for s in self._readers if s < segment]:
                os.close(self._readers.pop(old))
            self._readers[segment] = fd
        return fd

    def close(self) -> None:
        for fd in self._readers.values():
            os.close(fd)
        self._readers.clear()
        if self._lock_fd >= 0:
            os.close(self._lock_fd)
            self._lock_fd = -1


def _last_byte(path: Path, size: int) -> bytes:
    with path.open("rb") as f:
        f.seek(size - 1)
        return f.read(1)
