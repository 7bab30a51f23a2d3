"""Conversations on the PostgreSQL checkpointer: shared between savers, sealed at rest."""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from pydantic import SecretStr

from infra.conversations import SETUP_LOCK, SealedPostgresSaver, open_checkpointer
from infra.errors import ConfigError
from infra.settings import Settings

pytestmark = pytest.mark.integration

SECRETS = (b"noah.brown7922", b"80279", b"Brown", b"noah_brown_6181", b"find_user_id_by_name")


def _settings(tmp_path: Path, url: str, key: bytes) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        checkpointer_backend="postgres",
        database_url=SecretStr(url),
        checkpoint_key=SecretStr(base64.b64encode(key).decode()),
    )


def _conversation() -> tuple[dict[str, Any], list[Any]]:
    messages = [
        HumanMessage("I'm Noah Brown, zip 80279, noah.brown7922@example.com", id="h1"),
        AIMessage(
            "",
            id="a1",
            tool_calls=[
                {
                    "name": "find_user_id_by_name_zip",
                    "args": {"first_name": "Noah", "last_name": "Brown", "zip": "80279"},
                    "id": "c1",
                }
            ],
        ),
        ToolMessage("noah_brown_6181", tool_call_id="c1", id="t1"),
    ]
    checkpoint = {
        "v": 4,
        "id": "1",
        "ts": "2026-12-07T00:00:00+00:00",
        # A string channel too: the stock saver would keep it inline, in clear.
        "channel_values": {"messages": messages, "customer_id": "noah_brown_6181"},
        "channel_versions": {"messages": 1, "customer_id": 1},
        "versions_seen": {},
        "updated_channels": ["messages", "customer_id"],
    }
    return checkpoint, messages


async def test_a_second_saver_reads_the_conversation_and_nothing_is_in_clear(
    tmp_path: Path, new_database: Callable[[str | None], str]
) -> None:
    url = new_database(None)
    key = os.urandom(32)
    settings = _settings(tmp_path, url, key)
    checkpoint, messages = _conversation()
    config = {"configurable": {"thread_id": "omar-1", "checkpoint_ns": ""}}
    async with open_checkpointer(settings) as first:
        assert isinstance(first, SealedPostgresSaver)
        saved = await first.aput(
            config,  # type: ignore[arg-type]
            checkpoint,  # type: ignore[arg-type]
            {"source": "loop", "step": 1},
            {"messages": 1, "customer_id": 1},
        )
        await first.aput_writes(saved, [("messages", messages[-1:])], "task-1")
    # Another worker: its own pool and saver on the same database, the same key.
    async with open_checkpointer(_settings(tmp_path / "w2", url, key)) as second:
        back = await second.aget_tuple({"configurable": {"thread_id": "omar-1"}})
    assert back is not None
    assert back.checkpoint["channel_values"]["messages"] == messages
    assert back.checkpoint["channel_values"]["customer_id"] == "noah_brown_6181"
    assert [w[1:] for w in back.pending_writes or []] == [("messages", messages[-1:])]

    with psycopg.connect(url) as conn:
        raw = b""
        for table in ("checkpoints", "checkpoint_blobs", "checkpoint_writes"):
            for row in conn.execute(f"SELECT * FROM {table}").fetchall():  # every column
                raw += b"\x00".join(str(v).encode() if not isinstance(v, bytes) else v for v in row)
        types = {r[0] for r in conn.execute("SELECT type FROM checkpoint_blobs")}
        types |= {r[0] for r in conn.execute("SELECT type FROM checkpoint_writes")}
    assert b"omar-1" in raw  # the rows were read (thread ids stay in clear)
    for secret in SECRETS:
        assert secret not in raw, secret
    assert types and all(t.endswith("+aesgcm") for t in types), types


async def test_another_key_does_not_open_the_conversation(
    tmp_path: Path, new_database: Callable[[str | None], str]
) -> None:
    url = new_database(None)
    checkpoint, _ = _conversation()
    config = {"configurable": {"thread_id": "t", "checkpoint_ns": ""}}
    async with open_checkpointer(_settings(tmp_path, url, os.urandom(32))) as saver:
        await saver.aput(config, checkpoint, {}, {"messages": 1})  # type: ignore[arg-type]
    async with open_checkpointer(_settings(tmp_path, url, os.urandom(32))) as other:
        with pytest.raises(ConfigError, match="checkpoint key"):
            await other.aget_tuple({"configurable": {"thread_id": "t"}})


async def test_a_worker_waiting_to_make_the_tables_does_not_stall_the_one_making_them(
    tmp_path: Path, new_database: Callable[[str | None], str]
) -> None:
    # Replays two workers starting at once on a new database: the first holds the setup lock
    # and builds an index CONCURRENTLY (as the saver's setup does) while the second waits for
    # the lock. A second worker blocked inside pg_advisory_lock held a snapshot the index build
    # waited for, and neither ever finished.
    url = new_database(None)
    holder = await psycopg.AsyncConnection.connect(url, autocommit=True)
    builder = await psycopg.AsyncConnection.connect(url, autocommit=True)
    await holder.execute("SELECT pg_advisory_lock(%s)", (SETUP_LOCK,))
    await builder.execute("CREATE TABLE probe (id int)")
    opened = asyncio.Event()

    async def second_worker() -> None:
        async with open_checkpointer(_settings(tmp_path, url, os.urandom(32))):
            opened.set()

    worker = asyncio.create_task(second_worker())
    try:
        asking = (
            "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid NOT IN (%s, pg_backend_pid()) AND query LIKE '%%advisory_lock(%%'"
        )
        for _ in range(600):  # until the second worker has asked for the lock
            row = await (await builder.execute(asking, (holder.info.backend_pid,))).fetchone()
            if row is not None and row[0] > 0:
                break
            await asyncio.sleep(0.1)
        await builder.execute("SET statement_timeout = '30s'")
        await builder.execute("CREATE INDEX CONCURRENTLY probe_id ON probe (id)")
        assert not opened.is_set()  # still waiting for the lock
        await holder.execute("SELECT pg_advisory_unlock(%s)", (SETUP_LOCK,))
        await asyncio.wait_for(worker, 120)
        assert opened.is_set()
    finally:
        worker.cancel()
        await holder.close()
        await builder.close()


async def test_postgres_without_a_url_is_refused(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "d", checkpointer_backend="postgres")
    with pytest.raises(ConfigError, match="SHOPAGENT_DATABASE_URL"):
        async with open_checkpointer(settings):
            pass
