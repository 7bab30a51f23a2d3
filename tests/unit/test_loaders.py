"""The demo-data loaders, run on the data shipped in the package (each loaded once per module)."""

from __future__ import annotations

import gc
import json
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from infra.errors import ConfigError
from tools.catalog.load import DATA_DIR, LOADERS, load_dataset
from tools.catalog.loaders import LoadedDataset, Progress
from tools.catalog.loaders.online_retail import (
    _encode,
    describe,
    is_product_code,
    load_online_retail,
)
from tools.catalog.loaders.retail_titles import category_of, title_attributes, title_case
from tools.catalog.loaders.tau_retail import load_tau_retail
from tools.catalog.sqlite import SqliteStore
from tools.models import Order, Product, StoreInfo, User

TAU_DIR = DATA_DIR / "tau-retail"
RETAIL_DIR = DATA_DIR / "online-retail"


class Loaded(NamedTuple):
    """A loaded data set with its records in lists, so that tests can read them many times."""

    info: StoreInfo
    products: list[Product]
    users: list[User]
    orders: list[Order]


def materialize(data: LoadedDataset) -> Loaded:
    # ~400k order lines kept as models: pause the cyclic collector while they pile up, or it
    # walks them again and again (the loader streams them, so it never needs this).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return Loaded(data.info, list(data.products), list(data.users), list(data.orders))
    finally:
        if was_enabled:
            gc.enable()


@pytest.fixture(scope="module")
def retail() -> Loaded:
    return materialize(load_online_retail(RETAIL_DIR))


@pytest.fixture(scope="module")
def retail_products(retail: Loaded) -> dict[str, Product]:
    return {p.id: p for p in retail.products}


@pytest.fixture(scope="module")
def tau() -> Loaded:
    return materialize(load_tau_retail(TAU_DIR))


def raw(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((TAU_DIR / name).read_text(encoding="utf-8"))
    return data


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    with SqliteStore(tmp_path / "store.sqlite") as s:
        yield s


# -- shipped files -------------------------------------------------------------------------


def test_shipped_files_and_attribution() -> None:
    assert (RETAIL_DIR / "online_retail.parquet").is_file()
    assert "CC BY 4.0" in (RETAIL_DIR / "ATTRIBUTION.md").read_text(encoding="utf-8")
    for name in ("products.json", "users.json", "orders.json", "policy.md", "retail_tools.json"):
        assert (TAU_DIR / name).is_file(), name
    assert "MIT License" in (TAU_DIR / "LICENSE").read_text(encoding="utf-8")
    assert "tau-bench" in (TAU_DIR / "ATTRIBUTION.md").read_text(encoding="utf-8")
    assert not list(TAU_DIR.glob("expected_*")) and not list(TAU_DIR.glob("*tasks*"))


# -- online-retail: text rules ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw_text", "title"),
    [
        ("WHITE HANGING HEART T-LIGHT HOLDER", "White Hanging Heart T-Light Holder"),
        ("SET/6 RED SPOTTY PAPER PLATES", "Set/6 Red Spotty Paper Plates"),
        ("SET OF 3 CAKE TINS PANTRY DESIGN", "Set of 3 Cake Tins Pantry Design"),
        ("DAD'S CAB ELECTRONIC METER", "Dad's Cab Electronic Meter"),
        ("POLYESTER FILLER PAD 45x45cm", "Polyester Filler Pad 45x45cm"),
        ("ENGLISH ROSE NOTEBOOK A7 SIZE", "English Rose Notebook A7 Size"),
        ("SET OF 10 LED DOLLY LIGHTS", "Set of 10 LED Dolly Lights"),
        ("*Boombox Ipod Classic", "Boombox Ipod Classic"),
    ],
)
def test_title_case(raw_text: str, title: str) -> None:
    assert title_case(raw_text) == title


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("White Hanging Heart T-Light Holder", "t-light holder"),
        ("Lunch Bag Spaceboy Design", "lunch bag"),
        ("Jumbo Bag Red Retrospot", "bag"),
        ("Regency Cakestand 3 Tier", "cake stand"),
        ("Pack of 72 Retrospot Cake Cases", "cake case"),
        ("Set/4 Red Mini Rose Candle in Bowl", "candle"),
        ("Card Holder Love Bird Small", "card holder"),
        ("Retrospot Tea Set Ceramic 11 Pc", "tea set"),
        ("Set of 6 Ribbons Country Style", "ribbon"),
        ("Pink Bitty Light Chain", "light"),
        ("Biscuits Small Bowl Light Blue", "bowl"),
    ],
)
def test_category_is_the_head_noun(title: str, kind: str) -> None:
    assert category_of(title) == kind


