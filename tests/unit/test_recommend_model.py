"""The item model: training from a store, each strategy, evidence, persistence, evaluation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from pydantic import ValidationError

from evals.recs import evaluate_sequences, rank_metrics, read_sequences
from infra.errors import ConfigError
from tests.unit.recs_store import make_store
from tools.recommend.backend import ensure_recommender, train_recommender
from tools.recommend.base import ModelQuery
from tools.recommend.model import MODEL_FILE, Cells, ItemModel, ModelConfig
from tools.recommend.server import invoke_bytes
from tools.recommend.train import Interactions, fit, prune


@pytest.fixture
def model(tmp_path: Path) -> Iterator[ItemModel]:
    store = make_store(tmp_path)
    try:
        yield train_recommender(store, tmp_path / "model")
    finally:
        store.close()


def ids(model: ItemModel, query: ModelQuery) -> list[str]:
    return [item.product_id for item in model.invoke(query).items]


def test_bought_together_counts_orders_and_shoppers(model: ItemModel) -> None:
    answer = model.invoke(ModelQuery(strategy="bought_together", product_id="RED-LANTERN"))
    assert answer.strategy == "bought_together"
    first = answer.items[0]
    assert first.product_id == "RED-MUG"
    [fact] = first.evidence
    assert (fact.kind, fact.product_id, fact.orders, fact.shoppers) == (
        "anchor",
        "RED-LANTERN",
        3,
        4,
    )
    assert "RED-LANTERN" not in ids(model, ModelQuery(strategy="similar", product_id="RED-LANTERN"))


def test_personalized_leaves_out_what_the_shopper_bought(model: ItemModel) -> None:
    answer = model.invoke(ModelQuery(user_id="u4"))  # bought RED-MUG and CANDLES
    got = [item.product_id for item in answer.items]
    assert answer.strategy == "personalized" and got
    assert not {"RED-MUG", "CANDLES"} & set(got)
    assert got[0] == "RED-LANTERN"  # 4 shoppers bought it with RED-MUG
    history = [e for e in answer.items[0].evidence if e.kind == "history"]
    assert history[0].product_id == "RED-MUG" and history[0].shoppers == 4
    # Asked to, the model keeps bought items in.
    assert "CANDLES" in ids(model, ModelQuery(user_id="u1", exclude_bought=False, limit=50))
    assert "CANDLES" not in ids(model, ModelQuery(user_id="u1", limit=50))


def test_recent_activity_counts_and_is_left_out(model: ItemModel) -> None:
    fresh = ids(model, ModelQuery(user_id="u6", recent=["CANDLES"]))
    assert fresh and "CANDLES" not in fresh
    assert set(fresh) <= {"RED-MUG", "RED-LANTERN", "GIFT-BAG", "BLUE-LANTERN", "OLD-MUG"}


def test_cold_starts_fall_back_to_trending_and_say_why(model: ItemModel) -> None:
    nobody = model.invoke(ModelQuery(user_id="u6"))
    assert nobody.strategy == "trending"
    assert nobody.fallback == "no purchase history for this shopper"
    assert nobody.items[0].evidence[0].kind == "trending"
    new = model.invoke(ModelQuery(strategy="similar", product_id="NEW-LANTERN"))
    assert new.strategy == "trending" and "no sales history" in (new.fallback or "")


def test_trending_counts_orders_in_the_last_days(model: ItemModel) -> None:
    answer = model.invoke(ModelQuery(strategy="trending", limit=3))
    assert answer.items[0].product_id in {"RED-MUG", "RED-LANTERN"}
    fact = answer.items[0].evidence[0]
    assert fact.kind == "trending" and fact.days == 30 and fact.orders == 5
    assert model.data_end == "2024-06-08"


def test_explain_gives_the_links_behind_one_product(model: ItemModel) -> None:
    answer = model.invoke(
        ModelQuery(task="explain", user_id="u4", product_id="RED-LANTERN", anchor_id="RED-MUG")
    )
    kinds = [(e.kind, e.product_id, e.orders, e.shoppers) for e in answer.items[0].evidence]
    assert ("anchor", "RED-MUG", 3, 4) in kinds
    assert ("history", "RED-MUG", 3, 4) in kinds
    assert kinds[-1][0] == "popular"


def test_queries_are_validated() -> None:
    with pytest.raises(ValidationError, match="needs a product_id"):
        ModelQuery(strategy="similar")
    with pytest.raises(ValidationError, match="less than or equal to 500"):
        ModelQuery(limit=501)
    with pytest.raises(ValidationError, match="Extra inputs"):
        ModelQuery.model_validate({"strategy": "trending", "shell": "rm"})


def test_the_wire_format_round_trips(model: ItemModel) -> None:
    body = b'{"strategy": "bought_together", "product_id": "RED-LANTERN", "limit": 2}'
    assert invoke_bytes(model, body).startswith(b'{"strategy":"bought_together"')
    with pytest.raises(ValueError, match="product_id"):
        invoke_bytes(model, b'{"strategy": "similar"}')
    with pytest.raises(ValueError, match="Invalid JSON"):
        invoke_bytes(model, b"not json")


def test_saved_models_load_identically_and_bad_files_fail_clearly(
    model: ItemModel, tmp_path: Path
) -> None:
    loaded = ItemModel.load(tmp_path / "model")
    query = ModelQuery(user_id="u3", limit=4)
    assert loaded.invoke(query) == model.invoke(query)
    assert loaded.source == model.source == "recs-test@2024-07-01T00:00:00+00:00"
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / MODEL_FILE).write_bytes(b"not a model")
    with pytest.raises(ConfigError, match="cannot read the recommender model"):
        ItemModel.load(tmp_path / "broken")
    with pytest.raises(ConfigError, match="shopagent train recommender"):
        ItemModel.load(tmp_path / "nothing")


def test_ensure_trains_only_when_the_store_changed(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    try:
        assert ensure_recommender(store, tmp_path / "m") is True
        assert ensure_recommender(store, tmp_path / "m") is False
    finally:
        store.close()


def test_cells_read_single_entries_of_a_sparse_matrix() -> None:
    rng = np.random.default_rng(7)
    dense = rng.random((40, 30)) * (rng.random((40, 30)) < 0.2)
    cells = Cells(sp.csr_matrix(dense))
    rows, cols = np.arange(40), np.arange(30)
    assert np.array_equal(cells.get(rows[:, None], cols[None, :]), dense)
    assert np.array_equal(cells.get(3, cols), dense[3])
    assert not Cells(sp.csr_matrix((3, 3))).get(rows[:3], cols[:3]).any()


def test_prune_keeps_each_rows_largest_entries() -> None:
    m = sp.csr_matrix(np.array([[0, 3, 1, 2], [5, 0, 0, 0], [0, 0, 0, 0]], dtype=np.float32))
    kept = prune(m, 2).toarray()
    assert kept.tolist() == [[0, 3, 0, 2], [5, 0, 0, 0], [0, 0, 0, 0]]


def test_time_order_adds_what_was_bought_next() -> None:
    sequences = [(f"u{n}", ["a", "b", "c"]) for n in range(5)] + [("x", ["c", "a"])]
    data = Interactions.from_sequences(sequences)
    ordered = fit(data, ModelConfig(transition_weight=2.0))
    plain = fit(data, ModelConfig(transition_weight=0.0))
    after_b = ordered.score_sessions([[ordered.index["b"]]])[0]
    plain_b = plain.score_sessions([[plain.index["b"]]])[0]
    # b is followed by c five times and preceded by a five times: time order favours c.
    assert after_b[ordered.index["c"]] > after_b[ordered.index["a"]]
    assert plain_b[plain.index["c"]] == pytest.approx(plain_b[plain.index["a"]], rel=0.01)


def test_rank_metrics_count_ties_against_the_target() -> None:
    scores = np.array([[3.0, 2.0, 2.0, 1.0], [1.0, 1.0, 1.0, 1.0]])
    out = rank_metrics(scores, np.array([2, 3]), [[], [0]])
    # Row 1: item 2 ties with item 1 → rank 2 (third); row 2: all tie → rank 2 of 3 left.
    assert out["HR@10"].tolist() == [1.0, 1.0]
    assert out["NDCG@10"].tolist() == pytest.approx([1 / np.log2(4), 1 / np.log2(4)])


def test_sequence_files_are_checked_and_evaluated(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("u1 a b\nu2\n")
    with pytest.raises(ConfigError, match="bad.txt:2: expected 'user item item …'"):
        read_sequences(bad)
    good = tmp_path / "good.txt"
    lines = [f"u{n} a b c d" for n in range(30)] + [f"v{n} d c b a" for n in range(30)]
    good.write_text("\n".join(lines) + "\n")
    report = evaluate_sequences(good)
    assert report["users"] == 60 and report["items"] == 4
    # Every shopper's last item is the one item left: found first, always.
    assert report["test"]["shopagent"]["HR@10"] == 1.0
    assert report["test"]["shopagent"]["NDCG@10"] == 1.0
