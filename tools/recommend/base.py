"""The recommender Protocol and the messages a model answers (also its model server's wire format).

A ``ModelQuery`` asks a trained model for products (``task="recommend"``) or for the evidence
behind one product (``task="explain"``); a ``ModelAnswer`` carries scored products, each with
the evidence that put it there. The same JSON is the body of ``POST /invocations`` on the model
server and of ``sagemaker-runtime.invoke_endpoint``, so every backend speaks it.
"""

from __future__ import annotations

from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

Strategy = Literal["personalized", "similar", "bought_together", "trending"]
STRATEGIES: tuple[Strategy, ...] = ("personalized", "similar", "bought_together", "trending")
MAX_MODEL_LIMIT = 500
MAX_IDS = 1000


class ModelQuery(BaseModel):
    """What to ask a trained model."""

    model_config = ConfigDict(extra="forbid")

    task: Literal["recommend", "explain"] = "recommend"
    strategy: Strategy = "personalized"
    user_id: str | None = Field(default=None, max_length=64)
    # "similar" / "bought_together": the product to start from; "explain": the product to explain.
    product_id: str | None = Field(default=None, max_length=64)
    # "explain": the product the recommendation started from, when it started from one.
    anchor_id: str | None = Field(default=None, max_length=64)
    # What the shopper did since the model was trained (product ids, oldest first).
    recent: list[str] = Field(default_factory=list, max_length=MAX_IDS)
    # Products never to return (the shown product, products out of stock …).
    exclude: list[str] = Field(default_factory=list, max_length=MAX_IDS)
    exclude_bought: bool = True  # leave out what the shopper already bought
    limit: int = Field(default=10, ge=1, le=MAX_MODEL_LIMIT)

    @model_validator(mode="after")
    def _needs_a_product(self) -> ModelQuery:
        needs = self.task == "explain" or self.strategy in ("similar", "bought_together")
        if needs and not self.product_id:
            what = "task 'explain'" if self.task == "explain" else f"strategy {self.strategy!r}"
            raise ValueError(f"{what} needs a product_id")
        return self


EvidenceKind = Literal["anchor", "history", "trending", "popular"]


class Evidence(BaseModel):
    """One fact behind a recommendation, from the training data.

    - ``anchor``: the product the recommendation started from (``product_id``);
    - ``history``: a product in the shopper's history (``product_id``) that points here;
    - for both, ``shoppers`` bought both products and ``orders`` held both (when any did);
    - ``trending``: ``orders`` held it in the last ``days`` days of the data;
    - ``popular``: ``shoppers`` bought it in all.
    """

    kind: EvidenceKind
    product_id: str | None = None
    shoppers: int | None = None
    orders: int | None = None
    days: int | None = None
    weight: float = 0.0  # the share of the score this fact carries


class ScoredItem(BaseModel):
    product_id: str
    score: float
    evidence: list[Evidence] = Field(default_factory=list)


class ModelAnswer(BaseModel):
    """Products for a query, best first, and which strategy produced them."""

    strategy: Strategy
    # Why the model answered with another strategy than asked ("unknown product" …), or None.
    fallback: str | None = None
    items: list[ScoredItem] = Field(default_factory=list)
    # How far the data goes (ISO date), for "sold in the last 30 days" wording.
    data_end: str | None = None


class Recommender(Protocol):
    """A recommendation model behind some transport (in process, HTTP, SageMaker)."""

    name: str

    async def invoke(self, query: ModelQuery) -> ModelAnswer:
        """Answer one query; ``UpstreamError`` when the model cannot be reached in time."""

    async def ping(self) -> bool:
        """Whether the model answers."""
