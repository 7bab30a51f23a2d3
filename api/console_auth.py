"""Who is using the merchandiser console: a staff token kept in a session cookie.

A page reached by plain navigation cannot send an ``Authorization`` header, so the console's
sign-in form posts a staff token once (from ``shopagent auth token --role staff`` or the
issuer) and the server answers with a cookie holding it:

- ``HttpOnly`` (no script reads it), ``SameSite=Strict`` (no other site's page or link sends
  it), ``Path=/console`` (no other route receives it), ``Secure`` when the request came over
  https (directly or through a trusted proxy), and an expiry no later than the token's own
  ``exp``;
- every console request verifies the token again (``Identity.averify``: signature, issuer,
  audience, expiry), so the cookie proves nothing the token does not; only staff pass
  (signed out: 401, any other role: 403), and a shopper or anonymous token is refused at
  sign-in too;
- every console form that changes something carries a CSRF token, an HMAC of the session's
  token under a key of this module's own making, checked in constant time; a POST whose
  ``Origin`` names another site is refused before that.

A caller that sends ``Authorization: Bearer <staff token>`` (a script) is served the same way,
its CSRF token derived from that token.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qsl, urlsplit

from fastapi import Depends, Request
from starlette.responses import Response

from api.access import STAFF, check
from api.deps import RuntimeDep, bearer_token, client_address, rate_key, take_token
from infra.errors import AuthError, ForbiddenError, UpstreamError
from infra.identity import Principal
from infra.ratelimit import Limit
from infra.settings import Settings

COOKIE = "shopagent_console"
COOKIE_PATH = "/console"
CSRF_FIELD = "csrf"
# The most fields and bytes one console form may carry (the reviews box is the biggest).
MAX_FORM_FIELDS = 20
MAX_FORM_BYTES = 120_000
_CSRF_CONTEXT = b"shopagent console csrf v1"


class ConsoleRefusal(Exception):
    """The caller may not use the console: 401 (not signed in as anyone) or 403 (not staff)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class ConsoleUser:
    """A verified staff member and the token that proved it (the CSRF token derives from it)."""

    principal: Principal
    token: str

    @property
    def csrf(self) -> str:
        return csrf_token(self.token)

    @property
    def name(self) -> str:
        return self.principal.subject.partition(":")[2]


def csrf_token(session_token: str) -> str:
    """The CSRF token of a session: unguessable without the HttpOnly cookie it derives from."""
    return hmac.new(_CSRF_CONTEXT, session_token.encode("utf-8"), hashlib.sha256).hexdigest()


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


async def _console_user(request: Request, runtime: RuntimeDep) -> ConsoleUser:
    try:
        token = bearer_token(request) or request.cookies.get(COOKIE)
    except AuthError as err:
        raise ConsoleRefusal(401, str(err)) from err
    if not token:
        raise ConsoleRefusal(401, "sign in with a staff token to use the console")
    principal = await verify_staff(token, runtime)
    settings = runtime.settings
    limit = Limit(settings.rate_limit_rest_per_s, settings.rate_limit_rest_burst)
    await take_token(runtime, f"rest:{rate_key(principal, request, settings)}", limit)
    return ConsoleUser(principal, token)


ConsoleUserDep = Annotated[ConsoleUser, Depends(_console_user)]


def same_origin(request: Request) -> None:
    """Refuse a POST whose ``Origin`` (sent by every browser on a form post) is another site."""
    origin = request.headers.get("origin")
    # "null": the browser withheld it (this app's no-referrer policy makes Chromium do so on
    # form posts); the CSRF token and SameSite=Strict still hold.
    if origin is None or origin == "null":
        return
    host = request.headers.get("host", "")
    if urlsplit(origin).netloc != host:
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
    response: Response, request: Request, settings: Settings, token: str, principal: Principal
) -> None:
    """Put the signed-in session cookie on ``response`` (see the module docstring)."""
    expires = principal.expires_at
    max_age = None if expires is None else max(0, int(expires - time.time()))
    response.set_cookie(
        COOKIE,
        token,
        max_age=max_age,
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
