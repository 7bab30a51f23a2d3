"""The data lake: events as Parquet micro-batches partitioned by date and hour, and SQL over it.

Layout under the lake root (a local folder, or ``s3://bucket/prefix``)::

    events/dt=2011-12-09/hour=12/<shard>-<first sequence>.parquet   written by the processor
    sessions/dt=…/part-….parquet                                    Glue job ``sessionize``
    interactions/part-….parquet                                     Glue job ``interactions``
    daily_demand/part-….parquet                                     Glue job ``daily_demand``

A micro-batch file is named after the first stream record it holds, so a processor that dies
after writing it and replays the batch rewrites the same file instead of adding a copy; the
``events`` table also keeps one row per ``event_id``. ``Lake.query`` runs Athena-style SQL over
the four tables with DuckDB.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from infra.errors import ToolInputError
from infra.events.processor import Batch
from infra.events.schema import BehaviourEvent

EVENT_SCHEMA = pa.schema(
    [
        ("event_id", pa.string()),
        ("type", pa.string()),
        ("ts", pa.timestamp("us", tz="UTC")),
        ("user_id", pa.string()),
        ("session_id", pa.string()),
        ("product_id", pa.string()),
        ("quantity", pa.int64()),
        ("price", pa.float64()),
        ("query", pa.string()),
        ("order_id", pa.string()),
        ("items", pa.list_(pa.string())),
        ("v", pa.int32()),
    ]
)
PARTITIONS = pa.schema([("dt", pa.string()), ("hour", pa.int32())])
TABLES = ("events", "sessions", "interactions", "daily_demand")
_PARTITIONED = {"events": PARTITIONS, "sessions": pa.schema([("dt", pa.string())])}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def events_table(events: Sequence[BehaviourEvent]) -> pa.Table:
    """Events as an Arrow table with ``EVENT_SCHEMA``, built column by column."""
    rows = [event.__dict__ for event in events]
    columns: dict[str, list[Any]] = {name: [r[name] for r in rows] for name in EVENT_SCHEMA.names}
    return pa.table(columns, schema=EVENT_SCHEMA)


class Lake:
    """One lake root on a pyarrow filesystem (local by default, S3 when given one)."""

    def __init__(self, uri: str, filesystem: pafs.FileSystem | None = None) -> None:
        self.uri = uri
        if uri.startswith("s3://"):
            if filesystem is None:
                raise ToolInputError(f"the lake {uri} needs an S3 filesystem")
            self.root = uri.removeprefix("s3://").rstrip("/")
        else:
            filesystem = filesystem or pafs.LocalFileSystem()
            self.root = uri.rstrip("/")
        self.fs = filesystem

    def path(self, table: str) -> str:
        return f"{self.root}/{table}"

    def write(self, batch: Batch) -> None:
        """A ``Handler``: write the batch's events, one file per date and hour they fall in."""
        if not batch.events:
            return
        groups: dict[tuple[int, int, int, int], list[BehaviourEvent]] = defaultdict(list)
        for event in batch.events:
            ts = event.ts
            groups[(ts.year, ts.month, ts.day, ts.hour)].append(event)
        name = _UNSAFE.sub("-", f"{batch.shard}-{batch.first_sequence}")
        for (year, month, day, hour), events in groups.items():
            folder = f"{self.path('events')}/dt={year:04d}-{month:02d}-{day:02d}/hour={hour:02d}"
            self._put(folder, f"{name}.parquet", events_table(events))

    def _put(self, folder: str, name: str, table: pa.Table) -> None:
        path = f"{folder}/{name}"
        if isinstance(self.fs, pafs.LocalFileSystem):
            # Write aside and rename, so a reader never sees half a file.
            self.fs.create_dir(folder, recursive=True)
            tmp = f"{folder}/.{name}.{uuid.uuid4().hex}.tmp"
            pq.write_table(table, tmp, filesystem=self.fs, compression="zstd")
            self.fs.move(tmp, path)
        else:  # an S3 object appears whole or not at all
            pq.write_table(table, path, filesystem=self.fs, compression="zstd")

    def dataset(self, table: str) -> ds.Dataset | None:
        """The Parquet files of ``table`` (None while it has none)."""
        info = self.fs.get_file_info(self.path(table))
        if info.type != pafs.FileType.Directory:
            return None
        schema = _PARTITIONED.get(table)
        dataset = ds.dataset(
            self.path(table),
            format="parquet",
            filesystem=self.fs,
            partitioning=ds.partitioning(schema, flavor="hive") if schema else None,
            ignore_prefixes=[".", "_"],
        )
        return dataset if dataset.files else None

    def query(self, sql: str) -> pa.Table:
        """Run ``sql`` over the tables ``events``, ``sessions``, ``interactions``, ``daily_demand``.

        ``events`` holds one row per event id. A table no job has written yet is missing and a
        query naming it fails with a message that says so.
        """
        import duckdb

        con = duckdb.connect()
        try:
            missing = []
            for table in TABLES:
                dataset = self.dataset(table)
                if dataset is None:
                    missing.append(table)
                    continue
                con.register(f"{table}_files", dataset)
                select = f"SELECT * FROM {table}_files"
                if table == "events":
                    select += " QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY ts) = 1"
                con.execute(f"CREATE VIEW {table} AS {select}")
            try:
                relation = con.sql(sql)
                return relation.to_arrow_table() if relation is not None else pa.table({})
            except duckdb.Error as err:
                hint = ""
                if missing and any(name in sql for name in missing):
                    hint = (
                        f" (not in the lake yet: {', '.join(missing)}; replay events and run "
                        "`shopagent events glue` first)"
                    )
                raise ToolInputError(f"{err}{hint}") from err
        finally:
            con.close()
