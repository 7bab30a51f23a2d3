"""Who is using the merchandiser console: a console session made from a staff token.

A page reached by plain navigation cannot send an ``Authorization`` header, so the console's
sign-in form posts a staff token once (from ``shopagent auth token --role staff`` or the
issuer). The server checks it (``Identity.averify``; only staff: another role is 403) and
answers with a cookie holding a console session, not the token:

- the session is ``<claims>.<mac>``: the staff subject, an expiry and a random id (``jti``),
  signed with the service's session secret (``SessionRegistry.keyed_hash``, shared by every
  worker) under a purpose of its own. It is no JWT, so no API route accepts it as a bearer
  token, and a copy of the cookie is no credential for the REST API;
- it lives as long as the token, and at most ``SESSION_MAX_S`` (8 h);
- signing out revokes its id in the session registry (``SessionRegistry.revoke``: SQLite or
  PostgreSQL, seen by every worker), so the old cookie value is refused (401) from then on;
- the cookie is ``HttpOnly`` (no script reads it), ``SameSite=Strict`` (no other site's page
  or link sends it), ``Path=/console`` (no other route receives it), ``Secure`` when the
  request came over https (directly or through a trusted proxy);
- every console form that changes something carries a CSRF token, a keyed hash of the
  session's id, checked in constant time;
- every console POST, sign-in included, must come from this origin: its ``Origin`` names this
  host, or, when a client sends no ``Origin``, its ``Referer`` does. ``Origin: null`` (a
  sandboxed frame, a ``data:`` page), another host, or neither is 403. The console's pages say
  ``Referrer-Policy: same-origin``, so a browser sends their forms with the real ``Origin``
  (under ``no-referrer`` it would send ``null``). This stops login CSRF: another site cannot
  sign a browser into the console as someone else.

A caller that sends ``Authorization: Bearer <staff token>`` (a script) is served without a
session, its token verified on each request and its CSRF token derived from that token.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import secrets
import time
from dataclasses import dataclass, replace
from typing import Annotated
from urllib.parse import parse_qsl, urlsplit

from fastapi import Depends, Request
from starlette.responses import Response

from api.access import STAFF, check
from api.deps import RuntimeDep, bearer_token, client_address, rate_key, take_token
from infra.errors import AuthError, ForbiddenError, UpstreamError
from infra.identity import Principal, principal_for
from infra.ratelimit import Limit
from infra.sessions import SessionRegistry
from infra.settings import Settings

COOKIE = "shopagent_console"
COOKIE_PATH = "/console"
CSRF_FIELD = "csrf"
# The most fields and bytes one console form may carry (the reviews box is the biggest).
MAX_FORM_FIELDS = 20
MAX_FORM_BYTES = 120_000
# The longest a console session lives, however long the token it was made from.
SESSION_MAX_S = 8 * 3600
PAGE_REFERRER_POLICY = "same-origin"
_SESSION_PURPOSE = "console session v1"
_CSRF_PURPOSE = "console csrf v1"
_MAX_SESSION_CHARS = 512
_ENDED = "the console session has ended or is not valid; sign in again"


class ConsoleRefusal(Exception):
    """The caller may not use the console: 401 (not signed in as anyone) or 403 (not staff)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class ConsoleUser:
    """A verified staff member, the session id or token that proved it, and its CSRF token."""

    principal: Principal
    csrf: str
    session_id: str | None = None  # None: a bearer token, no console session

    @property
    def name(self) -> str:
        return self.principal.subject.partition(":")[2]


@dataclass(frozen=True)
class ConsoleSession:
    """What a console session cookie holds (after its signature was checked)."""

    subject: str
    expires_at: float
    session_id: str


def csrf_token(sessions: SessionRegistry, secret: str) -> str:
    """The CSRF token bound to ``secret`` (a session's id or a bearer token): unguessable
    without the HttpOnly cookie or the token it derives from."""
    return sessions.keyed_hash(_CSRF_PURPOSE, secret)


def issue_session(sessions: SessionRegistry, principal: Principal) -> tuple[str, ConsoleSession]:
    """A new console session for the staff ``principal``: the cookie value and what it holds.
    It ends with the token it was made from, and within ``SESSION_MAX_S``."""
    now = time.time()
    ends = now + SESSION_MAX_S
    if principal.expires_at is not None:
        ends = min(ends, principal.expires_at)
    session = ConsoleSession(principal.subject, float(int(ends)), secrets.token_hex(16))
    claims = {"sub": session.subject, "exp": int(ends), "jti": session.session_id}
    raw = json.dumps(claims, separators=(",", ":")).encode()
    body = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return f"{body}.{sessions.keyed_hash(_SESSION_PURPOSE, body)}", session


def read_session(sessions: SessionRegistry, value: str) -> ConsoleSession:
    """What the cookie ``value`` holds, when this service signed it and it has not expired;
    ``ConsoleRefusal`` 401 otherwise (a revoked one is the caller's to check)."""
    body, dot, mac = value.partition(".")
    if len(value) > _MAX_SESSION_CHARS or not dot or not body:
        raise ConsoleRefusal(401, _ENDED)
    if not hmac.compare_digest(mac.encode(), sessions.keyed_hash(_SESSION_PURPOSE, body).encode()):
        raise ConsoleRefusal(401, _ENDED)
    try:
        claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        session = ConsoleSession(str(claims["sub"]), float(claims["exp"]), str(claims["jti"]))
    except (binascii.Error, ValueError, KeyError, TypeError) as err:
        raise ConsoleRefusal(401, _ENDED) from err
    if session.expires_at <= time.time():
        raise ConsoleRefusal(401, "the console session has expired; sign in again")
    return session


