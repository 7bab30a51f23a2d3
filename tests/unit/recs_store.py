"""A small real SQLite store with shoppers and dated orders, for the recommender tests.

Who bought what (day of June 2024: items):

    u1: 1 [RED-LANTERN, RED-MUG]          5 [CANDLES]
    u2: 2 [RED-LANTERN, RED-MUG, OLD-MUG] 6 [GIFT-BAG]
    u3: 3 [RED-LANTERN, BLUE-LANTERN]     7 [RED-MUG]
    u4: 4 [RED-MUG, CANDLES]
    u5: 8 [RED-LANTERN, RED-MUG]
    u6: nothing yet

RED-LANTERN and RED-MUG share 3 orders and 4 shoppers; OLD-MUG is out of stock; NEW-LANTERN
never sold (a product new to the model).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tools.catalog.sqlite import SqliteStore
from tools.models import Name, Order, OrderItem, Product, StoreInfo, User

LOADED = datetime(2024, 7, 1, tzinfo=UTC)
PRODUCTS = [
    Product(id="RED-LANTERN", title="Red Heart Lantern", category="Lantern", price=4.0,
            attributes={"colour": ["red"]}, stock=10),
    Product(id="BLUE-LANTERN", title="Blue Heart Lantern", category="Lantern", price=4.0,
            attributes={"colour": ["blue"]}, stock=10),
    Product(id="RED-MUG", title="Red Tea Mug", category="Mug", price=2.0,
            attributes={"colour": ["red"]}, stock=10),
    Product(id="OLD-MUG", title="Old Blue Mug", category="Mug", price=2.0, stock=0),
    Product(id="CANDLES", title="Candle Set", category="Candle", price=3.0, stock=10),
    Product(id="GIFT-BAG", title="Gift Bag", category="Bag", price=1.0, stock=10),
    Product(id="NEW-LANTERN", title="New Star Lantern", category="Lantern", price=5.0, stock=10),
]  # fmt: skip
PURCHASES = [
    ("u1", 1, ["RED-LANTERN", "RED-MUG"]),
    ("u1", 5, ["CANDLES"]),
    ("u2", 2, ["RED-LANTERN", "RED-MUG", "OLD-MUG"]),
    ("u2", 6, ["GIFT-BAG"]),
    ("u3", 3, ["RED-LANTERN", "BLUE-LANTERN"]),
    ("u3", 7, ["RED-MUG"]),
    ("u4", 4, ["RED-MUG", "CANDLES"]),
    ("u5", 8, ["RED-LANTERN", "RED-MUG"]),
]
USERS = ["u1", "u2", "u3", "u4", "u5", "u6"]


def make_store(folder: Path) -> SqliteStore:
    """The store above, written to ``folder/store.sqlite``."""
    titles = {p.id: p.title for p in PRODUCTS}
    orders = [
        Order(
            order_id=f"O{n}",
            user_id=user,
            items=[
                OrderItem(name=titles[pid], product_id=pid, item_id=pid, price=1.0, quantity=2)
                for pid in items
            ],
            status="delivered",
            created_at=datetime(2024, 6, day, 10, tzinfo=UTC),
        )
        for n, (user, day, items) in enumerate(PURCHASES)
    ]
    users = [
        User(
            user_id=u,
            name=Name(first_name="Shopper", last_name=u),
            orders=[o.order_id for o in orders if o.user_id == u],
        )
        for u in USERS
    ]
    store = SqliteStore(folder / "store.sqlite")
    info = StoreInfo(
        dataset="recs-test", currency="GBP", loaded_at=LOADED, products=len(PRODUCTS),
        users=len(users), orders=len(orders),
    )  # fmt: skip
    store.replace_all(info, PRODUCTS, users, orders)
    return store
