"""The AWS backends of the pipeline against a moto server: DynamoDB leases, S3 dead letters
announced on EventBridge, the lake on S3, and the Glue Data Catalog's tables."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from infra.clients import lake_filesystem
from infra.errors import UpstreamError
from infra.events.checkpoints import DynamoCheckpoints
from infra.events.dead_letters import S3DeadLetters
from infra.events.processor import Batch
from infra.events.schema import BehaviourEvent
from infra.events.stream import Record
from infra.glue import catalog
from infra.lake import Lake
from infra.settings import Settings

pytestmark = pytest.mark.integration
REGION = "eu-west-1"


def aws(service: str, endpoint: str) -> Any:
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION)


def bucket(endpoint: str) -> str:
    name = f"b-{uuid.uuid4().hex[:10]}"
    aws("s3", endpoint).create_bucket(
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    return name


def test_a_shard_lease_has_one_owner_until_it_lapses(moto_endpoint: str) -> None:
    dynamo = aws("dynamodb", moto_endpoint)
    table = f"leases-{uuid.uuid4().hex[:6]}"
    dynamo.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "lease_key", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "lease_key", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    # Leases of 3 s: the five calls to moto below must fit in one, even on a busy machine.
    a = DynamoCheckpoints(dynamo, table, "profiles", "worker-a", lease_s=3.0)
    b = DynamoCheckpoints(dynamo, table, "profiles", "worker-b", lease_s=3.0)
    assert a.acquire("shard-0") and not b.acquire("shard-0")
    assert b.acquire("shard-1"), "leases are per shard"
    a.put("shard-0", "495001")
    assert b.get("shard-0") == "495001" and b.get("shard-9") is None
    with pytest.raises(UpstreamError, match="lost the lease of shard-0"):
        b.put("shard-0", "495999")
    time.sleep(3.2)  # worker-a stops renewing: its lease lapses
    assert b.acquire("shard-0")
    with pytest.raises(UpstreamError, match="worker-a"):
        a.put("shard-0", "495002")
    assert a.get("shard-0") == "495001", "the lapsed owner changed nothing"
    assert not DynamoCheckpoints(dynamo, table, "lake", "w", 5).get("shard-0"), "per consumer"


def test_dead_letters_land_in_s3_once_and_are_announced(moto_endpoint: str) -> None:
    name = bucket(moto_endpoint)
    events = aws("events", moto_endpoint)
    sqs = aws("sqs", moto_endpoint)
    bus = f"bus-{uuid.uuid4().hex[:6]}"
    events.create_event_bus(Name=bus)
    queue = sqs.create_queue(QueueName=f"alerts-{uuid.uuid4().hex[:6]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]
    events.put_rule(
        Name="poison", EventBusName=bus, EventPattern=json.dumps({"source": ["shopagent.events"]})
    )
    events.put_targets(
        Rule="poison", EventBusName=bus, Targets=[{"Id": "q", "Arn": arn["QueueArn"]}]
    )
    store = S3DeadLetters(aws("s3", moto_endpoint), name, events=events, bus=bus)
    record = Record("shardId-000000000001", "4960001", b"garbage")
    store.put("profiles", record, "not a valid event")
    store.put("profiles", record, "not a valid event")  # the same record after a restart
    store.put("lake", record, "not a valid event")
    assert store.count() == 2
    body = aws("s3", moto_endpoint).get_object(
        Bucket=name, Key="dead-letters/profiles/shardId-000000000001/4960001.json"
    )["Body"]
    kept = json.loads(body.read())
    assert kept["reason"] == "not a valid event" and kept["data"] == "Z2FyYmFnZQ=="
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    detail = json.loads(messages[0]["Body"])
    assert detail["detail-type"] == "PoisonRecord" and "4960001" in detail["detail"]["key"]
    with pytest.raises(UpstreamError, match="no-such-bucket"):
        S3DeadLetters(aws("s3", moto_endpoint), "no-such-bucket").put("x", record, "r")


def test_the_lake_on_s3_is_written_and_queried(moto_endpoint: str) -> None:
    name = bucket(moto_endpoint)
    settings = Settings(s3_endpoint_url=moto_endpoint, lake_uri=f"s3://{name}/lake")
    lake = Lake(settings.lake, lake_filesystem(settings))
    ts = datetime(2011, 12, 9, 12, 50, tzinfo=UTC)
    events = [
        BehaviourEvent(
            event_id=f"s3-{i}",
            type="purchase",
            ts=ts,
            user_id="u1",
            product_id="p",
            quantity=2,
            price=1.5,
        )
        for i in range(5)
    ]
    lake.write(Batch("shardId-000000000000", "4960001", events))
    keys = [o["Key"] for o in aws("s3", moto_endpoint).list_objects_v2(Bucket=name)["Contents"]]
    assert keys == ["lake/events/dt=2011-12-09/hour=12/shardId-000000000000-4960001.parquet"]
    result = lake.query("SELECT count(*) AS n, sum(quantity * price) AS value FROM events")
    assert result.to_pylist() == [{"n": 5, "value": 15.0}]


def test_the_catalog_tables_are_accepted_by_glue(moto_endpoint: str) -> None:
    glue = aws("glue", moto_endpoint)
    database = f"{catalog.DATABASE}_{uuid.uuid4().hex[:6]}"
    glue.create_database(DatabaseInput={"Name": database})
    for table in catalog.TABLES:
        glue.create_table(DatabaseName=database, TableInput=table.table_input("s3://lake"))
    events = glue.get_table(DatabaseName=database, Name="events")["Table"]
    assert [c["Name"] for c in events["PartitionKeys"]] == ["dt", "hour"]
    assert events["StorageDescriptor"]["Location"] == "s3://lake/events/"
    assert events["Parameters"]["projection.enabled"] == "true"
    names = {t["Name"] for t in glue.get_tables(DatabaseName=database)["TableList"]}
    assert names == {"events", "sessions", "interactions", "daily_demand"}
