"""``python -m evals.auth_bench``: what signing in costs a chat turn.

On a scratch copy of the online-retail store, one ``shopagent serve`` is driven in the same
run with the bench's chat script by three kinds of socket, N at a time, all N talking at once,
T turns each:

- ``shopper``: each socket a different signed-in shopper (a bearer token minted with the
  server's embedded key, verified at the handshake; the session bound to the shopper, whose
  store id then rides every turn into the graph and the events, so profiles get updated);
- ``token``: a bearer token too, for an anonymous principal: the same checks, no shopper data,
  so its difference to ``none`` is what authentication itself costs;
- ``none``: no credential (auth off).

An untimed warm-up round comes first and the measured rounds rotate their order across
repeats, so no kind always runs on a warmer server. The figure of merit is p95 turn latency
against ``none`` (issue 13: auth costs at most 10 % of p95). As in ``shopagent bench`` (same
environment), the per-client limits run but never refuse: every socket here is one address.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import Any

from rich.console import Console

from evals.bench import bench_env, load_store, progress_bars, serve_args
from evals.chat_load import Headers, Plan, Timings, many_sessions
from evals.processes import Server, free_port, started
from infra.identity import Identity
from infra.settings import Settings
from tools.catalog.backend import store as open_store

TARGET_AUTH_SHARE = 0.10


def shopper_ids(data_dir: Path, count: int) -> list[str]:
    """``count`` store user ids that have orders (real shoppers, with histories)."""
    store = open_store(Settings(data_dir=data_dir))
    try:
        ids: list[str] = []
        for order in store.iter_orders():
            if order.user_id and order.user_id not in ids:
                ids.append(order.user_id)
                if len(ids) == count:
                    break
    finally:
        store.close()
    return ids


def run(sockets: int, turns: int, repeats: int, console: Console) -> dict[str, Any]:
    """Load, serve, and time the signed-in and anonymous rounds; the figures as a dict."""
    plan = replace(
        Plan(), sessions=sockets, turns_per_session=turns, phase_budget_s=600.0, turn_timeout_s=60
    )
    with ExitStack() as stack:
        scratch = Path(
            stack.enter_context(
                tempfile.TemporaryDirectory(prefix="shopagent-auth-", ignore_cleanup_errors=True)
            )
        )
        data_dir = scratch / "data"
        env = bench_env(data_dir)
        with console.status("loading the demo store…"):
            load_store(env, scratch, plan)
        identity = Identity.from_settings(Settings(data_dir=data_dir))  # the server's own key
        shoppers = [
            identity.issue(f"user:{uid}", "shopper", 3600.0)
            for uid in shopper_ids(data_dir, sockets)
        ]
        if len(shoppers) < sockets:
            raise SystemExit(f"the store has only {len(shoppers)} shoppers with orders")
        anonymous = [identity.issue(f"anon:bench{i}", "anonymous", 3600.0) for i in range(sockets)]
        port = free_port()
        server: Server = stack.enter_context(
            started("shopagent", serve_args(port), env, scratch, port)
        )
        with console.status("starting the server…"):
            server.wait_ready("/readyz", plan.ready_timeout_s)

        def bearer(tokens: list[str]) -> Headers:
            return lambda i: {"Authorization": f"Bearer {tokens[i]}"}

        kinds: dict[str, Headers | None] = {
            "shopper": bearer(shoppers),
            "token": bearer(anonymous),
            "none": None,
        }
        totals = {kind: Timings() for kind in kinds}
        with progress_bars(console) as progress:

            async def rounds() -> None:
                warm = replace(plan, sessions=min(sockets, 20))
                await many_sessions(server, warm, progress, "warm-up (untimed)")
                names = list(kinds)
                for repeat in range(repeats):
                    shift = repeat % len(names)
                    for kind in names[shift:] + names[:shift]:
                        label = f"{kind} #{repeat + 1}"
                        got = await many_sessions(server, plan, progress, label, kinds[kind])
                        total = totals[kind]
                        total.latencies += got.latencies
                        total.errors += got.errors
                        total.frames += got.frames
                        total.bytes_in += got.bytes_in
                        total.wall_s += got.wall_s

            asyncio.run(rounds())
    base = totals["none"].ms(95)
    shares = {kind: round((totals[kind].ms(95) - base) / base, 4) for kind in ("shopper", "token")}
    return {
        "sockets": sockets,
        "turns_per_socket": turns,
        "repeats": repeats,
        **{kind: timings.summary() for kind, timings in totals.items()},
        "share_of_p95": shares,
        "target_share": TARGET_AUTH_SHARE,
        "errors": sum(t.errors for t in totals.values()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=200)
    parser.add_argument("--turns", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    console = Console(stderr=True)
    figures = run(args.sockets, args.turns, args.repeats, console)
    for kind in ("shopper", "token", "none"):
        f = figures[kind]
        share = figures["share_of_p95"].get(kind)
        versus = "" if share is None else f", {share:+.1%} of p95 against none"
        console.print(
            f"{kind:>7}: {f['count']} turns, p50 {f['p50_ms']} ms, p95 {f['p95_ms']} ms, "
            f"errors {f['errors']}{versus}"
        )
    console.print(f"target: auth (token vs none) ≤ {TARGET_AUTH_SHARE:.0%} of p95, 0 errors")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
