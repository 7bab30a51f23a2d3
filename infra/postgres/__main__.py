"""``python -m infra.postgres run [--port PORT]``: a scratch PostgreSQL in the foreground.

It serves on 127.0.0.1 until Ctrl-C or SIGTERM, then stops and deletes its folder (nothing is
kept between runs). The URL it prints is what ``SHOPAGENT_DATABASE_URL`` takes.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading

from infra.errors import ShopagentError
from infra.postgres.cluster import LocalPostgres


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.postgres", description=__doc__)
    parser.add_argument("command", nargs="?", choices=("run",), default="run")
    parser.add_argument("--port", type=int, default=5432, help="TCP port (default 5432)")
    args = parser.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        print(f"starting PostgreSQL on 127.0.0.1:{args.port} …", flush=True)
        with LocalPostgres(port=args.port) as server:
            print(f"PostgreSQL is up: {server.url}", flush=True)
            print("Ctrl-C or SIGTERM stops it (and deletes its data).", flush=True)
            with contextlib.suppress(KeyboardInterrupt):
                stop.wait()
            print("stopping PostgreSQL …", flush=True)
    except ShopagentError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
