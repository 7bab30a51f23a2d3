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
the file does not hand out live ids. ``PostgresSessions`` (``sessions_backend = "postgres"``) keeps
the same two tables in the database at ``database_url``, so workers on several machines share
them; lifetimes there run on the database's clock, not each machine's.

It also keeps the withdrawn credentials: ``revoke`` records a signed credential's id (its
``jti``, as a digest) until the credential would have expired anyway, and ``revoked`` says
whether an id is there, so a sign-out on one worker holds on every worker (expired rows are
swept on the next ``revoke``). The console's session cookie is such a credential.

The registry also keeps the service's session secret: ``keyed_hash`` turns a session id into the
pseudonym the event log and the lake see, and signs the anonymous visitor's cookie. It is the
``session_secret`` setting (base64 of at least 32 bytes, e.g. from a secrets manager) when set —
what workers on several machines must share — else ``<data_dir>/sessions.key`` (32 random
bytes, mode 0600, created once), which only the processes on that data directory share.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import os
import secrets
import sqlite3
import threading
import time
from pathlib import Path
from typing import Literal, Protocol

from anyio import to_thread

from infra.errors import AuthError, ConfigError
from infra.identity import ROLES, Principal, Role
from infra.secret_file import create_once, require_private
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
    expires_at REAL NOT NULL,
    token_expires_at REAL
);
CREATE INDEX IF NOT EXISTS tickets_expiry ON tickets (expires_at);
CREATE TABLE IF NOT EXISTS revoked (
    digest TEXT PRIMARY KEY,
    expires_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS revoked_expiry ON revoked (expires_at);
"""
# Files made before tickets carried their token's expiry.
_ADD_TOKEN_EXPIRY = "ALTER TABLE tickets ADD COLUMN token_expires_at REAL"


class SessionRegistry(Protocol):
    """Server-issued chat sessions bound to their owner, and single-use socket tickets."""

    async def open(self, owner: str, session_id: str | None = None) -> str:
        """Record a session owned by the subject ``owner`` and return its id: ``session_id``
        (made by ``new_session_id``) or a new one."""
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

    async def revoke(self, credential_id: str, expires_at: float) -> None:
        """Withdraw the credential ``credential_id`` (its ``jti``), which expires at
        ``expires_at`` (epoch seconds): ``revoked`` says so until then."""
        ...

    async def revoked(self, credential_id: str) -> bool:
        """Whether the credential ``credential_id`` was withdrawn."""
        ...

    def keyed_hash(self, purpose: str, value: str) -> str:
        """HMAC-SHA256 of ``value`` under the session secret, separated by ``purpose`` (hex)."""
        ...

    def close(self) -> None: ...


def new_session_id() -> str:
    """A fresh session id (192 random bits), not yet recorded: ``open`` records it."""
    return secrets.token_urlsafe(24)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def load_or_create_secret(path: Path) -> bytes:
    """The 32-byte secret at ``path``, created (mode 0600) when absent.

    Written to a private temp file and linked into place, so when several workers start at
    once exactly one secret wins and all of them read it.
    """
    create_once(path, secrets.token_bytes(32))
    require_private(path)
    secret = path.read_bytes()
    if len(secret) < 32:
        raise ConfigError(f"{path} holds {len(secret)} bytes; the session secret needs 32")
    return secret


def session_secret(settings: Settings) -> bytes:
    """The ``session_secret`` setting decoded, else the data directory's key file."""
    if settings.session_secret is None:
        return load_or_create_secret(settings.data_dir / "sessions.key")
    try:
        secret = base64.b64decode(settings.session_secret.get_secret_value().strip(), validate=True)
    except (binascii.Error, ValueError) as err:
        raise ConfigError("SHOPAGENT_SESSION_SECRET is not base64") from err
    if len(secret) < 32:
        raise ConfigError(
            f"SHOPAGENT_SESSION_SECRET decodes to {len(secret)} bytes; the session secret needs 32"
        )
    return secret


def _principal(
    subject: str, role: str, user_id: str | None, expires_at: float | None
) -> Principal:
    if role not in ROLES:
        raise AuthError(f"the ticket names an unknown role {role!r}")
    checked: Role = role
    return Principal(subject, checked, user_id, expires_at)


def _keyed_hash(secret: bytes, purpose: str, value: str) -> str:
    message = f"{purpose}\x00{value}".encode("utf-8", "surrogatepass")
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


_UNKNOWN_TICKET = "the ticket is unknown or was already used (a ticket opens one socket)"
_EXPIRED_TICKET = "the ticket has expired; ask POST /v1/chat/tickets for a new one"


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
        try:
            self._conn.execute(_ADD_TOKEN_EXPIRY)
        except sqlite3.OperationalError as err:
            if "duplicate column" not in str(err):
                raise

    @classmethod
    def from_settings(cls, settings: Settings) -> SqliteSessions:
        return cls(
            settings.data_dir / "sessions.sqlite",
            session_secret(settings),
            session_ttl_s=settings.session_ttl_s,
            ticket_ttl_s=settings.ticket_ttl_s,
        )

    async def open(self, owner: str, session_id: str | None = None) -> str:
        session_id = session_id or new_session_id()
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
                "INSERT INTO tickets (digest, subject, role, user_id, expires_at, token_expires_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    _digest(ticket),
                    principal.subject,
                    principal.role,
                    principal.user_id,
                    now + self.ticket_ttl_s,
                    principal.expires_at,
                ),
            )

    async def redeem_ticket(self, ticket: str) -> Principal:
        return await to_thread.run_sync(self._redeem_ticket, ticket)

    def _redeem_ticket(self, ticket: str) -> Principal:
        with self._lock:
            row = self._conn.execute(
                "DELETE FROM tickets WHERE digest = ?"
                " RETURNING subject, role, user_id, expires_at, token_expires_at",
                (_digest(ticket),),
            ).fetchone()
        if row is None:
            raise AuthError(_UNKNOWN_TICKET)
        subject, role, user_id, expires_at, token_expires_at = row
        if expires_at <= time.time():
            raise AuthError(_EXPIRED_TICKET)
        return _principal(subject, role, user_id, token_expires_at)

    async def revoke(self, credential_id: str, expires_at: float) -> None:
        await to_thread.run_sync(self._revoke, credential_id, expires_at)

    def _revoke(self, credential_id: str, expires_at: float) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM revoked WHERE expires_at < ?", (time.time(),))
            self._conn.execute(
                "INSERT OR REPLACE INTO revoked (digest, expires_at) VALUES (?, ?)",
                (_digest(credential_id), expires_at),
            )

    async def revoked(self, credential_id: str) -> bool:
        return await to_thread.run_sync(self._revoked, credential_id)

    def _revoked(self, credential_id: str) -> bool:
        with self._lock:
            row = self._conn.execute(
                "SELECT 1 FROM revoked WHERE digest = ?", (_digest(credential_id),)
            ).fetchone()
        return row is not None

    def keyed_hash(self, purpose: str, value: str) -> str:
        return _keyed_hash(self._secret, purpose, value)

    def close(self) -> None:
        with self._lock:
            self._conn.close()


