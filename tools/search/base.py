"""The product-search Protocol, its query and its result (the ``search_products`` contract)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Annotated, Literal, Protocol

from pydantic import BaseModel, Field, field_validator, model_validator

from tools.models import Product, Variant

Sort = Literal["relevance", "price_asc", "price_desc", "popularity"]
MAX_QUERY_BYTES = 1000
# An attribute name or value in a search's constraints.
AttributeText = Annotated[str, Field(max_length=100)]


class SearchQuery(BaseModel):
    """Arguments of ``search_products``: free text plus structured constraints."""

    query: str = Field(default="", description="Free-text product need, e.g. 'heart lantern'.")
    category: str | None = Field(
        default=None, max_length=100, description="Product kind / category to keep."
    )
    brand: str | None = Field(default=None, max_length=100, description="Brand to keep.")
    min_price: float | None = Field(
        default=None, ge=0, allow_inf_nan=False, description="Lowest price, inclusive."
    )
    max_price: float | None = Field(
        default=None, ge=0, allow_inf_nan=False, description="Highest price, inclusive."
    )
    attributes: dict[AttributeText, AttributeText] = Field(
        default_factory=dict,
        max_length=20,
        description="Attribute constraints by name, e.g. {'colour': 'blue', 'material': 'glass'}.",
    )
    in_stock_only: bool = Field(default=False, description="Keep only products in stock.")
    exclude: list[AttributeText] = Field(
        default_factory=list,
        max_length=10,
        description="Words or phrases a product's title or category must not hold, e.g. "
        "['pink', 'heart'] for 'not pink, nothing with hearts'.",
    )
    sort: Sort = Field(default="relevance", description="relevance|price_asc|price_desc|popularity")
    limit: int = Field(default=5, ge=1, le=50, description="How many products to return.")
    offset: int = Field(default=0, ge=0, le=1000, description="Skip this many (for 'show more').")
    extract_constraints: bool = Field(
        default=False,
        description="Take a price range and attribute values written in the query text "
        "('red mugs under 5') out of it and apply them as filters.",
    )
    relax: bool = Field(
        default=False,
        description="When nothing matches, drop constraints one kind at a time until "
        "something does; the result's 'relaxed' says which.",
    )

    @field_validator("query")
    @classmethod
    def _query_is_text(cls, value: str) -> str:
        size = len(value.encode("utf-8", errors="replace"))
        if size > MAX_QUERY_BYTES:
            raise ValueError(f"query is {size} bytes; at most {MAX_QUERY_BYTES} are allowed")
        if any(_is_binary(ch) for ch in value):
            raise ValueError("query holds control or non-text characters; send plain text")
        text = value.strip()
        if value and not any(ch.isalnum() for ch in text):
            raise ValueError("query has no letters or digits; leave it out to list everything")
        return text

    @model_validator(mode="after")
    def _price_range_is_ordered(self) -> SearchQuery:
        if (
            self.min_price is not None
            and self.max_price is not None
            and self.min_price > self.max_price
        ):
            raise ValueError(f"min_price ({self.min_price}) is above max_price ({self.max_price})")
        return self


def _is_binary(ch: str) -> bool:
    """Control characters (but tab and newlines), lone surrogates and the replacement mark."""
    category = unicodedata.category(ch)
    return (category == "Cc" and ch not in "\t\n\r") or category == "Cs" or ch == "\ufffd"


class ProductSummary(BaseModel):
    """What a search hit shows of a product."""

    id: str
    title: str
    price: float
    currency: str
    category: str
    brand: str = ""
    attributes: dict[str, list[str]] = Field(default_factory=dict)
    in_stock: bool
    score: float = 0.0
    # A product sold in variants lists each (its options, its own price, whether it can be
    # ordered): a shopper's colour or storage is answered by the variant that has it.
    variants: list[Variant] = Field(default_factory=list)

    @classmethod
    def of(cls, product: Product, score: float = 0.0) -> ProductSummary:
        return cls(
            id=product.id,
            title=product.title,
            price=product.price,
            currency=product.currency,
            category=product.category,
            brand=product.brand,
            attributes=product.attributes,
            in_stock=product.in_stock,
            score=round(score, 4),
            variants=product.variants,
        )


class SearchResult(BaseModel):
    """Hits for one query, how many matched in all, and facet counts over every match."""

    total: int
    products: list[ProductSummary]
    # facet name ("category", "brand", each attribute name) -> value -> count of matches
    facets: dict[str, dict[str, int]] = Field(default_factory=dict)
    # Constraints read from the query text (``extract_constraints``), e.g. "colour: red".
    extracted: list[str] = Field(default_factory=list)
    # Constraints given up because nothing matched them all (``relax``), in that order.
    relaxed: list[str] = Field(default_factory=list)


class ProductSearch(Protocol):
    """A search backend over the catalog."""

    name: str

    def index(self, products: Iterable[Product]) -> None:
        """Replace the index with these products."""

    async def search(self, query: SearchQuery) -> SearchResult:
        """Run one query.

        An unknown category or attribute value matches nothing; an attribute name no product
        has is a ``ToolInputError`` naming the known ones. With ``extract_constraints`` the
        backend first moves constraints written in the text into filters and lists them in
        ``extracted``.
        """
