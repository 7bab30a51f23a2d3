"""Two real ``shopagent serve`` processes on one PostgreSQL, as two machines would run them.

Each server has its own data directory (nothing is shared through files) and its own port; they
share the database (store, checkpoints, chat sessions and tickets), the checkpoint key and the
session secret, and trust one issuer's JWKS for bearer tokens. The first runs ``--workers 2``.
A conversation begun on one continues on the other, a ticket issued by one opens one socket on
either, and a confirmation asked on one and answered on the other (or on both at once) applies
once. The registry itself is also checked directly: ownership, expiry and racing redemptions.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey
from psycopg import sql
from pydantic import SecretStr
from websockets.sync.client import ClientConnection, connect

from agents.offline.service.answers import nothing_pending
from graphs.orders import ALREADY_MADE
from infra.errors import AuthError, ConfigError
from infra.identity import Principal
from infra.postgres import LocalPostgres
from infra.sessions import PostgresSessions, open_sessions, session_secret
from infra.settings import Settings
from tests.served_process import serving
from tools.catalog.postgres import PostgresStore

pytestmark = pytest.mark.integration

ISSUER, AUDIENCE = "https://issuer.two-workers.test", "shopagent-two-workers"
CLI = Path(sys.executable).with_name("shopagent")
# Two shoppers with a pending order paid by gift card (tau-retail): (user, e-mail, order, card,
# balance before, amount paid).
OMAR = ("omar_kim_3528", "omar.kim8981@example.com", "#W8557584", "gift_card_3749819", 91.0, 622.73)
OLIVIA = (
    "olivia_lopez_9494",
    "olivia.lopez8783@example.com",
    "#W8955613",
    "gift_card_6682391",
    35.0,
    585.97,
)
ASK = "Shall I go ahead? Please answer yes or no."


@dataclass(frozen=True)
class Shop:
    first: str  # base URL of the server run with --workers 2
    second: str
    database: str
    sign: Callable[[str, list[str]], str]  # a user id and groups -> a token from the issuer

    def headers(self, user: str, groups: list[str] | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.sign(user, groups or [])}"}


def _issuer(folder: Path) -> tuple[Path, Callable[[str, list[str]], str]]:
    """A JWKS file and a signer of shopper tokens, as Cognito would provide."""
    key = ECKey.generate_key("P-256", parameters={"kid": "two-workers"}, private=True)
    jwks = folder / "jwks.json"
    jwks.write_text(json.dumps({"keys": [key.as_dict(private=False)]}))

    def sign(user: str, groups: list[str]) -> str:
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": user, "iat": now, "exp": now + 600}
        if groups:
            claims["cognito:groups"] = groups
        return jwt.encode({"alg": "ES256", "kid": "two-workers"}, claims, key)

    return jwks, sign


def _run(env: dict[str, str], *args: str) -> None:
    done = subprocess.run([str(CLI), *args], env=env, capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr.decode()


def _serving(env: dict[str, str], *args: str) -> AbstractContextManager[str]:
    """``shopagent serve ARGS`` with ``env`` until it answers /readyz; stopped on exit."""
    log_dir = Path(env["SHOPAGENT_DATA_DIR"]).parent
    return serving(env, *args, log_dir=log_dir, stop_within_s=20)


@pytest.fixture(scope="module")
def shop(
    postgres_server: LocalPostgres, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Shop]:
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server.admin_url(), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = postgres_server.admin_url(name)
    folder = tmp_path_factory.mktemp("two-workers")
    jwks, sign = _issuer(folder)
    shared = {
        "SHOPAGENT_STORE_BACKEND": "postgres",
        "SHOPAGENT_CHECKPOINTER_BACKEND": "postgres",
        "SHOPAGENT_SESSIONS_BACKEND": "postgres",
        "SHOPAGENT_DATABASE_URL": url,
        "SHOPAGENT_CHECKPOINT_KEY": base64.b64encode(os.urandom(32)).decode(),
        "SHOPAGENT_SESSION_SECRET": base64.b64encode(os.urandom(32)).decode(),
        "SHOPAGENT_DATASET": "tau-retail",
        "SHOPAGENT_AUTH_JWKS_PATH": str(jwks),
        "SHOPAGENT_AUTH_ISSUER": ISSUER,
        "SHOPAGENT_AUTH_AUDIENCE": AUDIENCE,
    }

    def machine(label: str) -> dict[str, str]:
        data_dir = folder / label / "data"
        return {
            **os.environ,
            **shared,
            "SHOPAGENT_DATA_DIR": str(data_dir),
            "SHOPAGENT_CHECKPOINT_KEY_FILE": str(folder / label / "unused-key"),
        }

    first_env, second_env = machine("first"), machine("second")
    try:
        _run(first_env, "load", "tau-retail")
        with ExitStack() as stack:
            # The embedded event stream takes one consumer: the two workers leave it alone.
            quiet = {**first_env, "SHOPAGENT_EVENTS_PROCESS_IN_SERVER": "false"}
            first = stack.enter_context(_serving(quiet, "--workers", "2"))
            second = stack.enter_context(_serving(second_env))
            yield Shop(first, second, url, sign)
    finally:
        with psycopg.connect(postgres_server.admin_url(), autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def _socket(base: str, *, headers: dict[str, str] | None = None, query: str = "") -> Any:
    return connect(base.replace("http", "ws", 1) + "/v1/chat" + query, additional_headers=headers)


def _turn(ws: ClientConnection, text: str) -> list[dict[str, Any]]:
    ws.send(json.dumps({"type": "message", "text": text}))
    frames = [json.loads(ws.recv(timeout=60))]
    while frames[-1]["type"] != "done":
        frames.append(json.loads(ws.recv(timeout=60)))
    return frames


def _message(frames: list[dict[str, Any]]) -> dict[str, Any]:
    return next(f for f in frames if f["type"] == "message")


def _ticket(base: str, headers: dict[str, str]) -> str:
    answer = httpx.post(f"{base}/v1/chat/tickets", headers=headers, timeout=30)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["ticket"])


def _account(shop: Shop, shopper: tuple[str, str, str, str, float, float]) -> tuple[float, int]:
    """The shopper's gift-card balance and the refunds of their order, as stored."""
    user_id, _, order_id, card, _, _ = shopper
    with PostgresStore(shop.database) as store:
        user, order = store.get_user(user_id), store.get_order(order_id)
    assert user is not None and order is not None
    balance = float((user.payment_methods[card].model_extra or {})["balance"])
    return balance, sum(1 for p in order.payment_history if p.transaction_type == "refund")


