"""The service stack: VPC, OpenSearch, ElastiCache Redis, and the API on ECS Fargate behind an ALB.

The load balancer carries the chat's WebSockets (an ALB upgrades them natively; its idle
timeout is raised so a quiet conversation is not cut). The task role gets only the actions
the API performs on the data stack's resources.
"""

from __future__ import annotations

from aws_cdk import (
    Duration,
    Stack,
    aws_ec2,
    aws_ecr,
    aws_ecs,
    aws_ecs_patterns,
    aws_elasticache,
    aws_iam,
    aws_opensearchservice,
)
from constructs import Construct

from infra.cdk.data import DataStack

PORT = 8000
REDIS_PORT = 6379


class ServiceStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        data: DataStack,
        image_tag: str = "latest",
        **kwargs: object,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        vpc = aws_ec2.Vpc(self, "Vpc", max_azs=2, nat_gateways=1)
        private = aws_ec2.SubnetSelection(subnet_type=aws_ec2.SubnetType.PRIVATE_WITH_EGRESS)
        api_sg = aws_ec2.SecurityGroup(self, "ApiSecurityGroup", vpc=vpc)
        search_sg = aws_ec2.SecurityGroup(self, "SearchSecurityGroup", vpc=vpc)
        search_sg.add_ingress_rule(api_sg, aws_ec2.Port.tcp(443), "API to OpenSearch")
        redis_sg = aws_ec2.SecurityGroup(self, "RedisSecurityGroup", vpc=vpc)
        redis_sg.add_ingress_rule(api_sg, aws_ec2.Port.tcp(REDIS_PORT), "API to Redis")

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

        role = aws_iam.Role(
            self, "ApiTaskRole", assumed_by=aws_iam.ServicePrincipal("ecs-tasks.amazonaws.com")
        )
        data.stream.grant_read_write(role)
        data.leases.grant_read_write_data(role)
        data.store.grant_read_write_data(role)
        data.chat_checkpoints.grant_read_write_data(role)
        data.lake.grant_read_write(role)
        data.dead_letters.grant_put(role)
        data.content.grant_read_write(role)
        data.bus.grant_put_events_to(role)
        self.search.grant_read_write(role)
        role.add_to_policy(
            aws_iam.PolicyStatement(
                actions=["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
                resources=[f"arn:{self.partition}:bedrock:{self.region}::foundation-model/*"],
            )
        )

        repository = aws_ecr.Repository(
            self,
            "ApiImages",
            image_scan_on_push=True,
            image_tag_mutability=aws_ecr.TagMutability.IMMUTABLE,
        )
        cluster = aws_ecs.Cluster(
            self, "Cluster", vpc=vpc, container_insights_v2=aws_ecs.ContainerInsights.ENABLED
        )
        environment = {
            "SHOPAGENT_HOST": "0.0.0.0",
            "SHOPAGENT_PORT": str(PORT),
            "SHOPAGENT_AWS_REGION": self.region,
            "SHOPAGENT_EVENTS_BACKEND": "kinesis",
            "SHOPAGENT_KINESIS_STREAM": data.stream.stream_name,
            "SHOPAGENT_EVENTS_LEASE_TABLE": data.leases.table_name,
            "SHOPAGENT_EVENTS_BUS": data.bus.event_bus_name,
            "SHOPAGENT_LAKE_URI": f"s3://{data.lake.bucket_name}",
            "SHOPAGENT_DEAD_LETTER_BUCKET": data.dead_letters.bucket_name,
            "SHOPAGENT_CONTENT_BUCKET": data.content.bucket_name,
            "SHOPAGENT_OPENSEARCH_URL": f"https://{self.search.domain_endpoint}",
        }
        self.api = aws_ecs_patterns.ApplicationLoadBalancedFargateService(
            self,
            "Api",
            cluster=cluster,
            cpu=1024,
            memory_limit_mib=4096,
            desired_count=2,
            security_groups=[api_sg],
            task_subnets=private,
            public_load_balancer=True,
            task_image_options=aws_ecs_patterns.ApplicationLoadBalancedTaskImageOptions(
                image=aws_ecs.ContainerImage.from_ecr_repository(repository, image_tag),
                container_port=PORT,
                environment=environment,
                task_role=role,
            ),
            circuit_breaker=aws_ecs.DeploymentCircuitBreaker(rollback=True),
        )
        # WebSockets: keep quiet chat connections open for up to an hour.
        self.api.load_balancer.set_attribute("idle_timeout.timeout_seconds", "3600")
        self.api.target_group.configure_health_check(
            path="/healthz", healthy_http_codes="200", interval=Duration.seconds(15)
        )
