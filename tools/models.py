"""Domain models shared by every capability.

Users and orders follow the tau-bench retail record shapes (the public contract of the
customer-service tools); the online-retail loader maps its invoices onto the same shapes.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Variant(BaseModel):
    """One purchasable version of a product (tau-bench calls its id ``item_id``)."""

    item_id: str
    options: dict[str, str] = Field(default_factory=dict)
    price: float
    available: bool = True
    stock: int = 0


class Product(BaseModel):
    """A catalog product; ``attributes`` hold the catalog's own vocabulary (colour, material…)."""

    id: str
    title: str
    description: str = ""
    category: str = ""
    brand: str = ""
    price: float  # the typical (or lowest variant) price, in ``currency``
    currency: str = "GBP"
    attributes: dict[str, list[str]] = Field(default_factory=dict)
    variants: list[Variant] = Field(default_factory=list)
    stock: int = 0
    # Where stock levels come from, shown beside them (the demo data has none of its own).
    stock_note: str = ""
    popularity: float = 0.0  # units sold (or another demand signal) used by sort=popularity
    first_sold: date | None = None
    last_sold: date | None = None

    @property
    def in_stock(self) -> bool:
        """True when at least one unit can be sold."""
        return self.stock > 0


class Name(BaseModel):
    first_name: str
    last_name: str


class Address(BaseModel):
    address1: str = ""
    address2: str = ""
    city: str = ""
    country: str = ""
    state: str = ""
    zip: str = ""


class PaymentMethod(BaseModel):
    """A payment method as tau-bench records it (extra keys such as brand, balance kept)."""

    model_config = ConfigDict(extra="allow")

    source: str
    id: str


class User(BaseModel):
    user_id: str
    name: Name
    address: Address = Field(default_factory=Address)
    email: str = ""
    payment_methods: dict[str, PaymentMethod] = Field(default_factory=dict)
    orders: list[str] = Field(default_factory=list)


class OrderItem(BaseModel):
    name: str
    product_id: str
    item_id: str
    price: float
    options: dict[str, str] = Field(default_factory=dict)
    # tau-bench items are single units and carry no quantity; online-retail lines do.
    quantity: int | None = None


class Fulfillment(BaseModel):
    tracking_id: list[str]
    item_ids: list[str]


class Payment(BaseModel):
    transaction_type: str
    amount: float
    payment_method_id: str


OrderStatus = Literal[
    "pending",
    "pending (item modified)",
    "processed",
    "delivered",
    "cancelled",
    "return requested",
    "exchange requested",
]


class Order(BaseModel):
    """An order; fields beyond tau-bench's shape are ``None`` there and omitted when dumped."""

    model_config = ConfigDict(extra="allow")

    order_id: str
    user_id: str
    address: Address = Field(default_factory=Address)
    items: list[OrderItem] = Field(default_factory=list)
    fulfillments: list[Fulfillment] = Field(default_factory=list)
    status: OrderStatus
    payment_history: list[Payment] = Field(default_factory=list)
    created_at: datetime | None = None


class StoreInfo(BaseModel):
    """What a store holds: which dataset, loaded when, and how much of it."""

    dataset: str
    currency: str
    loaded_at: datetime
    products: int
    users: int
    orders: int
    attribution: str = ""
