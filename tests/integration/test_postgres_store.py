"""The store conformance tests on both backends: SQLite and a real PostgreSQL.

The backend-neutral tests of ``tests/unit/test_sqlite_store.py`` are collected here again with a
``store`` fixture that is each backend in turn (PostgreSQL: a fresh database per test). The
changes of several records (``apply_change``) are checked on both with the same assertions,
and what differs by design (reopening, how a load streams) has a PostgreSQL test of its own.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from tests.unit.test_sqlite_store import (  # noqa: F401 - collected here on both backends
    make_info,
    make_order,
    make_product,
    make_user,
    test_append_events_ignores_known_ids,
    test_closed_store_refuses_work,
    test_find_user_by_email_ignores_case_and_space,
    test_find_user_by_name_zip,
    test_get_products_keeps_asked_order_and_skips_missing,
    test_get_products_many_ids,
    test_info_round_trip,
    test_is_a_store,
    test_iter_products_in_stored_order_and_put_updates_in_place,
    test_order_round_trip_and_user_listing,
    test_product_round_trip,
    test_put_order_keeps_extra_fields_and_position,
    test_put_user_updates_lookup_columns,
    test_replace_all_is_atomic,
    test_replace_all_keeps_events,
    test_replace_all_replaces_everything,
    test_threads_share_one_store,
    test_user_round_trip_keeps_extra_payment_fields,
)
from tools.catalog.postgres import PostgresStore
from tools.catalog.sqlite import SqliteStore
from tools.models import Order, Product, User

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]

AnyStore = SqliteStore | PostgresStore


@pytest.fixture(params=["sqlite", "postgres"])
def store(
    request: pytest.FixtureRequest, tmp_path: Path, new_database: Callable[[str | None], str]
) -> Iterator[AnyStore]:
    opened: AnyStore
    if request.param == "sqlite":
        opened = SqliteStore(tmp_path / "store.sqlite")
    else:
        opened = PostgresStore(new_database(None), min_size=8)  # racers do not queue
    yield opened
    opened.close()


@pytest.fixture
def loaded(store: AnyStore) -> AnyStore:
    return _load_small(store)


def _load_small(store: AnyStore) -> AnyStore:
    """The unit module's small data set (two users, three products, two orders of ada's)."""
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


# -- PostgreSQL's own ----------------------------------------------------------------------


def test_data_is_shared_by_a_second_store_on_the_database(
    new_database: Callable[[str | None], str],
) -> None:
    url = new_database(None)
    with PostgresStore(url) as first, PostgresStore(url) as second:
        first.replace_all(make_info(products=1), [make_product("p1")], [make_user("ada_1")], [])
        assert second.get_product("p1") == make_product("p1")
        second.put_order(make_order("#W1", "ada_1"))
        assert [o.order_id for o in first.orders_for_user("ada_1")] == ["#W1"]
    with PostgresStore(url) as again:  # reopened: the tables exist, nothing is lost
        assert again.info() == make_info(products=1)


def test_replace_all_consumes_each_iterable_once_in_turn(
    new_database: Callable[[str | None], str],
) -> None:
    pulled: list[str] = []

    def products() -> Iterator[Product]:
        for pid in ("p1", "p2"):
            pulled.append(pid)
            yield make_product(pid)

    def users() -> Iterator[User]:
        pulled.append("ada_1")
        yield make_user("ada_1")

    def orders() -> Iterator[Order]:
        for n in range(1, 4):
            pulled.append(f"#W{n}")
            yield make_order(f"#W{n}", "ada_1")

    with PostgresStore(new_database(None)) as store:
        store.replace_all(make_info(products=2), products(), users(), orders())
        assert pulled == ["p1", "p2", "ada_1", "#W1", "#W2", "#W3"]
        assert [o.order_id for o in store.orders_for_user("ada_1")] == ["#W1", "#W2", "#W3"]


def test_an_unreachable_database_is_a_clear_error() -> None:
    from infra.errors import UpstreamError
    from infra.local_services import free_port

    url = f"postgresql://nobody:x@127.0.0.1:{free_port()}/none"
    with pytest.raises(UpstreamError, match="SHOPAGENT_DATABASE_URL"):
        PostgresStore(url, timeout_s=1.0)


# -- changes of several records, on both backends -------------------------------------------


@dataclass(frozen=True)
class Change:
    order: Order | None
    user: User | None
    summary: str


def _debit(amount: float) -> Callable[[AnyStore], Change]:
    """A change that takes ``amount`` from ada's gift card and cancels #W1, refused when the
    order is cancelled already: its check reads the records inside the transaction."""

    def plan(current: AnyStore) -> Change:
        order, user = current.get_order("#W1"), current.get_user("ada_1")
        assert order is not None and user is not None
        if order.status == "cancelled":
            raise ValueError("already cancelled")
        time.sleep(0.05)  # a window in which a racing change would overtake an unlocked check
        user = user.model_copy(deep=True)
        extra = user.payment_methods["gift_card_1"].model_extra or {}
        extra["balance"] = round(float(extra["balance"]) - amount, 2)
        return Change(order.model_copy(update={"status": "cancelled"}), user, f"debit {amount}")

    return plan


def _balance(store: AnyStore) -> float:
    user = store.get_user("ada_1")
    assert user is not None
    return float((user.payment_methods["gift_card_1"].model_extra or {})["balance"])


def test_a_key_applies_once(loaded: AnyStore) -> None:
    change, applied = loaded.apply_change("k1", _debit(30))
    assert change is not None and applied.now and applied.summary == "debit 30"
    again, replayed = loaded.apply_change("k1", _debit(30))
    assert again is None and not replayed.now and replayed.summary == "debit 30"
    assert loaded.applied_change("k1") == "debit 30" and loaded.applied_change("k2") is None
    assert _balance(loaded) == 10.0
    order = loaded.get_order("#W1")
    assert order is not None and order.status == "cancelled"


def test_a_plan_that_fails_writes_nothing(loaded: AnyStore) -> None:
    def refused(current: AnyStore) -> Change:
        _debit(30)(current)
        raise ValueError("refused on the records as they are now")

    with pytest.raises(ValueError, match="refused"):
        loaded.apply_change("k1", refused)
    assert loaded.applied_change("k1") is None and _balance(loaded) == 40.0
    order = loaded.get_order("#W1")
    assert order is not None and order.status == "pending"


def test_a_crash_between_the_two_writes_writes_neither(loaded: AnyStore) -> None:
    # The user is written first, then the order: a failure at the order rolls the user back.
    original = type(loaded).put_order

    def broken(self: AnyStore, order: Order) -> None:
        raise OSError("the worker died here")

    type(loaded).put_order = broken  # type: ignore[method-assign, assignment]
    try:
        with pytest.raises(OSError, match="died"):
            loaded.apply_change("k1", _debit(30))
    finally:
        type(loaded).put_order = original  # type: ignore[method-assign]
    assert _balance(loaded) == 40.0 and loaded.applied_change("k1") is None
    change, applied = loaded.apply_change("k1", _debit(30))  # the retried yes applies once
    assert change is not None and applied.now and _balance(loaded) == 10.0


def test_threads_racing_with_one_key_apply_once(loaded: AnyStore) -> None:
    nows = _race(loaded, ["same"] * 8)
    assert sorted(nows) == [False] * 7 + [True]
    assert _balance(loaded) == 10.0


def test_threads_racing_with_different_keys_on_one_order_apply_once(loaded: AnyStore) -> None:
    # Eight confirmations of one cancellation under different keys: each plan checks the order
    # inside its transaction, so one debits and seven find it cancelled (none debits twice).
    nows = _race(loaded, [f"key-{n}" for n in range(8)])
    assert nows.count(True) == 1 and nows.count(False) == 0
    assert _balance(loaded) == 10.0


def _race(store: AnyStore, keys: list[str]) -> list[bool]:
    start = threading.Barrier(len(keys))
    nows: list[bool] = []
    refusals: list[str] = []

    def confirm(key: str) -> None:
        start.wait()
        try:
            nows.append(store.apply_change(key, _debit(30))[1].now)
        except ValueError as err:
            refusals.append(str(err))

    threads = [threading.Thread(target=confirm, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(nows) + len(refusals) == len(keys)
    assert set(refusals) <= {"already cancelled"}
    return nows


_RACER = """
import sys
from tests.integration.test_postgres_store import _debit
from tools.catalog.postgres import PostgresStore

