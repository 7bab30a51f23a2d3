"""Where conversations are kept: the SQLite checkpointer, encrypted at rest.

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
"""

from __future__ import annotations

import base64
import binascii
import os
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from langgraph.checkpoint.serde.base import CipherProtocol
from langgraph.checkpoint.serde.encrypted import EncryptedSerializer
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

from infra.errors import ConfigError
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
    if not path.exists():
        _make_key_file(path)
    return _decode(path.read_text(encoding="ascii"), f"the checkpoint key file {path}")


def _make_key_file(path: Path) -> None:
    """Write a new random key to ``path`` (mode 0600), whole or not at all: it is written to a
    private temporary file first and then linked into place, which fails if another process
    got there first (its key is then the one read)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(base64.b64encode(os.urandom(KEY_BYTES)).decode("ascii") + "\n")
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(temporary)


def checkpoint_serde(settings: Settings) -> EncryptedSerializer:
    """LangGraph's serializer, each blob sealed with the checkpoint key."""
    return EncryptedSerializer(AesGcmCipher(checkpoint_key(settings)), JsonPlusSerializer())


@asynccontextmanager
async def open_checkpointer(settings: Settings) -> AsyncIterator[AsyncSqliteSaver]:
    """The SQLite checkpointer of ``settings.checkpoint_path``, encrypting what it saves."""
    serde = checkpoint_serde(settings)
    async with aiosqlite.connect(str(settings.checkpoint_path)) as conn:
        yield AsyncSqliteSaver(conn, serde=serde)
