"""Who may call what over REST: the one access table, and the checks that apply it.

Roles come from the bearer token (``infra.identity``): **anonymous** (no token, or a
server-issued anonymous one), **shopper** (a store user; their ``user_id`` is in the token),
**staff**. A caller without the role gets 401 (signed out) or 403 (signed in as the wrong
role), with a JSON ``detail`` naming what is missing.

| route | anonymous | shopper | staff |
|---|---|---|---|
| `GET /healthz`, `GET /readyz` (status and version) | yes | yes | yes |
| `GET /v1/tools` (schemas) | yes | yes | yes |
| `POST /v1/tools/{catalog read}` ¹ | yes | yes | yes |
| `POST /v1/tools/recommend_products`, `explain_recommendation` | not personal ² | + own ² | any |
| `POST /v1/tools/get_user_details` | – | themselves ² | any user |
| `POST /v1/tools/get_order_details` | – | their own orders ⁵ | any order |
| `POST /v1/tools/calculate`, `think`, `analyze_text`; `POST /v1/analyze` ³ | – | yes | yes |
| `POST /v1/tools/{anything else}` ⁴ | – | – | yes |
| `GET /v1/content/{id}`, `…/versions` (published copy) | yes | yes | yes |
| `POST /v1/content`, `GET /v1/content/jobs/{id}` | – | – | yes |
| `GET /v1/inventory/reorders`, `POST /v1/inventory/receipts` | – | – | yes |
| `POST /v1/events` (JSON only, else 415), `GET /v1/events/stats` | – | – | yes |
| `GET /metrics`, each backend's state in `GET /readyz` ⁶ | – | – | yes |
| `GET`, `POST /console/sign-in`; `GET /console/assets/{name}` (fixed files) | yes | yes | yes |
| every other `/console` page and form ⁷ | – | – | yes |

¹ ``search_products``, ``get_product``, ``check_inventory``, ``get_product_details``,
``list_all_product_types``: what a shop window shows anyway.
² A shopper's ``user_id`` is taken from the token: left out, it is filled in; a different one
is 403. Recommendations and their explanations are personal when they name a ``user_id`` or
ask for ``personalized``; the others (similar, bought_together, trending) are open to anyone,
and a signed-in shopper's always use their own history.
Anonymous callers may not name a user at all (another shopper's history-based picks are that
shopper's history).
³ No store data, but work for the server (``calculate``, the analyzer — billed per call on
Comprehend) and no purpose for a caller who is not signed in: a credential keeps the CPU
and cost surface off the anonymous internet.
⁴ Staff only: the customer-service look-ups (``find_user_id_by_*``) and every write
(``cancel_pending_order``, ``modify_*``, ``return_*``, ``exchange_*``,
``transfer_to_human_agents``), ``forecast_demand`` and ``reorder_suggestions`` (business data),
``write_product_content``. A tool missing from ``TOOLS`` is staff only too: new tools start
closed. Shoppers change their orders through the chat, which confirms before each write.
⁵ Any other order id, one that exists for another customer or none at all, is the same 403
"not one of your orders", so a shopper cannot learn which order ids exist; staff get 404
for a missing order.
⁶ Or the scrape token ``metrics_token`` as the bearer (a Prometheus job's ``authorization``
credentials; it proves nothing anywhere else). The counts say how the service is used and
where it fails: an operator's view, never a public one.
⁷ The merchandiser console (``api.routes.console``): its sign-in form takes a staff token
(refusing any other role) and sets a cookie holding a console session made from it, which no
API route accepts and sign-out revokes; or the staff token comes as the bearer. None is 401,
another role's 403; every form carries a CSRF token and must come from this origin
(``api.console_auth``).
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from anyio import to_thread
from fastapi import Depends, HTTPException, Request
from pydantic import SecretStr

from api.deps import PrincipalDep, auth_http_error, authenticate, bearer_token
from api.echo import quoted
from infra.errors import AuthError, ForbiddenError, UpstreamError
from infra.identity import Identity, Principal, Role
from infra.settings import Settings
from tools.catalog.store import Store
from tools.recommend.service import default_strategy

Roles = frozenset[Role]
ANYONE: Roles = frozenset({"anonymous", "shopper", "staff"})
SIGNED_IN: Roles = frozenset({"shopper", "staff"})
STAFF: Roles = frozenset({"staff"})

Rule = Literal["anyone", "signed_in", "staff", "recommend", "own_user", "own_order"]
# How each tool is guarded (see the table above); a tool not named here is staff only.
TOOLS: dict[str, Rule] = {
    "search_products": "anyone",
    "get_product": "anyone",
    "check_inventory": "anyone",
    "get_product_details": "anyone",
    "list_all_product_types": "anyone",
    "recommend_products": "recommend",
    "get_user_details": "own_user",
    "explain_recommendation": "recommend",
    "get_order_details": "own_order",
    "calculate": "signed_in",
    "think": "signed_in",
    "analyze_text": "signed_in",
}


def _names(roles: Roles) -> str:
    return " or ".join(sorted(roles))


def check(principal: Principal, roles: Roles, what: str) -> None:
    """Pass, or raise ``AuthError`` (signed out) / ``ForbiddenError`` (wrong role)."""
    if principal.role in roles:
        return
    if not principal.signed_in:
        raise AuthError(
            f"{what} needs a {_names(roles)} token: send 'Authorization: Bearer <token>'"
        )
    raise ForbiddenError(f"{what} is for {_names(roles)} only; this token is {principal.role}")


def requires(roles: Roles) -> Callable[[Request, PrincipalDep], Awaitable[Principal]]:
    """A route dependency: the caller must hold one of ``roles`` (401/403 otherwise)."""

    async def dependency(request: Request, principal: PrincipalDep) -> Principal:
        route = getattr(request.scope.get("route"), "path", request.url.path)
        try:
            check(principal, roles, f"{request.method} {route}")
        except AuthError as err:
            raise auth_http_error(err, bad_credential=False) from err
        return principal

    return dependency


STAFF_ONLY = Depends(requires(STAFF))
SIGNED_IN_ONLY = Depends(requires(SIGNED_IN))


async def authorize_metrics(request: Request, settings: Settings, identity: Identity) -> None:
    """Pass a ``GET /metrics`` that carries the scrape token or a staff token; else 401 / 403
    (a bad token 401, a shopper's 403), or 503 when the issuer's keys cannot be fetched."""
    scrape = settings.metrics_token
    try:
        token = bearer_token(request)
        if _same_secret(token, scrape):
            return
        check(await authenticate(request, identity), STAFF, "GET /metrics")
    except AuthError as err:
        sent = request.headers.get("authorization") is not None
        raise auth_http_error(err, bad_credential=sent) from err
    except UpstreamError as err:
        raise HTTPException(503, f"cannot check the token now: {err}") from err


async def authorize_tool(
    name: str, principal: Principal, arguments: dict[str, Any], store: Store
) -> dict[str, Any]:
    """The arguments ``principal`` may call tool ``name`` with (a shopper's ``user_id`` filled
    in from the token), or ``AuthError`` / ``ForbiddenError`` naming what is missing."""
    rule: Rule = TOOLS.get(name, "staff")
    what = f"the tool {name}"
    if rule == "anyone":
        return arguments
    if rule == "signed_in":
        check(principal, SIGNED_IN, what)
        return arguments
    if rule == "staff":
        check(principal, STAFF, what)
        return arguments
    if rule == "recommend":
        strategy = arguments.get("strategy") or default_strategy(
            _text(arguments.get("user_id")), _text(arguments.get("product_id"))
        )
        personal = strategy == "personalized" or arguments.get("user_id") is not None
        if principal.role == "anonymous" and not personal:
            return arguments
        return _own_user(principal, arguments, f"{what} for a shopper")
    if rule == "own_user":
        return _own_user(principal, arguments, what)
    if rule == "own_order":
        check(principal, SIGNED_IN, what)
        order_id = arguments.get("order_id")
        if principal.role == "shopper" and isinstance(order_id, str):
            order = await to_thread.run_sync(store.get_order, order_id)
            # A missing order gets the same answer as another customer's: no id can be probed.
            if order is None or order.user_id != principal.user_id:
                raise ForbiddenError(f"order {quoted(order_id)} is not one of your orders")
        return arguments
    raise AssertionError(f"tool {name} has an unknown access rule {rule!r}")


def _own_user(principal: Principal, arguments: dict[str, Any], what: str) -> dict[str, Any]:
    check(principal, SIGNED_IN, what)
    if principal.role == "staff":
        return arguments
    named = arguments.get("user_id")
    if named is not None and named != principal.user_id:
        raise ForbiddenError(
            f"{what}: a shopper may only name themselves; user_id comes from the token"
        )
    return {**arguments, "user_id": principal.user_id}


def _same_secret(token: str | None, secret: SecretStr | None) -> bool:
    if token is None or secret is None:
        return False
    return hmac.compare_digest(token.encode(), secret.get_secret_value().encode())


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
