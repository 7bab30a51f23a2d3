"""The CDK app synthesizes offline; its templates hold what production needs and pass cfn-lint."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration

CERTIFICATE = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d"
MODEL_ID = "eu.anthropic.claude-3-7-sonnet-20250219-v1:0"


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Both stacks synthesized once: name -> ``aws_cdk.assertions.Template``."""
    from aws_cdk.assertions import Template

    from infra.cdk.app import build_app

    app = build_app(
        str(tmp_path_factory.mktemp("cdk.out")),
        context={"certificateArn": CERTIFICATE, "bedrockModelId": MODEL_ID},
    )
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
    # Only the Kinesis consumer's lease table: the store and the checkpoints are in PostgreSQL.
    tables_ddb = data.find_resources("AWS::DynamoDB::Table")
    assert len(tables_ddb) == 1
    (table,) = tables_ddb.values()
    assert table["Properties"]["KeySchema"] == [{"AttributeName": "lease_key", "KeyType": "HASH"}]
    assert table["Properties"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["Properties"]["SSESpecification"]["SSEEnabled"] is True
    data.has_resource_properties("AWS::Events::EventBus", {"Name": "shopagent"})


def test_the_service_runs_on_fargate_behind_a_websocket_friendly_balancer(
    templates: dict[str, Any],
) -> None:
    from aws_cdk.assertions import Match

    service, _ = templates["ShopagentService"]
    service.has_resource_properties(
        "AWS::ECS::Service",
        {"LaunchType": "FARGATE", "DesiredCount": 2, "HealthCheckGracePeriodSeconds": 300},
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
    assert {"es:ESHttpGet", "es:ESHttpPut", "es:ESHttpPost"} <= actions
    assert not any(a.startswith(("iam:", "glue:", "kms:Create", "rds:")) for a in actions)
    # The removed DynamoDB store and checkpoint tables left no grant behind: every DynamoDB
    # statement names the lease table the data stack exports, and only it.
    dynamo = [
        json.dumps(s["Resource"])
        for s in task[0]["Properties"]["PolicyDocument"]["Statement"]
        if any(str(a).startswith("dynamodb:") for a in s["Action"])
    ]
    assert dynamo
    for resource in dynamo:
        assert resource.count("ExportsOutput") == 1 and "EventLeases" in resource, resource


def _task(templates: dict[str, Any]) -> dict[str, Any]:
    service, _ = templates["ShopagentService"]
    (task,) = service.find_resources("AWS::ECS::TaskDefinition").values()
    (container,) = task["Properties"]["ContainerDefinitions"]
    return dict(container)


def test_the_task_environment_switches_on_every_production_backend(
    templates: dict[str, Any],
) -> None:
    environment = {e["Name"]: e["Value"] for e in _task(templates)["Environment"]}
    assert {
        name: environment[name]
        for name in (
            "SHOPAGENT_STORE_BACKEND",
            "SHOPAGENT_CHECKPOINTER_BACKEND",
            "SHOPAGENT_SESSIONS_BACKEND",
            "SHOPAGENT_SEARCH_BACKEND",
            "SHOPAGENT_CACHE_BACKEND",
            "SHOPAGENT_CONTENT_BACKEND",
            "SHOPAGENT_EVENTS_BACKEND",
            "SHOPAGENT_EVENTS_PROCESS_IN_SERVER",
            "SHOPAGENT_ALERTS_BACKEND",
            "SHOPAGENT_DOCS_ENABLED",
            "SHOPAGENT_MODEL",
            "SHOPAGENT_HOST",
        )
    } == {
        "SHOPAGENT_STORE_BACKEND": "postgres",
        "SHOPAGENT_CHECKPOINTER_BACKEND": "postgres",
        "SHOPAGENT_SESSIONS_BACKEND": "postgres",
        "SHOPAGENT_SEARCH_BACKEND": "opensearch",
        "SHOPAGENT_CACHE_BACKEND": "redis",
        "SHOPAGENT_CONTENT_BACKEND": "s3",
        "SHOPAGENT_EVENTS_BACKEND": "kinesis",
        "SHOPAGENT_EVENTS_PROCESS_IN_SERVER": "true",
        "SHOPAGENT_ALERTS_BACKEND": "eventbridge",
        "SHOPAGENT_DOCS_ENABLED": "false",
        "SHOPAGENT_MODEL": f"bedrock_converse:{MODEL_ID}",
        "SHOPAGENT_HOST": "0.0.0.0",
    }

    # Each service's address comes from the resource the stack made (Fn::GetAtt / Ref).
    def refers_to(name: str, logical_prefix: str) -> bool:
        return logical_prefix in json.dumps(environment[name])

    assert refers_to("SHOPAGENT_OPENSEARCH_URL", "Search")
    assert json.dumps(environment["SHOPAGENT_REDIS_URL"]).startswith(
        '{"Fn::Join": ["", ["rediss://'
    )
    assert refers_to("SHOPAGENT_REDIS_URL", "PrimaryEndPoint.Address")
    assert refers_to("SHOPAGENT_CONTENT_BUCKET", "Content")
    assert refers_to("SHOPAGENT_KINESIS_STREAM", "Events")
    assert refers_to("SHOPAGENT_EVENTS_LEASE_TABLE", "EventLeases")
    assert refers_to("SHOPAGENT_ALERTS_BUS", "Bus") and refers_to("SHOPAGENT_EVENTS_BUS", "Bus")
    assert refers_to("DATABASE_HOST", "Endpoint.Address")
    assert refers_to("SHOPAGENT_AUTH_ISSUER", "Users")
    assert refers_to("SHOPAGENT_AUTH_AUDIENCE", "UsersWebClient")
    assert json.dumps(environment["SHOPAGENT_AUTH_JWKS_URL"]).endswith('/.well-known/jwks.json"]]}')
    assert refers_to("SHOPAGENT_TRUSTED_PROXIES", "CidrBlock")
    # No secret travels as plain environment.
    assert not {
        "SHOPAGENT_DATABASE_URL",
        "SHOPAGENT_CHECKPOINT_KEY",
        "SHOPAGENT_SESSION_SECRET",
    } & set(environment)


def test_secrets_come_from_secrets_manager_and_the_launch_command_assembles_them(
    templates: dict[str, Any],
) -> None:
    from infra.cdk import launch

    service, _ = templates["ShopagentService"]
    container = _task(templates)
    secrets = {s["Name"]: json.dumps(s["ValueFrom"]) for s in container["Secrets"]}
    assert set(secrets) == {"DATABASE_PASSWORD", "CHECKPOINT_KEY_TEXT", "SESSION_SECRET_TEXT"}
    assert secrets["DATABASE_PASSWORD"].endswith(':password::"]]}')
    assert "CheckpointKey" in secrets["CHECKPOINT_KEY_TEXT"]
    assert "SessionSecret" in secrets["SESSION_SECRET_TEXT"]
    assert container["EntryPoint"] == ["/bin/sh", "-c"]
    assert container["Command"] == [launch.launch_script("shopagent serve --workers 2")]
    # Generated: the two keys as 43 letters and digits, the database password without any
    # character a URL or a shell would need quoted.
    generated = [
        s["Properties"]["GenerateSecretString"]
        for s in service.find_resources("AWS::SecretsManager::Secret").values()
    ]
    assert len(generated) == 3
    for generator in generated:
        assert set(generator["ExcludeCharacters"]) >= set("@:/?#%&+ '\"$`")
    assert sorted(g["PasswordLength"] for g in generated) == [30, 43, 43]  # 30: the RDS default
    # The execution role may read exactly these three secrets.
    policies = service.find_resources("AWS::IAM::Policy")
    (execution,) = [p for n, p in policies.items() if n.startswith("ApiTaskDefExecutionRole")]
    reads = [
        json.dumps(s["Resource"])
        for s in execution["Properties"]["PolicyDocument"]["Statement"]
        if "secretsmanager:GetSecretValue" in s["Action"]
    ]
    assert len(reads) == 3
    assert any("DatabaseSecret" in r for r in reads)
    assert any("CheckpointKey" in r for r in reads)
    assert any("SessionSecret" in r for r in reads)


def test_the_launch_command_yields_settings_the_app_accepts(tmp_path: Path) -> None:
    """Run the very shell text the task runs, with parts shaped like the generated secrets, and
    read what it exports through the app's own decoders."""
    import secrets as random
    import string
    import subprocess

    from psycopg.conninfo import conninfo_to_dict

    from infra.cdk import launch
    from infra.conversations import checkpoint_key
    from infra.sessions import session_secret
    from infra.settings import Settings

    alphabet = string.ascii_letters + string.digits
    assert set(alphabet).isdisjoint(launch.ALPHANUMERIC_ONLY)

    def text(n: int) -> str:
        return "".join(random.choice(alphabet) for _ in range(n))

    password = text(30)
    parts = {
        "PATH": "/usr/bin:/bin",
        "DATABASE_USER": "shopagent",
        "DATABASE_PASSWORD": password,
        "DATABASE_HOST": "db.cluster-abc.eu-west-1.rds.amazonaws.com",
        "DATABASE_PORT": "5432",
        "DATABASE_NAME": "shopagent",
        "CHECKPOINT_KEY_TEXT": text(launch.KEY_TEXT_LENGTH),
        "SESSION_SECRET_TEXT": text(launch.KEY_TEXT_LENGTH),
    }
    shown = subprocess.run(
        ["/bin/sh", "-c", launch.launch_script("env")],
        env=parts,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    exported = dict(line.split("=", 1) for line in shown.splitlines() if "=" in line)
    # The parts that carried secrets are gone from what `shopagent serve` would see.
    assert not {"DATABASE_PASSWORD", "CHECKPOINT_KEY_TEXT", "SESSION_SECRET_TEXT"} & set(exported)
    settings = Settings(
        data_dir=tmp_path,
        database_url=exported["SHOPAGENT_DATABASE_URL"],
        checkpoint_key=exported["SHOPAGENT_CHECKPOINT_KEY"],
        session_secret=exported["SHOPAGENT_SESSION_SECRET"],
    )
    assert settings.database_url is not None
    assert conninfo_to_dict(settings.database_url.get_secret_value()) == {
        "user": "shopagent",
        "password": password,
        "host": "db.cluster-abc.eu-west-1.rds.amazonaws.com",
        "port": "5432",
        "dbname": "shopagent",
        "sslmode": "require",
    }
    assert len(checkpoint_key(settings)) == 32
    assert len(session_secret(settings)) == 32


def test_bedrock_is_granted_on_the_configured_model_only(templates: dict[str, Any]) -> None:
    service, _ = templates["ShopagentService"]
    policies = service.find_resources("AWS::IAM::Policy")
    (task,) = [p for n, p in policies.items() if n.startswith("ApiTaskRoleDefaultPolicy")]
    (bedrock,) = [
        s
        for s in task["Properties"]["PolicyDocument"]["Statement"]
        if "bedrock:InvokeModel" in s["Action"]
    ]
    assert sorted(bedrock["Action"]) == [
        "bedrock:InvokeModel",
        "bedrock:InvokeModelWithResponseStream",
    ]
    resources = json.dumps(bedrock["Resource"])
    # An inference profile id: the profile in the stack's region and the model it routes to.
    assert f":inference-profile/{MODEL_ID}" in resources
    assert "foundation-model/anthropic.claude-3-7-sonnet-20250219-v1:0" in resources
    assert "foundation-model/*" not in resources


def test_database_redis_and_search_admit_only_the_api_security_group(
    templates: dict[str, Any],
) -> None:
    service, _ = templates["ShopagentService"]
    groups = service.find_resources("AWS::EC2::SecurityGroup")
    (api,) = [n for n in groups if n.startswith("ApiSecurityGroup")]
    ingress = service.find_resources("AWS::EC2::SecurityGroupIngress")
    by_target: dict[str, list[dict[str, Any]]] = {}
    for rule in ingress.values():
        target = rule["Properties"]["GroupId"]["Fn::GetAtt"][0]
        by_target.setdefault(target, []).append(rule["Properties"])
    for prefix, port in (
        ("DatabaseSecurityGroup", 5432),
        ("RedisSecurityGroup", 6379),
        ("SearchSecurityGroup", 443),
    ):
        (group,) = [n for n in groups if n.startswith(prefix)]
        # No inline rule opens it to an address range, and it sends nothing out (CDK's
        # placeholder for "no egress" is the one rule) ...
        assert "SecurityGroupIngress" not in groups[group]["Properties"]
        (egress,) = groups[group]["Properties"]["SecurityGroupEgress"]
        assert egress["Description"] == "Disallow all traffic"
        assert egress["CidrIp"] == "255.255.255.255/32"
        # ... and its one ingress rule is from the API's group on the service's port.
        (rule,) = by_target[group]
        assert rule["SourceSecurityGroupId"] == {"Fn::GetAtt": [api, "GroupId"]}
        assert (rule["FromPort"], rule["ToPort"], rule["IpProtocol"]) == (port, port, "tcp")
    service.has_resource_properties(
        "AWS::RDS::DBCluster",
        {
            "Engine": "aurora-postgresql",
            "StorageEncrypted": True,
            "DeletionProtection": True,
            "ServerlessV2ScalingConfiguration": {"MinCapacity": 0.5, "MaxCapacity": 8},
        },
    )
    for instance in service.find_resources("AWS::RDS::DBInstance").values():
        assert instance["Properties"]["DBInstanceClass"] == "db.serverless"


def test_cognito_pool_client_and_staff_group(templates: dict[str, Any]) -> None:
    service, _ = templates["ShopagentService"]
    service.resource_count_is("AWS::Cognito::UserPool", 1)
    service.has_resource_properties("AWS::Cognito::UserPoolClient", {"GenerateSecret": False})
    service.has_resource_properties("AWS::Cognito::UserPoolGroup", {"GroupName": "staff"})


def test_https_listener_with_the_given_certificate_and_http_redirected(
    templates: dict[str, Any],
) -> None:
    service, _ = templates["ShopagentService"]
    service.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener",
        {"Port": 443, "Protocol": "HTTPS", "Certificates": [{"CertificateArn": CERTIFICATE}]},
    )
    service.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener",
        {
            "Port": 80,
            "DefaultActions": [
                {
                    "Type": "redirect",
                    "RedirectConfig": {
                        "Port": "443",
                        "Protocol": "HTTPS",
                        "StatusCode": "HTTP_301",
                    },
                }
            ],
        },
    )


def test_without_a_certificate_the_stack_serves_http_and_warns(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    from aws_cdk.assertions import Annotations, Match, Template

    from infra.cdk.app import build_app

    app = build_app(str(tmp_path_factory.mktemp("cdk.out")))
    service = app.node.find_child("ShopagentService")
    template = Template.from_stack(service)  # type: ignore[arg-type]
    listeners = template.find_resources("AWS::ElasticLoadBalancingV2::Listener")
    assert [(p["Properties"]["Port"], p["Properties"]["Protocol"]) for p in listeners.values()] == [
        (80, "HTTP")
    ]
    Annotations.from_stack(service).has_warning(  # type: ignore[arg-type]
        "*", Match.string_like_regexp("no certificateArn")
    )
    # The default model: a foundation model in the stack's region.
    assert "foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0" in json.dumps(
        template.find_resources("AWS::IAM::Policy")
    )


def test_cfn_lint_finds_no_errors(templates: dict[str, Any]) -> None:
    from cfnlint.api import REGIONS, ManualArgs, lint

    # Every region but China's: the service stack's Cognito user pool does not exist there.
    regions = [r for r in REGIONS if not r.startswith("cn-")]
    for name, (_, outdir) in templates.items():
        text = (outdir / f"{name}.template.json").read_text()
        json.loads(text)
        matches = lint(text, config=ManualArgs(regions=regions))
        errors = [m for m in matches if m.rule.id.startswith("E")]
        assert errors == [], f"{name}: " + "; ".join(str(m) for m in errors)


def test_the_image_is_built_from_the_dockerfile_with_only_the_packages(
    templates: dict[str, Any],
) -> None:
    _, outdir = templates["ShopagentService"]
    manifest = json.loads((outdir / "ShopagentService.assets.json").read_text())
    ((digest, image),) = manifest["dockerImages"].items()
    assert image["source"]["platform"] == "linux/amd64"
    assert "dockerFile" not in image["source"]  # the default: the Dockerfile at the root
    assert digest in json.dumps(_task(templates)["Image"])
    # The staged build context holds what the Dockerfile copies, and nothing else.
    context = outdir / image["source"]["directory"]
    assert {p.name for p in context.iterdir()} == {
        ".dockerignore",
        "Dockerfile",
        "README.md",
        "pyproject.toml",
        "requirements-runtime.lock",
        "agents",
        "tools",
        "graphs",
        "assembly",
        "api",
        "infra",
        "evals",
    }
    assert not list(context.rglob("__pycache__"))
