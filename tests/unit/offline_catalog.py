"""A small catalog in the shapes of both demo stores, with an in-memory search and store.

Used by the offline planner tests; the search here is a plain filter-and-count matcher, so the
tests do not depend on how the real search backend ranks.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from langchain_core.tools import BaseTool

from tools.catalog.sqlite import SqliteStore
from tools.catalog.tools import catalog_tools
from tools.forecast.inventory import Inventory
from tools.forecast.ledger import SqliteLedger
from tools.forecast.tools import forecast_tools
from tools.forecast.trained import LocalForecaster
from tools.models import Product, StoreInfo, Variant
from tools.search.base import ProductSummary, SearchQuery, SearchResult
from tools.search.tools import search_tools

NOTE = "Estimated stock: derived from recent sales."


def _giftware(
    pid: str, title: str, category: str, price: float, stock: int, **attributes: str
) -> Product:
    return Product(
        id=pid,
        title=title,
        description=f"{title}. A giftware classic.",
        category=category,
        price=price,
        currency="GBP",
        attributes={name: [value] for name, value in attributes.items()},
        stock=stock,
        stock_note=NOTE,
        popularity=float(stock),
    )


GIFTWARE: list[Product] = [
    _giftware("85123A", "White Hanging Heart T-Light Holder", "t-light holder", 2.95, 120,
              colour="white"),
    _giftware("84945", "Glass Star Frosted T-Light Holder", "t-light holder", 4.25, 14,
              material="glass"),
    _giftware("22423", "Regency Cakestand 3 Tier", "cake stand", 12.75, 40),
    _giftware("84750A", "Pink Small Glass Cake Stand", "cake stand", 1.95, 0, colour="pink",
              material="glass", size="small"),
    _giftware("21844", "Red Retrospot Mug", "mug", 2.95, 50, colour="red"),
    _giftware("21066", "Vintage Red Mug", "mug", 1.25, 0, colour="red"),
    _giftware("37370", "Blue Polkadot Coffee Mug", "mug", 1.45, 8, colour="blue"),
    _giftware("23251", "Vintage Enamel Trim Mug", "mug", 1.65, 5, material="enamel"),
    _giftware("22464", "Hanging Metal Heart Lantern", "lantern", 1.65, 10, material="metal"),
    _giftware("23082", "Set 6 Paper Table Lantern Hearts", "lantern", 3.75, 3,
              material="paper"),
    _giftware("71053", "White Metal Lantern", "lantern", 3.75, 22, colour="white",
              material="metal"),
    _giftware("22386", "Jumbo Bag Pink Polkadot", "bag", 2.08, 70, colour="pink", size="jumbo"),
    _giftware("85099B", "Jumbo Bag Red Retrospot", "bag", 2.08, 90, colour="red",
              size="jumbo"),
    _giftware("20725", "Lunch Bag Red Retrospot", "lunch bag", 1.65, 60, colour="red"),
    _giftware("21527", "Red Retrospot Traditional Teapot", "teapot", 7.95, 0, colour="red"),
    _giftware("48194", "Doormat Hearts", "doormat", 7.95, 6),
    _giftware("21232", "Strawberry Ceramic Trinket Box", "trinket box", 1.25, 30,
              material="ceramic"),
    _giftware("84029G", "Knitted Union Flag Hot Water Bottle", "hot water bottle", 3.75, 12),
]  # fmt: skip


def _variants(prefix: str, price: float, *options: dict[str, str]) -> list[Variant]:
    return [
        Variant(item_id=f"{prefix}{i}", options=o, price=price + i, available=i % 3 != 2, stock=5)
        for i, o in enumerate(options)
    ]


def typed_product(pid: str, title: str, variants: list[Variant]) -> Product:
    """A product sold in ``variants``: its options, lowest price and orderable stock from them."""
    attributes: dict[str, list[str]] = {}
    for variant in variants:
        for name, value in variant.options.items():
            if value not in attributes.setdefault(name, []):
                attributes[name].append(value)
    return Product(
        id=pid,
        title=title,
        description=f"{title} in {len(variants)} variants.",
        category=title.lower(),
        price=min(v.price for v in variants),
        currency="USD",
        attributes=attributes,
        variants=variants,
        stock=sum(v.stock for v in variants if v.available),
        stock_note="Demo stock figures.",
    )


TYPED: list[Product] = [
    typed_product("9523456873", "T-Shirt", _variants(
        "95", 46.66,
        {"color": "blue", "size": "M", "material": "cotton", "style": "crew neck"},
        {"color": "purple", "size": "XL", "material": "cotton", "style": "crew neck"},
        {"color": "red", "size": "S", "material": "polyester", "style": "v-neck"},
        {"color": "black", "size": "L", "material": "polyester", "style": "v-neck"},
    )),
    typed_product("6938111410", "Running Shoes", _variants(
        "69", 147.05,
        {"size": "8", "color": "red", "material": "leather"},
        {"size": "10", "color": "white", "material": "mesh"},
    )),
    typed_product("7314138884", "Sunglasses", _variants(
        "73", 279.78,
        {"frame color": "black", "lens color": "green", "lens type": "polarized"},
        {"frame color": "brown", "lens color": "blue", "lens type": "non-polarized"},
    )),
    typed_product("7363354090", "Hiking Boots", _variants(
        "736", 231.43,
        {"size": "10", "material": "leather", "waterproof": "yes"},
        {"size": "11", "material": "synthetic", "waterproof": "no"},
    )),
    typed_product("8310926033", "Water Bottle", _variants(
        "83", 45.09,
        {"capacity": "1000ml", "material": "glass", "color": "red"},
        {"capacity": "500ml", "material": "stainless steel", "color": "blue"},
    )),
    typed_product("4794339885", "Office Chair", _variants(
        "47", 466.44,
        {"material": "leather", "color": "black", "backrest height": "high-back"},
        {"material": "fabric", "color": "gray", "backrest height": "standard"},
    )),
    typed_product("2892623495", "Notebook", _variants(
        "28", 28.14, {"size": "A4", "cover type": "hard cover"},
        {"size": "A5", "cover type": "soft cover"},
    )),
]  # fmt: skip


def _words(product: Product) -> set[str]:
    text = " ".join(
        [product.title, product.category, *(v for vs in product.attributes.values() for v in vs)]
    ).lower()
    words = set(text.replace("-", " ").split()) | set(text.split())
    return words | {w.rstrip("s") for w in words}


class FakeSearch:
    """Filters exactly, then keeps the products meeting the most query words (like BM25 OR)."""

    name = "fake"

    def __init__(self, products: Iterable[Product]) -> None:
        self.products = list(products)
        self.queries: list[SearchQuery] = []

    def index(self, products: Iterable[Product]) -> None:
        self.products = list(products)

    async def search(self, query: SearchQuery) -> SearchResult:
        self.queries.append(query)
        allowed = [p for p in self.products if self._allowed(p, query)]
        words = [w.rstrip("s") for w in query.query.lower().split()]
        if words:
            met = {p.id: sum(w in _words(p) for w in words) for p in allowed}
            best = max(met.values(), default=0)
            allowed = [p for p in allowed if best and met[p.id] == best]
        if query.sort == "price_asc":
            allowed.sort(key=lambda p: p.price)
        elif query.sort == "price_desc":
            allowed.sort(key=lambda p: -p.price)
        elif query.sort == "popularity":
            allowed.sort(key=lambda p: -p.popularity)
        page = allowed[query.offset : query.offset + query.limit]
        return SearchResult(total=len(allowed), products=[ProductSummary.of(p) for p in page])

    @staticmethod
    def _allowed(p: Product, q: SearchQuery) -> bool:
        if q.category and p.category.lower() != q.category.lower():
            return False
        if q.min_price is not None and p.price < q.min_price:
            return False
        if q.max_price is not None and p.price > q.max_price:
            return False
        if q.in_stock_only and not p.in_stock:
            return False
        for name, value in q.attributes.items():
            if value.lower() not in [v.lower() for v in p.attributes.get(name, [])]:
                return False
        return True


def shop_tools(products: list[Product]) -> tuple[list[BaseTool], FakeSearch]:
    """The shopping and stock tools as a model sees them, over ``products`` in a real SQLite
    store (no forecaster is trained, so stock answers carry no forecast)."""
    search = FakeSearch(products)
    folder = Path(tempfile.mkdtemp(prefix="offline-catalog-"))
    store = SqliteStore(folder / "store.sqlite")
    info = StoreInfo(
        dataset="test", currency="GBP", loaded_at=datetime.now(UTC), products=len(products),
        users=0, orders=0,
    )  # fmt: skip
    store.replace_all(info, products, [], [])
    stock = Inventory(store, SqliteLedger(folder / "store.sqlite"))
    specs: list[Any] = [
        *search_tools(search),
        *catalog_tools(store),
        *forecast_tools(store, LocalForecaster(folder / "no-model"), stock),
    ]
    return [spec.as_langchain_tool() for spec in specs], search
