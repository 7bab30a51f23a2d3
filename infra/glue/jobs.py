"""Glue ETL jobs over the lake, in PySpark: ``sessionize``, ``interactions``, ``daily_demand``.

This file is the script AWS Glue runs (one Glue job per ``--job``, with ``--lake s3://…``) and
runs unchanged on a laptop::

    spark-submit infra/glue/jobs.py --job daily_demand --lake .shopagent/lake

It imports nothing but PySpark, so Glue needs no extra modules. Every job reads the raw
``events`` table, keeps one row per ``event_id`` and overwrites its own output table.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F

# A shopper idle for longer than this starts a new session.
SESSION_GAP_S = 30 * 60


def read_events(spark: SparkSession, lake: str) -> DataFrame:
    """The lake's events, one row per event id, with the ``dt`` and ``hour`` partitions."""
    path = f"{lake}/events"
    return spark.read.option("basePath", path).parquet(path).dropDuplicates(["event_id"])


def _count(kind: str) -> Column:
    return F.sum(F.when(F.col("type") == kind, 1).otherwise(0))


def sessionize(events: DataFrame) -> DataFrame:
    """Sessions: a shopper's (user, else session, else event) runs of events without a long gap."""
    actor = F.coalesce(
        F.col("user_id"),
        F.concat(F.lit("session:"), F.col("session_id")),
        F.concat(F.lit("event:"), F.col("event_id")),
    )
    by_actor = Window.partitionBy("actor").orderBy("ts", "event_id")
    gap = F.col("ts").cast("long") - F.lag("ts").over(by_actor).cast("long")
    marked = (
        events.withColumn("actor", actor)
        .withColumn("starts", F.when(gap.isNull() | (gap > SESSION_GAP_S), 1).otherwise(0))
        .withColumn("session_no", F.sum("starts").over(by_actor))
    )
    bought = F.when(F.col("type") == "purchase", F.col("quantity"))
    sessions = marked.groupBy("actor", "session_no").agg(
        F.first("user_id", ignorenulls=True).alias("user_id"),
        F.min("ts").alias("start_ts"),
        F.max("ts").alias("end_ts"),
        F.count(F.lit(1)).alias("events"),
        _count("search").alias("searches"),
        _count("view").alias("views"),
        _count("add_to_cart").alias("carts"),
        _count("purchase").alias("purchases"),
        _count("cancel").alias("cancels"),
        F.coalesce(F.sum(bought), F.lit(0)).cast("long").alias("units"),
        F.coalesce(F.sum(bought * F.col("price")), F.lit(0.0)).alias("revenue"),
        F.countDistinct("product_id").alias("products"),
    )
    return sessions.select(
        F.concat_ws("#", "actor", F.col("start_ts").cast("long").cast("string")).alias(
            "session_id"
        ),
        "user_id",
        "start_ts",
        "end_ts",
        (F.col("end_ts").cast("long") - F.col("start_ts").cast("long")).alias("duration_s"),
        "events",
        "searches",
        "views",
        "carts",
        "purchases",
        "cancels",
        "units",
        "revenue",
        "products",
        F.date_format("start_ts", "yyyy-MM-dd").alias("dt"),
    )


def interactions(events: DataFrame) -> DataFrame:
    """The recommender's input: per user and product, what the user did with it and when."""
    units = (
        F.when(F.col("type") == "purchase", F.col("quantity"))
        .when(F.col("type") == "cancel", -F.col("quantity"))
        .otherwise(0)
    )
    return (
        events.where(F.col("user_id").isNotNull() & F.col("product_id").isNotNull())
        .groupBy("user_id", "product_id")
        .agg(
            _count("view").alias("views"),
            _count("recommendation_clicked").alias("clicks"),
            _count("add_to_cart").alias("carts"),
            _count("purchase").alias("purchases"),
            F.sum(units).cast("long").alias("units"),
            F.min("ts").alias("first_ts"),
            F.max("ts").alias("last_ts"),
        )
    )


def daily_demand(events: DataFrame) -> DataFrame:
    """The forecaster's input: units sold per product and day (days without sales are absent)."""
    day = F.to_date("ts")
    sold = (
        events.where(F.col("type") == "purchase")
        .groupBy(day.alias("date"), F.col("product_id").alias("sku"))
        .agg(
            F.sum("quantity").cast("long").alias("quantity"),
            F.sum(F.col("quantity") * F.col("price")).alias("revenue"),
            F.countDistinct("order_id").alias("n_invoices"),
        )
    )
    cancelled = (
        events.where(F.col("type") == "cancel")
        .groupBy(day.alias("date"), F.col("product_id").alias("sku"))
        .agg(F.sum("quantity").cast("long").alias("cancelled"))
    )
    return sold.join(cancelled, ["date", "sku"], "left").fillna(0, ["cancelled"])


JOBS: dict[str, Callable[[DataFrame], DataFrame]] = {
    "sessionize": sessionize,
    "interactions": interactions,
    "daily_demand": daily_demand,
}
# Where each job writes, and the partition column of its output.
OUTPUTS: dict[str, tuple[str, str | None]] = {
    "sessionize": ("sessions", "dt"),
    "interactions": ("interactions", None),
    "daily_demand": ("daily_demand", None),
}


def configure(spark: SparkSession) -> None:
    """Settings every run needs, on Glue as locally: UTC days, Parquet timestamps as micros."""
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")


def run(spark: SparkSession, job: str, lake: str) -> int:
    """Run one job over ``lake``; returns how many rows it wrote."""
    if job not in JOBS:
        raise ValueError(f"unknown job {job!r}; choose one of {', '.join(JOBS)}")
    configure(spark)
    table, partition = OUTPUTS[job]
    output = JOBS[job](read_events(spark, lake)).cache()
    rows = output.count()
    writer = output.write.mode("overwrite")
    if partition:
        writer = writer.partitionBy(partition)
    writer.parquet(f"{lake}/{table}")
    output.unpersist()
    return rows


def _arguments(argv: list[str]) -> dict[str, str]:
    """``--name value`` pairs; Glue adds its own (``--JOB_ID`` …), which are kept and ignored."""
    found = {}
    for i, arg in enumerate(argv):
        if arg.startswith("--") and i + 1 < len(argv):
            found[arg[2:]] = argv[i + 1]
    return found


def main(argv: list[str]) -> None:
    args = _arguments(argv)
    missing = [name for name in ("job", "lake") if name not in args]
    if missing:
        raise SystemExit(f"missing --{' --'.join(missing)}; usage: jobs.py --job NAME --lake URI")
    spark = SparkSession.builder.appName(f"shopagent-{args['job']}").getOrCreate()
    rows = run(spark, args["job"], args["lake"].rstrip("/"))
    print(f"{args['job']}: {rows} rows")


if __name__ == "__main__":
    main(sys.argv[1:])
