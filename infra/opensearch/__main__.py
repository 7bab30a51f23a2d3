"""``python -m infra.opensearch [run|assemble]``: a local node in the foreground, or just its files.

``run`` (the default, ``make opensearch``) serves on 127.0.0.1:9200 with its data under the
settings' data directory until Ctrl-C; ``assemble`` only fetches the node into the cache
(what CI does before the tests).
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading

from infra.errors import ShopagentError
from infra.opensearch.assembly import assemble
from infra.opensearch.node import OpenSearchNode
from infra.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.opensearch", description=__doc__)
    parser.add_argument("command", nargs="?", choices=("run", "assemble"), default="run")
    parser.add_argument("--port", type=int, default=9200, help="HTTP port (default 9200)")
    parser.add_argument("--heap-mb", type=int, default=1024, help="JVM heap (default 1024)")
    args = parser.parse_args(argv)
    try:
        if args.command == "assemble":
            print(f"OpenSearch home: {assemble()}")
            return 0
        run_dir = get_settings().data_dir / "opensearch"
        print(f"starting OpenSearch on 127.0.0.1:{args.port} (data in {run_dir}) …", flush=True)
        with OpenSearchNode(run_dir, port=args.port, heap_mb=args.heap_mb) as node:
            print(f"OpenSearch is up at {node.url}; Ctrl-C stops it.", flush=True)
            stop = threading.Event()
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
            with contextlib.suppress(KeyboardInterrupt):
                stop.wait()
            print("stopping OpenSearch …", flush=True)
    except ShopagentError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
