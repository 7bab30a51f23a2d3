"""The ``recommend_products`` and ``explain_recommendation`` tools."""

from __future__ import annotations

from tools.recommend.service import (
    Explainer,
    ExplainInput,
    Explanation,
    Recommendations,
    RecommendationService,
    RecommendInput,
)
from tools.spec import ToolSpec


def recommend_tools(
    service: RecommendationService,
) -> list[ToolSpec[RecommendInput, Recommendations]]:
    """The recommendation tools bound to a service."""

    async def recommend_products(args: RecommendInput) -> Recommendations:
        """Recommend products, each with a reason the shopper can read.

        Use it for "recommend something", "what goes with this", "customers also bought",
        "similar items" and "what's popular". Give ``product_id`` to start from a product
        (``strategy='bought_together'``: bought in the same orders; ``'similar'``: bought by the
        same shoppers), ``user_id`` for picks for that shopper (``'personalized'``), or neither
        for ``'trending'``. Products already bought and products out of stock are left out.
        Returns the products (id, title, price, in_stock, reason) and a ``note`` to pass on
        when the answer used another strategy than asked (a new shopper gets trending
        products). Quote each product's ``reason``; never invent one.
        """
        return await service.recommend(args)

    return [ToolSpec("recommend_products", RecommendInput, Recommendations, recommend_products)]


def explain_tools(explainer: Explainer) -> list[ToolSpec[ExplainInput, Explanation]]:
    """The explanation tool bound to an explainer (the explain graph)."""

    async def explain_recommendation(args: ExplainInput) -> Explanation:
        """Explain why a recommended product suits the shopper, from the recommender's evidence.

        Use it when the shopper asks "why this one?" about a recommended product. Give its
        ``product_id``, the ``user_id`` it was picked for and the ``source_product_id`` it
        started from (both as in the recommend_products call, when there were any). Returns
        ``text`` to pass on as it is and the ``facts`` it rests on; state nothing beyond them.
        """
        return await explainer.explain(args)

    return [ToolSpec("explain_recommendation", ExplainInput, Explanation, explain_recommendation)]
