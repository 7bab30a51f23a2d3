"""Customer-service outputs in the record shapes of the tau-bench retail world.

Orders are ``tools.models.Order`` as they are; users and products are shown as the benchmark
stores them (a user without its own id, a product with its variants keyed by item id).
"""

from __future__ import annotations

from pydantic import BaseModel, RootModel

from tools.models import Address, Name, PaymentMethod, Product, User


class VariantRecord(BaseModel):
    item_id: str
    options: dict[str, str]
    available: bool
    price: float


class ProductRecord(BaseModel):
    name: str
    product_id: str
    variants: dict[str, VariantRecord]

    @classmethod
    def of(cls, product: Product) -> ProductRecord:
        variants = {
            v.item_id: VariantRecord(
                item_id=v.item_id, options=v.options, available=v.available, price=v.price
            )
            for v in product.variants
        }
        return cls(name=product.title, product_id=product.id, variants=variants)


class UserRecord(BaseModel):
    name: Name
    address: Address
    email: str
    payment_methods: dict[str, PaymentMethod]
    orders: list[str]

    @classmethod
    def of(cls, user: User) -> UserRecord:
        return cls.model_validate(user.model_dump(exclude={"user_id"}))


class ProductTypes(RootModel[dict[str, str]]):
    """Product name -> product id, sorted by name."""


class UserId(BaseModel):
    user_id: str


class Calculation(BaseModel):
    result: float


class Transfer(BaseModel):
    message: str = "Transfer successful"


class Thought(BaseModel):
    """Nothing: thinking changes nothing and finds nothing."""
