"""Loader for the tau-bench retail world: 50 products with variants, 500 users, 1,000 orders.

Users and orders are taken exactly as the benchmark records them (its customer-service tools
are our contract); products gain the catalog fields the shopping tools need.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from infra.errors import ConfigError
from tools.catalog.loaders import LoadedDataset, Progress, report, stable_hash
from tools.models import Order, Product, StoreInfo, User, Variant

DATASET = "tau-retail"
CURRENCY = "USD"
ATTRIBUTION = "tau-bench retail domain (Yao et al. 2024, Sierra Research), MIT License."
STOCK_NOTE = (
    "Estimated stock: the source data only says whether each variant is available, so the "
    "quantities are demo figures derived from that flag."
)
# Available variants hold a fixed demo quantity of 1..20, unavailable ones none.
_MAX_VARIANT_STOCK = 20


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(f"tau-retail source not found: {path}")
    with path.open(encoding="utf-8") as handle:
        data = json.load(handle)
    if not isinstance(data, dict):
        raise ConfigError(f"{path} should hold a JSON object keyed by id")
    return data


def variant_stock(item_id: str, available: bool) -> int:
    """A deterministic demo stock level for one variant."""
    return 1 + stable_hash(item_id) % _MAX_VARIANT_STOCK if available else 0


def _options_phrase(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def describe(name: str, option_names: list[str], variants: int, available: int) -> str:
    """A short description of a product and its choices, in our own words."""
    choice = f", chosen by {_options_phrase(option_names)}" if option_names else ""
    return f"{name} in {variants} variants{choice}; {available} of them can be ordered now."


def to_product(raw: dict[str, Any], popularity: int) -> Product:
    """A catalog product from one tau-bench product record."""
    variants = [
        Variant(
            item_id=v["item_id"],
            options=v["options"],
            price=v["price"],
            available=v["available"],
            stock=variant_stock(v["item_id"], v["available"]),
        )
        for v in raw["variants"].values()
    ]
    option_names = list(dict.fromkeys(k for v in variants for k in v.options))
    attributes = {
        name: sorted({v.options[name] for v in variants if name in v.options})
        for name in option_names
    }
    name = str(raw["name"])
    return Product(
        id=raw["product_id"],
        title=name,
        description=describe(name, option_names, len(variants), sum(v.available for v in variants)),
        category=name.lower(),
        price=min((v.price for v in variants), default=0.0),
        currency=CURRENCY,
        attributes=attributes,
        variants=variants,
        stock=sum(v.stock for v in variants),
        stock_note=STOCK_NOTE,
        popularity=float(popularity),
    )


def to_user(user_id: str, raw: dict[str, Any]) -> User:
    """A user from one tau-bench user record (which is keyed by id and lacks ``user_id``)."""
    return User.model_validate({"user_id": user_id, **raw})


def load_tau_retail(source_dir: Path, progress: Progress | None = None) -> LoadedDataset:
    """Read the tau-bench retail JSON files from ``source_dir``."""
    report(progress, "read", 0, 3)
    raw_products = _read_json(source_dir / "products.json")
    raw_users = _read_json(source_dir / "users.json")
    raw_orders = _read_json(source_dir / "orders.json")
    report(progress, "read", 3, 3)
    # Popularity: how often a product appears on an order line (the only demand signal there).
    bought = Counter(item["product_id"] for o in raw_orders.values() for item in o["items"])
    products = [to_product(p, bought[p["product_id"]]) for p in raw_products.values()]
    report(progress, "products", len(products), len(products))
    users = [to_user(uid, u) for uid, u in raw_users.items()]
    report(progress, "users", len(users), len(users))
    orders = [Order.model_validate(o) for o in raw_orders.values()]
    report(progress, "orders", len(orders), len(orders))
    info = StoreInfo(
        dataset=DATASET,
        currency=CURRENCY,
        loaded_at=datetime.now(UTC),
        products=len(products),
        users=len(users),
        orders=len(orders),
        attribution=ATTRIBUTION,
    )
    return LoadedDataset(info, products, users, orders)
