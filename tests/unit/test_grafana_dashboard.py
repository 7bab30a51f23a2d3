"""The Grafana dashboard in infra/grafana asks only for metrics and labels infra.metrics defines."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.metrics import MetricWrapperBase

from infra import metrics

DASHBOARD = Path(__file__).resolve().parents[2] / "infra" / "grafana" / "shopagent-dashboard.json"
_NAME = re.compile(r"\bshopagent_[a-z0-9_]+")
_BY = re.compile(r"\bby \(([^)]*)\)")
_MATCHER = re.compile(r"([a-z_]+)\s*(?:=|!=|=~|!~)\s*\"")
_SAMPLES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}


def _defined() -> dict[str, tuple[str, ...]]:
    """Every sample name infra.metrics exposes -> the label names it carries."""
    found: dict[str, tuple[str, ...]] = {}
    for value in vars(metrics).values():
        if isinstance(value, MetricWrapperBase):
            for suffix in _SAMPLES[value._type]:
                extra = ("le",) if suffix == "_bucket" else ()
                found[value._name + suffix] = (*value._labelnames, *extra)
    return found


def _targets() -> list[tuple[str, str]]:
    board: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return [
        (panel["title"], target["expr"])
        for panel in board["panels"]
        if panel["type"] != "row"
        for target in panel["targets"]
    ]


def test_the_dashboard_has_the_main_panels() -> None:
    board = json.loads(DASHBOARD.read_text())
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids))
    exprs = " ".join(expr for _, expr in _targets())
    for wanted in (
        "shopagent_chat_turns_total",
        "shopagent_chat_turn_seconds_bucket",
        "shopagent_chat_first_token_seconds_bucket",
        "shopagent_tool_call_seconds_bucket",
        "shopagent_tool_calls_total",
        "shopagent_model_tokens_total",
        "shopagent_model_cost_usd_total",
        "shopagent_guard_interventions_total",
        "shopagent_rate_limit_refusals_total",
        "shopagent_open_sockets",
        "shopagent_event_lag_seconds",
        "shopagent_event_dead_letters_total",
    ):
        assert wanted in exprs, wanted
    for panel in board["panels"]:
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == "${datasource}", panel["title"]


@pytest.mark.parametrize(("title", "expr"), _targets())
def test_each_query_names_defined_metrics_and_their_labels(title: str, expr: str) -> None:
    defined = _defined()
    names = _NAME.findall(expr)
    assert names, f"{title}: no shopagent metric in {expr}"
    unknown = [name for name in names if name not in defined]
    assert not unknown, f"{title}: {unknown} not defined in infra/metrics.py"
    labels = {label for name in names for label in defined[name]}
    used = {
        label.strip() for group in _BY.findall(expr) for label in group.split(",") if label.strip()
    } | set(_MATCHER.findall(expr))
    assert used <= labels, f"{title}: labels {sorted(used - labels)} are not on {names}"