def _ask(shop: Shop, shopper: tuple[str, str, str, str, float, float]) -> str:
    """On the first server: the shopper asks to cancel their order, up to the question; the
    session id."""
    user_id, email, order_id, *_ = shopper
    with _socket(shop.first, headers=shop.headers(user_id)) as ws:
        session = str(json.loads(ws.recv(timeout=30))["session_id"])
        _turn(ws, f"Please cancel my order {order_id}, I'm {email}")
        asked = _message(_turn(ws, "I no longer need it"))["text"]
    assert asked.endswith(ASK), asked
    return session


def test_a_conversation_begun_on_one_server_continues_on_the_other(shop: Shop) -> None:
    headers = shop.headers("ava_lopez_2676")
    with _socket(shop.first, headers=headers) as ws:
        session = json.loads(ws.recv(timeout=30))["session_id"]
        shown = _message(_turn(ws, "kettles"))["products"]
    assert len(shown) >= 2
    with _socket(shop.second, headers=headers, query=f"?session={session}") as ws:
        assert json.loads(ws.recv(timeout=30))["session_id"] == session
        frames = _turn(ws, "tell me about the second one")
    call = next(f for f in frames if f["type"] == "tool_call")
    assert (call["name"], call["args"]["product_id"]) == ("get_product", shown[1]["id"])
    # Another shopper presenting that session id is refused on either server.
    for base in (shop.first, shop.second):
        with _socket(
            base, headers=shop.headers("omar_kim_3528"), query=f"?session={session}"
        ) as ws:
            assert json.loads(ws.recv(timeout=30))["code"] == "session_refused"


def test_a_ticket_from_one_server_opens_one_socket_on_either(shop: Shop) -> None:
    headers = shop.headers("lucas_martin_4549")
    ticket = _ticket(shop.first, headers)
    with _socket(shop.second, query=f"?ticket={ticket}") as ws:
        assert json.loads(ws.recv(timeout=30))["type"] == "session"
    for base in (shop.first, shop.second):
        with _socket(base, query=f"?ticket={ticket}") as ws:
            assert json.loads(ws.recv(timeout=30))["code"] == "bad_ticket"

    # Racing: one ticket presented to both servers at once opens exactly one socket.
    def redeem(base: str, ticket: str) -> str:
        with _socket(base, query=f"?ticket={ticket}") as ws:
            frame = json.loads(ws.recv(timeout=30))
            return str(frame["type"] if frame["type"] == "session" else frame["code"])

    with ThreadPoolExecutor(2) as pool:
        for _ in range(5):
            ticket = _ticket(shop.second, headers)
            outcomes = list(pool.map(redeem, (shop.first, shop.second), (ticket, ticket)))
            assert sorted(outcomes) == ["bad_ticket", "session"], outcomes


