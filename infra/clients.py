"""One factory per external client; each reads ``Settings`` and holds no other logic."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

from infra.settings import Settings


def bedrock_runtime_client(settings: Settings) -> Any:
    """A ``bedrock-runtime`` client (Converse / ConverseStream) with short timeouts."""
    return boto3.client(
        "bedrock-runtime",
        region_name=settings.aws_region,
        endpoint_url=settings.bedrock_endpoint_url,
        config=Config(
            connect_timeout=settings.bedrock_timeout_s,
            read_timeout=settings.bedrock_timeout_s,
            # botocore counts retries after the first call here: at most three calls in all.
            retries={"max_attempts": 2, "mode": "standard"},
        ),
    )
