"""One factory per external client; each reads ``Settings`` and holds no other logic."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config
from opensearchpy import (
    AsyncHttpConnection,
    AsyncOpenSearch,
    AWSV4SignerAsyncAuth,
    OpenSearch,
    Urllib3AWSV4SignerAuth,
)
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from infra.errors import ConfigError
from infra.settings import Settings


def _aws_client(service: str, settings: Settings, endpoint_url: str | None, config: Config) -> Any:
    return boto3.client(
        service, region_name=settings.aws_region, endpoint_url=endpoint_url, config=config
    )


# Calls made on a shopper's behalf: short timeouts, one retry.
_REQUEST = Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 2})
# The event pipeline retries on its own (with backoff, only what failed), so one call each.
_PIPELINE = Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 1})


def bedrock_runtime_client(settings: Settings) -> Any:
    """A ``bedrock-runtime`` client (Converse / ConverseStream) with short timeouts."""
    # One attempt per call: agents.resilience is the retry loop (budgeted per chat turn).
    retries = {"total_max_attempts": 1, "mode": "standard"}
    config = Config(
        connect_timeout=settings.bedrock_connect_timeout_s,
        read_timeout=settings.bedrock_timeout_s,
        retries=retries,
    )
    return _aws_client("bedrock-runtime", settings, settings.bedrock_endpoint_url, config)


def comprehend_client(settings: Settings) -> Any:
    """An Amazon Comprehend client with short timeouts."""
    return _aws_client("comprehend", settings, settings.comprehend_endpoint_url, _REQUEST)


def s3_client(settings: Settings) -> Any:
    """An S3 client (the content store in production)."""
    return _aws_client("s3", settings, settings.s3_endpoint_url, _REQUEST)


def kinesis_client(settings: Settings) -> Any:
    """A Kinesis Data Streams client (the event stream in production)."""
    return _aws_client("kinesis", settings, settings.kinesis_endpoint_url, _PIPELINE)


def dynamodb_client(settings: Settings) -> Any:
    """A DynamoDB client (the event processor's lease table in production)."""
    return _aws_client("dynamodb", settings, settings.dynamodb_endpoint_url, _PIPELINE)


def eventbridge_client(settings: Settings) -> Any:
    """An EventBridge client (alerts in production)."""
    return _aws_client("events", settings, settings.eventbridge_endpoint_url, _PIPELINE)


def lake_filesystem(settings: Settings) -> Any:
    """A pyarrow S3 filesystem for an ``s3://`` lake (credentials from the AWS environment)."""
    from pyarrow import fs

    endpoint = settings.s3_endpoint_url
    if endpoint is None:
        return fs.S3FileSystem(region=settings.aws_region)
    scheme, _, host = endpoint.partition("://")
    return fs.S3FileSystem(
        region=settings.aws_region, endpoint_override=host, scheme=scheme or "https"
    )


def sagemaker_runtime_client(settings: Settings, timeout_s: float = 30) -> Any:
    """A ``sagemaker-runtime`` client (invoke_endpoint) with short timeouts."""
    config = Config(
        connect_timeout=min(5, timeout_s), read_timeout=timeout_s, retries={"max_attempts": 2}
    )
    return _aws_client("sagemaker-runtime", settings, settings.sagemaker_endpoint_url, config)


def redis_client(settings: Settings) -> Redis:
    """A ``redis.asyncio`` client for ``SHOPAGENT_REDIS_URL``: short timeouts, no retries (the
    cache falls back to the process instead of waiting)."""
    if settings.redis_url is None:
        raise ConfigError("cache backend 'redis' needs SHOPAGENT_REDIS_URL (redis://host:6379/0)")
    return Redis.from_url(
        settings.redis_url.get_secret_value(),
        socket_timeout=settings.redis_timeout_s,
        socket_connect_timeout=settings.redis_timeout_s,
        retry=Retry(NoBackoff(), 0),
    )


def _opensearch_options(settings: Settings, timeout_s: float, *, use_async: bool) -> dict[str, Any]:
    """Shared client options; an Amazon OpenSearch endpoint is signed with the AWS credentials."""
    url = settings.opensearch_url
    if url is None:
        raise ConfigError("search backend 'opensearch' needs SHOPAGENT_OPENSEARCH_URL")
    options: dict[str, Any] = {
        "hosts": [url],
        "timeout": timeout_s,
        "max_retries": 0,  # a dead cluster is reported at once, not retried into a hang
        "retry_on_timeout": False,
    }
    host = url.split("://", 1)[-1].split("/", 1)[0]
    if host.endswith(".amazonaws.com"):
        service = "aoss" if ".aoss." in host else "es"  # serverless collection or domain
        credentials = boto3.Session().get_credentials()
        signer = AWSV4SignerAsyncAuth if use_async else Urllib3AWSV4SignerAuth
        options["http_auth"] = signer(credentials, settings.aws_region, service)
    return options


def opensearch_client(settings: Settings) -> OpenSearch:
    """A blocking OpenSearch client for bulk indexing and index management (long timeouts)."""
    return OpenSearch(
        **_opensearch_options(settings, settings.opensearch_timeout_s * 10, use_async=False)
    )


def async_opensearch_client(settings: Settings) -> AsyncOpenSearch:
    """An async OpenSearch client for searches: short timeouts, no retries."""
    return AsyncOpenSearch(
        connection_class=AsyncHttpConnection,
        **_opensearch_options(settings, settings.opensearch_timeout_s, use_async=True),
    )
