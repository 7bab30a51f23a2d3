"""Where conversations are kept: the SQLite or PostgreSQL checkpointer, encrypted at rest.

Every checkpoint and pending write is serialized by LangGraph's own serializer and then sealed
with AES-256-GCM (LangGraph's ``EncryptedSerializer`` around a cipher from ``cryptography``), so
``checkpoints.sqlite`` holds no readable message, tool call, tool result or confirmation
question. What stays in clear is what the saver keeps beside the blobs: thread ids, checkpoint
ids and the step metadata.

The key (32 random bytes) is never inside the data directory, so a copy of that directory (a
backup, a shared volume, a support bundle) does not open the conversations. It comes from the
``checkpoint_key`` setting (base64, e.g. injected from a secrets manager) or from a key file,
``<data_dir>.checkpoint-key`` beside the data directory unless ``checkpoint_key_file`` names
another, made on first use with mode 0600 (``openssl rand -base64 32`` makes a value for the
setting). Losing or changing the key loses the saved conversations, nothing else: a message to
one of them is answered with an error frame naming the key, and new sessions work as before.

On PostgreSQL (``checkpointer_backend="postgres"``, what several workers share) the saver is
LangGraph's ``AsyncPostgresSaver`` on a connection pool with the same sealed serializer, changed
in one respect: the stock saver keeps a channel whose value is a string, number or boolean
inline in the checkpoint's JSONB column, unsealed (the chat state's ``customer_id`` is such a
string), so here every channel value goes to the blobs table, sealed. Workers share the key
through ``checkpoint_key`` (the key file is one machine's).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    get_serializable_checkpoint_metadata,
)
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.checkpoint.serde.base import CipherProtocol
from langgraph.checkpoint.serde.encrypted import EncryptedSerializer
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.serde.types import _DeltaSnapshot
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from psycopg import AsyncConnection
from psycopg.rows import DictRow, dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from infra.errors import ConfigError, UpstreamError
from infra.secret_file import create_once
from infra.settings import Settings

CIPHER_NAME = "aesgcm"
KEY_BYTES = 32
_NONCE_BYTES = 12


class AesGcmCipher(CipherProtocol):
    """AES-256-GCM with a fresh random nonce per blob: ``nonce || ciphertext+tag``."""

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ConfigError(f"the checkpoint key must be {KEY_BYTES} bytes, not {len(key)}")
        self._aead = AESGCM(key)

    def encrypt(self, plaintext: bytes) -> tuple[str, bytes]:
        nonce = os.urandom(_NONCE_BYTES)
        return CIPHER_NAME, nonce + self._aead.encrypt(nonce, plaintext, None)

    def decrypt(self, ciphername: str, ciphertext: bytes) -> bytes:
        if ciphername != CIPHER_NAME:
            raise ConfigError(f"a checkpoint was sealed with an unknown cipher {ciphername!r}")
        try:
            return self._aead.decrypt(ciphertext[:_NONCE_BYTES], ciphertext[_NONCE_BYTES:], None)
        except InvalidTag as err:
            raise ConfigError(
                "a saved conversation does not open with the configured checkpoint key "
                "(the key changed, or the file was altered)"
            ) from err


def key_file(settings: Settings) -> Path:
    """The key file: the configured one, else ``<data_dir>.checkpoint-key`` beside it."""
    if settings.checkpoint_key_file is not None:
        return settings.checkpoint_key_file.expanduser().resolve()
    data_dir = settings.data_dir.expanduser().resolve()
    return data_dir.with_name(f"{data_dir.name}.checkpoint-key")


def _decode(text: str, source: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as err:
        raise ConfigError(f"{source} is not base64") from err
    if len(key) != KEY_BYTES:
        raise ConfigError(f"{source} must decode to {KEY_BYTES} bytes, not {len(key)}")
    return key


def checkpoint_key(settings: Settings) -> bytes:
    """The checkpoint key from the setting, else from its file (made on first use)."""
    if settings.checkpoint_key is not None:
        return _decode(settings.checkpoint_key.get_secret_value(), "SHOPAGENT_CHECKPOINT_KEY")
    path = key_file(settings)
    data_dir = settings.data_dir.expanduser().resolve()
    if path == data_dir or data_dir in path.parents:
        raise ConfigError(
            f"the checkpoint key file {path} is inside the data directory {data_dir}; "
            "keep it outside, so a copy of the data does not carry its key"
        )
    create_once(path, (base64.b64encode(os.urandom(KEY_BYTES)).decode("ascii") + "\n").encode())
    return _decode(path.read_text(encoding="ascii"), f"the checkpoint key file {path}")


def checkpoint_serde(settings: Settings) -> EncryptedSerializer:
    """LangGraph's serializer, each blob sealed with the checkpoint key."""
    return EncryptedSerializer(AesGcmCipher(checkpoint_key(settings)), JsonPlusSerializer())


