"""The columns a store row holds for a record, the same in the SQLite and PostgreSQL stores.

Each row is the record's JSON (``doc``) beside the columns lookups need. User lookups ignore
case (as in tau-bench), so their key columns hold lower case; an empty e-mail is stored as NULL
so that it never matches a search for "".
"""

from __future__ import annotations

from tools.models import Order, Product, User


def product_row(product: Product) -> tuple[str, str]:
    """``(id, doc)``."""
    return product.id, product.model_dump_json(exclude_none=True)


def user_row(user: User) -> tuple[str, str | None, str, str, str, str]:
    """``(user_id, email, first_name, last_name, zip, doc)``."""
    email = user.email.strip().lower() or None
    return (
        user.user_id,
        email,
        user.name.first_name.strip().lower(),
        user.name.last_name.strip().lower(),
        user.address.zip.strip(),
        user.model_dump_json(exclude_none=True),
    )


def order_row(order: Order) -> tuple[str, str, str]:
    """``(order_id, user_id, doc)``."""
    return order.order_id, order.user_id, order.model_dump_json(exclude_none=True)
