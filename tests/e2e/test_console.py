"""The merchandiser console over HTTP: sign-in and its refusals, copy, reorders, analytics and
reviews, on a copy of the demo store after one forecast run and with events in the lake."""

from __future__ import annotations

import asyncio
import re
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import Request
from fastapi.testclient import TestClient

from api.console_auth import COOKIE, SESSION_MAX_S, csrf_token, over_https
from api.console_charts import ranked_bars
from api.main import create_app
from api.reorder_pages import ordered
from api.routes import console
from infra.events.processor import Batch
from infra.events.schema import BehaviourEvent
from infra.identity import Identity
from infra.lake import Lake
from infra.sessions import SqliteSessions
from infra.settings import Settings
from tools.catalog.sqlite import SqliteStore
from tools.forecast.alerts import ReorderAlert
from tools.forecast.backend import alert_sink, inventory
from tools.forecast.job import run_forecast_job

pytestmark = pytest.mark.e2e

# Searches that found nothing, and how often (the analytics page ranks them).
UNANSWERED = {"unicorn lamp": 3, "gift card": 2}
BEST_SELLER = ("22423", 40)  # Regency Cakestand 3 Tier, units over the lake's days


def lake_events(days: int = 10) -> list[BehaviourEvent]:
    """A small history for the lake: views, purchases and searches over ``days`` days."""
    end = datetime(2026, 11, 30, 12, tzinfo=UTC)
    events: list[BehaviourEvent] = []

    def add(kind: str, ts: datetime, **fields: Any) -> None:
        n = len(events)
        events.append(BehaviourEvent(event_id=f"e{n}", type=kind, ts=ts, user_id="u1", **fields))

    for d in range(days):
        ts = end - timedelta(days=d)
        add("view", ts, product_id="22423")
        add("purchase", ts, product_id=BEST_SELLER[0], quantity=4, price=12.75)
        add("purchase", ts, product_id="85123A", quantity=1, price=2.55)
        add("search", ts, query="cake stand", items=["22423"])
    for query, count in UNANSWERED.items():
        for k in range(count):
            add("search", end - timedelta(hours=k + 1), query=query)
    return events


# One prepared data directory per test session, copied by each module that serves it (the
# forecast job is the slow part: run once, not once per module).
_PREPARED: dict[Path, Path] = {}


def prepare_console_data(source: Path, target: Path, factory: pytest.TempPathFactory) -> Path:
    """``source``'s store copied to ``target`` with one forecast run and the lake events."""
    prepared = _PREPARED.get(source)
    if prepared is None:
        prepared = factory.mktemp("console-prepared") / "data"
        shutil.copytree(source, prepared)
        settings = Settings(data_dir=prepared)
        with SqliteStore(settings.store_path) as store:
            stock = inventory(settings, store)
            try:
                run_forecast_job(store, stock, alert_sink(settings), settings.forecaster_dir)
            finally:
                stock.ledger.close()
        Lake(settings.lake).write(Batch("console-test", "0", lake_events()))
        _PREPARED[source] = prepared
    shutil.copytree(prepared, target)
    return target


@pytest.fixture(scope="module")
def console_dir(online_retail_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("console") / "data"
    return prepare_console_data(online_retail_dir, target, tmp_path_factory)


# What a browser sends with the console's forms (their pages say Referrer-Policy: same-origin).
SAME_ORIGIN = {"Origin": "http://testserver"}


@pytest.fixture(scope="module")
def app_client(console_dir: Path) -> Iterator[TestClient]:
    app = create_app(Settings(data_dir=console_dir))
    with TestClient(app, headers=SAME_ORIGIN) as client:
        yield client


def token(client: TestClient, subject: str, role: Any, ttl_s: float | None = None) -> str:
    settings = client.app.state.runtime.settings  # type: ignore[attr-defined]
    return Identity.from_settings(settings).issue(subject, role, ttl_s)


@pytest.fixture(scope="module")
def staff(app_client: TestClient) -> TestClient:
    """The module's client, signed in to the console as staff (the cookie is kept)."""
    signed = app_client.post(
        "/console/sign-in",
        data={"token": token(app_client, "staff:merch", "staff")},
        follow_redirects=False,
    )
    assert signed.status_code == 303 and signed.headers["location"] == "/console/copy"
    return app_client


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]{64})"', page)
    assert found, "the page has no CSRF field"
    return found.group(1)


