"""The service stack: VPC, OpenSearch, ElastiCache Redis, Aurora PostgreSQL, Cognito, and the API
on ECS Fargate behind an ALB.

The task environment switches on every production backend: PostgreSQL (Aurora Serverless v2)
for the store, the conversation checkpoints and the chat sessions, OpenSearch search, the Redis
cache and rate limits, Bedrock Converse, S3 content, Kinesis events, Cognito tokens. The load
balancer carries the chat's WebSockets (an ALB upgrades them natively; its idle timeout is
raised so a quiet conversation is not cut). The database, Redis and OpenSearch admit only the
API's security group; the task role gets only the actions the API performs.

Context values (``cdk deploy -c name=value``):

- ``bedrockModelId``: the Bedrock model (or inference profile) id (default ``DEFAULT_MODEL_ID``).
- The image: built from the repository's ``Dockerfile`` when ``cdk deploy`` runs (a container
  asset; synthesis only stages the build context).
- ``certificateArn``: an ACM certificate for the load balancer's HTTPS listener (443, with
  port 80 redirected to it). Without one the stack serves plain HTTP on port 80 and synthesis
  warns: no certificate is made up.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import (
    Annotations,
    Duration,
    RemovalPolicy,
    Stack,
    aws_certificatemanager,
    aws_cognito,
    aws_ec2,
    aws_ecr_assets,
    aws_ecs,
    aws_ecs_patterns,
    aws_elasticache,
    aws_elasticloadbalancingv2,
    aws_iam,
    aws_opensearchservice,
    aws_rds,
    aws_secretsmanager,
)
from constructs import Construct

from infra.cdk import launch
from infra.cdk.data import DataStack

REPO_ROOT = Path(__file__).resolve().parents[2]  # where the Dockerfile is
PORT = 8000
REDIS_PORT = 6379
POSTGRES_PORT = 5432
DATABASE_NAME = "shopagent"
DATABASE_USER = "shopagent"
# Server processes per task (each its own runtime; the task has 2 vCPU).
WORKERS = 2
DEFAULT_MODEL_ID = "anthropic.claude-3-5-sonnet-20240620-v1:0"
# A model id with one of these prefixes is a cross-region inference profile.
INFERENCE_PROFILE_PREFIXES = ("us", "eu", "apac", "us-gov", "global")


def model_resources(stack: Stack, model_id: str) -> list[str]:
    """What Bedrock checks InvokeModel against for this id: the foundation model in the stack's
    region, or an inference profile and the foundation model it routes to in any region."""
    prefix, _, base = model_id.partition(".")
    if prefix in INFERENCE_PROFILE_PREFIXES and base:
        return [
            f"arn:{stack.partition}:bedrock:{stack.region}:{stack.account}"
            f":inference-profile/{model_id}",
            f"arn:{stack.partition}:bedrock:*::foundation-model/{base}",
        ]
    return [f"arn:{stack.partition}:bedrock:{stack.region}::foundation-model/{model_id}"]


def _generated_key(scope: Construct, name: str, description: str) -> aws_secretsmanager.Secret:
    """A secret of 43 letters and digits (the launch command pads it into base64 of 32 bytes)."""
    return aws_secretsmanager.Secret(
        scope,
        name,
        description=description,
        generate_secret_string=aws_secretsmanager.SecretStringGenerator(
            password_length=launch.KEY_TEXT_LENGTH,
            exclude_characters=launch.ALPHANUMERIC_ONLY,
            include_space=False,
        ),
        removal_policy=RemovalPolicy.RETAIN,
    )


class ServiceStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        data: DataStack,
        **kwargs: object,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        model_id = str(self.node.try_get_context("bedrockModelId") or DEFAULT_MODEL_ID)
        certificate_arn = self.node.try_get_context("certificateArn")

        vpc = aws_ec2.Vpc(self, "Vpc", max_azs=2, nat_gateways=1)
        private = aws_ec2.SubnetSelection(subnet_type=aws_ec2.SubnetType.PRIVATE_WITH_EGRESS)
        api_sg = aws_ec2.SecurityGroup(self, "ApiSecurityGroup", vpc=vpc)
        search_sg = aws_ec2.SecurityGroup(
            self, "SearchSecurityGroup", vpc=vpc, allow_all_outbound=False
        )
        search_sg.add_ingress_rule(api_sg, aws_ec2.Port.tcp(443), "API to OpenSearch")
        redis_sg = aws_ec2.SecurityGroup(
            self, "RedisSecurityGroup", vpc=vpc, allow_all_outbound=False
        )
        redis_sg.add_ingress_rule(api_sg, aws_ec2.Port.tcp(REDIS_PORT), "API to Redis")
        database_sg = aws_ec2.SecurityGroup(
            self, "DatabaseSecurityGroup", vpc=vpc, allow_all_outbound=False
        )
        database_sg.add_ingress_rule(api_sg, aws_ec2.Port.tcp(POSTGRES_PORT), "API to PostgreSQL")

        self.search = aws_opensearchservice.Domain(
            self,
            "Search",
            version=aws_opensearchservice.EngineVersion.OPENSEARCH_2_19,
            vpc=vpc,
            vpc_subnets=[private],
            security_groups=[search_sg],
            capacity=aws_opensearchservice.CapacityConfig(
                data_nodes=2,
                data_node_instance_type="r7g.large.search",
                multi_az_with_standby_enabled=False,
            ),
            ebs=aws_opensearchservice.EbsOptions(volume_size=20),
            zone_awareness=aws_opensearchservice.ZoneAwarenessConfig(
                enabled=True, availability_zone_count=2
            ),
            encryption_at_rest=aws_opensearchservice.EncryptionAtRestOptions(enabled=True),
            node_to_node_encryption=True,
            enforce_https=True,
        )

        subnets = aws_elasticache.CfnSubnetGroup(
            self,
            "RedisSubnets",
            description="shopagent cache",
            subnet_ids=vpc.select_subnets(
                subnet_type=aws_ec2.SubnetType.PRIVATE_WITH_EGRESS
            ).subnet_ids,
        )
        self.redis = aws_elasticache.CfnReplicationGroup(
            self,
            "Redis",
            replication_group_description="shopagent cache and rate limits",
            engine="redis",
            cache_node_type="cache.t4g.small",
            num_cache_clusters=2,
            automatic_failover_enabled=True,
            multi_az_enabled=True,
            at_rest_encryption_enabled=True,
            transit_encryption_enabled=True,
            cache_subnet_group_name=subnets.ref,
            security_group_ids=[redis_sg.security_group_id],
            port=REDIS_PORT,
        )
        # A cache: nothing in it outlives a deletion (said explicitly, not by default).
        self.redis.apply_removal_policy(RemovalPolicy.DESTROY)

        # The store, the conversation checkpoints and the chat sessions of every worker.
        self.database = aws_rds.DatabaseCluster(
            self,
            "Database",
            engine=aws_rds.DatabaseClusterEngine.aurora_postgres(
                version=aws_rds.AuroraPostgresEngineVersion.VER_17_5
            ),
            writer=aws_rds.ClusterInstance.serverless_v2("Writer"),
            readers=[aws_rds.ClusterInstance.serverless_v2("Reader", scale_with_writer=True)],
            serverless_v2_min_capacity=0.5,
            serverless_v2_max_capacity=8,
            credentials=aws_rds.Credentials.from_generated_secret(
                DATABASE_USER, exclude_characters=launch.ALPHANUMERIC_ONLY
            ),
            default_database_name=DATABASE_NAME,
            port=POSTGRES_PORT,
            vpc=vpc,
            vpc_subnets=private,
            security_groups=[database_sg],
            storage_encrypted=True,
            backup=aws_rds.BackupProps(retention=Duration.days(7)),
            deletion_protection=True,
            removal_policy=RemovalPolicy.SNAPSHOT,
        )
        database_secret = self.database.secret
        assert database_secret is not None  # from_generated_secret always makes one
        checkpoint_key = _generated_key(
            self, "CheckpointKey", "shopagent: AES-256-GCM key of the conversation checkpoints"
        )
        session_secret = _generated_key(
            self, "SessionSecret", "shopagent: signs visitors' cookies, hashes session ids"
        )

        # Shoppers and staff sign in here; the API checks the tokens against its JWKS.
        self.users = aws_cognito.UserPool(
            self,
            "Users",
            self_sign_up_enabled=False,
            sign_in_aliases=aws_cognito.SignInAliases(email=True),
            account_recovery=aws_cognito.AccountRecovery.EMAIL_ONLY,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.app_client = self.users.add_client(
            "WebClient", generate_secret=False, auth_flows=aws_cognito.AuthFlow(user_srp=True)
        )
        aws_cognito.CfnUserPoolGroup(
            self,
            "StaffGroup",
            user_pool_id=self.users.user_pool_id,
            group_name="staff",
            description="shop staff (SHOPAGENT_AUTH_STAFF_GROUP)",
        )

        role = aws_iam.Role(
            self, "ApiTaskRole", assumed_by=aws_iam.ServicePrincipal("ecs-tasks.amazonaws.com")
        )
        data.stream.grant_read_write(role)
        data.leases.grant_read_write_data(role)
        data.lake.grant_read_write(role)
        data.dead_letters.grant_put(role)
        data.content.grant_read_write(role)
        data.bus.grant_put_events_to(role)
        self.search.grant_read_write(role)
        # Converse authorizes as InvokeModel, ConverseStream as InvokeModelWithResponseStream.
        role.add_to_policy(
            aws_iam.PolicyStatement(
                actions=["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
                resources=model_resources(self, model_id),
            )
        )

        cluster = aws_ecs.Cluster(
            self, "Cluster", vpc=vpc, container_insights_v2=aws_ecs.ContainerInsights.ENABLED
        )
        issuer = self.users.user_pool_provider_url
        environment = {
            "SHOPAGENT_HOST": "0.0.0.0",
            "SHOPAGENT_PORT": str(PORT),
            "SHOPAGENT_AWS_REGION": self.region,
            "SHOPAGENT_DOCS_ENABLED": "false",
            # Only the load balancer's X-Forwarded-For is believed.
            "SHOPAGENT_TRUSTED_PROXIES": f'["{vpc.vpc_cidr_block}"]',
            "SHOPAGENT_MODEL": f"bedrock_converse:{model_id}",
            "SHOPAGENT_STORE_BACKEND": "postgres",
            "SHOPAGENT_CHECKPOINTER_BACKEND": "postgres",
            "SHOPAGENT_SESSIONS_BACKEND": "postgres",
            "SHOPAGENT_SEARCH_BACKEND": "opensearch",
            "SHOPAGENT_OPENSEARCH_URL": f"https://{self.search.domain_endpoint}",
            "SHOPAGENT_CACHE_BACKEND": "redis",
            # Transit encryption is on, so TLS (rediss); only the API's group reaches it.
            "SHOPAGENT_REDIS_URL": (
                f"rediss://{self.redis.attr_primary_end_point_address}"
                f":{self.redis.attr_primary_end_point_port}/0"
            ),
            "SHOPAGENT_CONTENT_BACKEND": "s3",
            "SHOPAGENT_CONTENT_BUCKET": data.content.bucket_name,
            "SHOPAGENT_EVENTS_BACKEND": "kinesis",
            # Kinesis hands shards out by lease: every worker of every task may process.
            "SHOPAGENT_EVENTS_PROCESS_IN_SERVER": "true",
            "SHOPAGENT_KINESIS_STREAM": data.stream.stream_name,
            "SHOPAGENT_EVENTS_LEASE_TABLE": data.leases.table_name,
            "SHOPAGENT_EVENTS_BUS": data.bus.event_bus_name,
            # Reorder alerts go to the bus too (the local alert log would be one task's file).
            "SHOPAGENT_ALERTS_BACKEND": "eventbridge",
            "SHOPAGENT_ALERTS_BUS": data.bus.event_bus_name,
            "SHOPAGENT_LAKE_URI": f"s3://{data.lake.bucket_name}",
            "SHOPAGENT_DEAD_LETTER_BUCKET": data.dead_letters.bucket_name,
            "SHOPAGENT_AUTH_ISSUER": issuer,
            "SHOPAGENT_AUTH_JWKS_URL": f"{issuer}/.well-known/jwks.json",
            "SHOPAGENT_AUTH_AUDIENCE": self.app_client.user_pool_client_id,
            # The launch command assembles SHOPAGENT_DATABASE_URL from these and the password.
            "DATABASE_USER": DATABASE_USER,
            "DATABASE_HOST": self.database.cluster_endpoint.hostname,
            "DATABASE_PORT": str(POSTGRES_PORT),
            "DATABASE_NAME": DATABASE_NAME,
        }
        secrets = {
            launch.DATABASE_PASSWORD: aws_ecs.Secret.from_secrets_manager(
                database_secret, "password"
            ),
            launch.CHECKPOINT_KEY_TEXT: aws_ecs.Secret.from_secrets_manager(checkpoint_key),
            launch.SESSION_SECRET_TEXT: aws_ecs.Secret.from_secrets_manager(session_secret),
        }
        https = certificate_arn is not None
        self.api = aws_ecs_patterns.ApplicationLoadBalancedFargateService(
            self,
            "Api",
            cluster=cluster,
            cpu=2048,
            memory_limit_mib=8192,
            desired_count=2,
            security_groups=[api_sg],
            task_subnets=private,
            public_load_balancer=True,
            task_image_options=aws_ecs_patterns.ApplicationLoadBalancedTaskImageOptions(
                # Built from the Dockerfile by `cdk deploy` (docker) and pushed to the
                # bootstrap's asset repository; .dockerignore keeps the context to the packages.
                image=aws_ecs.ContainerImage.from_asset(
                    str(REPO_ROOT), platform=aws_ecr_assets.Platform.LINUX_AMD64
                ),
                container_port=PORT,
                environment=environment,
                secrets=secrets,
                entry_point=["/bin/sh", "-c"],
                command=[launch.launch_script(f"shopagent serve --workers {WORKERS}")],
                task_role=role,
            ),
            circuit_breaker=aws_ecs.DeploymentCircuitBreaker(rollback=True),
            # A first start loads the demo store into PostgreSQL and trains the recommender.
            health_check_grace_period=Duration.minutes(5),
            certificate=(
                aws_certificatemanager.Certificate.from_certificate_arn(
                    self, "Certificate", str(certificate_arn)
                )
                if https
                else None
            ),
            protocol=(
                aws_elasticloadbalancingv2.ApplicationProtocol.HTTPS
                if https
                else aws_elasticloadbalancingv2.ApplicationProtocol.HTTP
            ),
            redirect_http=https,
            ssl_policy=(aws_elasticloadbalancingv2.SslPolicy.RECOMMENDED_TLS if https else None),
        )
        if not https:
            Annotations.of(self).add_warning(
                "no certificateArn in the context: the load balancer serves plain HTTP on "
                "port 80 (pass -c certificateArn=arn:aws:acm:... for HTTPS)"
            )
        # WebSockets: keep quiet chat connections open for up to an hour.
        self.api.load_balancer.set_attribute("idle_timeout.timeout_seconds", "3600")
        self.api.target_group.configure_health_check(
            path="/healthz", healthy_http_codes="200", interval=Duration.seconds(15)
        )
