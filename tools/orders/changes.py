"""The writes of customer service, checked and computed without touching the store.

Each ``plan_*`` function applies the rules of one write tool (the tau-bench retail reference:
the same checks in the same order, the same refusal texts, the same effects) and returns the
``Change``: the order and user records as they would be afterwards, and a sentence describing it
for the customer. The conversation policy shows it first and asks; ``commit`` then makes it
in one store transaction, once per idempotency key.
A refusal raises ``ToolInputError`` (``NotFoundError`` for an unknown id).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from infra.errors import NotFoundError, ToolInputError
from tools.catalog.store import Applied, Store
from tools.models import Address, Order, OrderItem, Payment, PaymentMethod, User, Variant
from tools.orders.inputs import (
    CancelInput,
    ItemsChangeInput,
    OrderAddressInput,
    PaymentChangeInput,
    ReturnInput,
    UserAddressInput,
)
from tools.orders.records import UserRecord
from tools.orders.wording import (
    address_label,
    item_label,
    items_label,
    money,
    options_label,
    user_method_label,
)

CANCEL_REASONS = ("no longer needed", "ordered by mistake")


@dataclass(frozen=True)
class Change:
    """A write, worked out: the records afterwards (``None``: unchanged) and what it does."""

    order: Order | None
    user: User | None
    summary: str


def extras(model: BaseModel) -> dict[str, Any]:
    """The undeclared fields of a record (``extra="allow"``), to read or to set."""
    found = model.__pydantic_extra__
    if found is None:
        raise TypeError(f"{type(model).__name__} keeps no extra fields")
    return found


def _order(store: Store, order_id: str) -> Order:
    order = store.get_order(order_id)
    if order is None:
        raise NotFoundError("order not found")
    return order.model_copy(deep=True)


def _owner(store: Store, order: Order) -> User:
    user = store.get_user(order.user_id)
    if user is None:
        raise NotFoundError("user not found")
    return user.model_copy(deep=True)


def _method(user: User, method_id: str) -> PaymentMethod:
    method = user.payment_methods.get(method_id)
    if method is None:
        raise ToolInputError("payment method not found")
    return method


def _balance(method: PaymentMethod) -> float:
    return float(extras(method).get("balance", 0.0))


def _add_to_balance(method: PaymentMethod, amount: float) -> None:
    extras(method)["balance"] = round(_balance(method) + amount, 2)


def _check_items(order: Order, item_ids: list[str]) -> None:
    """Every item id occurs in the order at least as often as in ``item_ids``."""
    held = Counter(item.item_id for item in order.items)
    for item_id in item_ids:
        if item_ids.count(item_id) > held[item_id]:
            raise ToolInputError(f"{item_id} not found")


def _first_item(order: Order, item_id: str) -> OrderItem:
    return next(item for item in order.items if item.item_id == item_id)


def _new_variants(
    store: Store, order: Order, item_ids: list[str], new_item_ids: list[str]
) -> tuple[float, list[Variant]]:
    """The price difference and the new variants, position by position."""
    if len(item_ids) != len(new_item_ids):
        raise ToolInputError("the number of items to be exchanged should match")
    difference = 0.0
    variants: list[Variant] = []
    for item_id, new_id in zip(item_ids, new_item_ids, strict=True):
        item = _first_item(order, item_id)
        product = store.get_product(item.product_id)
        variant = (
            next((v for v in product.variants if v.item_id == new_id), None) if product else None
        )
        if variant is None or not variant.available:
            raise ToolInputError(f"new item {new_id} not found or available")
        difference += variant.price - item.price
        variants.append(variant)
    return difference, variants


def _swaps(order: Order, item_ids: list[str], variants: list[Variant]) -> str:
    """'Wall Clock (diameter 10 inches) at 195.59 for the one with diameter 12 inches at …'."""
    swaps = []
    for item_id, variant in zip(item_ids, variants, strict=True):
        new = f"the one with {options_label(variant.options)} at {money(variant.price)}"
        swaps.append(f"{item_label(_first_item(order, item_id))} for {new}")
    return "; ".join(swaps)


def _difference_label(difference: float, method: str) -> str:
    if difference > 0:
        return f"you pay the difference of {money(difference)} with {method}"
    if difference < 0:
        return f"the difference of {money(-difference)} is refunded to {method}"
    return f"there is no price difference ({method} is kept on file for it)"


# ---- the writes ---------------------------------------------------------------------------


def plan_cancel(store: Store, args: CancelInput) -> Change:
    """Cancel a pending order and refund every payment (gift cards at once)."""
    order = _order(store, args.order_id)
    if order.status != "pending":
        raise ToolInputError("non-pending order cannot be cancelled")
    if args.reason not in CANCEL_REASONS:
        raise ToolInputError("invalid reason")
    user: User | None = None
    refunds = []
    for payment in order.payment_history:
        method_id = payment.payment_method_id
        refunds.append(
            Payment(transaction_type="refund", amount=payment.amount, payment_method_id=method_id)
        )
        if "gift_card" in method_id:
            user = user or _owner(store, order)
            _add_to_balance(_method(user, method_id), payment.amount)
    order.status = "cancelled"
    extras(order)["cancel_reason"] = args.reason
    order.payment_history.extend(refunds)
    owner = user or store.get_user(order.user_id)
    refunded = ", ".join(
        f"{money(r.amount)} to {user_method_label(owner, r.payment_method_id)}" for r in refunds
    )
    summary = (
        f"Cancel order {order.order_id} ({items_label(order.items)}), reason: {args.reason}. "
        f"Refund {refunded or 'nothing'}: to a gift card at once, otherwise in 5-7 business days."
    )
    return Change(order, user, summary)


def plan_order_address(store: Store, args: OrderAddressInput) -> Change:
    """Ship a pending order to another address."""
    order = _order(store, args.order_id)
    if order.status != "pending":
        raise ToolInputError("non-pending order cannot be modified")
    order.address = Address.model_validate(args.model_dump(exclude={"order_id"}))
    summary = f"Ship order {order.order_id} to {address_label(order.address)}."
    return Change(order, None, summary)


def plan_order_items(store: Store, args: ItemsChangeInput) -> Change:
    """Swap items of a pending order for other variants; the difference is paid or refunded."""
    order = _order(store, args.order_id)
    if order.status != "pending":
        raise ToolInputError("non-pending order cannot be modified")
    _check_items(order, args.item_ids)
    difference, variants = _new_variants(store, order, args.item_ids, args.new_item_ids)
    user = _owner(store, order)
    method = _method(user, args.payment_method_id)
    if method.source == "gift_card" and _balance(method) < difference:
        raise ToolInputError("insufficient gift card balance to pay for the new item")
    summary = (
        f"Change in order {order.order_id}: {_swaps(order, args.item_ids, variants)}; "
        f"{_difference_label(difference, user_method_label(user, method.id))}. The order can "
        "be neither changed again nor cancelled afterwards."
    )
    order.payment_history.append(
        Payment(
            transaction_type="payment" if difference > 0 else "refund",
            amount=abs(difference),
            payment_method_id=method.id,
        )
    )
    if method.source == "gift_card":
        _add_to_balance(method, -difference)
    for item_id, variant in zip(args.item_ids, variants, strict=True):
        item = _first_item(order, item_id)
        item.item_id, item.price, item.options = variant.item_id, variant.price, variant.options
    order.status = "pending (item modified)"
    return Change(order, user if method.source == "gift_card" else None, summary)


def plan_order_payment(store: Store, args: PaymentChangeInput) -> Change:
    """Pay a pending order with another method; the old one is refunded."""
    order = _order(store, args.order_id)
    if order.status != "pending":
        raise ToolInputError("non-pending order cannot be modified")
    user = _owner(store, order)
    method = _method(user, args.payment_method_id)
    history = order.payment_history
    if len(history) != 1 or history[0].transaction_type != "payment":
        raise ToolInputError("there should be exactly one payment for a pending order")
    old_id = history[0].payment_method_id
    if old_id == method.id:
        raise ToolInputError("the new payment method should be different from the current one")
    amount = history[0].amount
    if method.source == "gift_card" and _balance(method) < amount:
        raise ToolInputError("insufficient gift card balance to pay for the order")
    summary = (
        f"Pay order {order.order_id} ({money(amount)}) with "
        f"{user_method_label(user, method.id)} instead of {user_method_label(user, old_id)}, "
        "which is refunded: a gift card at once, otherwise in 5-7 business days."
    )
    history.append(Payment(transaction_type="payment", amount=amount, payment_method_id=method.id))
    history.append(Payment(transaction_type="refund", amount=amount, payment_method_id=old_id))
    changed = False
    if method.source == "gift_card":
        _add_to_balance(method, -amount)
        changed = True
    if "gift_card" in old_id:
        _add_to_balance(_method(user, old_id), amount)
        changed = True
    return Change(order, user if changed else None, summary)


def plan_user_address(store: Store, args: UserAddressInput) -> Change:
    """Change a user's default address."""
    user = store.get_user(args.user_id)
    if user is None:
        raise NotFoundError("user not found")
    user = user.model_copy(deep=True)
    user.address = Address.model_validate(args.model_dump(exclude={"user_id"}))
    summary = f"Change your default address to {address_label(user.address)}."
    return Change(None, user, summary)


