"""The SQLite store: round trips, finders, atomic reloads, event de-duplication, threads, speed."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from infra.events.schema import BehaviourEvent
from tools.catalog.sqlite import SqliteStore
from tools.catalog.store import Store
from tools.models import (
    Address,
    Name,
    Order,
    OrderItem,
    Payment,
    PaymentMethod,
    Product,
    StoreInfo,
    User,
    Variant,
)


def make_product(pid: str, title: str = "Red Mug", price: float = 2.5) -> Product:
    return Product(
        id=pid,
        title=title,
        description=f"{title}, a test product.",
        category="mug",
        price=price,
        attributes={"colour": ["red"]},
        variants=[Variant(item_id=f"{pid}-1", options={"size": "L"}, price=price, stock=3)],
        stock=3,
        stock_note="test stock",
        popularity=10.0,
        first_sold=date(2011, 1, 2),
        last_sold=date(2011, 12, 9),
    )


def make_user(uid: str, email: str = "", first: str = "Ada", last: str = "Lovelace") -> User:
    return User(
        user_id=uid,
        name=Name(first_name=first, last_name=last),
        address=Address(address1="1 Main St", city="Leeds", country="UK", zip="LS1 1AA"),
        email=email,
        payment_methods={
            "gift_card_1": PaymentMethod.model_validate(
                {"source": "gift_card", "id": "gift_card_1", "balance": 40}
            )
        },
        orders=[],
    )


def make_order(oid: str, uid: str, created: datetime | None = None) -> Order:
    return Order(
        order_id=oid,
        user_id=uid,
        items=[OrderItem(name="Red Mug", product_id="p1", item_id="p1-1", price=2.5)],
        status="pending",
        payment_history=[
            Payment(transaction_type="payment", amount=2.5, payment_method_id="gift_card_1")
        ],
        created_at=created,
    )


def make_info(dataset: str = "test", products: int = 0) -> StoreInfo:
    return StoreInfo(
        dataset=dataset,
        currency="GBP",
        loaded_at=datetime(2024, 1, 1, tzinfo=UTC),
        products=products,
        users=0,
        orders=0,
    )


def event(eid: str, kind: str = "view") -> BehaviourEvent:
    sale = {"quantity": 1, "price": 2.5} if kind == "purchase" else {}
    return BehaviourEvent.model_validate(
        {"event_id": eid, "type": kind, "ts": "2024-05-01T10:00:00Z", "product_id": "p1", **sale}
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    with SqliteStore(tmp_path / "nested" / "dir" / "store.sqlite") as s:
        yield s


@pytest.fixture
def loaded(store: SqliteStore) -> SqliteStore:
    store.replace_all(
        make_info(products=3),
        [make_product("p1"), make_product("p2", "Blue Bowl"), make_product("p3", "Tin")],
        [
            make_user("ada_1", email="Ada@Example.com"),
            make_user("bob_2", first="Bob", last="Smith"),
        ],
        [make_order("#W1", "ada_1", datetime(2011, 1, 2, 9, 30)), make_order("#W2", "ada_1")],
    )
    return store


def test_is_a_store(store: SqliteStore) -> None:
    typed: Store = store
    assert typed.info() is None


def test_creates_parent_dirs_and_uses_wal(store: SqliteStore) -> None:
    assert store.path.is_file()
    with sqlite3.connect(store.path) as other:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_info_round_trip(loaded: SqliteStore) -> None:
    assert loaded.info() == make_info(products=3)


def test_product_round_trip(loaded: SqliteStore) -> None:
    assert loaded.get_product("p1") == make_product("p1")
    assert loaded.get_product("nope") is None


def test_get_products_keeps_asked_order_and_skips_missing(loaded: SqliteStore) -> None:
    got = loaded.get_products(["p3", "missing", "p1"])
    assert [p.id for p in got] == ["p3", "p1"]
    assert loaded.get_products([]) == []


def test_get_products_many_ids(store: SqliteStore) -> None:
    products = [make_product(f"p{i}") for i in range(1200)]
    store.replace_all(make_info(), products, [], [])
    wanted = [f"p{i}" for i in range(1199, -1, -3)]
    assert [p.id for p in store.get_products(wanted)] == wanted


def test_iter_products_in_stored_order_and_put_updates_in_place(loaded: SqliteStore) -> None:
    loaded.put_product(make_product("p1", "Green Mug", price=3.0))
    loaded.put_product(make_product("p4", "New"))
    products = list(loaded.iter_products())
    assert [p.id for p in products] == ["p1", "p2", "p3", "p4"]
    assert products[0].title == "Green Mug" and products[0].price == 3.0


def test_user_round_trip_keeps_extra_payment_fields(loaded: SqliteStore) -> None:
    user = loaded.get_user("ada_1")
    assert user == make_user("ada_1", email="Ada@Example.com")
    assert user is not None
    assert user.payment_methods["gift_card_1"].model_dump() == {
        "source": "gift_card",
        "id": "gift_card_1",
        "balance": 40,
    }


def test_find_user_by_email_ignores_case_and_space(loaded: SqliteStore) -> None:
    found = loaded.find_user_by_email("  ada@EXAMPLE.com ")
    assert found is not None and found.user_id == "ada_1"
    assert loaded.find_user_by_email("nobody@example.com") is None


def test_empty_email_matches_nobody(loaded: SqliteStore) -> None:
    # bob_2 has no e-mail; a search for "" must not find him.
    assert loaded.find_user_by_email("") is None
    assert loaded.find_user_by_email("   ") is None


def test_find_user_by_name_zip(loaded: SqliteStore) -> None:
    found = loaded.find_user_by_name_zip("bob", "SMITH", "LS1 1AA")
    assert found is not None and found.user_id == "bob_2"
    assert loaded.find_user_by_name_zip("Bob", "Smith", "00000") is None


def test_put_user_updates_lookup_columns(loaded: SqliteStore) -> None:
    user = make_user("ada_1", email="ada@new.example", first="Ada", last="King")
    loaded.put_user(user)
    assert loaded.find_user_by_email("ada@example.com") is None
    assert loaded.find_user_by_email("ada@new.example") == user
    assert loaded.find_user_by_name_zip("ada", "king", "LS1 1AA") == user


def test_order_round_trip_and_user_listing(loaded: SqliteStore) -> None:
    order = loaded.get_order("#W1")
    assert order == make_order("#W1", "ada_1", datetime(2011, 1, 2, 9, 30))
    assert [o.order_id for o in loaded.orders_for_user("ada_1")] == ["#W1", "#W2"]
    assert loaded.orders_for_user("bob_2") == []
    assert loaded.get_order("#W404") is None


def test_put_order_keeps_extra_fields_and_position(loaded: SqliteStore) -> None:
    changed = make_order("#W1", "ada_1").model_copy(update={"status": "cancelled"})
    changed = Order.model_validate({**changed.model_dump(), "cancel_reason": "no longer needed"})
    loaded.put_order(changed)
    got = loaded.get_order("#W1")
    assert got is not None and got.status == "cancelled"
    assert got.model_dump(exclude_none=True)["cancel_reason"] == "no longer needed"
    assert [o.order_id for o in loaded.orders_for_user("ada_1")] == ["#W1", "#W2"]


def test_replace_all_replaces_everything(loaded: SqliteStore) -> None:
    loaded.replace_all(make_info("other", 1), [make_product("x1")], [make_user("zed")], [])
    assert [p.id for p in loaded.iter_products()] == ["x1"]
    assert loaded.get_user("ada_1") is None and loaded.get_user("zed") is not None
    assert loaded.get_order("#W1") is None
    info = loaded.info()
    assert info is not None and info.dataset == "other"


def test_replace_all_is_atomic(loaded: SqliteStore) -> None:
    def failing_users() -> Iterator[User]:
        yield make_user("new_1")
        raise RuntimeError("source broke half way")

    with pytest.raises(RuntimeError, match="half way"):
        loaded.replace_all(make_info("broken"), [make_product("x1")], failing_users(), [])
    assert [p.id for p in loaded.iter_products()] == ["p1", "p2", "p3"]
    assert loaded.get_user("new_1") is None and loaded.get_user("ada_1") is not None
    assert loaded.get_order("#W1") is not None
    assert loaded.info() == make_info(products=3)
    # The store is still writable after the rollback.
    loaded.put_product(make_product("p9"))
    assert loaded.get_product("p9") is not None


def test_replace_all_streams_one_shot_iterators(store: SqliteStore) -> None:
    # Loaders hand over generators that build records on demand: each must be read once, one
    # record at a time (a record is written before the next is built), products before users
    # before orders.
    pulled: list[str] = []

    def products() -> Iterator[Product]:
        for pid in ("p1", "p2"):
            pulled.append(pid)
            yield make_product(pid)

    def users() -> Iterator[User]:
        assert store.get_product("p2") is not None
        pulled.append("ada_1")
        yield make_user("ada_1")

    def orders() -> Iterator[Order]:
        for n in range(1, 4):
            if n > 1:  # the previous order is already in the (open) transaction
                assert store.get_order(f"#W{n - 1}") is not None
            pulled.append(f"#W{n}")
            yield make_order(f"#W{n}", "ada_1")

    store.replace_all(make_info(products=2), products(), users(), orders())
    assert pulled == ["p1", "p2", "ada_1", "#W1", "#W2", "#W3"]
    assert [o.order_id for o in store.orders_for_user("ada_1")] == ["#W1", "#W2", "#W3"]
    assert store.info() == make_info(products=2)


def test_replace_all_keeps_events(loaded: SqliteStore) -> None:
    loaded.append_events([event("e1")])
    loaded.replace_all(make_info(), [], [], [])
    assert loaded.append_events([event("e1")]) == 0


def test_append_events_ignores_known_ids(store: SqliteStore) -> None:
    assert store.append_events([event("e1"), event("e2"), event("e1")]) == 2
    assert store.append_events([event("e2"), event("e3", "purchase")]) == 1
    assert store.append_events([]) == 0
    assert store.count_events() == 3


def test_data_survives_reopening(loaded: SqliteStore) -> None:
    loaded.close()
    with SqliteStore(loaded.path) as again:
        assert again.get_product("p2") == make_product("p2", "Blue Bowl")
        assert again.info() == make_info(products=3)


def test_closed_store_refuses_work(store: SqliteStore) -> None:
    store.close()
    store.close()  # a second close is harmless
    with pytest.raises(RuntimeError, match="closed"):
        store.get_product("p1")


def test_threads_share_one_store(loaded: SqliteStore) -> None:
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(50):
                loaded.put_product(make_product(f"t{n}-{i}"))
                assert loaded.get_product("p1") is not None
                loaded.append_events([event(f"e{n}-{i}")])
                assert loaded.find_user_by_email("ada@example.com") is not None
        except BaseException as err:  # collected for the main thread to report
            errors.append(err)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(list(loaded.iter_products())) == 3 + 6 * 50
    assert loaded.count_events() == 6 * 50