def test_a_confirmation_asked_on_one_server_is_answered_on_the_other_once(shop: Shop) -> None:
    user_id, _, order_id, _, before, paid = OMAR
    session = _ask(shop, OMAR)
    assert _account(shop, OMAR) == (before, 0)
    query = f"?session={session}"
    with _socket(shop.second, headers=shop.headers(user_id), query=query) as ws:
        ws.recv(timeout=30)
        frames = _turn(ws, "yes")
    (result,) = [f for f in frames if f["type"] == "tool_result"]
    assert result["name"] == "cancel_pending_order" and not result["is_error"]
    assert _message(frames)["text"].startswith(f"Done: order {order_id} is cancelled")
    assert _account(shop, OMAR) == (round(before + paid, 2), 1)
    # A second "yes", back on the first server, finds nothing waiting and changes nothing.
    with _socket(shop.first, headers=shop.headers(user_id), query=query) as ws:
        ws.recv(timeout=30)
        again = _turn(ws, "yes")
    assert [f for f in again if f["type"] == "tool_result"] == []
    assert _message(again)["text"] == nothing_pending()
    assert _account(shop, OMAR) == (round(before + paid, 2), 1)


def test_two_answers_racing_on_both_servers_apply_once(shop: Shop) -> None:
    user_id, _, order_id, _, before, paid = OLIVIA
    session = _ask(shop, OLIVIA)
    query = f"?session={session}"

    def answer(base: str) -> str:
        with _socket(base, headers=shop.headers(user_id), query=query) as ws:
            ws.recv(timeout=30)
            return str(_message(_turn(ws, "yes"))["text"])

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(answer, (shop.first, shop.second)))
    assert _account(shop, OLIVIA) == (round(before + paid, 2), 1)
    done = f"Done: order {order_id} is cancelled"
    # Whichever way the race fell: one applied; the other found the change made already, or
    # nothing waiting any more, or reported the same change without making another.
    assert any(a.startswith(done) for a in answers), answers
    assert all(a.startswith((done, ALREADY_MADE, nothing_pending())) for a in answers), answers


def test_stock_received_on_one_server_is_counted_on_the_other(shop: Shop) -> None:
    # The inventory ledger lives in the store's database, not beside one server.
    product = "9523456873"  # the T-Shirt (tau-retail)
    staff = shop.headers("clerk", ["staff"])

    def position(base: str) -> dict[str, Any]:
        answer = httpx.post(
            f"{base}/v1/tools/check_inventory", json={"product_id": product}, timeout=30
        )
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    before = position(shop.second)
    added = httpx.post(
        f"{shop.first}/v1/inventory/receipts",
        json={"product_id": product, "quantity": 7},
        headers=staff,
        timeout=30,
    )
    assert added.status_code == 201, added.text
    assert added.json()["received"] == before["received"] + 7
    after = position(shop.second)
    assert (after["received"], after["stock"]) == (before["received"] + 7, before["stock"] + 7)


def test_one_rate_limit_is_shared_by_both_servers(shop: Shop) -> None:
    # REST allows a burst of 60 and 5 per second per principal (the defaults). Were each worker
    # to keep its own buckets, three bursts would pass before the first refusal.
    headers = shop.headers(f"rate_{uuid.uuid4().hex[:8]}")

    def ticket(base: str) -> int:
        return httpx.post(f"{base}/v1/chat/tickets", headers=headers, timeout=30).status_code

    codes: list[int] = []
    began = time.monotonic()
    # Six at a time: fewer than a process's pool of database connections, so no take waits
    # past the limiter's 1 s (a take that does is limited by its process alone, by design).
    # Rounds of 30 until refusals come: on a busy machine the answers are slow and the bucket
    # refills meanwhile, so how many requests it takes to empty it is not known beforehand.
    with ThreadPoolExecutor(6) as pool:
        while 429 not in codes and len(codes) < 900:
            codes += pool.map(ticket, (shop.first, shop.second) * 15)
    refilled = 5 * (time.monotonic() - began)
    assert set(codes) == {200, 429}, codes
    assert 60 <= codes.count(200) <= 60 + refilled + 1, (codes.count(200), refilled)


def test_a_content_job_started_on_one_server_is_followed_on_the_other(shop: Shop) -> None:
    staff = shop.headers("editor", ["staff"])
    started = httpx.post(
        f"{shop.first}/v1/content",
        json={"category": "water bottle", "limit": 2},
        headers=staff,
        timeout=30,
    )
    assert started.status_code == 202, started.text
    status_url = f"{shop.second}{started.json()['status_url']}"
    deadline = time.monotonic() + 120
    while True:
        polled = httpx.get(status_url, headers=staff, timeout=30)
        assert polled.status_code == 200, polled.text
        view = polled.json()
        if view["status"] != "running" or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert view["status"] == "done" and view["done"] == view["total"] >= 1, view
    assert len(view["results"]) + len(view["errors"]) == view["total"]
    assert view["results"] and all(r["version"] >= 1 for r in view["results"]), view
    # Staff only, on either server; an unknown id is a 404 there too.
    assert httpx.get(status_url, timeout=30).status_code in (401, 403)
    unknown = httpx.get(f"{shop.second}/v1/content/jobs/{'0' * 32}", headers=staff, timeout=30)
    assert unknown.status_code == 404


