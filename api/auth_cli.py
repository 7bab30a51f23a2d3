"""``shopagent auth …``: bearer tokens signed with the embedded key (the one ``serve`` checks)."""

from __future__ import annotations

from contextlib import closing
from typing import Annotated, Literal

import typer

from api.terminal import console, fail
from infra.errors import ShopagentError
from infra.identity import Identity
from infra.settings import Settings, get_settings

auth_app = typer.Typer(help="Bearer tokens for the REST API and the socket.", no_args_is_help=True)
SignedInRole = Literal["shopper", "staff"]


@auth_app.command("token")
def token(
    user_id: Annotated[
        str, typer.Option(help="The shopper's store user id, or a staff member's name")
    ],
    role: Annotated[SignedInRole, typer.Option(help="shopper or staff")] = "shopper",
    ttl: Annotated[
        float | None, typer.Option(help="Lifetime in seconds (default: auth_token_ttl_s)", min=1)
    ] = None,
) -> None:
    """Print a token (alone on stdout, so ``$(shopagent auth token …)`` works)."""
    settings = get_settings()
    user_id = user_id.strip()
    try:
        if not user_id or ":" in user_id:
            raise typer.BadParameter("give a plain id (no ':'), such as sofia_rossi_8776")
        if role == "shopper":
            _check_shopper(settings, user_id)
        identity = Identity.from_settings(settings)
        prefix = "user" if role == "shopper" else "staff"
        issued = identity.issue(f"{prefix}:{user_id}", role, ttl)
    except ShopagentError as err:
        raise fail(err) from err
    lifetime = ttl if ttl is not None else settings.auth_token_ttl_s
    console.print(f"{role} token for {user_id}, valid {lifetime:g} s", style="dim")
    typer.echo(issued)


def _check_shopper(settings: Settings, user_id: str) -> None:
    """A shopper token names a user of the loaded store (a typo would open nobody's data)."""
    from tools.catalog.backend import store as open_store

    if settings.store_backend == "sqlite" and not settings.store_path.exists():
        return  # nothing loaded yet: no file is created for the check
    with closing(open_store(settings)) as store:
        if store.info() is not None and store.get_user(user_id) is None:
            raise typer.BadParameter(f"no user {user_id!r} in the store in {settings.data_dir}")
