"""Who a chat socket speaks for, and whether the page that opens it may.

The attack this guards against is cross-site WebSocket hijacking: a page on another origin
opens ``ws://shop/v1/chat`` from the victim's browser and rides whatever the browser attaches
on its own (cookies). Browsers let any page open a socket to any host, send the page's
``Origin`` with the handshake, and let script set no ``Authorization`` header on it. So:

- **The socket reads no ambient credential.** It takes an ``Authorization: Bearer`` header
  (only non-browser clients can send one) or ``?ticket=`` (single use, ``ticket_ttl_s``), and
  nothing else; with neither it is a fresh anonymous principal that owns nothing. The only
  cookie there is, the anonymous visitor's, is read by ``POST /v1/chat/tickets`` alone, is
  HttpOnly and SameSite=Strict (a cross-site request does not carry it), and a cross-site page
  cannot read that endpoint's answer (no CORS), so it cannot get a ticket in the victim's name.
- **Origin is checked anyway** (defence in depth, and it stops a foreign page from using the
  socket at all): a handshake whose ``Origin`` is not allowed is refused, whatever credential
  it carries. Allowed are the ``allowed_origins`` setting when set; otherwise the server's own
  origin, the ``Host`` the handshake came to, plus its localhost / 127.0.0.1 / [::1] twins on
  the same port (the dev server is reached by any of them). ``Origin: null`` is refused.
- **No ``Origin`` is allowed**, with or without a credential: browsers always send one on a
  socket handshake, so its absence means a non-browser client, which has no victim's cookie to
  ride; without a token or ticket it gets what anybody gets, a throwaway anonymous principal.
  Requiring a credential there would lock out anonymous non-browser clients for no gain.

With the default list, a DNS-rebinding page (attacker's name resolving to the server) passes
the Host check, but its browser holds no cookie or token for that name, so it is anonymous
too; a deployment behind a public name sets ``allowed_origins`` explicitly.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection

from api.deps import bearer_token
from assembly.runtime import Runtime
from infra.errors import AuthError, UpstreamError
from infra.identity import Principal
from infra.sessions import SessionRegistry

ANON_COOKIE = "shopagent_anon"
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})
_COOKIE_PURPOSE = "anonymous-cookie"


class Refused(Exception):
    """A socket the server will not serve; ``code`` goes in the ``error`` frame."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _host_port(netloc: str, default_port: int) -> tuple[str, int] | None:
    try:
        parts = urlsplit(f"//{netloc}")
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not host or parts.username is not None or parts.path:
        return None
    return host.lower(), port or default_port


def origin_allowed(origin: str | None, host: str | None, allowed: list[str]) -> bool:
    """Whether a handshake with this ``Origin`` to this ``Host`` may open the socket."""
    if origin is None:
        return True  # not a browser (see the module docstring)
    origin = origin.strip().lower()
    if allowed:
        return origin.rstrip("/") in {a.strip().lower().rstrip("/") for a in allowed}
    scheme, sep, netloc = origin.partition("://")
    if not sep or scheme not in ("http", "https"):
        return False  # "null", file://, extensions …
    default_port = 443 if scheme == "https" else 80
    theirs = _host_port(netloc, default_port)
    ours = _host_port(host or "", default_port)
    if theirs is None or ours is None:
        return False
    if theirs == ours:
        return True
    return theirs[0] in _LOOPBACK and ours[0] in _LOOPBACK and theirs[1] == ours[1]


def new_cookie(sessions: SessionRegistry) -> tuple[Principal, str]:
    """A new anonymous principal and the signed cookie value that names it."""
    name = secrets.token_hex(16)
    return Principal.anonymous(
        f"anon:{name}"
    ), f"{name}.{sessions.keyed_hash(_COOKIE_PURPOSE, name)}"


def cookie_principal(value: str | None, sessions: SessionRegistry) -> Principal | None:
    """The anonymous principal a cookie value names, when its signature is ours."""
    if not value or len(value) > 128:
        return None
    name, _, signature = value.partition(".")
    expected = sessions.keyed_hash(_COOKIE_PURPOSE, name)
    if not name or not hmac.compare_digest(signature.encode(), expected.encode()):
        return None
    return Principal.anonymous(f"anon:{name}")


async def socket_principal(conn: HTTPConnection, runtime: Runtime) -> Principal:
    """Whom a socket handshake speaks for: its bearer token, its ticket, else a fresh anonymous
    principal. ``Refused`` (code ``bad_token`` / ``bad_ticket``) names what was wrong."""
    ticket = conn.query_params.get("ticket")
    try:
        token = bearer_token(conn)
    except AuthError as err:
        raise Refused("bad_token", str(err)) from err
    if token is not None and ticket is not None:
        raise Refused("bad_token", "send a bearer token or a ticket, not both")
    if token is not None:
        try:
            return await runtime.identity.averify(token)
        except AuthError as err:
            raise Refused("bad_token", str(err)) from err
        except UpstreamError as err:
            raise Refused("auth_unavailable", f"cannot check the token now: {err}") from err
    if ticket is not None:
        if not ticket or len(ticket) > 128:
            raise Refused("bad_ticket", "the ticket is malformed")
        try:
            return await runtime.sessions.redeem_ticket(ticket)
        except AuthError as err:
            raise Refused("bad_ticket", str(err)) from err
    return Principal.anonymous()