# -- the registry on PostgreSQL, directly -------------------------------------------------------


def _registry(url: str, *, session_ttl_s: float = 60.0, ticket_ttl_s: float = 30.0) -> Any:
    return PostgresSessions(
        url, os.urandom(32), session_ttl_s=session_ttl_s, ticket_ttl_s=ticket_ttl_s
    )


async def test_the_postgres_registry_binds_sessions_and_uses_tickets_once(
    new_database: Callable[[str | None], str],
) -> None:
    url = new_database(None)
    one, other = _registry(url), _registry(url)
    try:
        session = await one.open("user:a")
        assert await other.resume(session, "user:a") == "ok"
        assert await other.resume(session, "user:b") == "refused"
        assert await other.resume("never-issued", "user:a") == "refused"
        shopper = Principal("user:a", "shopper", "a")
        ticket = await one.issue_ticket(shopper)
        outcomes = await asyncio.gather(
            *(registry.redeem_ticket(ticket) for registry in (one, other, one, other)),
            return_exceptions=True,
        )
        assert [o for o in outcomes if isinstance(o, Principal)] == [shopper]
        assert sum(isinstance(o, AuthError) for o in outcomes) == 3
        # Only digests are stored: the database does not hold a live id or ticket.
        with psycopg.connect(url) as conn:
            held = conn.execute(
                "SELECT digest FROM chat_sessions UNION ALL SELECT digest FROM socket_tickets"
            ).fetchall()
        assert held and all(session != d and ticket != d for (d,) in held)
    finally:
        one.close()
        other.close()


async def test_the_postgres_registry_expires_sessions_and_tickets(
    new_database: Callable[[str | None], str],
) -> None:
    registry = _registry(new_database(None), session_ttl_s=0.5, ticket_ttl_s=0.5)
    try:
        session = await registry.open("user:a")
        ticket = await registry.issue_ticket(Principal("user:a", "shopper", "a"))
        await asyncio.sleep(0.8)
        assert await registry.resume(session, "user:a") == "expired"
        assert await registry.resume(session, "user:b") == "refused"
        with pytest.raises(AuthError, match="expired"):
            await registry.redeem_ticket(ticket)
    finally:
        registry.close()


async def test_a_revocation_on_one_worker_holds_on_the_other(
    new_database: Callable[[str | None], str],
) -> None:
    """A console sign-out revokes its session's id; a worker on another machine sees it."""
    url = new_database(None)
    one, other = _registry(url), _registry(url)
    try:
        assert not await other.revoked("jti-1")
        await one.revoke("jti-1", time.time() + 60)
        await one.revoke("jti-old", time.time() - 1)  # already expired: swept next time
        assert await other.revoked("jti-1")
        await other.revoke("jti-1", time.time() + 60)  # twice is no error
        assert not await one.revoked("jti-old")
        with psycopg.connect(url) as conn:
            held = conn.execute("SELECT digest FROM revoked_credentials").fetchall()
        assert held and all(d != "jti-1" for (d,) in held)  # digests only
    finally:
        one.close()
        other.close()


def test_the_session_secret_setting_is_shared_and_checked(tmp_path: Path) -> None:
    raw = os.urandom(32)
    secret = SecretStr(base64.b64encode(raw).decode())
    machines = [Settings(data_dir=tmp_path / name, session_secret=secret) for name in "ab"]
    assert [session_secret(s) for s in machines] == [raw, raw]
    registries = [open_sessions(s) for s in machines]  # SQLite, one per data directory
    try:
        hashes = {r.keyed_hash("event-session", "some-session") for r in registries}
        assert len(hashes) == 1  # the same pseudonym (and cookie signature) on both
    finally:
        for registry in registries:
            registry.close()
    assert not (tmp_path / "a" / "sessions.key").exists()  # no file when the setting is given
    for value, problem in [("not base64!", "not base64"), ("c2hvcnQ=", "needs 32")]:
        with pytest.raises(ConfigError, match=problem):
            session_secret(Settings(data_dir=tmp_path, session_secret=SecretStr(value)))
    with pytest.raises(ConfigError, match="SHOPAGENT_DATABASE_URL"):
        open_sessions(Settings(data_dir=tmp_path, sessions_backend="postgres"))