class SealedPostgresSaver(AsyncPostgresSaver):
    """``AsyncPostgresSaver`` that keeps every channel value in the blobs table (sealed)."""

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        configurable = config["configurable"]
        thread_id, namespace = configurable["thread_id"], configurable["checkpoint_ns"]
        values = dict(checkpoint["channel_values"])
        # Only the markers of delta snapshots stay inline (``True``), as the stock saver has them.
        markers = {k: True for k, v in values.items() if isinstance(v, _DeltaSnapshot)}
        public = {**checkpoint, "channel_values": markers}
        versions = {k: v for k, v in new_versions.items() if k in values}
        async with self._cursor(pipeline=True) as cur:
            if versions:
                rows = await asyncio.to_thread(
                    self._dump_blobs, thread_id, namespace, values, versions
                )
                await cur.executemany(self.UPSERT_CHECKPOINT_BLOBS_SQL, rows)
            await cur.execute(
                self.UPSERT_CHECKPOINTS_SQL,
                (
                    thread_id,
                    namespace,
                    checkpoint["id"],
                    configurable.get("checkpoint_id"),
                    Jsonb(public),
                    Jsonb(get_serializable_checkpoint_metadata(config, metadata)),
                ),
            )
        return {
            "configurable": {
                "thread_id": thread_id,
                "checkpoint_ns": namespace,
                "checkpoint_id": checkpoint["id"],
            }
        }


# Any fixed number: it names the table-creation lock among the database's advisory locks.
SETUP_LOCK = 0x5E0A9E48
POOL_TIMEOUT_S = 10.0
SETUP_WAIT_S = 300.0  # another worker making the tables on a slow machine


async def _take_setup_lock(guard: AsyncConnection[DictRow]) -> None:
    """The lock that lets one worker at a time make the checkpoint tables, polled rather than
    waited for: a session blocked in ``pg_advisory_lock`` holds a snapshot, and the holder's
    ``CREATE INDEX CONCURRENTLY`` waits for every older snapshot, so two workers starting at
    once would wait for each other for ever (PostgreSQL cannot see the cycle: its other half is
    the holder waiting, in this process, for its own index build on another connection)."""
    deadline = asyncio.get_running_loop().time() + SETUP_WAIT_S
    while True:
        taken = await guard.execute("SELECT pg_try_advisory_lock(%s) AS got", (SETUP_LOCK,))
        row = await taken.fetchone()
        if row is not None and row["got"]:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise UpstreamError(
                f"another process kept the checkpoint tables' setup lock for {SETUP_WAIT_S:g} s"
            )
        await asyncio.sleep(0.2)


@asynccontextmanager
async def _postgres_saver(settings: Settings) -> AsyncIterator[SealedPostgresSaver]:
    """The sealed PostgreSQL saver on a pool, its tables made (one worker at a time)."""
    if settings.database_url is None:
        raise ConfigError("SHOPAGENT_CHECKPOINTER_BACKEND=postgres needs SHOPAGENT_DATABASE_URL")
    serde = checkpoint_serde(settings)
    pool = AsyncConnectionPool(
        settings.database_url.get_secret_value(),
        connection_class=AsyncConnection[DictRow],
        min_size=1,
        max_size=10,
        timeout=POOL_TIMEOUT_S,
        kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
        open=False,
        name="shopagent-checkpoints",
    )
    try:
        await pool.open(wait=True, timeout=POOL_TIMEOUT_S)
    except PoolTimeout as err:
        await pool.close()
        raise UpstreamError(
            f"PostgreSQL did not accept a connection within {POOL_TIMEOUT_S:g} s "
            "(check SHOPAGENT_DATABASE_URL and that the server is up)"
        ) from err
    try:
        saver = SealedPostgresSaver(pool, serde=serde)
        async with pool.connection() as guard:
            await _take_setup_lock(guard)
            try:
                await saver.setup()
            finally:
                await guard.execute("SELECT pg_advisory_unlock(%s)", (SETUP_LOCK,))
        yield saver
    finally:
        await pool.close()


@asynccontextmanager
async def _sqlite_saver(settings: Settings) -> AsyncIterator[AsyncSqliteSaver]:
    serde = checkpoint_serde(settings)
    async with aiosqlite.connect(str(settings.checkpoint_path)) as conn:
        yield AsyncSqliteSaver(conn, serde=serde)


@asynccontextmanager
async def open_checkpointer(
    settings: Settings,
) -> AsyncIterator[AsyncSqliteSaver | SealedPostgresSaver]:
    """The configured checkpointer, encrypting what it saves: the SQLite file
    ``settings.checkpoint_path``, or PostgreSQL at ``settings.database_url`` (tables made)."""
    if settings.checkpointer_backend == "postgres":
        async with _postgres_saver(settings) as saver:
            yield saver
    else:
        async with _sqlite_saver(settings) as sqlite_saver:
            yield sqlite_saver