with PostgresStore(sys.argv[1]) as store:
    print("ready", flush=True)
    sys.stdin.readline()
    try:
        print(store.apply_change(sys.argv[2], _debit(30))[1].now, flush=True)
    except ValueError as err:
        print(err, flush=True)
"""


def test_processes_racing_on_one_order_apply_once(
    new_database: Callable[[str | None], str],
) -> None:
    # Four processes (four workers, each with its own pool): two confirm under one key, two
    # under keys of their own; all are released together once each holds its connections.
    url = new_database(None)
    with PostgresStore(url) as store:
        _load_small(store)
    keys = ["same", "same", "other-1", "other-2"]
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", _RACER, url, key],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for key in keys
    ]
    outcomes = []
    try:
        for racer in racers:
            assert racer.stdout is not None and racer.stdout.readline().strip() == "ready"
        for racer in racers:
            assert racer.stdin is not None
            racer.stdin.write("go\n")
            racer.stdin.flush()
        for racer in racers:
            out, err = racer.communicate(timeout=60)
            assert racer.returncode == 0, err
            outcomes.append(out.strip())
    finally:
        for racer in racers:
            if racer.poll() is None:
                racer.kill()
                racer.communicate()
    assert outcomes.count("True") == 1, outcomes
    assert set(outcomes) <= {"True", "False", "already cancelled"}
    with PostgresStore(url) as store:
        assert _balance(store) == 10.0


def test_readers_see_the_old_data_set_while_a_load_runs(
    new_database: Callable[[str | None], str],
) -> None:
    url = new_database(None)
    seen: list[str | None] = []
    # The reader gives up on a lock after 2 s, so a load that locked readers out fails here.
    impatient = url + "?options=-c%20lock_timeout%3D2000"
    with PostgresStore(url) as store, PostgresStore(impatient) as reader:
        _load_small(store)

        def products() -> Iterator[Product]:
            yield make_product("x1")
            old = reader.get_product("p1")
            info = reader.info()
            seen.append(None if old is None or info is None else f"{old.id} {info.dataset}")

        store.replace_all(make_info("new"), products(), [], [])
        assert seen == ["p1 test"]
        assert reader.get_product("p1") is None and reader.get_product("x1") is not None
