"""FastAPI dependencies: the runtime, the caller (``PrincipalDep``), and the REST rate limit.

Who may call what is decided in ``api.access``; this module only says who is calling and
how often. For the socket, ``authenticate`` and ``rate_key`` take any ``HTTPConnection``.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Sequence
from functools import lru_cache
from typing import Annotated

from fastapi import Depends, HTTPException, Request, WebSocket
from starlette.requests import HTTPConnection

from assembly.runtime import Runtime
from infra.errors import AuthError, ForbiddenError, UpstreamError
from infra.identity import Identity, Principal
from infra.ratelimit import Limit
from infra.settings import Settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _runtime(request: Request) -> Runtime:
    runtime: Runtime | None = getattr(request.app.state, "runtime", None)
    if runtime is None:
        raise HTTPException(503, "the assistant is starting")
    return runtime


def _ws_runtime(websocket: WebSocket) -> Runtime:
    runtime: Runtime = websocket.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(_runtime)]
WsRuntimeDep = Annotated[Runtime, Depends(_ws_runtime)]


def bearer_token(conn: HTTPConnection) -> str | None:
    """The token of an ``Authorization: Bearer …`` header; ``None`` when there is no header."""
    header = conn.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("the Authorization header must be 'Bearer <token>'")
    return token.strip()


async def authenticate(conn: HTTPConnection, identity: Identity) -> Principal:
    """The caller: the principal its bearer token proves, else anonymous (``AuthError`` when
    a token is sent but proves nothing — a bad token is never quietly made anonymous)."""
    token = bearer_token(conn)
    if token is None:
        return Principal.anonymous()
    return await identity.averify(token)


def auth_http_error(err: AuthError, *, bad_credential: bool = True) -> HTTPException:
    """401 (no or bad credential) or 403 (a credential that may not), with the JSON reason and
    the ``WWW-Authenticate`` challenge of RFC 6750. A caller who sent no credential gets the
    challenge without an error code (section 3.1). The reason stays out of the header: it may
    quote a claim, and headers carry Latin-1 only."""
    if isinstance(err, ForbiddenError):
        challenge = 'Bearer realm="shopagent", error="insufficient_scope"'
        return HTTPException(403, str(err), headers={"WWW-Authenticate": challenge})
    challenge = 'Bearer realm="shopagent"'
    if bad_credential:
        challenge += ', error="invalid_token"'
    return HTTPException(401, str(err), headers={"WWW-Authenticate": challenge})


async def _principal(request: Request, runtime: RuntimeDep) -> Principal:
    try:
        return await authenticate(request, runtime.identity)
    except AuthError as err:
        raise auth_http_error(err) from err
    except UpstreamError as err:  # the issuer's JWKS could not be fetched
        raise HTTPException(503, f"cannot check the token now: {err}") from err


PrincipalDep = Annotated[Principal, Depends(_principal)]


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _trusted(address: str, networks: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(conn: HTTPConnection, settings: Settings) -> str:
    """The client's address: the direct peer, or — only when that peer is a trusted proxy —
    the nearest ``X-Forwarded-For`` hop that is not itself a trusted proxy."""
    peer = conn.client.host if conn.client else "unknown"
    networks = _networks(tuple(settings.trusted_proxies))
    if not networks or not _trusted(peer, networks):
        return peer
    hops = [
        hop.strip()
        for value in conn.headers.getlist("x-forwarded-for")
        for hop in value.split(",")
        if hop.strip()
    ]
    for hop in reversed(hops):  # right to left: the right-most hops were added by our proxies
        if not _trusted(hop, networks):
            return hop[:64]
    return hops[0][:64] if hops else peer


def rate_key(principal: Principal, conn: HTTPConnection, settings: Settings) -> str:
    """Whose bucket a request takes from: a signed-in principal's subject, else the client
    address (an anonymous token, a session or an API key costs nothing to renew, so none of
    them may key a bucket)."""
    if principal.signed_in:
        return principal.subject
    return f"addr:{client_address(conn, settings)}"


async def take_token(runtime: Runtime, bucket: str, limit: Limit) -> None:
    """One token from ``bucket``, or 429 with ``Retry-After``."""
    decision = await runtime.limiter.take(bucket, limit)
    if not decision.allowed:
        wait = max(1, math.ceil(decision.retry_after_s))
        raise HTTPException(
            429,
            f"rate limit reached for {bucket.partition(':')[0]} requests; retry in {wait} s",
            headers={"Retry-After": str(wait)},
        )


async def rest_limit(request: Request, runtime: RuntimeDep, principal: PrincipalDep) -> None:
    """The REST rate limit (``rate_limit_rest_*``), per principal or client address."""
    settings = runtime.settings
    limit = Limit(settings.rate_limit_rest_per_s, settings.rate_limit_rest_burst)
    await take_token(runtime, f"rest:{rate_key(principal, request, settings)}", limit)
