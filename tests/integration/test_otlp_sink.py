"""The tracing benches' OTLP receiver (``evals.otlp_sink``): a process of its own that counts
what is exported to it."""

from __future__ import annotations

import os
import urllib.request

from evals.otlp_sink import OtlpSink


def test_the_sink_counts_exports_in_a_process_of_its_own() -> None:
    sink = OtlpSink()
    try:
        for size in (100, 250):
            request = urllib.request.Request(
                f"{sink.url}/v1/traces", data=b"x" * size, method="POST"
            )
            with urllib.request.urlopen(request, timeout=30) as answer:
                assert answer.status == 200
        assert (sink.requests, sink.bytes) == (2, 350)
        assert sink._process.pid != os.getpid()
    finally:
        sink.close()
    assert not sink._process.is_alive()
