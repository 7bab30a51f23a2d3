"""An OTLP/HTTP trace receiver for the tracing benches, in a process of its own.

It accepts every export and counts requests and bytes; it does not decode them. It runs apart
from the benches for the reason a collector runs apart from a service: receiving an export costs
CPU, and in the bench's process that CPU would land on the load generator's event loop (delaying
the replies it is timing, and mostly those of the traced server, whose exports it receives) or
in the CPU that ``evals.tracing_cost`` counts as the cost of tracing.
"""

from __future__ import annotations

import multiprocessing
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from typing import Any

from infra.errors import UpstreamError

START_TIMEOUT_S = 60.0


def _serve(ready: Connection, counts: Any) -> None:
    """The sink's process: answer every POST with 200, add it to ``counts`` (requests, bytes)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            with counts.get_lock():
                counts[0] += 1
                counts[1] += len(body)
            self.send_response(200)
            self.send_header("content-type", "application/x-protobuf")
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ready.send(server.server_address[1])
    server.serve_forever()


class OtlpSink:
    """The receiver's process, started at construction; ``url`` is its OTLP/HTTP endpoint."""

    def __init__(self) -> None:
        spawn = multiprocessing.get_context("spawn")
        self._counts = spawn.Array("q", 2)
        ready, told = spawn.Pipe(duplex=False)
        self._process = spawn.Process(
            target=_serve, args=(told, self._counts), name="otlp-sink", daemon=True
        )
        self._process.start()
        if not ready.poll(START_TIMEOUT_S):
            self.close()
            raise UpstreamError(f"the OTLP sink did not start within {START_TIMEOUT_S:.0f} s")
        self.url = f"http://127.0.0.1:{ready.recv()}"

    @property
    def requests(self) -> int:
        return int(self._counts[0])

    @property
    def bytes(self) -> int:
        return int(self._counts[1])

    def close(self) -> None:
        self._process.terminate()
        self._process.join(10)