def store_state(client: TestClient) -> tuple[Any, ...]:
    """What a console POST could change: stored copy, batch jobs, the store's files."""
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    content_dir = runtime.settings.content_dir
    stored = sorted(str(p) for p in content_dir.rglob("*")) if content_dir.exists() else []
    jobs = getattr(client.app.state, "content_jobs", None)  # type: ignore[attr-defined]
    return (stored, len(jobs._jobs) if jobs else 0, runtime.settings.store_path.stat().st_mtime)


def console_routes() -> list[tuple[str, str]]:
    """Every console route that shows or changes data (sign-in and the assets are open)."""
    out = []
    for route in console.router.routes:
        path = getattr(route, "path", "")
        if path in ("/console/sign-in", "/console/assets/{name}"):
            continue
        for method in sorted(getattr(route, "methods", ())):
            out.append((method, path.replace("{job_id}", "abc")))
    return out


def test_every_console_route_refuses_anonymous_and_shoppers(app_client: TestClient) -> None:
    routes = console_routes()
    assert len(routes) >= 11 and ("POST", "/console/copy/bulk") in routes
    shopper = token(app_client, "user:12347", "shopper")
    anonymous = token(app_client, "anon:visitor", "anonymous")
    before = store_state(app_client)
    staff_token = token(app_client, "staff:ann", "staff")
    sessions = app_client.app.state.runtime.sessions  # type: ignore[attr-defined]
    # A shopper's own CSRF token: the role check, not a missing field, must be what stops them.
    form = {
        "csrf": csrf_token(sessions, shopper),
        "product_id": "22423",
        "category": "cake stand",
        "reviews": "Lovely.",
    }
    for method, path in routes:
        callers: list[tuple[dict[str, str], dict[str, str], int]] = [
            ({}, {}, 401),
            ({}, {"Authorization": f"Bearer {shopper}"}, 403),
            # The cookie holds a console session, never a token, not even a staff one.
            ({COOKIE: shopper}, {}, 401),
            ({COOKIE: staff_token}, {}, 401),
            ({COOKIE: anonymous}, {}, 401),
            ({COOKIE: "not-a-token"}, {}, 401),
            ({COOKIE: "eyJzdWIiOiJzdGFmZjphbm4ifQ." + "0" * 64}, {}, 401),  # a forged session
        ]
        for cookies, headers, status in callers:
            app_client.cookies.clear()
            for name, value in cookies.items():
                app_client.cookies.set(name, value, path="/console")
            answer = app_client.request(
                method, path, headers=headers, data=form if method == "POST" else None
            )
            assert answer.status_code == status, (method, path, cookies, headers, answer.text)
            assert "Sign in to the console" in answer.text  # the refusal is the sign-in page
    app_client.cookies.clear()
    refused = app_client.post("/console/sign-in", data={"token": shopper}, follow_redirects=False)
    assert refused.status_code == 403 and "set-cookie" not in refused.headers
    assert "staff only" in refused.text
    assert store_state(app_client) == before


def test_sign_in_sets_a_strict_http_only_cookie_and_sign_out_drops_it(
    app_client: TestClient,
) -> None:
    app_client.cookies.clear()
    staff_token = token(app_client, "staff:ann", "staff")
    signed = app_client.post(
        "/console/sign-in", data={"token": staff_token}, follow_redirects=False
    )
    cookie = signed.headers["set-cookie"]
    value = cookie.partition(";")[0].partition("=")[2]
    assert cookie.startswith(f"{COOKIE}=") and value and staff_token not in cookie
    assert value.count(".") == 1  # a console session, not a JWT
    for attribute in ("HttpOnly", "Path=/console", "SameSite=strict", "Max-Age="):
        assert attribute in cookie
    assert "Secure" not in cookie  # plain http here; https requests get Secure
    max_age = int(re.search(r"Max-Age=(\d+)", cookie).group(1))  # type: ignore[union-attr]
    assert 0 < max_age <= 3600  # never outlives the token
    page = app_client.get("/console/copy")
    assert page.status_code == 200 and "ann" in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "sha256" not in policy
    assert page.headers["referrer-policy"] == "same-origin"  # its forms carry this origin
    # The session is no API credential.
    as_bearer = {"Authorization": f"Bearer {value}"}
    for path in ("/v1/inventory/reorders?limit=1", "/metrics"):
        assert app_client.get(path, headers=as_bearer).status_code == 401, path
    out = app_client.post("/console/sign-out", data={"csrf": csrf_of(page.text)})
    assert out.status_code == 200 and "Sign in to the console" in out.text
    assert app_client.get("/console/copy").status_code == 401
    # A copy of the cookie kept from before the sign-out is refused: the session is revoked.
    app_client.cookies.set(COOKIE, value, path="/console")
    replayed = app_client.get("/console/copy")
    assert replayed.status_code == 401 and "signed out" in replayed.text
    assert "set-cookie" in replayed.headers  # and the stale cookie is dropped
    for path in ("/v1/inventory/reorders?limit=1", "/metrics"):
        assert app_client.get(path, headers=as_bearer).status_code == 401, path
    app_client.cookies.clear()
    bad = app_client.post("/console/sign-in", data={"token": "abc.def.ghi"})
    assert bad.status_code == 401 and "not accepted" in bad.text
    over_https = TestClient(
        app_client.app, base_url="https://testserver", headers={"Origin": "https://testserver"}
    )
    secure = over_https.post(
        "/console/sign-in", data={"token": staff_token}, follow_redirects=False
    )
    assert "; Secure" in secure.headers["set-cookie"]


