"""Run the Glue jobs on this machine: a local Spark session over a lake folder."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from infra.errors import ConfigError
from infra.glue.jobs import JOBS, run

Progress = Callable[[str, int, int], None]


def run_jobs(
    lake: str, jobs: Sequence[str] = tuple(JOBS), progress: Progress | None = None
) -> dict[str, int]:
    """Run ``jobs`` in order over the lake folder; returns the rows each wrote."""
    if lake.startswith("s3://"):
        raise ConfigError(
            f"the lake {lake} is on S3: run these jobs on AWS Glue (the CDK app defines them)"
        )
    unknown = [job for job in jobs if job not in JOBS]
    if unknown:
        raise ConfigError(f"unknown Glue job {unknown[0]!r}; choose from {', '.join(JOBS)}")
    root = Path(lake).resolve()
    if not (root / "events").is_dir():
        raise ConfigError(f"no events in the lake at {root}: replay or process events first")
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[2]")
        .appName("shopagent-glue-local")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    rows: dict[str, int] = {}
    try:
        for done, job in enumerate(jobs):
            if progress is not None:
                progress("glue jobs", done, len(jobs))
            rows[job] = run(spark, job, str(root))
        if progress is not None:
            progress("glue jobs", len(jobs), len(jobs))
    finally:
        spark.stop()
    return rows