def test_attributes_from_title() -> None:
    assert title_attributes("Small Wooden Heart Red and Ivory") == {
        "colour": ["ivory", "red"],
        "material": ["wood"],
        "size": ["small"],
    }
    assert title_attributes("Set of 6 Ice Cream Skittles") == {}


def test_non_product_codes() -> None:
    for code, text in [
        ("POST", "POSTAGE"),
        ("DOT", "DOTCOM POSTAGE"),
        ("M", "Manual"),
        ("m", "Manual"),
        ("C2", "CARRIAGE"),
        ("BANK CHARGES", "Bank Charges"),
        ("AMAZONFEE", "AMAZON FEE"),
        ("D", "Discount"),
        ("CRUK", "CRUK Commission"),
        ("gift_0001_20", "Dotcomgiftshop Gift Voucher £20.00"),
    ]:
        assert not is_product_code(code, text), code
    assert is_product_code("22423", "REGENCY CAKESTAND 3 TIER")
    assert is_product_code("DCGSSBOY", "BOYS PARTY BAG")


def test_description_in_own_words() -> None:
    title = "White Hanging Heart T-Light Holder"
    text = describe(title, 2265, first=date(2010, 12, 1), last=date(2011, 12, 9))
    assert text == (
        "White hanging heart t-light holder. Sold 2,200+ units between Dec 2010 and Dec 2011."
    )


# -- online-retail: the loaded data ----------------------------------------------------------


def test_online_retail_counts(retail: Loaded) -> None:
    assert (retail.info.products, retail.info.users, retail.info.orders) == (3798, 4372, 18402)
    assert len(retail.products) == retail.info.products
    assert retail.info.dataset == "online-retail" and retail.info.currency == "GBP"
    assert "CC BY 4.0" in retail.info.attribution


def test_known_product(retail_products: dict[str, Product]) -> None:
    cakestand = retail_products["22423"]
    assert cakestand.title == "Regency Cakestand 3 Tier"
    assert cakestand.category == "cake stand"
    assert 10 < cakestand.price < 15 and cakestand.currency == "GBP"
    assert cakestand.popularity > 10_000
    holder = retail_products["85123A"]
    assert holder.title == "White Hanging Heart T-Light Holder"
    assert holder.attributes["colour"] == ["white"]
    assert holder.description.startswith("White hanging heart t-light holder. Sold ")


def test_every_product_is_complete(retail: Loaded) -> None:
    for p in retail.products:
        assert p.title and p.category and p.description, p.id
        assert p.price > 0 and p.stock >= 0 and p.variants == []
        assert p.stock_note and "stock" in p.stock_note.lower()
        assert p.first_sold is not None and p.last_sold is not None
        assert p.first_sold <= p.last_sold


def test_no_non_product_codes(retail_products: dict[str, Product]) -> None:
    for code in ("POST", "DOT", "M", "m", "C2", "BANK CHARGES", "AMAZONFEE", "S", "B", "PADS"):
        assert code not in retail_products
    assert not [c for c in retail_products if c.lower().startswith("gift_")]
    # Every id is a stock code as written in the data: five digits and maybe letters, or one
    # of the web shop's own "DCGS…" goods (party bags, collars, an ashtray).
    odd = [c for c in retail_products if not re.fullmatch(r"\d{5}[A-Za-z]{0,2}", c)]
    assert odd and all(c.startswith("DCGS") for c in odd)
    # Lower-case duplicates ("85123a") are folded into their upper-case code.
    assert "85123a" not in retail_products