async def verify_staff(token: str, runtime: RuntimeDep) -> Principal:
    """The principal ``token`` proves, when the access table lets it use the console (staff);
    ``ConsoleRefusal`` otherwise."""
    try:
        principal = await runtime.identity.averify(token)
    except AuthError as err:
        raise ConsoleRefusal(401, f"the token was not accepted: {err}") from err
    except UpstreamError as err:
        raise ConsoleRefusal(401, f"the token cannot be checked now: {err}") from err
    try:
        check(principal, STAFF, "the console")
    except ForbiddenError as err:
        raise ConsoleRefusal(403, str(err)) from err
    except AuthError as err:  # an anonymous token proves no one
        raise ConsoleRefusal(401, "the console needs a staff token; this one is anonymous") from err
    return principal


async def _session_user(value: str, runtime: RuntimeDep) -> ConsoleUser:
    """The staff member a console session cookie stands for, unless it was revoked."""
    sessions = runtime.sessions
    session = read_session(sessions, value)
    if await sessions.revoked(session.session_id):
        raise ConsoleRefusal(401, "you signed out of this console session; sign in again")
    try:  # only staff are given a session; the subject is checked all the same
        principal = replace(principal_for(session.subject, "staff"), expires_at=session.expires_at)
    except AuthError as err:
        raise ConsoleRefusal(401, _ENDED) from err
    csrf = csrf_token(sessions, session.session_id)
    return ConsoleUser(principal, csrf, session.session_id)


async def _console_user(request: Request, runtime: RuntimeDep) -> ConsoleUser:
    try:
        token = bearer_token(request)
    except AuthError as err:
        raise ConsoleRefusal(401, str(err)) from err
    if token is not None:
        principal = await verify_staff(token, runtime)
        user = ConsoleUser(principal, csrf_token(runtime.sessions, token))
    else:
        cookie = request.cookies.get(COOKIE)
        if not cookie:
            raise ConsoleRefusal(401, "sign in with a staff token to use the console")
        user = await _session_user(cookie, runtime)
    settings = runtime.settings
    limit = Limit(settings.rate_limit_rest_per_s, settings.rate_limit_rest_burst)
    await take_token(runtime, f"rest:{rate_key(user.principal, request, settings)}", limit)
    return user


ConsoleUserDep = Annotated[ConsoleUser, Depends(_console_user)]


def same_origin(request: Request) -> None:
    """Refuse a POST not shown to come from this origin (see the module docstring)."""
    host = request.headers.get("host", "")
    origin = request.headers.get("origin")
    if origin is not None:
        if origin.strip() == "null":
            raise ConsoleRefusal(
                403, "the form was sent from a page that hides its origin (Origin: null)"
            )
        if urlsplit(origin).netloc != host or not host:
            raise ConsoleRefusal(403, "the form was sent from another site")
        return
    referer = request.headers.get("referer")
    if referer is None:
        raise ConsoleRefusal(
            403, "the form names no origin (neither Origin nor Referer); send it from the console"
        )
    if urlsplit(referer).netloc != host or not host:
        raise ConsoleRefusal(403, "the form was sent from another site")


async def read_form(request: Request) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body as one value per field (the last wins); a
    wrong content type, an oversized or unreadable body is a ``ValueError`` naming it."""
    media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media != "application/x-www-form-urlencoded":
        raise ValueError(f"the form must be sent urlencoded (Content-Type was {media or 'none'})")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise ValueError(f"the form is over {MAX_FORM_BYTES:,} bytes")
    try:
        pairs = parse_qsl(
            body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS
        )
    except (UnicodeDecodeError, ValueError) as err:
        raise ValueError(f"the form could not be read: {err}") from err
    return dict(pairs)


def check_csrf(user: ConsoleUser, form: dict[str, str]) -> None:
    """``ConsoleRefusal`` 403 unless the form carries this session's CSRF token."""
    sent = form.get(CSRF_FIELD, "")
    if not hmac.compare_digest(sent.encode("utf-8", "replace"), user.csrf.encode("ascii")):
        raise ConsoleRefusal(403, "the form's CSRF token is missing or stale; reload the page")


def over_https(request: Request, settings: Settings) -> bool:
    """Whether the browser reached us over https: directly, or through a trusted proxy (one in
    ``trusted_proxies``, whose ``X-Forwarded-For`` is believed) that says so."""
    if request.url.scheme == "https":
        return True
    peer = request.client.host if request.client else ""
    proto = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return proto == "https" and client_address(request, settings) != peer


def set_session(
    response: Response, request: Request, settings: Settings, value: str, session: ConsoleSession
) -> None:
    """Put the signed-in session cookie on ``response`` (see the module docstring)."""
    response.set_cookie(
        COOKIE,
        value,
        max_age=max(0, int(session.expires_at - time.time())),
        path=COOKIE_PATH,
        secure=over_https(request, settings),
        httponly=True,
        samesite="strict",
    )


def clear_session(response: Response, request: Request, settings: Settings) -> None:
    response.delete_cookie(
        COOKIE,
        path=COOKIE_PATH,
        secure=over_https(request, settings),
        httponly=True,
        samesite="strict",
    )


async def sign_in_limit(request: Request, runtime: RuntimeDep) -> None:
    """The REST rate limit on sign-in attempts, per client address (each one checks a
    signature)."""
    settings = runtime.settings
    limit = Limit(settings.rate_limit_rest_per_s, settings.rate_limit_rest_burst)
    bucket = f"rest:{rate_key(Principal.anonymous(), request, settings)}"
    await take_token(runtime, bucket, limit)