def plan_return(store: Store, args: ReturnInput) -> Change:
    """Ask for items of a delivered order back; the refund goes to the original method or a
    gift card."""
    order = _order(store, args.order_id)
    if order.status != "delivered":
        raise ToolInputError("non-delivered order cannot be returned")
    user = _owner(store, order)
    method = _method(user, args.payment_method_id)
    if "gift_card" not in method.id and method.id != order.payment_history[0].payment_method_id:
        raise ToolInputError(
            "payment method should be either the original payment method or a gift card"
        )
    _check_items(order, args.item_ids)
    returned = [_first_item(order, item_id) for item_id in args.item_ids]
    refund = sum(item.price for item in returned)
    summary = (
        f"Return from order {order.order_id}: {items_label(returned)}. Refund "
        f"{money(refund)} to {user_method_label(user, method.id)}; you will get an e-mail "
        "explaining how to send the items back."
    )
    order.status = "return requested"
    extras(order)["return_items"] = sorted(args.item_ids)
    extras(order)["return_payment_method_id"] = method.id
    return Change(order, None, summary)


def plan_exchange(store: Store, args: ItemsChangeInput) -> Change:
    """Swap items of a delivered order for other variants of the same products."""
    order = _order(store, args.order_id)
    if order.status != "delivered":
        raise ToolInputError("non-delivered order cannot be exchanged")
    _check_items(order, args.item_ids)
    difference, variants = _new_variants(store, order, args.item_ids, args.new_item_ids)
    difference = round(difference, 2)
    user = _owner(store, order)
    method = _method(user, args.payment_method_id)
    if method.source == "gift_card" and _balance(method) < difference:
        raise ToolInputError("insufficient gift card balance to pay for the price difference")
    summary = (
        f"Exchange in order {order.order_id}: {_swaps(order, args.item_ids, variants)}; "
        f"{_difference_label(difference, user_method_label(user, method.id))}. You will get an "
        "e-mail explaining how to send the old items back; an order can be exchanged only once."
    )
    order.status = "exchange requested"
    extra = extras(order)
    extra["exchange_items"] = sorted(args.item_ids)
    extra["exchange_new_items"] = sorted(args.new_item_ids)
    extra["exchange_payment_method_id"] = method.id
    extra["exchange_price_difference"] = difference
    return Change(order, None, summary)


