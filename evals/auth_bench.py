"""``python -m evals.auth_bench``: what signing in costs a chat turn.

On a scratch copy of the online-retail store, one ``shopagent serve`` is driven twice in the
same run with the bench's chat script: N sockets of signed-in shoppers (each its own bearer
token, minted with the server's embedded key, verified at the handshake; the session is bound
to the shopper and their store id rides every turn) and N anonymous sockets, all N talking at
once, T turns each. An untimed warm-up round comes first and the two measured rounds alternate
order across repeats, so neither side always runs on a warmer server. The figure of merit is
p95 turn latency with auth against without (issue 13: auth costs at most 10 % of p95). The
per-client rate limits are off, as in ``shopagent bench``: every socket here is one address.
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
from evals.chat_load import Plan, Timings, many_sessions
from evals.processes import Server, free_port, started
from infra.identity import Identity
from infra.settings import Settings
from tools.catalog.sqlite import SqliteStore

TARGET_AUTH_SHARE = 0.10


def shopper_ids(data_dir: Path, count: int) -> list[str]:
    """``count`` store user ids that have orders (real shoppers, with histories)."""
    store = SqliteStore(data_dir / "store.sqlite")
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
        ttl = 3600.0
        tokens = [
            identity.issue(f"user:{uid}", "shopper", ttl) for uid in shopper_ids(data_dir, sockets)
        ]
        if len(tokens) < sockets:
            raise SystemExit(f"the store has only {len(tokens)} shoppers with orders")
        port = free_port()
        server: Server = stack.enter_context(
            started("shopagent", serve_args(port), env, scratch, port)
        )
        with console.status("starting the server…"):
            server.wait_ready("/readyz", plan.ready_timeout_s)

        def bearer(i: int) -> dict[str, str]:
            return {"Authorization": f"Bearer {tokens[i]}"}

        signed_in, anonymous = Timings(), Timings()
        with progress_bars(console) as progress:

            async def rounds() -> None:
                warm = replace(plan, sessions=min(sockets, 20))
                await many_sessions(server, warm, progress, "warm-up (untimed)")
                for repeat in range(repeats):
                    order = [(True, signed_in), (False, anonymous)]
                    for auth, into in order if repeat % 2 == 0 else order[::-1]:
                        label = f"{'signed-in' if auth else 'anonymous'} #{repeat + 1}"
                        got = await many_sessions(
                            server, plan, progress, label, bearer if auth else None
                        )
                        into.latencies += got.latencies
                        into.errors += got.errors
                        into.wall_s += got.wall_s

            asyncio.run(rounds())
    auth_p95, anon_p95 = signed_in.ms(95), anonymous.ms(95)
    share = (auth_p95 - anon_p95) / anon_p95
    return {
        "sockets": sockets,
        "turns_per_socket": turns,
        "repeats": repeats,
        "signed_in": signed_in.summary(),
        "anonymous": anonymous.summary(),
        "auth_share_of_p95": round(share, 4),
        "target_share": TARGET_AUTH_SHARE,
        "passed": share <= TARGET_AUTH_SHARE and signed_in.errors == 0 and anonymous.errors == 0,
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
    for side in ("signed_in", "anonymous"):
        s = figures[side]
        console.print(
            f"{side:>9}: {s['count']} turns, p50 {s['p50_ms']} ms, p95 {s['p95_ms']} ms, "
            f"errors {s['errors']}"
        )
    console.print(
        f"auth costs {figures['auth_share_of_p95']:+.1%} of p95 "
        f"(target ≤ {TARGET_AUTH_SHARE:.0%}): {'met' if figures['passed'] else 'NOT met'}"
    )
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
