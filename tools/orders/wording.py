"""How orders, items, payment methods and addresses are named to a customer."""

from __future__ import annotations

from collections.abc import Iterable

from tools.models import Address, OrderItem, PaymentMethod, User


def money(amount: float) -> str:
    return f"{amount:,.2f}"


def options_label(options: dict[str, str]) -> str:
    return ", ".join(f"{name} {value}" for name, value in options.items())


def item_label(item: OrderItem) -> str:
    """'Electric Kettle (capacity 1.5L, color silver) at 158.90'."""
    options = f" ({options_label(item.options)})" if item.options else ""
    return f"{item.name}{options} at {money(item.price)}"


def items_label(items: Iterable[OrderItem]) -> str:
    return "; ".join(item_label(item) for item in items)


def method_label(method: PaymentMethod) -> str:
    """'the gift card gift_card_7728021 (balance 3,653.54)', 'the visa credit card ending 9536'."""
    extra = method.model_extra or {}
    if method.source == "gift_card":
        balance = extra.get("balance")
        shown = f" (balance {money(float(balance))})" if isinstance(balance, int | float) else ""
        return f"the gift card {method.id}{shown}"
    if method.source == "credit_card":
        words = ["the", str(extra.get("brand", "")), "credit card"]
        if extra.get("last_four"):
            words.append(f"ending {extra['last_four']}")
        return " ".join(w for w in words if w) + f" ({method.id})"
    if method.source == "paypal":
        return f"the PayPal account {method.id}"
    return f"the payment method {method.id}"


def user_method_label(user: User | None, method_id: str) -> str:
    method = user.payment_methods.get(method_id) if user else None
    return method_label(method) if method else method_id


def address_label(address: Address) -> str:
    parts = [address.address1, address.address2, address.city, address.state, address.zip]
    line = ", ".join(p for p in parts if p)
    return f"{line}, {address.country}" if address.country else line
