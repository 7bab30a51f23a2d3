"""The figures of the tracing bench (``evals.observability_bench``) and of its in-process part
(``evals.tracing_cost``), on latencies and calls made up here."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client import metrics as prometheus_metrics

from evals.observability_bench import ModeTimings, figures, ratio_interval, verdict
from evals.tracing_cost import timed_metric_calls


def rounds(scale: float, count: int = 8) -> list[list[float]]:
    return [[scale * (0.010 + 0.001 * i) for i in range(40)] for _ in range(count)]


def test_the_target_is_met_only_when_the_interval_resolves_it() -> None:
    assert verdict(1.02, 1.04) == "met"
    assert verdict(1.02, 1.09) == "met, but not resolved"
    assert verdict(1.06, 1.10) == "MISSED"


def test_the_ratio_of_identical_rounds_is_one_and_a_slower_server_shows() -> None:
    assert ratio_interval(rounds(1.0), rounds(1.0), draws=200) == (1.0, 1.0)
    low, high = ratio_interval(rounds(1.10), rounds(1.0), draws=200)
    assert low == pytest.approx(1.10) and high == pytest.approx(1.10)


def test_figures_report_the_single_session_ratio_its_interval_and_cpu() -> None:
    on = ModeTimings(single=rounds(1.2), many=rounds(2.0), cpu_s=1.1, turns=100)
    off = ModeTimings(single=rounds(1.0), many=rounds(2.0), cpu_s=1.0, turns=100)
    out = figures({"on": on, "off": off})
    assert out["single"]["p95_ratio"] == pytest.approx(1.2)
    assert out["single"]["median_round_p95_ratio"] == pytest.approx(1.2)
    assert out["single"]["p95_ratio_95pct_interval"] == [1.2, 1.2]
    assert out["many"]["p95_ratio"] == pytest.approx(1.0)
    assert out["server_cpu_ms_per_turn"] == {"on": 11.0, "off": 10.0}
    assert out["server_cpu_ratio"] == pytest.approx(1.1)


def test_metric_calls_are_timed_while_asked_and_left_as_they_were() -> None:
    registry = CollectorRegistry()
    counter = Counter("bench_things", "Things.", ["kind"], registry=registry)
    histogram = Histogram("bench_seconds", "Seconds.", registry=registry)
    inc = prometheus_metrics.Counter.__dict__["inc"]
    spent = [0.0]
    with timed_metric_calls(spent):
        counter.labels("a").inc()
        histogram.observe(0.2)
    assert spent[0] > 0
    assert prometheus_metrics.Counter.__dict__["inc"] is inc
    assert registry.get_sample_value("bench_things_total", {"kind": "a"}) == 1
    assert registry.get_sample_value("bench_seconds_count") == 1
    before = spent[0]
    counter.labels("a").inc()
    assert spent[0] == before