def test_stock_is_derived_from_recent_sales(retail: Loaded) -> None:
    end = max(p.last_sold for p in retail.products if p.last_sold)
    idle = [p for p in retail.products if p.last_sold and end - p.last_sold >= timedelta(60)]
    assert idle and all(p.stock == 0 for p in idle)
    assert sum(p.stock > 0 for p in retail.products) > len(retail.products) // 2


def test_colour_found_when_title_names_one(retail: Loaded) -> None:
    reds = [p for p in retail.products if re.search(r"\bRed\b", p.title)]
    assert reds and all("red" in p.attributes.get("colour", []) for p in reds)


def test_users_and_orders(retail: Loaded, retail_products: dict[str, Product]) -> None:
    users = {u.user_id: u for u in retail.users}
    user = users["17850"]
    assert (user.name.first_name, user.name.last_name) == ("Customer", "17850")
    assert user.address.country == "United Kingdom" and user.email == ""
    orders = {o.order_id: o for o in retail.orders}
    assert all(oid in orders for oid in user.orders)
    first = orders["536365"]
    assert first.user_id == "17850" and first.status == "delivered"
    assert first.created_at is not None and first.created_at.year == 2010
    assert [i.product_id for i in first.items][:2] == ["85123A", "71053"]
    assert first.items[0].quantity == 6 and first.items[0].price == 2.55
    total = sum(i.price * (i.quantity or 0) for i in first.items)
    assert first.payment_history[0].amount == pytest.approx(total, abs=0.01)
    assert not [o for o in retail.orders if o.order_id.startswith("C")]
    assert sum(len(u.orders) for u in retail.users) == len(retail.orders)
    for order in retail.orders[::500]:
        assert all(i.product_id in retail_products for i in order.items)


def test_online_retail_into_store(retail: Loaded, store: SqliteStore) -> None:
    store.replace_all(retail.info, retail.products, retail.users, retail.orders)
    assert store.info() == retail.info
    assert store.get_product("22423") == next(p for p in retail.products if p.id == "22423")
    assert [o.order_id for o in store.orders_for_user("17850")][:1] == ["536365"]


