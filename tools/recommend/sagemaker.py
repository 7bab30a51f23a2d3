"""The production backend: a SageMaker endpoint serving the model, via ``invoke_endpoint``.

The endpoint runs the model server (``tools.recommend.server``) built from the same artifact,
so the request and response bodies are ``ModelQuery`` and ``ModelAnswer`` JSON. The boto3
client is injected (``infra.clients.sagemaker_runtime_client``: short timeouts, few retries)
and called off the event loop. Every failure — an error status, a timeout, a body that is not a
``ModelAnswer`` — becomes an ``UpstreamError`` naming the endpoint.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import anyio.to_thread
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from infra.errors import UpstreamError
from tools.recommend.base import ModelAnswer, ModelQuery

CONTENT_TYPE = "application/json"
MAX_BODY_BYTES = 5 * 1024 * 1024  # SageMaker's own limit on a response payload


class SageMakerRecommender:
    """The ``Recommender`` Protocol on a SageMaker real-time endpoint."""

    name = "sagemaker"

    def __init__(self, client: Any, endpoint_name: str) -> None:
        self.client = client
        self.endpoint_name = endpoint_name

    def _call(self, body: bytes) -> bytes:
        response = self.client.invoke_endpoint(
            EndpointName=self.endpoint_name,
            ContentType=CONTENT_TYPE,
            Accept=CONTENT_TYPE,
            Body=body,
        )
        stream = response["Body"]
        try:
            data: bytes = stream.read(MAX_BODY_BYTES + 1)
        finally:
            stream.close()
        if len(data) > MAX_BODY_BYTES:
            raise UpstreamError(f"endpoint {self.endpoint_name!r} answered over 5 MB")
        return data

    async def invoke(self, query: ModelQuery) -> ModelAnswer:
        body = query.model_dump_json(exclude_defaults=True).encode()
        try:
            data = await anyio.to_thread.run_sync(partial(self._call, body))
        except ClientError as err:
            error = err.response.get("Error", {})
            status = err.response.get("OriginalStatusCode")
            detail = f" (the model answered {status})" if status else ""
            raise UpstreamError(
                f"SageMaker endpoint {self.endpoint_name!r} failed: "
                f"{error.get('Code', 'error')}: {error.get('Message', err)}{detail}"
            ) from err
        except BotoCoreError as err:  # timeouts, refused connections, credentials
            raise UpstreamError(
                f"SageMaker endpoint {self.endpoint_name!r} unreachable: {err}"
            ) from err
        try:
            return ModelAnswer.model_validate_json(data)
        except ValidationError as err:
            raise UpstreamError(
                f"SageMaker endpoint {self.endpoint_name!r} sent a malformed answer: "
                f"{err.error_count()} problem(s), first: {err.errors()[0]['msg']}"
            ) from err

    async def ping(self) -> bool:
        try:
            await self.invoke(ModelQuery(strategy="trending", limit=1))
        except UpstreamError:
            return False
        return True