def test_a_session_lives_at_most_eight_hours_and_sign_out_holds_on_every_worker(
    app_client: TestClient,
) -> None:
    app_client.cookies.clear()
    long_token = token(app_client, "staff:ann", "staff", ttl_s=20 * 3600)
    signed = app_client.post("/console/sign-in", data={"token": long_token}, follow_redirects=False)
    cookie = signed.headers["set-cookie"]
    max_age = int(re.search(r"Max-Age=(\d+)", cookie).group(1))  # type: ignore[union-attr]
    assert SESSION_MAX_S - 60 < max_age <= SESSION_MAX_S == 8 * 3600
    app_client.cookies.clear()
    # Another worker opens the same registry file: a revocation made by one is seen by the other.
    settings = app_client.app.state.runtime.settings  # type: ignore[attr-defined]
    one, other = SqliteSessions.from_settings(settings), SqliteSessions.from_settings(settings)
    try:
        assert not asyncio.run(other.revoked("jti-1"))
        asyncio.run(one.revoke("jti-1", time.time() + 60))
        asyncio.run(one.revoke("jti-old", time.time() - 1))  # already expired: swept next time
        assert asyncio.run(other.revoked("jti-1"))
        asyncio.run(other.revoke("jti-2", time.time() + 60))
        assert not asyncio.run(one.revoked("jti-old"))  # the expired row went
    finally:
        one.close()
        other.close()


def test_sign_in_refuses_a_form_from_another_origin(app_client: TestClient) -> None:
    """Login CSRF: another site's page (a sandboxed frame sends Origin: null) must not sign a
    browser into the console as someone else."""
    app_client.cookies.clear()
    staff_token = token(app_client, "staff:mallory", "staff")
    cases: list[tuple[dict[str, str], str]] = [
        ({"Origin": "null"}, "Origin: null"),
        ({"Origin": "https://evil.example"}, "another site"),
        ({"Referer": "https://evil.example/page"}, "another site"),
        ({}, "neither Origin nor Referer"),
    ]
    for headers, reason in cases:
        request = app_client.build_request(
            "POST", "/console/sign-in", data={"token": staff_token}, headers=headers
        )
        if "Origin" not in headers:
            del request.headers["Origin"]  # the client's default
        refused = app_client.send(request)
        assert refused.status_code == 403 and reason in refused.text, (headers, refused.text)
        assert "set-cookie" not in refused.headers
    request = app_client.build_request(
        "POST",
        "/console/sign-in",
        data={"token": staff_token},
        headers={"Referer": "http://testserver/console/sign-in"},
    )
    del request.headers["Origin"]  # a client that sends only the Referer, of this origin
    signed = app_client.send(request, follow_redirects=False)
    assert signed.status_code == 303 and COOKIE in signed.headers["set-cookie"]
    app_client.cookies.clear()
    page = app_client.get("/console/sign-in")
    assert page.headers["referrer-policy"] == "same-origin"


