"""Run the Glue jobs on this machine: a local Spark session over a lake folder."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from infra.errors import ConfigError
from infra.glue.jobs import JOBS, run

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

Progress = Callable[[str, int, int], None]

_LOCAL_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "8",
    "spark.driver.memory": "2g",
}


def local_spark(conf: Mapping[str, str] | None = None) -> SparkSession:
    """A Spark session on two local cores; ``conf`` adds to or overrides our defaults."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master("local[2]").appName("shopagent-glue-local")
    for key, value in {**_LOCAL_CONF, **(conf or {})}.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def run_jobs(
    lake: str,
    jobs: Sequence[str] = tuple(JOBS),
    progress: Progress | None = None,
    spark: SparkSession | None = None,
) -> dict[str, int]:
    """Run ``jobs`` in order over the lake folder; returns the rows each wrote.

    Without ``spark`` a local session is started for the run and stopped after it; a session
    handed in is left running for its owner.
    """
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
    session = spark or local_spark()
    rows: dict[str, int] = {}
    try:
        for done, job in enumerate(jobs):
            if progress is not None:
                progress("glue jobs", done, len(jobs))
            rows[job] = run(session, job, str(root))
        if progress is not None:
            progress("glue jobs", len(jobs), len(jobs))
    finally:
        if spark is None:
            session.stop()
    return rows