def test_online_retail_streams_its_records_into_the_store(
    retail: Loaded, store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The loader hands back one-shot iterators that build each record as the store asks for
    # it (so ~400k order lines never sit in memory at once); load_dataset consumes each once.
    loaded: list[LoadedDataset] = []

    def spy(source: Path, progress: Progress | None) -> LoadedDataset:
        loaded.append(load_online_retail(source, progress))
        return loaded[-1]

    monkeypatch.setitem(LOADERS, "online-retail", spy)
    progress: list[tuple[str, int, int]] = []
    info = load_dataset("online-retail", store, progress=lambda *a: progress.append(a))
    (data,) = loaded
    for records in (data.products, data.users, data.orders):
        assert not isinstance(records, list | tuple) and iter(records) is records
        assert list(records) == []  # consumed by the store, and only once
    assert (info.products, info.users, info.orders) == (3798, 4372, 18402)
    for stage, total in (("store products", 3798), ("store users", 4372), ("store orders", 18402)):
        assert (stage, total, total) in progress
    # What the store holds is what a materialized load produces.
    for product in retail.products[::250]:
        assert store.get_product(product.id) == product
    for user in retail.users[::250]:
        assert store.get_user(user.user_id) == user
    for order in retail.orders[::1000]:
        assert store.get_order(order.order_id) == order
    assert [o.order_id for o in store.orders_for_user("17850")] == [
        o.order_id for o in retail.orders if o.user_id == "17850"
    ]


def test_encode_numbers_values_like_dictionary_encode() -> None:
    # The loader reads text columns as dictionaries; its numbering (first appearance, nulls -1,
    # values equal after trimming merged) must match dictionary_encode of the plain strings.
    plain = pa.chunked_array(
        [["b ", None, "a", " b"], [], ["c", "a", None, "b", "  "], ["d", ""]], pa.string()
    )
    dictionary = pa.chunked_array(
        [chunk.dictionary_encode() for chunk in plain.chunks],
        pa.dictionary(pa.int32(), pa.string()),
    )
    for trim in (False, True):
        expected = pc.dictionary_encode(pc.utf8_trim_whitespace(plain) if trim else plain)
        combined = expected.combine_chunks()
        indices, values = _encode(dictionary, trim=trim)
        assert indices.tolist() == combined.indices.fill_null(-1).to_pylist()
        assert values == combined.dictionary.to_pylist()


# -- tau-retail ------------------------------------------------------------------------------


def test_tau_counts(tau: Loaded) -> None:
    assert (len(tau.products), len(tau.users), len(tau.orders)) == (50, 500, 1000)
    assert tau.info.dataset == "tau-retail" and tau.info.currency == "USD"


def test_tau_products(tau: Loaded) -> None:
    source = raw("products.json")
    for product in tau.products:
        variants = source[product.id]["variants"]
        assert product.title == source[product.id]["name"]
        assert product.category == product.title.lower()
        assert product.price == min(v["price"] for v in variants.values())
        assert [v.item_id for v in product.variants] == list(variants)
        assert product.stock == sum(v.stock for v in product.variants)
        for v in product.variants:
            assert (v.stock > 0) == v.available and v.stock <= 20
        for name, values in product.attributes.items():
            assert values == sorted({v["options"][name] for v in variants.values()})
        assert product.stock_note


def test_tau_orders_round_trip(tau: Loaded) -> None:
    source = raw("orders.json")
    assert {o.order_id: o.model_dump(exclude_none=True) for o in tau.orders} == source


def test_tau_users_round_trip(tau: Loaded) -> None:
    source = raw("users.json")
    # The source keys users by id and has no user_id field; everything else must match.
    dumped = {u.user_id: u.model_dump(exclude_none=True) for u in tau.users}
    assert all(d.pop("user_id") == uid for uid, d in dumped.items())
    assert dumped == source


def test_tau_round_trip_through_the_store(tau: Loaded, store: SqliteStore) -> None:
    progress: list[tuple[str, int, int]] = []
    info = load_dataset("tau-retail", store, progress=lambda *a: progress.append(a))
    assert (info.products, info.users, info.orders) == (50, 500, 1000)
    assert ("store orders", 1000, 1000) in progress
    orders, users = raw("orders.json"), raw("users.json")
    for oid, record in orders.items():
        order = store.get_order(oid)
        assert order is not None and order.model_dump(exclude_none=True) == record
    for uid, record in users.items():
        user = store.get_user(uid)
        assert user is not None
        assert user.model_dump(exclude_none=True, exclude={"user_id"}) == record
    some = users["noah_brown_6181"]
    found = store.find_user_by_email(some["email"])
    assert found is not None and found.user_id == "noah_brown_6181"
    name, zip_code = some["name"], some["address"]["zip"]
    found = store.find_user_by_name_zip(name["first_name"], name["last_name"], zip_code)
    assert found is not None and found.user_id == "noah_brown_6181"


# -- load_dataset ----------------------------------------------------------------------------


def test_unknown_dataset_names_the_valid_ones(store: SqliteStore) -> None:
    with pytest.raises(ConfigError, match="online-retail, tau-retail"):
        load_dataset("amazon", store)


def test_missing_source_is_a_config_error(store: SqliteStore, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_dataset("tau-retail", store, source_dir=tmp_path)
    with pytest.raises(ConfigError, match="not found"):
        load_dataset("online-retail", store, source_dir=tmp_path)
    assert store.info() is None
