"""Arguments of the customer-service tools: the names, types and required fields of the
tau-bench retail tool schemas (``tools/catalog/data/tau-retail/retail_tools.json``).

Address fields are written to the store as they are given, so one that holds a card number, a
CVV, a social security number or an e-mail address (``tools.analyze.pii``) is refused with a
message naming the field and the kind of data: that is payment or identity data typed into the
wrong box, not an address. The check is a validator, so the schemas stay tau-bench's.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

from tools.analyze.pii import KIND_WORDS, find_pii

# Bounds on every field: far above any real value, low enough that a megabyte never reaches
# the store or the model (over one: 422 naming the field).
MAX_ID = 64
MAX_NAME = 100
MAX_LINE = 200
MAX_TEXT = 2000
MAX_ITEMS = 50


def _short_id(value: str) -> str:
    if len(value) > MAX_ID:
        raise ValueError(f"an item id has at most {MAX_ID} characters; got {len(value)}")
    return value


# Checked by a validator, not a schema bound, so the schema stays the tau-bench contract's.
ItemId = Annotated[str, AfterValidator(_short_id)]

# Personal data that never belongs in an address, in the words a refusal uses.
_NOT_ADDRESS = {kind: KIND_WORDS[kind] for kind in ("CARD", "CVV", "SSN", "EMAIL")}


def _address_text(value: str) -> str:
    kinds = sorted({_NOT_ADDRESS[e.type] for e in find_pii(value) if e.type in _NOT_ADDRESS})
    if kinds:
        raise ValueError(
            f"an address must not hold {' or '.join(kinds)}; send only the address itself"
        )
    return value


AddressText = Annotated[str, AfterValidator(_address_text)]

_ORDER_ID = "The order id, such as '#W0000000'; it starts with a '#' sign."
_PAYMENT = (
    "The payment method id that pays or receives the price difference, such as "
    "'gift_card_0000000' or 'credit_card_0000000'; look it up in the user or order details."
)
_ITEMS = "Item ids, each such as '1008292230'; an id may appear more than once."
_NEW_ITEMS = (
    "The new item ids, each such as '1008292230', in the same positions as item_ids and each "
    "of the same product as the item it replaces; an id may appear more than once."
)


class CalculateInput(BaseModel):
    expression: str = Field(
        max_length=MAX_TEXT,
        description="An arithmetic expression such as '2 + 2': numbers, + - * /, parentheses "
        "and spaces.",
    )


class CancelInput(BaseModel):
    order_id: str = Field(max_length=MAX_ID, description=_ORDER_ID)
    reason: str = Field(
        max_length=MAX_NAME, description="Why: either 'no longer needed' or 'ordered by mistake'."
    )


class ItemsChangeInput(BaseModel):
    """Items of an order swapped for other variants of the same products."""

    order_id: str = Field(max_length=MAX_ID, description=_ORDER_ID)
    item_ids: list[ItemId] = Field(max_length=MAX_ITEMS, description=_ITEMS)
    new_item_ids: list[ItemId] = Field(max_length=MAX_ITEMS, description=_NEW_ITEMS)
    payment_method_id: str = Field(max_length=MAX_ID, description=_PAYMENT)


class EmailInput(BaseModel):
    email: str = Field(
        max_length=254, description="The user's e-mail address, such as 'something@example.com'."
    )


class NameZipInput(BaseModel):
    first_name: str = Field(
        max_length=MAX_NAME, description="The customer's first name, such as 'John'."
    )
    last_name: str = Field(
        max_length=MAX_NAME, description="The customer's last name, such as 'Doe'."
    )
    zip: str = Field(max_length=20, description="The customer's zip code, such as '12345'.")


class OrderIdInput(BaseModel):
    order_id: str = Field(max_length=MAX_ID, description=_ORDER_ID)


class ProductIdInput(BaseModel):
    product_id: str = Field(
        max_length=MAX_ID,
        description="The product id, such as '6086499569' (not an item id: they differ).",
    )


class UserIdInput(BaseModel):
    user_id: str = Field(max_length=MAX_ID, description="The user id, such as 'sara_doe_496'.")


class NoInput(BaseModel):
    pass


class AddressFields(BaseModel):
    address1: AddressText = Field(
        max_length=MAX_LINE, description="The first address line, such as '123 Main St'."
    )
    address2: AddressText = Field(
        max_length=MAX_LINE, description="The second address line, such as 'Apt 1', or ''."
    )
    city: AddressText = Field(max_length=MAX_NAME, description="The city, such as 'San Francisco'.")
    state: AddressText = Field(max_length=MAX_NAME, description="The state, such as 'CA'.")
    country: AddressText = Field(max_length=MAX_NAME, description="The country, such as 'USA'.")
    zip: AddressText = Field(max_length=20, description="The zip code, such as '12345'.")


class OrderAddressInput(AddressFields):
    order_id: str = Field(max_length=MAX_ID, description=_ORDER_ID)


class UserAddressInput(AddressFields):
    user_id: str = Field(max_length=MAX_ID, description="The user id, such as 'sara_doe_496'.")


class PaymentChangeInput(BaseModel):
    order_id: str = Field(max_length=MAX_ID, description=_ORDER_ID)
    payment_method_id: str = Field(max_length=MAX_ID, description=_PAYMENT)


class ReturnInput(BaseModel):
    order_id: str = Field(max_length=MAX_ID, description=_ORDER_ID)
    item_ids: list[ItemId] = Field(max_length=MAX_ITEMS, description=_ITEMS)
    payment_method_id: str = Field(max_length=MAX_ID, description=_PAYMENT)


class ThinkInput(BaseModel):
    thought: str = Field(max_length=MAX_TEXT, description="A thought to note down.")


class SummaryInput(BaseModel):
    summary: str = Field(
        max_length=MAX_TEXT, description="A summary of the customer's issue for the human agent."
    )