def test_console_forms_need_the_csrf_token_and_this_origin(staff: TestClient) -> None:
    before = store_state(staff)
    wrong = {"product_id": "22423", "language": "en", "tone": "neutral"}
    assert staff.post("/console/copy", data=wrong).status_code == 403
    assert staff.post("/console/copy", data={**wrong, "csrf": "0" * 64}).status_code == 403
    good = {**wrong, "csrf": csrf_of(staff.get("/console/copy").text)}
    other_site = staff.post("/console/copy", data=good, headers={"Origin": "https://evil.test"})
    assert other_site.status_code == 403 and "another site" in other_site.text
    hidden = staff.post("/console/copy", data=good, headers={"Origin": "null"})
    assert hidden.status_code == 403 and "Origin: null" in hidden.text
    for headers in ({"Referer": "https://evil.test/x"}, {}):
        request = staff.build_request("POST", "/console/copy", data=good, headers=headers)
        del request.headers["Origin"]
        assert staff.send(request).status_code == 403, headers
    as_json = staff.post("/console/copy", json=good)
    assert as_json.status_code == 400 and "urlencoded" in as_json.text
    assert store_state(staff) == before


def test_copy_is_written_previewed_and_compared_side_by_side(staff: TestClient) -> None:
    page = staff.get("/console/copy")
    csrf = csrf_of(page.text)
    assert '<option value="de">German</option>' in page.text and "playful" in page.text
    finder = staff.get("/console/copy", params={"q": "regency cakestand", "language": "de"})
    assert 'href="/console/copy?product_id=22423&amp;language=de">Regency Cakestand' in finder.text
    first = staff.post(
        "/console/copy",
        data={"csrf": csrf, "product_id": "22423", "language": "de", "tone": "elegant"},
        follow_redirects=False,
    )
    assert first.status_code == 303, first.text
    where = "/console/copy?product_id=22423&language=de&tone=elegant&right=1"
    assert first.headers["location"] == where
    second = staff.post(
        "/console/copy",
        data={"csrf": csrf, "product_id": "22423", "language": "de", "tone": "playful"},
    )
    assert second.status_code == 200
    assert second.url.query.decode() == "product_id=22423&language=de&tone=playful&right=2&left=1"
    shown = re.findall(r'<article class="preview" aria-label="Version (\d+)"', second.text)
    assert shown == ["1", "2"]  # side by side, the older on the left
    assert "· elegant ·" in second.text and "· playful ·" in second.text
    runtime = staff.app.state.runtime  # type: ignore[attr-defined]
    assert runtime.services.contents.versions("22423", "de") == [1, 2]
    stored = runtime.services.contents.get("22423", "de", 2)
    assert stored.content.title in second.text.replace("&amp;", "&")
    one = staff.get("/console/copy", params={"product_id": "22423", "language": "de", "left": 2})
    assert re.findall(r'aria-label="Version (\d+)"', one.text) == ["2"]
    missing = staff.post("/console/copy", data={"csrf": csrf, "product_id": "NOPE"})
    assert missing.status_code == 404 and "no product has id" in missing.text
    angry = staff.post("/console/copy", data={"csrf": csrf, "product_id": "22423", "tone": "angry"})
    assert angry.status_code == 422 and "tone" in angry.text
    long = staff.post("/console/copy", data={"csrf": csrf, "product_id": "9" * 5000})
    assert long.status_code == 422 and "at most 64 characters" in long.text
    assert "9" * 65 not in long.text  # the form echoes no more than an id can be


def test_a_category_is_written_in_bulk_with_progress(staff: TestClient) -> None:
    csrf = csrf_of(staff.get("/console/copy").text)
    form = {"csrf": csrf, "category": "cake stand", "language": "fr", "limit": "3"}
    started = staff.post("/console/copy/bulk", data=form, follow_redirects=False)
    assert started.status_code == 303, started.text
    page_url = started.headers["location"]
    job_id = page_url.rsplit("/", 1)[1]
    progress, deadline = {"status": "running"}, time.monotonic() + 180  # busy machines too
    while progress["status"] == "running":
        assert time.monotonic() < deadline, "the batch did not finish"
        time.sleep(0.1)
        progress = staff.get(f"/console/copy/jobs/{job_id}/progress").json()
    assert progress == {
        "status": "done", "total": 3, "done": 3, "passed": 3, "progress": 1.0, "errors": 0,
    }  # fmt: skip
    page = staff.get(page_url)
    assert page.status_code == 200 and page.text.count('data-label="Product"><a href') == 3
    assert 'max="3" value="3"' in page.text
    assert staff.get("/console/copy/jobs/nope").status_code == 404
    none = staff.post("/console/copy/bulk", data={**form, "category": "no such kind"})
    assert none.status_code == 404 and "no product is in category" in none.text


