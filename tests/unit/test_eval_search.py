"""Relevance metrics, reading product and judgment CSVs, and a whole search evaluation."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from rich.console import Console

from evals.relevance import mrr_at, ndcg_at, recall_at
from evals.search import half, plan, read_judgments, read_products, run_search_eval_cli
from infra.errors import ConfigError
from infra.settings import Settings

GAINS = {"a": 2.0, "b": 1.0, "c": 0.0}


def test_ndcg_is_one_for_the_ideal_order_and_counts_unjudged_as_zero() -> None:
    assert ndcg_at(["a", "b", "c"], GAINS, 10) == pytest.approx(1.0)
    # "x" is unjudged: gain 0 at rank 1 pushes both relevant products down
    ideal = 2.0 + 1.0 / math.log2(3)
    got = 2.0 / math.log2(3) + 1.0 / math.log2(4)
    assert ndcg_at(["x", "a", "b"], GAINS, 10) == pytest.approx(got / ideal)
    assert ndcg_at(["b", "a"], GAINS, 1) == pytest.approx(1.0 / 2.0)


def test_a_query_without_gains_has_no_score() -> None:
    assert ndcg_at(["a"], {"a": 0.0}, 10) is None
    assert recall_at(["a"], {"a": 0.0}, 100, 1.0) is None
    assert mrr_at(["a"], {"a": 0.0}, 10, 1.0) is None


def test_recall_and_mrr_use_the_relevance_threshold() -> None:
    assert recall_at(["c", "b"], GAINS, 100, 1.0) == pytest.approx(0.5)
    assert recall_at(["c", "b"], GAINS, 1, 1.0) == 0.0
    assert mrr_at(["c", "x", "b"], GAINS, 10, 1.0) == pytest.approx(1 / 3)
    assert mrr_at(["c", "x", "b"], GAINS, 2, 1.0) == 0.0
    assert mrr_at(["b", "a"], GAINS, 10, 2.0) == pytest.approx(1 / 2)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_products_take_id_title_and_other_text_columns(tmp_path: Path) -> None:
    csv = _write(
        tmp_path / "p.csv",
        "product_uid,product_title,brand,notes\n7, Oak Table ,Acme,solid wood\n8,Chair,,\n,,,\n",
    )
    products, id_column = read_products(csv)
    assert id_column == "product_uid"
    assert [(p.id, p.title, p.description) for p in products] == [
        ("7", " Oak Table ", "Acme solid wood"),
        ("8", "Chair", ""),
    ]


def test_judgments_give_gains_above_the_lowest_grade(tmp_path: Path) -> None:
    csv = _write(
        tmp_path / "j.csv",
        "id,product_uid,search_term,relevance\n1,7,oak  table,3\n2,8,oak table,1\n"
        "3,8,chair,2.5\n4,8,chair,1.5\n",
    )
    judgments = read_judgments(csv, "product_uid")
    assert judgments.gains == {"oak table": {"7": 2.0, "8": 0.0}, "chair": {"8": 1.0}}
    assert judgments.relevant_gain == 1.0
    assert judgments.pairs == 3
    assert read_judgments(csv, "product_uid", lowest_grade=0).gains["chair"] == {"8": 2.0}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("query,product_uid\nx,1\n", "no relevance column"),
        ("search_term,product_uid,relevance\nx,1,high\n", "'high' is no number"),
        ("search_term,product_uid,relevance\nx,1,1\n", "no judgment is above"),
        ("", "is empty"),
    ],
)
def test_bad_judgment_files_are_named(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        read_judgments(_write(tmp_path / "j.csv", text), "product_uid")


def test_unknown_backend_or_method_is_refused() -> None:
    with pytest.raises(ConfigError, match="unknown backend or method solr"):
        plan(Settings(), ["solr"], ["bm25"], [])


def test_opensearch_is_skipped_without_a_url_unless_asked_for() -> None:
    notes: list[str] = []
    runs = plan(Settings(opensearch_url=None), ["embedded", "opensearch"], ["bm25"], notes)
    assert [(b, m) for b, m, _ in runs] == [("embedded", "bm25")]
    assert "SHOPAGENT_OPENSEARCH_URL is not set" in notes[0]
    with pytest.raises(ConfigError, match="needs SHOPAGENT_OPENSEARCH_URL"):
        plan(Settings(opensearch_url=None), ["opensearch"], ["bm25"], [])


def test_a_whole_evaluation_writes_one_row_per_backend_and_method(tmp_path: Path) -> None:
    products = _write(
        tmp_path / "products.csv",
        "product_uid,product_title\n1,Cordless Drill 18V\n2,Drill Bit Set\n3,Garden Hose 50 ft\n"
        "4,Rain Shower Head\n5,Lawn Mower\n",
    )
    judgments = _write(
        tmp_path / "judgments.csv",
        "product_uid,search_term,relevance\n1,cordless drill,3\n2,cordless drill,2\n"
        "3,hose,3\n5,hose,1\n4,showerhead,3\n",
    )
    out = tmp_path / "report.json"
    settings = Settings(data_dir=tmp_path / "data", opensearch_url=None)
    stages: set[str] = set()
    run_search_eval_cli(
        products, judgments, out, ["embedded"], [], None, settings,
        Console(file=None, quiet=True), lambda stage, done, total: stages.add(stage),
    )  # fmt: skip
    assert stages  # the caller's progress callback saw the stages
    report = json.loads(out.read_text())
    rows = {r["name"]: r for r in report["rows"]}
    assert set(rows) == {"embedded/bm25", "embedded/hybrid"}
    assert report["queries"] == 3 and report["judged_pairs"] == 5
    assert report["gain"].startswith("grade - 1")
    # BM25 wants both words of "cordless drill", so only the vectors bring in the bit set
    assert rows["embedded/hybrid"]["ndcg_at_10"] > rows["embedded/bm25"]["ndcg_at_10"]
    assert rows["embedded/hybrid"]["mrr_at_10"] == pytest.approx(1.0)
    sizes = [0, 0]
    for query in ("cordless drill", "hose", "showerhead"):
        sizes[half(query)] += 1
    assert sizes == [1, 2]  # both halves hold queries, so both have a score
    for row in rows.values():
        assert row["queries"] == 3 and row["errors"] == 0
        even, odd = row["ndcg_at_10_halves"]
        assert (even + 2 * odd) / 3 == pytest.approx(row["ndcg_at_10"], abs=1e-4)
        assert row["latency_p95_ms"] >= row["latency_p50_ms"] > 0
    assert (tmp_path / "data" / "vectors").is_dir()
