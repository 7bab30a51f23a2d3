"""Catalog tools: ``get_product`` and ``check_inventory``."""

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


class InventoryStatus(BaseModel):
    product_id: str
    title: str
    in_stock: bool
    stock: int
    variants_available: int | None = None
    note: str


def _require(store: Store, product_id: str) -> Product:
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
        p = _require(store, args.product_id)
        return ProductDetails(
            **p.model_dump(include=set(ProductDetails.model_fields) - {"in_stock"}),
            in_stock=p.in_stock,
        )

    async def check_inventory(args: ProductIdInput) -> InventoryStatus:
        """Check whether a product is in stock and how many units are available.

        Use it when the shopper asks "is it in stock", "is it available" or "how many are left".
        """
        p = _require(store, args.product_id)
        return InventoryStatus(
            product_id=p.id,
            title=p.title,
            in_stock=p.in_stock,
            stock=p.stock,
            variants_available=sum(v.available for v in p.variants) if p.variants else None,
            note=p.stock_note,
        )

    return [
        ToolSpec("get_product", ProductIdInput, ProductDetails, get_product),
        ToolSpec("check_inventory", ProductIdInput, InventoryStatus, check_inventory),
    ]  # type: ignore[list-item]
