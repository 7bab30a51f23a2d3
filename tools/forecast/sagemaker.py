"""The production forecaster: a SageMaker endpoint serving the same model folder."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from infra.errors import UpstreamError
from tools.forecast.base import ForecastRequest, ForecastResponse, ProductForecast


class SageMakerForecaster:
    """``Forecaster`` through ``sagemaker-runtime.invoke_endpoint`` (client injected)."""

    name = "sagemaker"

    def __init__(self, client: Any, endpoint_name: str) -> None:
        self.client = client
        self.endpoint_name = endpoint_name

    def forecast(self, product_ids: Sequence[str], horizon: int) -> list[ProductForecast | None]:
        request = ForecastRequest(product_ids=list(product_ids), horizon=horizon)
        try:
            reply = self.client.invoke_endpoint(
                EndpointName=self.endpoint_name,
                ContentType="application/json",
                Accept="application/json",
                Body=request.model_dump_json().encode(),
            )
            body = reply["Body"].read()
        except (ClientError, BotoCoreError) as err:
            raise UpstreamError(
                f"forecaster endpoint {self.endpoint_name!r} failed: {err}"
            ) from err
        try:
            forecasts = ForecastResponse.model_validate_json(body).forecasts
        except ValidationError as err:
            raise UpstreamError(
                f"forecaster endpoint {self.endpoint_name!r} answered an unreadable body"
            ) from err
        if len(forecasts) != len(request.product_ids):
            raise UpstreamError(
                f"forecaster endpoint {self.endpoint_name!r} answered {len(forecasts)} "
                f"forecasts for {len(request.product_ids)} products"
            )
        return forecasts

    def ping(self) -> bool:
        """One small invocation: the endpoint answers (an unknown product is a ``None``)."""
        try:
            self.forecast(["ping"], 1)
        except UpstreamError:
            return False
        return True
