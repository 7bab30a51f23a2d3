"""What events update: profiles, recent behaviour, interactions, daily demand; and the lake."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from infra.errors import ToolInputError
from infra.events.processor import Batch
from infra.events.schema import BehaviourEvent
from infra.lake import EVENT_SCHEMA, Lake
from tools.behaviour.profiles import RECENT_PER_USER, SqliteProfiles

T0 = datetime(2011, 3, 1, 9, 30, tzinfo=UTC)


def ev(eid: str, kind: str, minutes: int = 0, **fields: object) -> BehaviourEvent:
    return BehaviourEvent.model_validate(
        {"event_id": eid, "type": kind, "ts": T0 + timedelta(minutes=minutes), **fields}
    )


@pytest.fixture
def profiles(tmp_path: Path) -> Iterator[SqliteProfiles]:
    store = SqliteProfiles(tmp_path / "profiles.sqlite")
    yield store
    store.close()


def test_profiles_interactions_and_demand_follow_the_events(profiles: SqliteProfiles) -> None:
    events = [
        ev("1", "search", 0, user_id="u1", query="lantern"),
        ev("2", "view", 1, user_id="u1", product_id="A"),
        ev("3", "add_to_cart", 2, user_id="u1", product_id="A", quantity=2),
        ev("4", "purchase", 3, user_id="u1", product_id="A", quantity=2, price=3.5),
        ev("5", "purchase", 3, user_id="u1", product_id="B", quantity=1, price=10.0),
        ev("6", "cancel", 60 * 24, user_id="u1", product_id="B", quantity=1, price=10.0),
        ev("7", "purchase", 5, session_id="guest", product_id="A", quantity=4, price=3.0),
    ]
    profiles.apply(Batch("s", "1", events))
    p = profiles.profile("u1")
    assert p is not None
    assert (p.searches, p.views, p.carts, p.purchases, p.cancels) == (1, 1, 1, 2, 1)
    assert (p.units, p.spend) == (2, 7.0)
    assert p.first_seen == T0 and p.last_seen == T0 + timedelta(days=1)
    assert profiles.profile("guest") is None, "guests have no profile"
    recent = profiles.recent("u1", limit=3)
    assert [r.type for r in recent] == ["cancel", "purchase", "purchase"]
    assert sorted(profiles.interactions()) == [
        ("u1", "A", 1, 1, 2, (T0 + timedelta(minutes=3)).isoformat()),
        ("u1", "B", 0, 0, 0, (T0 + timedelta(days=1)).isoformat()),
    ]
    assert list(profiles.daily_demand()) == [
        ("2011-03-01", "A", 6, 19.0, 0),
        ("2011-03-01", "B", 1, 10.0, 0),
        ("2011-03-02", "B", 0, 0.0, 1),
    ]
    assert profiles.totals()["cancel"].units == 1


def test_recent_behaviour_keeps_the_latest_events_only(profiles: SqliteProfiles) -> None:
    many = [ev(f"v{i}", "view", i, user_id="u", product_id=f"p{i}") for i in range(80)]
    profiles.apply(Batch("s", "1", many[:40]))
    profiles.apply(Batch("s", "41", many[40:]))
    recent = profiles.recent("u", limit=1000)
    assert len(recent) == RECENT_PER_USER
    assert recent[0].product_id == "p79" and recent[-1].product_id == f"p{80 - RECENT_PER_USER}"


def test_lake_files_are_partitioned_by_date_and_hour_and_a_rewrite_adds_nothing(
    tmp_path: Path,
) -> None:
    lake = Lake(str(tmp_path / "lake"))
    events = [ev(f"e{i}", "view", 20 * i, user_id="u", product_id="p") for i in range(7)]
    lake.write(Batch("log", "000000:000000000010", events))
    files = sorted(p.relative_to(tmp_path / "lake").as_posix() for p in tmp_path.rglob("*.parquet"))
    assert files == [
        "events/dt=2011-03-01/hour=09/log-000000-000000000010.parquet",
        "events/dt=2011-03-01/hour=10/log-000000-000000000010.parquet",
        "events/dt=2011-03-01/hour=11/log-000000-000000000010.parquet",
    ]
    assert pq.read_schema(tmp_path / "lake" / files[0]).remove_metadata() == EVENT_SCHEMA
    # A processor that died after writing replays the same batch, and more: same files.
    more = events + [ev("e7", "view", 140, user_id="u", product_id="p")]
    lake.write(Batch("log", "000000:000000000010", more))
    assert len(list(tmp_path.rglob("*.parquet"))) == 3
    lake.write(Batch("log", "000000:000000000999", [events[0]]))  # a client's duplicate
    rows = lake.query("SELECT count(*) AS n, count(DISTINCT event_id) AS ids FROM events")
    assert rows.to_pylist() == [{"n": 8, "ids": 8}]
    by_hour = lake.query("SELECT hour, count(*) AS n FROM events GROUP BY hour ORDER BY hour")
    assert by_hour.to_pylist() == [{"hour": 9, "n": 2}, {"hour": 10, "n": 3}, {"hour": 11, "n": 3}]


def test_lake_queries_say_what_is_missing_or_wrong(tmp_path: Path) -> None:
    lake = Lake(str(tmp_path / "lake"))
    with pytest.raises(ToolInputError, match="not in the lake yet: events"):
        lake.query("SELECT * FROM events")
    lake.write(Batch("log", "1", [ev("e1", "view", 0, product_id="p")]))
    with pytest.raises(ToolInputError, match="sessions"):
        lake.query("SELECT * FROM sessions")
    with pytest.raises(ToolInputError, match="(?i)syntax"):
        lake.query("SELEC 1")
    with pytest.raises(ToolInputError, match="S3 filesystem"):
        Lake("s3://bucket/lake")
