"""The AWS infrastructure as a CDK app (Python): ``python -m infra.cdk.app`` synthesizes it.

``DataStack`` holds the event stream, the lake, the Glue catalog and jobs, the DynamoDB tables
and the EventBridge bus; ``ServiceStack`` the network, OpenSearch, Redis and the API on ECS
Fargate behind a load balancer, with a task role granted only what the API uses.
"""
