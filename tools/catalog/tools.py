"""Catalog tools: ``get_product`` (stock checks are ``tools.forecast``'s ``check_inventory``)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from infra.errors import NotFoundError
from tools.catalog.store import Store
from tools.models import Product, Variant
from tools.spec import ToolSpec


class ProductIdInput(BaseModel):
    product_id: str = Field(
        min_length=1, max_length=64, description="The product's id, e.g. '22423'."
    )


class ProductDetails(BaseModel):
    id: str
    title: str
    description: str
    category: str
    brand: str
    price: float
    currency: str
    attributes: dict[str, list[str]]
    variants: list[Variant]
    in_stock: bool
    stock: int
    stock_note: str
    first_sold: date | None = None
    last_sold: date | None = None


def require_product(store: Store, product_id: str) -> Product:
    product = store.get_product(product_id.strip())
    if product is None:
        raise NotFoundError(f"no product has id {product_id!r}; search for it first")
    return product


def catalog_tools(store: Store) -> list[ToolSpec[ProductIdInput, BaseModel]]:
    """The catalog tools bound to ``store``."""

    async def get_product(args: ProductIdInput) -> ProductDetails:
        """Look up one product by id: title, description, price, attributes, variants and stock.

        Use it when the shopper asks about a product already shown (its details, options, size)
        or names a product id.
        """
        p = require_product(store, args.product_id)
        return ProductDetails(
            **p.model_dump(include=set(ProductDetails.model_fields) - {"in_stock"}),
            in_stock=p.in_stock,
        )

    return [ToolSpec("get_product", ProductIdInput, ProductDetails, get_product)]
