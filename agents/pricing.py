"""Estimated cost of a Bedrock model call, from a small table of on-demand prices.

The prices are **estimates**: US dollars per 1000 input and output tokens, Bedrock's on-demand
list prices for us-east-1 as published when this table was written. Regions, batch, provisioned
throughput, prompt caching and later price changes all differ; check the Bedrock pricing page
before reading the cost metric as a bill. A model not in the table is counted in tokens only.
"""

from __future__ import annotations

import re

# Model id (without a cross-region prefix such as "us." and without the ":<n>" version) →
# (input, output) USD per 1000 tokens.
PRICES_PER_1K_TOKENS: dict[str, tuple[float, float]] = {
    "anthropic.claude-3-5-sonnet-20240620-v1": (0.003, 0.015),
    "anthropic.claude-3-5-sonnet-20241022-v2": (0.003, 0.015),
    "anthropic.claude-3-7-sonnet-20250219-v1": (0.003, 0.015),
    "anthropic.claude-3-5-haiku-20241022-v1": (0.0008, 0.004),
    "anthropic.claude-3-haiku-20240307-v1": (0.00025, 0.00125),
    "amazon.nova-micro-v1": (0.000035, 0.00014),
    "amazon.nova-lite-v1": (0.00006, 0.00024),
    "amazon.nova-pro-v1": (0.0008, 0.0032),
    "meta.llama3-1-8b-instruct-v1": (0.00022, 0.00022),
    "meta.llama3-1-70b-instruct-v1": (0.00072, 0.00072),
    "mistral.mistral-large-2402-v1": (0.004, 0.012),
}

_REGION_PREFIX = re.compile(r"^(us|eu|apac|us-gov|global)\.")
_VERSION = re.compile(r":\d+$")


def estimated_cost_usd(model_id: str, input_tokens: int, output_tokens: int) -> float | None:
    """The estimated price of one call, or ``None`` for a model the table does not know."""
    key = _VERSION.sub("", _REGION_PREFIX.sub("", model_id))
    prices = PRICES_PER_1K_TOKENS.get(key)
    if prices is None:
        return None
    per_input, per_output = prices
    return (input_tokens * per_input + output_tokens * per_output) / 1000
