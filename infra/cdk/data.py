"""The data stack: Kinesis, S3 buckets, Glue database, tables and jobs, the events lease table
(DynamoDB), EventBridge. The store, checkpoints and sessions live in PostgreSQL (the service
stack's Aurora cluster)."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import (
    Duration,
    RemovalPolicy,
    Stack,
    aws_dynamodb,
    aws_events,
    aws_glue,
    aws_iam,
    aws_kinesis,
    aws_s3,
    aws_s3_assets,
)
from constructs import Construct

from infra.glue import catalog
from infra.glue.jobs import JOBS

GLUE_SCRIPT = Path(__file__).resolve().parent.parent / "glue" / "jobs.py"


def _bucket(scope: Construct, name: str) -> aws_s3.Bucket:
    """A private, versioned, encrypted bucket that only accepts TLS and outlives the stack."""
    return aws_s3.Bucket(
        scope,
        name,
        versioned=True,
        encryption=aws_s3.BucketEncryption.S3_MANAGED,
        block_public_access=aws_s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        removal_policy=RemovalPolicy.RETAIN,
    )


def _table(scope: Construct, name: str, key: str) -> aws_dynamodb.Table:
    return aws_dynamodb.Table(
        scope,
        name,
        partition_key=aws_dynamodb.Attribute(name=key, type=aws_dynamodb.AttributeType.STRING),
        billing_mode=aws_dynamodb.BillingMode.PAY_PER_REQUEST,
        encryption=aws_dynamodb.TableEncryption.AWS_MANAGED,
        point_in_time_recovery_specification=aws_dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True
        ),
        removal_policy=RemovalPolicy.RETAIN,
    )


class DataStack(Stack):
    """Everything that holds data; the service stack is granted access to its parts."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        self.stream = aws_kinesis.Stream(
            self,
            "Events",
            stream_mode=aws_kinesis.StreamMode.ON_DEMAND,
            encryption=aws_kinesis.StreamEncryption.MANAGED,
            retention_period=Duration.days(7),
        )
        self.lake = _bucket(self, "Lake")
        self.dead_letters = _bucket(self, "DeadLetters")
        self.content = _bucket(self, "Content")
        # Which Kinesis consumer holds which shard (infra/events).
        self.leases = _table(self, "EventLeases", "lease_key")
        self.bus = aws_events.EventBus(self, "Bus", event_bus_name="shopagent")
        self._glue()

    def _glue(self) -> None:
        lake = f"s3://{self.lake.bucket_name}"
        database = aws_glue.CfnDatabase(
            self,
            "GlueDatabase",
            catalog_id=self.account,
            database_input=aws_glue.CfnDatabase.DatabaseInputProperty(
                name=catalog.DATABASE, description="shopagent's data lake"
            ),
        )
        for table in catalog.TABLES:
            definition = aws_glue.CfnTable(
                self,
                f"GlueTable-{table.name}",
                catalog_id=self.account,
                database_name=catalog.DATABASE,
                table_input=_table_input(table, lake),
            )
            definition.node.add_dependency(database)
        role = aws_iam.Role(
            self,
            "GlueJobRole",
            assumed_by=aws_iam.ServicePrincipal("glue.amazonaws.com"),
            managed_policies=[
                aws_iam.ManagedPolicy.from_aws_managed_policy_name(
                    "service-role/AWSGlueServiceRole"
                )
            ],
        )
        self.lake.grant_read_write(role)
        script = aws_s3_assets.Asset(self, "GlueScript", path=str(GLUE_SCRIPT))
        script.grant_read(role)
        for job in JOBS:
            aws_glue.CfnJob(
                self,
                f"GlueJob-{job}",
                name=f"shopagent-{job.replace('_', '-')}",
                role=role.role_arn,
                command=aws_glue.CfnJob.JobCommandProperty(
                    name="glueetl", python_version="3", script_location=script.s3_object_url
                ),
                glue_version="5.0",
                worker_type="G.1X",
                number_of_workers=2,
                timeout=60,
                default_arguments={"--job": job, "--lake": lake},
            )


def _table_input(table: catalog.Table, lake: str) -> aws_glue.CfnTable.TableInputProperty:
    def columns(pairs: tuple[tuple[str, str], ...]) -> list[aws_glue.CfnTable.ColumnProperty]:
        return [aws_glue.CfnTable.ColumnProperty(name=n, type=t) for n, t in pairs]

    location = f"{lake}/{table.folder}/"
    return aws_glue.CfnTable.TableInputProperty(
        name=table.name,
        table_type="EXTERNAL_TABLE",
        parameters=table.parameters(location),
        partition_keys=columns(table.partitions),
        storage_descriptor=aws_glue.CfnTable.StorageDescriptorProperty(
            columns=columns(table.columns),
            location=location,
            input_format=catalog.PARQUET_INPUT,
            output_format=catalog.PARQUET_OUTPUT,
            serde_info=aws_glue.CfnTable.SerdeInfoProperty(
                serialization_library=catalog.PARQUET_SERDE
            ),
        ),
    )
