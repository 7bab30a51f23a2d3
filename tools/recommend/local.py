"""The in-process backend: a trained ``ItemModel`` answering queries directly."""

from __future__ import annotations

from tools.recommend.base import ModelAnswer, ModelQuery
from tools.recommend.model import ItemModel


class LocalRecommender:
    """The ``Recommender`` Protocol on a model held in memory (scoring takes well under 1 ms)."""

    name = "local"

    def __init__(self, model: ItemModel) -> None:
        self.model = model

    async def invoke(self, query: ModelQuery) -> ModelAnswer:
        return self.model.invoke(query)

    async def ping(self) -> bool:
        return True
