"""The vectors' inverted-file index against the exact scan, and the hybrid blend."""

from __future__ import annotations

import numpy as np
import pytest

from tools.search import cells as cells_module
from tools.search.cells import EXACT_BELOW, Cells
from tools.search.hybrid import NEAR_BM25_WEIGHT, NUMBER_WEIGHT, blend, number_match

K = 50


def _clustered(rows: int, dims: int = 32, seed: int = 7) -> np.ndarray:
    """Normalised vectors around 40 random directions, as sentence vectors of a catalog are."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(40, dims))
    vectors = centres[rng.integers(0, 40, rows)] + 0.6 * rng.normal(size=(rows, dims))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def _exact(vectors: np.ndarray, query: np.ndarray, allowed: np.ndarray, k: int) -> list[int]:
    scores = np.where(allowed, vectors @ query, -np.inf)
    return [int(i) for i in np.argsort(-scores, kind="stable")[:k]]


@pytest.fixture(scope="module")
def catalog() -> tuple[np.ndarray, Cells, np.ndarray]:
    vectors = _clustered(12_000)
    queries = _clustered(30, seed=8)
    return vectors, Cells.build(vectors), queries


def test_every_vector_is_in_exactly_one_cell(catalog: tuple[np.ndarray, Cells, np.ndarray]) -> None:
    vectors, cells, _ = catalog
    assert sorted(cells.members.tolist()) == list(range(len(vectors)))
    assert cells.bounds[0] == 0 and cells.bounds[-1] == len(vectors)
    assert len(cells.centroids) == len(vectors) // cells_module.CELL_SIZE


def test_probing_every_cell_is_the_exact_scan(
    catalog: tuple[np.ndarray, Cells, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    vectors, cells, queries = catalog
    monkeypatch.setattr(cells_module, "PROBES", len(cells.centroids))
    allowed = np.ones(len(vectors), dtype=np.bool_)
    for query in queries:
        found = cells.nearest(vectors, query, allowed, K).tolist()
        assert found == _exact(vectors, query, allowed, K)


def test_the_usual_probes_find_most_of_the_nearest(
    catalog: tuple[np.ndarray, Cells, np.ndarray],
) -> None:
    vectors, cells, queries = catalog
    allowed = np.ones(len(vectors), dtype=np.bool_)
    recall = [
        len(
            set(cells.nearest(vectors, q, allowed, K).tolist())
            & set(_exact(vectors, q, allowed, K))
        )
        / K
        for q in queries
    ]
    assert np.mean(recall) >= 0.9


def test_few_allowed_products_are_scanned_exactly(
    catalog: tuple[np.ndarray, Cells, np.ndarray],
) -> None:
    vectors, cells, queries = catalog
    allowed = np.zeros(len(vectors), dtype=np.bool_)
    allowed[::7] = True
    assert allowed.sum() <= EXACT_BELOW
    for query in queries[:5]:
        assert cells.nearest(vectors, query, allowed, K).tolist() == _exact(
            vectors, query, allowed, K
        )


def test_filters_emptying_the_near_cells_widen_the_probe(
    catalog: tuple[np.ndarray, Cells, np.ndarray],
) -> None:
    vectors, cells, queries = catalog
    query = queries[0]
    # allow only the products of the cells the usual probe skips
    far = np.argsort(-(cells.centroids @ query))[cells_module.PROBES :]
    allowed = np.zeros(len(vectors), dtype=np.bool_)
    for cell in far:
        allowed[cells.members[cells.bounds[cell] : cells.bounds[cell + 1]]] = True
    assert allowed.sum() > EXACT_BELOW
    found = cells.nearest(vectors, query, allowed, K)
    assert found.tolist() == _exact(vectors, query, allowed, K)  # every cell probed in the end


def test_a_near_candidate_counts_its_bm25_at_the_near_weight() -> None:
    scores = blend([1.0, 0.4, 0.0], [True, False, False], [0.2, 0.5, -1.0], [0.0, 0.0, 0.0])
    assert scores.tolist() == pytest.approx([1.2, NEAR_BM25_WEIGHT * 0.4 + 0.5, -1.0])


def test_a_candidate_gains_the_share_of_the_query_numbers_its_title_holds() -> None:
    titles = [
        "Everbilt 3/4 in. x 12 in. Pine Board",
        "10.5 gal. Plastic Waste Basket",
        "12 in. x 12 in. Concrete Paver",
        "Philips R40 Flood Light Bulb",
    ]
    assert number_match("3/4 x 12 board", titles).tolist() == [1.0, 0.0, 0.5, 0.0]
    assert number_match("10.5 gal basket", titles).tolist() == [0.0, 1.0, 0.0, 0.0]
    assert number_match("12x12 pavers", titles).tolist() == [1.0, 0.0, 1.0, 0.0]
    assert number_match("r40 bulb", titles).tolist() == [0.0] * 4  # no number on its own
    scores = blend([1.0, 1.0], [True, True], [0.5, 0.5], [1.0, 0.0])
    assert scores[0] - scores[1] == pytest.approx(NUMBER_WEIGHT)