@dataclass(frozen=True)
class Committed:
    """A write that is in the store: the record it answers (the order, or the user for an
    address change) and whether it was made by this call or before, under the same key."""

    record: Order | User
    applied: Applied

    def output(self) -> str:
        """The record as the write tool answers it (a user in the benchmark's shape)."""
        shown = UserRecord.of(self.record) if isinstance(self.record, User) else self.record
        return shown.model_dump_json(exclude_none=True)


# Every write tool, by name: its argument model and its rules.
Planner = Callable[[Store, Any], Change]
WRITES: dict[str, tuple[type[BaseModel], Planner]] = {
    "cancel_pending_order": (CancelInput, plan_cancel),
    "modify_pending_order_address": (OrderAddressInput, plan_order_address),
    "modify_pending_order_items": (ItemsChangeInput, plan_order_items),
    "modify_pending_order_payment": (PaymentChangeInput, plan_order_payment),
    "modify_user_address": (UserAddressInput, plan_user_address),
    "return_delivered_order_items": (ReturnInput, plan_return),
    "exchange_delivered_order_items": (ItemsChangeInput, plan_exchange),
}


def plan(store: Store, name: str, arguments: dict[str, Any]) -> Change:
    """The change that write tool ``name`` would make with ``arguments`` (validated here)."""
    model, planner = WRITES[name]
    return planner(store, model.model_validate(arguments))


def commit(store: Store, name: str, arguments: dict[str, Any] | BaseModel, key: str) -> Committed:
    """Make the change of write tool ``name`` once per ``key``: its rules are checked again on
    the records inside the store's write transaction, and both records and the key are stored
    in it. ``ToolInputError`` (nothing written) when the rules refuse it now."""
    model, planner = WRITES[name]
    args = model.model_validate(arguments)
    change, applied = store.apply_change(key, lambda current: planner(current, args))
    if change is not None:
        record = change.order if change.order is not None else change.user
    else:  # made before under this key: the record as it is now
        record = _target(store, args)
    if record is None:
        raise RuntimeError(f"{name} changed no record")
    return Committed(record, applied)


def _target(store: Store, args: BaseModel) -> Order | User | None:
    """The record a write's arguments name: its order, else its user."""
    order_id = getattr(args, "order_id", None)
    if order_id is not None:
        return store.get_order(order_id)
    user_id = getattr(args, "user_id", None)
    return None if user_id is None else store.get_user(user_id)
