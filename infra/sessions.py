"""Chat sessions and socket tickets: which principal owns which conversation, and until when.

A chat session id is the name of a saved conversation. It is only ever made here (192 random
bits), bound to the subject of the principal that opened it, and good for ``session_ttl_s``
after its last opening; anyone else presenting it is refused, so knowing an id is not enough
to continue a conversation. A ticket is a single-use, short-lived (``ticket_ttl_s``) stand-in
for a principal that a browser page puts in the socket URL instead of a long-lived token: the
first redemption deletes it.

``SessionRegistry`` is the small interface the socket uses; ``SqliteSessions`` is the embedded
backend, a SQLite file in the data directory (``sessions.sqlite``) that every process on that
directory shares (WAL, busy timeout; a ticket is redeemed by one ``DELETE … RETURNING``, so two
workers racing for it cannot both win). Ids and tickets are stored as SHA-256 digests: a copy of
the file does not hand out live ids. A PostgreSQL or Redis backend implements the same Protocol.

The registry also keeps the service's session secret (``sessions.key``, 32 random bytes, mode
0600, created once): ``keyed_hash`` turns a session id into the pseudonym the event log and the
lake see, and signs the anonymous visitor's cookie.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import sqlite3
import tempfile
import threading
import time
from pathlib import Path
from typing import Literal, Protocol

from anyio import to_thread

from infra.errors import AuthError, ConfigError
from infra.identity import ROLES, Principal, Role
from infra.settings import Settings

Standing = Literal["ok", "refused", "expired"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    digest TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    expires_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_expiry ON sessions (expires_at);
CREATE TABLE IF NOT EXISTS tickets (
    digest TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    role TEXT NOT NULL,
    user_id TEXT,
    expires_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS tickets_expiry ON tickets (expires_at);
"""


class SessionRegistry(Protocol):
    """Server-issued chat sessions bound to their owner, and single-use socket tickets."""

    async def open(self, owner: str) -> str:
        """A new session id owned by the subject ``owner``."""
        ...

    async def resume(self, session_id: str, owner: str) -> Standing:
        """``ok`` (and its lifetime renewed) when ``owner`` owns the live session; ``expired``
        when it is theirs but lapsed; ``refused`` when it is someone else's or never existed."""
        ...

    async def issue_ticket(self, principal: Principal) -> str:
        """A ticket that stands for ``principal`` once, within the ticket lifetime."""
        ...

    async def redeem_ticket(self, ticket: str) -> Principal:
        """The principal ``ticket`` stands for, using it up; ``AuthError`` saying why not."""
        ...

    def keyed_hash(self, purpose: str, value: str) -> str:
        """HMAC-SHA256 of ``value`` under the session secret, separated by ``purpose`` (hex)."""
        ...

    def close(self) -> None: ...


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def load_or_create_secret(path: Path) -> bytes:
    """The 32-byte secret at ``path``, created (mode 0600) when absent.

    Written to a private temp file and linked into place, so when several workers start at
    once exactly one secret wins and all of them read it.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".sessions-key-")  # created 0600
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(secrets.token_bytes(32))
            with contextlib.suppress(FileExistsError):  # another worker's secret won: use it
                os.link(temp, path)
        finally:
            os.unlink(temp)
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise ConfigError(f"{path} is readable by others (mode {mode:o}); chmod 600 it")
    secret = path.read_bytes()
    if len(secret) < 32:
        raise ConfigError(f"{path} holds {len(secret)} bytes; the session secret needs 32")
    return secret


class SqliteSessions:
    """The embedded ``SessionRegistry``: one SQLite file shared by every process on it."""

    def __init__(
        self, path: Path, secret: bytes, *, session_ttl_s: float, ticket_ttl_s: float
    ) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.session_ttl_s = session_ttl_s
        self.ticket_ttl_s = ticket_ttl_s
        self._secret = secret
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            path, timeout=5.0, isolation_level=None, check_same_thread=False
        )
        with contextlib.suppress(OSError):
            os.chmod(path, 0o600)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.executescript(_SCHEMA)

    @classmethod
    def from_settings(cls, settings: Settings) -> SqliteSessions:
        return cls(
            settings.data_dir / "sessions.sqlite",
            load_or_create_secret(settings.data_dir / "sessions.key"),
            session_ttl_s=settings.session_ttl_s,
            ticket_ttl_s=settings.ticket_ttl_s,
        )

    async def open(self, owner: str) -> str:
        session_id = secrets.token_urlsafe(24)
        await to_thread.run_sync(self._open, session_id, owner)
        return session_id

    def _open(self, session_id: str, owner: str) -> None:
        now = time.time()
        with self._lock:
            # Rows long past their lifetime go; a recently lapsed one stays to say "expired".
            self._conn.execute(
                "DELETE FROM sessions WHERE expires_at < ?", (now - self.session_ttl_s,)
            )
            self._conn.execute(
                "INSERT INTO sessions (digest, owner, expires_at) VALUES (?, ?, ?)",
                (_digest(session_id), owner, now + self.session_ttl_s),
            )

    async def resume(self, session_id: str, owner: str) -> Standing:
        return await to_thread.run_sync(self._resume, session_id, owner)

    def _resume(self, session_id: str, owner: str) -> Standing:
        now = time.time()
        digest = _digest(session_id)
        with self._lock:
            row = self._conn.execute(
                "SELECT owner, expires_at FROM sessions WHERE digest = ?", (digest,)
            ).fetchone()
            if row is None or not hmac.compare_digest(row[0], owner):
                return "refused"
            if row[1] <= now:
                return "expired"
            self._conn.execute(
                "UPDATE sessions SET expires_at = ? WHERE digest = ?",
                (now + self.session_ttl_s, digest),
            )
        return "ok"

    async def issue_ticket(self, principal: Principal) -> str:
        ticket = secrets.token_urlsafe(24)
        await to_thread.run_sync(self._issue_ticket, ticket, principal)
        return ticket

    def _issue_ticket(self, ticket: str, principal: Principal) -> None:
        now = time.time()
        with self._lock:
            self._conn.execute("DELETE FROM tickets WHERE expires_at < ?", (now,))
            self._conn.execute(
                "INSERT INTO tickets (digest, subject, role, user_id, expires_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    _digest(ticket),
                    principal.subject,
                    principal.role,
                    principal.user_id,
                    now + self.ticket_ttl_s,
                ),
            )

    async def redeem_ticket(self, ticket: str) -> Principal:
        return await to_thread.run_sync(self._redeem_ticket, ticket)

    def _redeem_ticket(self, ticket: str) -> Principal:
        with self._lock:
            row = self._conn.execute(
                "DELETE FROM tickets WHERE digest = ? RETURNING subject, role, user_id, expires_at",
                (_digest(ticket),),
            ).fetchone()
        if row is None:
            raise AuthError("the ticket is unknown or was already used (a ticket opens one socket)")
        subject, role, user_id, expires_at = row
        if expires_at <= time.time():
            raise AuthError("the ticket has expired; ask POST /v1/chat/tickets for a new one")
        if role not in ROLES:
            raise AuthError(f"the ticket names an unknown role {role!r}")
        checked: Role = role
        return Principal(subject, checked, user_id)

    def keyed_hash(self, purpose: str, value: str) -> str:
        message = f"{purpose}\x00{value}".encode("utf-8", "surrogatepass")
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def close(self) -> None:
        with self._lock:
            self._conn.close()
