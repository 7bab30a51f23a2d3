"""The Glue Data Catalog's tables over the lake: one definition for the CDK stack and boto3.

Column types are Hive's, as Athena and Glue read them. ``events`` uses partition projection,
so a new hour of events is queryable without a crawler.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from infra.lake import EVENT_SCHEMA, PARTITIONS

DATABASE = "shopagent"
PARQUET_INPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
PARQUET_OUTPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"


@dataclass(frozen=True)
class Table:
    name: str
    folder: str
    columns: tuple[tuple[str, str], ...]
    partitions: tuple[tuple[str, str], ...] = ()
    projection: bool = False

    def parameters(self, location: str) -> dict[str, str]:
        params = {"classification": "parquet", "EXTERNAL": "TRUE"}
        if self.projection:
            params.update(
                {
                    "projection.enabled": "true",
                    "projection.dt.type": "date",
                    "projection.dt.format": "yyyy-MM-dd",
                    "projection.dt.range": "2010-01-01,NOW",
                    "projection.hour.type": "integer",
                    "projection.hour.range": "0,23",
                    "projection.hour.digits": "2",
                    "storage.location.template": location + "dt=${dt}/hour=${hour}",
                }
            )
        return params

    def table_input(self, lake: str) -> dict[str, Any]:
        """The definition as boto3's ``glue.create_table(TableInput=…)`` takes it."""
        location = f"{lake.rstrip('/')}/{self.folder}/"
        return {
            "Name": self.name,
            "TableType": "EXTERNAL_TABLE",
            "Parameters": self.parameters(location),
            "PartitionKeys": [{"Name": n, "Type": t} for n, t in self.partitions],
            "StorageDescriptor": {
                "Columns": [{"Name": n, "Type": t} for n, t in self.columns],
                "Location": location,
                "InputFormat": PARQUET_INPUT,
                "OutputFormat": PARQUET_OUTPUT,
                "SerdeInfo": {"SerializationLibrary": PARQUET_SERDE},
            },
        }


def hive_type(arrow: pa.DataType) -> str:
    """The Hive type Glue and Athena use for an Arrow type of the lake's Parquet files."""
    if pa.types.is_list(arrow):
        return f"array<{hive_type(arrow.value_type)}>"
    if pa.types.is_timestamp(arrow):
        return "timestamp"
    names = {pa.string(): "string", pa.int64(): "bigint", pa.int32(): "int"}
    names.update({pa.float64(): "double", pa.date32(): "date"})
    if arrow not in names:
        raise ValueError(f"no Hive type for {arrow}")
    return names[arrow]


EVENTS = Table(
    "events",
    "events",
    tuple((f.name, hive_type(f.type)) for f in EVENT_SCHEMA),
    partitions=tuple((f.name, hive_type(f.type)) for f in PARTITIONS),
    projection=True,
)
SESSIONS = Table(
    "sessions",
    "sessions",
    (
        ("session_id", "string"),
        ("user_id", "string"),
        ("start_ts", "timestamp"),
        ("end_ts", "timestamp"),
        ("duration_s", "bigint"),
        ("events", "bigint"),
        ("searches", "bigint"),
        ("views", "bigint"),
        ("carts", "bigint"),
        ("purchases", "bigint"),
        ("cancels", "bigint"),
        ("units", "bigint"),
        ("revenue", "double"),
        ("products", "bigint"),
    ),
    partitions=(("dt", "string"),),
)
INTERACTIONS = Table(
    "interactions",
    "interactions",
    (
        ("user_id", "string"),
        ("product_id", "string"),
        ("views", "bigint"),
        ("clicks", "bigint"),
        ("carts", "bigint"),
        ("purchases", "bigint"),
        ("units", "bigint"),
        ("first_ts", "timestamp"),
        ("last_ts", "timestamp"),
    ),
)
DAILY_DEMAND = Table(
    "daily_demand",
    "daily_demand",
    (
        ("date", "date"),
        ("sku", "string"),
        ("quantity", "bigint"),
        ("revenue", "double"),
        ("n_invoices", "bigint"),
        ("cancelled", "bigint"),
    ),
)
TABLES = (EVENTS, SESSIONS, INTERACTIONS, DAILY_DEMAND)