def test_reorders_are_paged_filtered_and_charted(staff: TestClient) -> None:
    runtime = staff.app.state.runtime  # type: ignore[attr-defined]
    ledger = runtime.services.inventory.ledger
    run_id, _ = ledger.last_run()
    alerts = [ReorderAlert.model_validate_json(doc) for doc in ledger.alerts(run_id)]
    high = ordered(alerts, "daily_demand", "high")
    assert len(high) > 20  # more than one page
    page = staff.get("/console/reorders", params={"urgency": "high", "sort": "daily_demand"})
    assert page.status_code == 200
    ids = re.findall(r'<span class="muted">· ([^<]+)</span></h2>', page.text)
    assert ids == [a.product_id for a in high[:20]]
    assert page.text.count('<svg class="chart"') == 20
    assert f"{len(high)} alerts · page 1 of {-(-len(high) // 20)}" in page.text
    assert 'class="band"' in page.text and "recent sales and forecast" in page.text
    second = staff.get(
        "/console/reorders", params={"urgency": "high", "sort": "daily_demand", "page": 2}
    )
    assert re.findall(r'<span class="muted">· ([^<]+)</span></h2>', second.text) == [
        a.product_id for a in high[20:40]
    ]
    assert len(page.content) < 120_000  # a page, not the 1,296 alerts
    assert staff.get("/console/reorders", params={"sort": "price"}).status_code == 422


def test_analytics_draw_the_lakes_events(staff: TestClient) -> None:
    page = staff.get("/console/analytics")
    assert page.status_code == 200, page.text
    assert page.text.count('<svg class="chart"') == 4
    assert "Regency Cakestand 3 Tier" in page.text  # the best seller, by title
    assert "Regency Cakestand 3 Tier: 40 units" in page.text  # in the chart's description
    for query, count in UNANSWERED.items():
        assert f"{query}: {count} searches" in page.text
    assert "cake stand: " not in page.text  # it found something
    assert f"{len(lake_events()):,} events from 21 Nov 2026 to 30 Nov 2026, per day" in page.text
    assert f"{40 * 12.75 + 10 * 2.55:,.0f} GBP from 50 units" in page.text
    recent = staff.get("/console/analytics", params={"days": "30"})
    assert recent.status_code == 200 and "per day" in recent.text


def test_pasted_reviews_are_analyzed_with_personal_data_masked(staff: TestClient) -> None:
    csrf = csrf_of(staff.get("/console/reviews").text)
    reviews = (
        "Absolutely love this cake stand, beautiful and sturdy. Great gift!\n\n"
        "Terrible quality, it arrived broken and the seller never answered. "
        "Write to me at jo.bloggs@example.com"
    )
    page = staff.post("/console/reviews", data={"csrf": csrf, "reviews": reviews})
    assert page.status_code == 200, page.text
    assert "Sentiment of 2 reviews" in page.text
    assert 'badge s-positive">positive' in page.text and 'badge s-negative">negative' in page.text
    assert "jo.bloggs@example.com" not in page.text and "[EMAIL]" in page.text
    empty = staff.post("/console/reviews", data={"csrf": csrf, "reviews": "  "})
    assert empty.status_code == 422 and "at least one review" in empty.text


def test_chart_labels_are_escaped() -> None:
    svg = ranked_bars("x", "Titles", [("<script>alert(1)</script>", 3.0)], "units")
    assert "<script>" not in svg and "&lt;script&gt;" in svg


@pytest.mark.parametrize(
    ("peer", "headers", "secure"),
    [
        ("10.0.0.2", {"x-forwarded-proto": "https", "x-forwarded-for": "203.0.113.5"}, True),
        ("203.0.113.9", {"x-forwarded-proto": "https", "x-forwarded-for": "203.0.113.5"}, False),
        ("10.0.0.2", {"x-forwarded-for": "203.0.113.5"}, False),
    ],
)
def test_the_cookie_is_secure_behind_a_trusted_https_proxy_only(
    peer: str, headers: dict[str, str], secure: bool
) -> None:
    scope = {
        "type": "http",
        "scheme": "http",
        "path": "/console/sign-in",
        "client": (peer, 40000),
        "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
    }
    settings = Settings(trusted_proxies=["10.0.0.0/8"])
    assert over_https(Request(scope), settings) is secure
