"""Profiles on PostgreSQL: what SQLite keeps, kept once for every worker on the database."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from infra.events.processor import Batch
from infra.events.schema import BehaviourEvent
from infra.settings import Settings
from tools.behaviour.postgres_profiles import PostgresProfiles
from tools.behaviour.profiles import (
    RECENT_PER_USER,
    Profiles,
    SqliteProfiles,
    existing_profiles,
    open_profiles,
)
from tools.catalog.postgres import PostgresStore
from tools.recommend.backend import train_recommender

pytestmark = pytest.mark.integration

T0 = datetime(2011, 3, 1, 9, 30, tzinfo=UTC)


def _event(eid: str, kind: str, minutes: int, **fields: object) -> BehaviourEvent:
    return BehaviourEvent.model_validate(
        {"event_id": eid, "type": kind, "ts": T0 + timedelta(minutes=minutes), **fields}
    )


EVENTS = [
    _event("1", "search", 0, user_id="u1", query="lantern"),
    _event("2", "view", 1, user_id="u1", product_id="A"),
    _event("3", "add_to_cart", 2, user_id="u1", product_id="A", quantity=2),
    _event("4", "purchase", 3, user_id="u1", product_id="A", quantity=2, price=3.5),
    _event("5", "purchase", 3, user_id="u1", product_id="B", quantity=1, price=10.0),
    _event("6", "cancel", 60 * 24, user_id="u1", product_id="B", quantity=1, price=10.0),
    _event("7", "purchase", 5, session_id="guest", product_id="A", quantity=4, price=3.0),
    *(_event(f"v{i}", "view", 10 + i, user_id="u2", product_id=f"p{i}") for i in range(70)),
]


def _contents(profiles: Profiles) -> tuple[object, ...]:
    return (
        profiles.profile("u1"),
        profiles.profile("u2"),
        profiles.profile("guest"),
        profiles.recent("u1", limit=100),
        profiles.recent("u2", limit=100),
        profiles.totals(),
        profiles.applied(),
        list(profiles.interactions()),
        list(profiles.daily_demand()),
    )


def test_two_workers_applying_the_same_batches_count_each_event_once_as_sqlite_does(
    new_database: Callable[[str | None], str], tmp_path: Path
) -> None:
    url = new_database(None)
    workers = [PostgresProfiles(url), PostgresProfiles(url)]
    reference = SqliteProfiles(tmp_path / "profiles.sqlite")
    batches = [Batch("s", str(i), EVENTS[i : i + 10]) for i in range(0, len(EVENTS), 10)]
    try:
        for batch in batches:
            reference.apply(batch)
        # Each batch handed to both workers at once (a lease moving mid-batch), twice over.
        with ThreadPoolExecutor(4) as pool:
            list(
                pool.map(
                    lambda job: job[0].apply(job[1]), [(w, b) for b in batches for w in workers * 2]
                )
            )
        got = [_contents(w) for w in workers]
        assert got[0] == got[1] == _contents(reference)
        u1 = workers[1].profile("u1")
        assert u1 is not None and (u1.purchases, u1.cancels, u1.units, u1.spend) == (2, 1, 2, 7.0)
        assert len(workers[0].recent("u2", limit=1000)) == RECENT_PER_USER
        assert workers[0].applied() == len(EVENTS)
    finally:
        reference.close()
        for worker in workers:
            worker.close()


def test_profiles_live_beside_the_store(tmp_path: Path, postgres_url: str) -> None:
    shared = open_profiles(
        Settings(data_dir=tmp_path, store_backend="postgres", database_url=SecretStr(postgres_url))
    )
    embedded = open_profiles(Settings(data_dir=tmp_path))
    try:
        assert isinstance(shared, PostgresProfiles) and isinstance(embedded, SqliteProfiles)
        assert embedded.path.is_relative_to(tmp_path)
    finally:
        shared.close()
        embedded.close()


def test_the_recommender_trains_on_the_interactions_kept_in_postgres(
    tau_database: str, new_database: Callable[[str | None], str], tmp_path: Path
) -> None:
    url = new_database(tau_database)
    settings = Settings(data_dir=tmp_path, store_backend="postgres", database_url=SecretStr(url))
    with PostgresStore(url) as store:
        products = [p.id for p in store.iter_products()][:2]
        events = [
            _event(f"n{i}", kind, i, user_id="newcomer", product_id=product, quantity=1, price=1.0)
            for i, (kind, product) in enumerate([("view", products[0]), ("purchase", products[1])])
        ]
        profiles = existing_profiles(settings)
        assert isinstance(profiles, PostgresProfiles)
        try:
            profiles.apply(Batch("s", "1", events))
            without = train_recommender(store, tmp_path / "without")
            trained = train_recommender(store, tmp_path / "with", None, profiles)
        finally:
            profiles.close()
    assert "newcomer" in trained.user_ids and "newcomer" not in without.user_ids
    # Embedded, before any event made the profile file, there is nothing to train from.
    assert existing_profiles(Settings(data_dir=tmp_path / "fresh")) is None
