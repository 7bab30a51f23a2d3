"""Recommendations for shoppers: the model's answer with the store's rules and a cache.

The model (any ``Recommender``) scores products; this layer decides what a shopper is shown:

- the strategy, from the arguments (a product → bought together, a shopper → personalized,
  neither → trending), and clear errors for unknown ids or a strategy without its product;
- the shopper's history from the model plus their behaviour events since, and what they already
  bought left out;
- out-of-stock products skipped (and said so), products new to the model answered from their
  catalog category;
- a reason per product, from the evidence, and the attributes it shares with its source;
- answers cached for ``ttl_s`` per (shopper, product, strategy, limit) and the shopper's
  activity version: a shopper's new event changes the key, so an answer computed before it is
  never served again. A hit is one cache read and one parse: ids are checked against the store
  only on a miss, since an answer for an unknown id is an error, never a cache entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from pydantic import BaseModel, Field

from infra.cache import Cache
from infra.errors import NotFoundError, ToolInputError
from tools.catalog.store import Store
from tools.models import Product
from tools.recommend.base import (
    MAX_MODEL_LIMIT,
    Evidence,
    ModelAnswer,
    ModelQuery,
    Recommender,
    Strategy,
)
from tools.recommend.reasons import reason, shared_attributes
from tools.search.base import ProductSearch, SearchQuery

MAX_LIMIT = 50
# Candidates asked of the model: room to skip out-of-stock ones (a few percent of products).
OVERFETCH = 2
SPARE = 5


class RecommendInput(BaseModel):
    """Arguments of ``recommend_products``."""

    user_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="The shopper to recommend for (their purchases and recent activity).",
    )
    product_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="The product to start from (for similar or bought_together).",
    )
    strategy: Strategy | None = Field(
        default=None,
        description=(
            "personalized (picked for the shopper), similar (shoppers who bought this also "
            "bought), bought_together (in the same orders), trending (selling most lately). "
            "Default: bought_together with a product_id, personalized with a user_id, else "
            "trending."
        ),
    )
    limit: int = Field(default=5, ge=1, le=MAX_LIMIT, description="How many products.")


class RecommendedProduct(BaseModel):
    id: str
    title: str
    price: float
    currency: str
    category: str
    in_stock: bool
    reason: str  # one readable sentence from the evidence
    evidence: list[Evidence] = Field(default_factory=list)
    shared: dict[str, list[str]] = Field(default_factory=dict)  # attributes shared with source


class Recommendations(BaseModel):
    """Products recommended, best first, with the strategy used and what to tell the shopper."""

    strategy: Strategy
    requested: Strategy
    user_id: str | None = None
    product_id: str | None = None
    note: str = ""
    products: list[RecommendedProduct]


class ExplainInput(BaseModel):
    """Arguments of ``explain_recommendation``."""

    product_id: str = Field(
        min_length=1, max_length=64, description="The recommended product to explain."
    )
    user_id: str | None = Field(
        default=None, min_length=1, max_length=64, description="The shopper it was picked for."
    )
    source_product_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="The product the recommendation started from, if any.",
    )


class Explanation(BaseModel):
    """Why a product suits a shopper, in words, beside the facts the words may use."""

    product_id: str
    title: str
    user_id: str | None = None
    source_product_id: str | None = None
    text: str
    facts: list[str]  # every fact the text may state, one sentence each
    evidence: list[Evidence]
    worded_by: str  # "templates" or the chat model that worded it
    note: str = ""  # e.g. why a model's wording was not used


class Explainer(Protocol):
    """Words explanations (the explain graph implements it)."""

    async def explain(self, args: ExplainInput) -> Explanation: ...


class ExplanationEvidence(BaseModel):
    """Everything known about why ``product`` suits this shopper (the explain graph's input)."""

    product_id: str
    title: str
    user_id: str | None = None
    source_product_id: str | None = None
    evidence: list[Evidence]
    titles: dict[str, str]  # product id -> title, for every product the evidence names
    shared: dict[str, list[str]] = Field(default_factory=dict)
    note: str = ""


class Activity(Protocol):
    """A shopper's behaviour since training (``tools.recommend.activity.ProfileActivity``)."""

    def version(self, user_id: str) -> str:
        """A token that changes with every new event of the shopper."""

    def items(self, user_id: str) -> tuple[list[str], list[str]]:
        """Products the shopper interacted with lately (oldest first), and those bought."""


def default_strategy(user_id: str | None, product_id: str | None) -> Strategy:
    if product_id:
        return "bought_together"
    return "personalized" if user_id else "trending"


@dataclass
class RecommendationService:
    store: Store
    recommender: Recommender
    cache: Cache
    search: ProductSearch | None = None
    ttl_s: float = 300.0
    # The shopper's behaviour since training: the event pipeline's profiles, when it runs.
    activity: Activity | None = None

    # -- recommend -------------------------------------------------------------------------

    async def recommend(self, args: RecommendInput) -> Recommendations:
        """Validated, cached recommendations (see the module docstring)."""
        strategy = args.strategy or default_strategy(args.user_id, args.product_id)
        if strategy in ("similar", "bought_together") and not args.product_id:
            raise ToolInputError(
                f"strategy {strategy!r} needs a product_id (the product to start from); "
                "use 'personalized' with a user_id or 'trending' without one"
            )
        key = (
            f"recs:{strategy}:{args.user_id or '-'}:{args.product_id or '-'}:{args.limit}:"
            f"{self._version(args.user_id)}"
        )
        hit = await self.cache.get(key)
        if hit is not None:
            # Only answers for ids the store knew are ever kept, so a hit reads nothing else.
            return Recommendations.model_validate_json(hit)
        answer = await self._compute(args, strategy)
        self.cache.set_soon(key, answer.model_dump_json(exclude_none=True), self.ttl_s)
        return answer

    def _version(self, user_id: str | None) -> str:
        if user_id is None or self.activity is None:
            return "0"
        return self.activity.version(user_id)

    def _product(self, product_id: str) -> Product:
        product = self.store.get_product(product_id)
        if product is None:
            raise NotFoundError(f"no product has id {product_id!r}; search for it first")
        return product

    def _recent(self, user_id: str | None) -> tuple[list[str], list[str]]:
        if user_id is None or self.activity is None:
            return [], []
        return self.activity.items(user_id)

    async def _compute(self, args: RecommendInput, strategy: Strategy) -> Recommendations:
        anchor = self._product(args.product_id) if args.product_id is not None else None
        if args.user_id is not None and self.store.get_user(args.user_id) is None:
            raise NotFoundError(f"no shopper has id {args.user_id!r}")
        recent, bought = self._recent(args.user_id)
        query = ModelQuery(
            strategy=strategy,
            user_id=args.user_id,
            product_id=args.product_id,
            recent=recent,
            exclude=[*bought, *([args.product_id] if args.product_id else [])],
            limit=min(MAX_MODEL_LIMIT, args.limit * OVERFETCH + SPARE),
        )
        answer = await self.recommender.invoke(query)
        notes: list[str] = []
        if answer.fallback and anchor is not None and answer.strategy == "trending":
            category = await self._same_category(anchor, set(query.exclude), query.limit)
            if category:
                answer = category
                notes.append(f"{anchor.title} is new to the sales data: same kind of product.")
        elif answer.fallback:
            notes.append(_fallback_note(answer))
        chosen, skipped = self._in_stock([item.product_id for item in answer.items], args.limit)
        if skipped and chosen:
            notes.append(f"Left out {skipped} out-of-stock product{'s' * (skipped != 1)}.")
        if not chosen:
            notes.append("Nothing in stock to recommend from here.")
        return Recommendations(
            strategy=answer.strategy,
            requested=strategy,
            user_id=args.user_id,
            product_id=args.product_id,
            note=" ".join(notes),
            products=self._present(answer, chosen, anchor),
        )

    def _in_stock(self, ranked: list[str], limit: int) -> tuple[list[Product], int]:
        """The first ``limit`` products of ``ranked`` in stock, and how many were passed over.

        The store is read (and its products parsed) ``limit + SPARE`` at a time, not all the
        candidates at once: the first read is usually enough.
        """
        chosen: list[Product] = []
        skipped = 0  # out of stock, among the products ranked above the last one shown
        start = 0
        while len(chosen) < limit and start < len(ranked):
            end = start + limit + SPARE
            for product in self.store.get_products(ranked[start:end]):
                if len(chosen) == limit:
                    break
                if product.in_stock:
                    chosen.append(product)
                else:
                    skipped += 1
            start = end
        return chosen, skipped

    async def _same_category(
        self, anchor: Product, exclude: set[str], limit: int
    ) -> ModelAnswer | None:
        """Best sellers of the anchor's category, for a product the model has not seen."""
        if self.search is None or not anchor.category:
            return None
        found = await self.search.search(
            SearchQuery(category=anchor.category, sort="popularity", limit=min(limit, 50))
        )
        items = [
            {"product_id": p.id, "score": 0.0, "evidence": []}
            for p in found.products
            if p.id not in exclude
        ]
        if not items:
            return None
        return ModelAnswer.model_validate({"strategy": "similar", "items": items})

    def _present(
        self, answer: ModelAnswer, chosen: list[Product], anchor: Product | None
    ) -> list[RecommendedProduct]:
        """Products with reasons; source titles and attributes read once from the store."""
        evidence = {item.product_id: item.evidence for item in answer.items}
        named = {e.product_id for p in chosen for e in evidence.get(p.id, []) if e.product_id}
        source_products = {anchor.id: anchor} if anchor is not None else {}
        unread = sorted(named - source_products.keys())
        source_products.update((p.id, p) for p in self.store.get_products(unread))
        titles = {pid: p.title for pid, p in source_products.items()}
        anchor_id = anchor.id if anchor is not None else None
        out = []
        for product in chosen:
            facts = evidence.get(product.id, [])
            source_id = anchor_id or next((e.product_id for e in facts if e.product_id), None)
            source = source_products.get(source_id or "")
            shared = _shared(product, source) if source else {}
            out.append(
                RecommendedProduct(
                    id=product.id,
                    title=product.title,
                    price=product.price,
                    currency=product.currency,
                    category=product.category,
                    in_stock=product.in_stock,
                    reason=reason(facts, titles, shared),
                    evidence=facts,
                    shared=shared,
                )
            )
        return out

    # -- explain ---------------------------------------------------------------------------

    async def evidence(
        self, product_id: str, user_id: str | None, source_product_id: str | None
    ) -> ExplanationEvidence:
        """Why ``product_id`` for this shopper (and after ``source_product_id``)."""
        product = self._product(product_id)
        if source_product_id is not None:
            self._product(source_product_id)
        if user_id is not None and self.store.get_user(user_id) is None:
            raise NotFoundError(f"no shopper has id {user_id!r}")
        recent, _ = self._recent(user_id)
        answer = await self.recommender.invoke(
            ModelQuery(
                task="explain",
                user_id=user_id,
                product_id=product_id,
                anchor_id=source_product_id,
                recent=recent,
            )
        )
        facts = answer.items[0].evidence if answer.items else []
        named = {e.product_id for e in facts if e.product_id} | (
            {source_product_id} if source_product_id else set()
        )
        others = {p.id: p for p in self.store.get_products(sorted(named))}
        source = others.get(source_product_id or "") or next(
            (others[e.product_id] for e in facts if e.product_id in others), None
        )
        return ExplanationEvidence(
            product_id=product.id,
            title=product.title,
            user_id=user_id,
            source_product_id=source_product_id,
            evidence=facts,
            titles={pid: p.title for pid, p in others.items()},
            shared=_shared(product, source) if source else {},
            note=answer.fallback or "",
        )


def _shared(product: Product, source: Product) -> dict[str, list[str]]:
    shared = shared_attributes(product.attributes, source.attributes)
    if product.category and product.category == source.category:
        shared = {"category": [product.category], **shared}
    return shared


def _fallback_note(answer: ModelAnswer) -> str:
    """ "No shopper: showing what is selling now." and the like."""
    why = answer.fallback or "no data"
    instead = {"trending": "what is selling now", "similar": "what the same shoppers bought"}
    return f"{why[0].upper()}{why[1:]}: showing {instead.get(answer.strategy, 'the closest')}."