# The database's clock, in seconds since the epoch: the one clock every worker agrees on.
_NOW = "extract(epoch from clock_timestamp())"

_PG_SCHEMA = """
CREATE TABLE IF NOT EXISTS chat_sessions (
    digest TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS chat_sessions_expiry ON chat_sessions (expires_at);
CREATE TABLE IF NOT EXISTS socket_tickets (
    digest TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    role TEXT NOT NULL,
    user_id TEXT,
    expires_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS socket_tickets_expiry ON socket_tickets (expires_at);
ALTER TABLE socket_tickets ADD COLUMN IF NOT EXISTS token_expires_at DOUBLE PRECISION;
CREATE TABLE IF NOT EXISTS revoked_credentials (
    digest TEXT PRIMARY KEY,
    expires_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS revoked_credentials_expiry ON revoked_credentials (expires_at);
"""

# Any fixed number: it names the sessions' schema-creation lock among the advisory locks.
_PG_SCHEMA_LOCK = 0x5E55_10A5


class PostgresSessions:
    """The ``SessionRegistry`` in PostgreSQL, shared by every worker on the database.

    Each call is one autocommit statement (two for ``resume``) on a pooled connection: a ticket
    is redeemed by one ``DELETE … RETURNING``, so of two workers racing for it exactly one gets
    a row.
    """

    def __init__(
        self,
        url: str,
        secret: bytes,
        *,
        session_ttl_s: float,
        ticket_ttl_s: float,
        max_size: int = 4,
        timeout_s: float = 10.0,
    ) -> None:
        from infra.postgres_pool import open_pool

        self.session_ttl_s = session_ttl_s
        self.ticket_ttl_s = ticket_ttl_s
        self._secret = secret
        self._pool = open_pool(
            url,
            name="shopagent-sessions",
            schema=_PG_SCHEMA,
            schema_lock=_PG_SCHEMA_LOCK,
            max_size=max_size,
            timeout_s=timeout_s,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> PostgresSessions:
        if settings.database_url is None:
            raise ConfigError("SHOPAGENT_SESSIONS_BACKEND=postgres needs SHOPAGENT_DATABASE_URL")
        return cls(
            settings.database_url.get_secret_value(),
            session_secret(settings),
            session_ttl_s=settings.session_ttl_s,
            ticket_ttl_s=settings.ticket_ttl_s,
        )

    async def open(self, owner: str, session_id: str | None = None) -> str:
        session_id = session_id or new_session_id()
        await to_thread.run_sync(self._open, session_id, owner)
        return session_id

    def _open(self, session_id: str, owner: str) -> None:
        ttl = self.session_ttl_s
        with self._pool.connection() as conn:
            # Rows long past their lifetime go; a recently lapsed one stays to say "expired".
            conn.execute(f"DELETE FROM chat_sessions WHERE expires_at < {_NOW} - %s", (ttl,))
            conn.execute(
                "INSERT INTO chat_sessions (digest, owner, expires_at)"
                f" VALUES (%s, %s, {_NOW} + %s)",
                (_digest(session_id), owner, ttl),
            )

    async def resume(self, session_id: str, owner: str) -> Standing:
        return await to_thread.run_sync(self._resume, session_id, owner)

    def _resume(self, session_id: str, owner: str) -> Standing:
        digest = _digest(session_id)
        with self._pool.connection() as conn:
            row = conn.execute(
                f"SELECT owner, expires_at > {_NOW} FROM chat_sessions WHERE digest = %s",
                (digest,),
            ).fetchone()
            if row is None or not hmac.compare_digest(row[0], owner):
                return "refused"
            if not row[1]:
                return "expired"
            conn.execute(
                f"UPDATE chat_sessions SET expires_at = {_NOW} + %s WHERE digest = %s",
                (self.session_ttl_s, digest),
            )
        return "ok"

    async def issue_ticket(self, principal: Principal) -> str:
        ticket = secrets.token_urlsafe(24)
        await to_thread.run_sync(self._issue_ticket, ticket, principal)
        return ticket

    def _issue_ticket(self, ticket: str, principal: Principal) -> None:
        with self._pool.connection() as conn:
            conn.execute(f"DELETE FROM socket_tickets WHERE expires_at < {_NOW}")
            conn.execute(
                "INSERT INTO socket_tickets"
                " (digest, subject, role, user_id, expires_at, token_expires_at)"
                f" VALUES (%s, %s, %s, %s, {_NOW} + %s, %s)",
                (
                    _digest(ticket),
                    principal.subject,
                    principal.role,
                    principal.user_id,
                    self.ticket_ttl_s,
                    principal.expires_at,
                ),
            )

    async def redeem_ticket(self, ticket: str) -> Principal:
        return await to_thread.run_sync(self._redeem_ticket, ticket)

    def _redeem_ticket(self, ticket: str) -> Principal:
        with self._pool.connection() as conn:
            row = conn.execute(
                "DELETE FROM socket_tickets WHERE digest = %s"
                f" RETURNING subject, role, user_id, expires_at > {_NOW}, token_expires_at",
                (_digest(ticket),),
            ).fetchone()
        if row is None:
            raise AuthError(_UNKNOWN_TICKET)
        subject, role, user_id, live, token_expires_at = row
        if not live:
            raise AuthError(_EXPIRED_TICKET)
        return _principal(subject, role, user_id, token_expires_at)

    async def revoke(self, credential_id: str, expires_at: float) -> None:
        await to_thread.run_sync(self._revoke, credential_id, expires_at)

    def _revoke(self, credential_id: str, expires_at: float) -> None:
        with self._pool.connection() as conn:
            conn.execute(f"DELETE FROM revoked_credentials WHERE expires_at < {_NOW}")
            conn.execute(
                "INSERT INTO revoked_credentials (digest, expires_at) VALUES (%s, %s)"
                " ON CONFLICT (digest) DO NOTHING",
                (_digest(credential_id), expires_at),
            )

    async def revoked(self, credential_id: str) -> bool:
        return await to_thread.run_sync(self._revoked, credential_id)

    def _revoked(self, credential_id: str) -> bool:
        with self._pool.connection() as conn:
            row = conn.execute(
                "SELECT 1 FROM revoked_credentials WHERE digest = %s", (_digest(credential_id),)
            ).fetchone()
        return row is not None

    def keyed_hash(self, purpose: str, value: str) -> str:
        return _keyed_hash(self._secret, purpose, value)

    def close(self) -> None:
        self._pool.close()


def open_sessions(settings: Settings) -> SessionRegistry:
    """``sqlite``: ``sessions.sqlite`` in the data directory; ``postgres``: the database at
    ``database_url`` (its tables made on first use)."""
    if settings.sessions_backend == "postgres":
        return PostgresSessions.from_settings(settings)
    return SqliteSessions.from_settings(settings)
