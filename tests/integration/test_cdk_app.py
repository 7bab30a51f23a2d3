"""The CDK app synthesizes offline; its templates hold what production needs and pass cfn-lint."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Both stacks synthesized once: name -> ``aws_cdk.assertions.Template``."""
    from aws_cdk.assertions import Template

    from infra.cdk.app import build_app

    app = build_app(str(tmp_path_factory.mktemp("cdk.out")), image_tag="v1")
    assembly = app.synth()
    return {
        stack.stack_name: (Template.from_json(stack.template), Path(assembly.directory))
        for stack in assembly.stacks
    }


def test_the_event_stream_and_buckets_are_encrypted_and_the_buckets_versioned(
    templates: dict[str, Any],
) -> None:
    from aws_cdk.assertions import Match

    data, _ = templates["ShopagentData"]
    data.resource_count_is("AWS::Kinesis::Stream", 1)
    data.has_resource_properties(
        "AWS::Kinesis::Stream",
        {
            "StreamEncryption": {"EncryptionType": "KMS"},
            "StreamModeDetails": {"StreamMode": "ON_DEMAND"},
        },
    )
    buckets = data.find_resources("AWS::S3::Bucket")
    assert len(buckets) == 3
    for bucket in buckets.values():
        props = bucket["Properties"]
        assert props["VersioningConfiguration"] == {"Status": "Enabled"}
        assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert props["PublicAccessBlockConfiguration"]["BlockPublicAcls"] is True
    # Every bucket refuses plain HTTP.
    data.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        )
                    ]
                )
            }
        },
    )


def test_glue_catalog_jobs_dynamodb_and_eventbridge(templates: dict[str, Any]) -> None:
    data, _ = templates["ShopagentData"]
    data.has_resource_properties("AWS::Glue::Database", {"DatabaseInput": {"Name": "shopagent"}})
    tables = data.find_resources("AWS::Glue::Table")
    names = {t["Properties"]["TableInput"]["Name"] for t in tables.values()}
    assert names == {"events", "sessions", "interactions", "daily_demand"}
    jobs = data.find_resources("AWS::Glue::Job")
    assert {j["Properties"]["DefaultArguments"]["--job"] for j in jobs.values()} == {
        "sessionize",
        "interactions",
        "daily_demand",
    }
    for job in jobs.values():
        assert job["Properties"]["Command"]["Name"] == "glueetl"
    data.resource_count_is("AWS::DynamoDB::Table", 3)
    for table in data.find_resources("AWS::DynamoDB::Table").values():
        assert table["Properties"]["BillingMode"] == "PAY_PER_REQUEST"
        assert table["Properties"]["SSESpecification"]["SSEEnabled"] is True
    data.has_resource_properties("AWS::Events::EventBus", {"Name": "shopagent"})


def test_the_service_runs_on_fargate_behind_a_websocket_friendly_balancer(
    templates: dict[str, Any],
) -> None:
    from aws_cdk.assertions import Match

    service, _ = templates["ShopagentService"]
    service.has_resource_properties(
        "AWS::ECS::Service", {"LaunchType": "FARGATE", "DesiredCount": 2}
    )
    service.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {
            "LoadBalancerAttributes": Match.array_with(
                [{"Key": "idle_timeout.timeout_seconds", "Value": "3600"}]
            )
        },
    )
    service.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::TargetGroup", {"HealthCheckPath": "/healthz"}
    )
    service.has_resource_properties(
        "AWS::ECS::TaskDefinition",
        {
            "ContainerDefinitions": [
                Match.object_like({"PortMappings": [Match.object_like({"ContainerPort": 8000})]})
            ]
        },
    )
    service.has_resource_properties(
        "AWS::OpenSearchService::Domain",
        {"EngineVersion": "OpenSearch_2.19", "NodeToNodeEncryptionOptions": {"Enabled": True}},
    )
    service.has_resource_properties(
        "AWS::ElastiCache::ReplicationGroup",
        {"Engine": "redis", "TransitEncryptionEnabled": True, "AtRestEncryptionEnabled": True},
    )


def test_the_task_role_is_least_privilege(templates: dict[str, Any]) -> None:
    service, _ = templates["ShopagentService"]
    policies = service.find_resources("AWS::IAM::Policy")
    task = [p for name, p in policies.items() if name.startswith("ApiTaskRoleDefaultPolicy")]
    assert len(task) == 1
    actions: set[str] = set()
    for statement in task[0]["Properties"]["PolicyDocument"]["Statement"]:
        granted = statement["Action"]
        actions.update([granted] if isinstance(granted, str) else granted)
        assert statement["Resource"] != "*", f"{granted} is granted on every resource"
    assert not any(a == "*" or a.endswith(":*") for a in actions), sorted(actions)
    assert {"kinesis:PutRecords", "kinesis:GetRecords", "events:PutEvents"} <= actions
    assert {"bedrock:InvokeModel", "dynamodb:UpdateItem", "s3:PutObject"} <= actions
    assert not any(a.startswith(("iam:", "glue:", "kms:Create")) for a in actions)


def test_cfn_lint_finds_no_errors(templates: dict[str, Any]) -> None:
    from cfnlint.api import lint_all

    for name, (_, outdir) in templates.items():
        text = (outdir / f"{name}.template.json").read_text()
        json.loads(text)
        matches = lint_all(text)
        errors = [m for m in matches if m.rule.id.startswith("E")]
        assert errors == [], f"{name}: " + "; ".join(str(m) for m in errors)
