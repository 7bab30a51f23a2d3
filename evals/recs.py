"""Recommender evaluation: leave-last-out on sequence files, and a time split of the demo store.

``shopagent eval recs --sequences TXT --out JSON`` reads one shopper per line
(``user item item …`` in time order), trains on every sequence without its last item and ranks
all items for each shopper (full ranking; items already in the history are never counted).
Reported: HR@10, NDCG@10, HR@20, NDCG@20 for popularity, the plain item cosine over the last
five items, and the shopagent model, beside the published figures on Amazon Beauty. The same
is done one step earlier (the second-to-last item, the validation split the defaults were
chosen on).

``shopagent eval recs --time-split 2011-11-01 --out JSON`` trains on the demo store's purchases
before the date and, for each shopper who bought before and after it, ranks the products they
first bought after it.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from rich.console import Console
from rich.table import Table

from infra.errors import ConfigError
from tools.catalog.store import Store
from tools.recommend.history import day_number, interactions_from_baskets, store_baskets
from tools.recommend.model import STORE_CONFIG, ItemModel, ModelConfig
from tools.recommend.train import Interactions, fit

Scores = npt.NDArray[np.float64]
CUTOFFS = (10, 20)
_BATCH = 2000

# S3-Rec paper (Zhou et al., CIKM 2020), Table 3: Amazon Beauty, full ranking, leave-last-out.
PUBLISHED_BEAUTY = {
    "PopRec": {"HR@10": 0.0152, "NDCG@10": 0.0068},
    "GRU4Rec": {"HR@10": 0.0283, "NDCG@10": 0.0137},
    "BERT4Rec": {"HR@10": 0.0347, "NDCG@10": 0.0170},
    "SASRec": {"HR@10": 0.0605, "NDCG@10": 0.0318, "HR@20": 0.0902, "NDCG@20": 0.0394},
    "S3-Rec": {"HR@10": 0.0647, "NDCG@10": 0.0327, "HR@20": 0.0994, "NDCG@20": 0.0414},
}

# Plain item cosine: co-purchase only, the last five items weighted alike.
COSINE_LAST_FIVE = ModelConfig(transition_weight=0.0, recency_decay=1.0)


def read_sequences(path: Path) -> list[tuple[str, list[str]]]:
    """``user item item …`` lines; ``ConfigError`` naming the first malformed line."""
    if not path.is_file():
        raise ConfigError(f"sequence file not found: {path}")
    sequences: list[tuple[str, list[str]]] = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) < 2:
                raise ConfigError(f"{path}:{number}: expected 'user item item …', got {line!r}")
            sequences.append((fields[0], fields[1:]))
    if not sequences:
        raise ConfigError(f"{path} holds no sequences")
    return sequences


def rank_metrics(
    scores: Scores, targets: npt.NDArray[np.int64], blocked: list[list[int]]
) -> dict[str, npt.NDArray[np.float64]]:
    """Per row: hit and NDCG at each cutoff for one target. Ties count against the target."""
    scores = scores.astype(np.float64, copy=True)
    rows = np.repeat(np.arange(len(blocked)), [len(b) for b in blocked])
    cols = np.fromiter((i for b in blocked for i in b), dtype=np.int64, count=len(rows))
    scores[rows, cols] = -np.inf
    target = scores[np.arange(len(targets)), targets]
    rank = (scores >= target[:, None]).sum(axis=1) - 1  # 0 = first
    out: dict[str, npt.NDArray[np.float64]] = {}
    for k in CUTOFFS:
        hit = rank < k
        out[f"HR@{k}"] = hit.astype(np.float64)
        out[f"NDCG@{k}"] = np.where(hit, 1.0 / np.log2(rank + 2.0), 0.0)
    return out


def _mean(parts: list[dict[str, npt.NDArray[np.float64]]]) -> dict[str, float]:
    return {
        key: round(float(np.concatenate([p[key] for p in parts]).mean()), 4)
        for key in ("HR@10", "NDCG@10", "HR@20", "NDCG@20")
    }


def leave_out(
    sequences: list[tuple[str, list[str]]], held: int
) -> tuple[list[tuple[str, list[str]]], list[tuple[str, list[str], str]]]:
    """Training sequences without the last ``held`` items, and (user, history, target) cases."""
    train = [(u, items[:-held]) for u, items in sequences if len(items) > held]
    cases = [(u, items[:-held], items[-held]) for u, items in sequences if len(items) > held]
    return train, cases


def evaluate_split(
    sequences: list[tuple[str, list[str]]], held: int, config: ModelConfig
) -> dict[str, Any]:
    """Train without the last ``held`` items and rank item ``-held`` for every shopper."""
    train, cases = leave_out(sequences, held)
    data = Interactions.from_sequences(train)
    started = time.perf_counter()
    model = fit(data, config)
    seconds = time.perf_counter() - started
    index = model.index
    known = [(h, index[t]) for _, h, t in cases if t in index]
    histories = [[index[i] for i in h if i in index] for h, _ in known]
    targets = np.array([t for _, t in known], dtype=np.int64)
    methods: dict[str, Callable[[list[list[int]]], Scores]] = {
        "popularity": lambda batch: np.tile(model.popularity, (len(batch), 1)),
        "model": model.score_sessions,
    }
    results: dict[str, Any] = {}
    for name, score in methods.items():
        parts = []
        for start in range(0, len(histories), _BATCH):
            batch = histories[start : start + _BATCH]
            parts.append(rank_metrics(score(batch), targets[start : start + _BATCH], batch))
        # Shoppers whose held-out item never occurs in training count as misses.
        misses = len(cases) - len(known)
        zeros = {k: np.zeros(misses) for k in parts[0]}
        results[name] = _mean([*parts, zeros])
    results["train_seconds"] = round(seconds, 2)
    results["users"] = len(cases)
    results["items"] = len(model.item_ids)
    return results


def evaluate_sequences(path: Path, console: Console | None = None) -> dict[str, Any]:
    """The leave-last-out report for one sequence file."""
    sequences = read_sequences(path)
    config = ModelConfig()
    report: dict[str, Any] = {
        "data": str(path),
        "protocol": "leave-last-out, full ranking over all items, history items excluded, "
        "ties counted against the held-out item",
        "cpu_cores": os.cpu_count(),
        "model_config": asdict(config),
    }
    test = evaluate_split(sequences, 1, config)
    cosine = evaluate_split(sequences, 1, COSINE_LAST_FIVE)
    valid = evaluate_split(sequences, 2, config)
    report["users"], report["items"] = test["users"], test["items"]
    report["test"] = {
        "popularity": test["popularity"],
        "item_cosine_last5": cosine["model"],
        "shopagent": test["model"],
        "shopagent_train_seconds": test["train_seconds"],
    }
    report["validation"] = {"popularity": valid["popularity"], "shopagent": valid["model"]}
    if "beauty" in path.name.lower():
        report["published"] = PUBLISHED_BEAUTY
    if console is not None:
        _print_table(console, report)
    return report


def _print_table(console: Console, report: dict[str, Any]) -> None:
    table = Table(title=f"leave-last-out on {Path(report['data']).name}")
    for column in ("method", "HR@10", "NDCG@10", "HR@20", "NDCG@20"):
        table.add_column(column)
    rows = {**report.get("published", {}), **report["test"]}
    for name, figures in rows.items():
        if isinstance(figures, dict):
            table.add_row(
                name, *(str(figures.get(k, "")) for k in ("HR@10", "NDCG@10", "HR@20", "NDCG@20"))
            )
    console.print(table)


# -- the demo store's time split -------------------------------------------------------------


def _time_split_cases(
    model: ItemModel, after: list[tuple[str, list[str]]]
) -> list[tuple[str, list[int], set[int]]]:
    """(shopper, items bought before, products first bought after) for returning shoppers."""
    future: dict[str, set[str]] = {}
    for user, items in after:
        future.setdefault(user, set()).update(items)
    cases = []
    for user, later in future.items():
        bought = model.history(user)
        new = {model.index[i] for i in later if i in model.index} - set(bought)
        if bought and new:
            cases.append((user, bought, new))
    return cases


def _set_metrics(ranked: Scores, bought: list[int], new: set[int]) -> dict[str, float]:
    """HR, NDCG and recall at each cutoff of one ranking against a set of targets."""
    ranked[bought] = -np.inf
    order = np.argsort(-ranked, kind="stable")[: max(CUTOFFS)].tolist()
    out: dict[str, float] = {}
    for k in CUTOFFS:
        hits = [r for r, i in enumerate(order[:k]) if i in new]
        ideal = sum(1 / math.log2(r + 2) for r in range(min(len(new), k)))
        out[f"HR@{k}"] = float(bool(hits))
        out[f"NDCG@{k}"] = sum(1 / math.log2(r + 2) for r in hits) / ideal
        out[f"Recall@{k}"] = len(hits) / min(len(new), k)
    return out


def evaluate_time_split(
    store: Store, cutoff: date, console: Console | None = None, config: ModelConfig = STORE_CONFIG
) -> dict[str, Any]:
    """Train on purchases before ``cutoff``; rank each returning shopper's new products after."""
    baskets = store_baskets(store)
    limit = day_number(datetime(cutoff.year, cutoff.month, cutoff.day))
    before = [b for b in baskets if b.day < limit]
    after = [(b.user, b.items) for b in baskets if b.day >= limit]
    if not before or not after:
        raise ConfigError(f"the store has no dated purchases on both sides of {cutoff}")
    started = time.perf_counter()
    model = fit(interactions_from_baskets(before), config)
    seconds = time.perf_counter() - started
    cases = _time_split_cases(model, after)
    methods: dict[str, Callable[[list[str]], Scores]] = {
        "popularity": lambda users: np.tile(model.popularity, (len(users), 1)),
        "trending": lambda users: np.tile(model.trend + 1e-6 * model.popularity, (len(users), 1)),
        "shopagent": lambda users: model.score_sessions([model.history(u) for u in users]),
    }
    results: dict[str, dict[str, float]] = {}
    for name, score in methods.items():
        totals: dict[str, float] = {}
        for start in range(0, len(cases), _BATCH):
            batch = cases[start : start + _BATCH]
            scores = score([user for user, _, _ in batch])
            for row, (_, bought, new) in enumerate(batch):
                for key, value in _set_metrics(scores[row], bought, new).items():
                    totals[key] = totals.get(key, 0.0) + value
        results[name] = {k: round(v / len(cases), 4) for k, v in totals.items()}
    report: dict[str, Any] = {
        "data": "demo store (orders of the loaded store)",
        "protocol": f"train on purchases before {cutoff}; for each shopper who bought on both "
        "sides, rank every product except those bought before; targets: the products first "
        "bought on or after the cutoff",
        "cutoff": cutoff.isoformat(),
        "users": len(cases),
        "items": model.n_items,
        "model_config": asdict(config),
        "train_seconds": round(seconds, 2),
        "results": results,
    }
    if console is not None:
        table = Table(title=f"time split at {cutoff} ({len(cases)} shoppers)")
        columns = ("HR@10", "NDCG@10", "Recall@10", "Recall@20")
        for column in ("method", *columns):
            table.add_column(column)
        for name, figures in results.items():
            table.add_row(name, *(str(figures[k]) for k in columns))
        console.print(table)
    return report


def run_recs_cli(
    sequences: Path | None, time_split: date | None, out: Path, console: Console
) -> dict[str, Any]:
    """``shopagent eval recs``: one of the two evaluations, printed and written to ``out``."""
    if (sequences is None) == (time_split is None):
        raise ConfigError("give either --sequences FILE or --time-split DATE")
    if sequences is not None:
        report = evaluate_sequences(sequences, console)
    else:
        from assembly.demo_store import ensure_store
        from infra.settings import get_settings
        from tools.catalog.backend import store as open_store

        assert time_split is not None
        settings = get_settings()
        ensure_store(settings)
        store = open_store(settings)
        try:
            report = evaluate_time_split(store, time_split, console)
        finally:
            store.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    console.print(f"report written to {out}")
    return report
