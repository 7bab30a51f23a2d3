"""The event pipeline's parts as the settings choose them: embedded files or AWS services.

``events_backend="local"`` keeps everything under ``<data_dir>/events`` (log, checkpoints,
dead letters); ``"kinesis"`` uses a Kinesis stream, a DynamoDB lease table and S3 dead
letters announced on EventBridge. The lake follows ``lake_uri`` (a folder or ``s3://``).
"""

from __future__ import annotations

import os
import socket

from infra.clients import (
    dynamodb_client,
    eventbridge_client,
    kinesis_client,
    lake_filesystem,
    s3_client,
)
from infra.events.checkpoints import Checkpoints, DynamoCheckpoints, LocalCheckpoints
from infra.events.dead_letters import DeadLetters, LocalDeadLetters, S3DeadLetters
from infra.events.kinesis import KinesisProducer, KinesisReader
from infra.events.log import LocalLog
from infra.events.stream import Producer, StreamReader
from infra.lake import Lake
from infra.settings import Settings


def open_producer(settings: Settings) -> Producer:
    if settings.events_backend == "kinesis":
        return KinesisProducer(kinesis_client(settings), settings.kinesis_stream)
    return LocalLog(settings.events_dir / "log")


def open_reader(settings: Settings) -> StreamReader:
    if settings.events_backend == "kinesis":
        return KinesisReader(kinesis_client(settings), settings.kinesis_stream)
    return LocalLog(settings.events_dir / "log")


def open_checkpoints(settings: Settings, consumer: str) -> Checkpoints:
    if settings.events_backend == "kinesis":
        owner = f"{socket.gethostname()}-{os.getpid()}"
        return DynamoCheckpoints(
            dynamodb_client(settings),
            settings.events_lease_table,
            consumer,
            owner,
            lease_s=settings.events_lease_s,
        )
    return LocalCheckpoints(settings.events_dir / "checkpoints", consumer)


def open_dead_letters(settings: Settings) -> DeadLetters:
    if settings.events_backend == "kinesis":
        bus = settings.events_bus
        return S3DeadLetters(
            s3_client(settings),
            settings.dead_letter_bucket,
            events=eventbridge_client(settings) if bus else None,
            bus=bus,
        )
    return LocalDeadLetters(settings.events_dir / "dead-letters.sqlite")


def open_lake(settings: Settings) -> Lake:
    uri = settings.lake
    return Lake(uri, lake_filesystem(settings) if uri.startswith("s3://") else None)
