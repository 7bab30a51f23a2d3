"""The local recommendation model: item-to-item matrices learned from purchase histories.

Three sparse item × item matrices, each pruned to an item's strongest neighbours:

- ``personal``: what a shopper's recent items point to — the cosine of co-purchase (shoppers
  who bought both) plus the time order of histories (what was bought within the next few
  purchases after an item), the blend chosen by measurement (``evals/recs.py``);
- ``similar``: the co-purchase cosine alone ("shoppers who bought this also bought");
- ``together``: how many orders held both products ("bought together").

Beside them: the raw co-purchase counts behind every kept pair (the evidence), popularity,
recent sales (trending), and each shopper's distinct items in time order (history and
already-bought). Scoring is a sparse-row sum and a partial sort: well under a millisecond.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from infra.errors import ConfigError
from tools.recommend.base import Evidence, ModelAnswer, ModelQuery, ScoredItem, Strategy

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
FORMAT_VERSION = 1
MODEL_FILE = "model.npz"
# A tiny share of popularity breaks ties between items with the same score.
_TIE_BREAK = 1e-6
_EVIDENCE_SOURCES = 3


@dataclass(frozen=True)
class ModelConfig:
    """How the model is trained and how it scores; defaults chosen on Beauty's validation split."""

    recent_items: int = 5  # how many of a shopper's latest items drive "personalized"
    recency_decay: float = 0.7  # weight of each older item relative to the next newer one
    transition_window: int = 3  # purchases after an item that count as "bought next"
    transition_gap_decay: float = 0.5  # weight of each further purchase in that window
    backward_weight: float = 0.5  # weight of "bought before" relative to "bought next"
    transition_weight: float = 2.0  # weight of time order against plain co-purchase
    neighbours: int = 100  # neighbours kept per item in each matrix
    trending_days: int = 30  # the window "trending" counts sales in
    # Weight of recent sales (scaled to 0..1) added to "personalized" scores: seasonal stores
    # gain from it, sequence data without dates (popularity instead) does not.
    trend_weight: float = 0.0


# The demo store's wholesale buyers keep long, seasonal histories: more of a history counts and
# recent sales add to the score; time order does not help there (chosen on the time split at
# 2011-10-01, before the 2011-11-01 split that is reported).
STORE_CONFIG = ModelConfig(
    recent_items=50, recency_decay=0.95, transition_weight=0.0, trend_weight=0.3
)


def _csr_arrays(prefix: str, m: sp.csr_matrix) -> dict[str, npt.NDArray[Any]]:
    return {
        f"{prefix}_data": m.data.astype(np.float32),
        f"{prefix}_indices": m.indices.astype(np.int32),
        f"{prefix}_indptr": m.indptr.astype(np.int64),
    }


def _csr(arrays: Any, prefix: str, n: int) -> sp.csr_matrix:
    return sp.csr_matrix(
        (arrays[f"{prefix}_data"], arrays[f"{prefix}_indices"], arrays[f"{prefix}_indptr"]),
        shape=(n, n),
    )


@dataclass
class ItemModel:
    """A trained model: the matrices, item and shopper facts, and how it was trained."""

    config: ModelConfig
    item_ids: list[str]
    personal: sp.csr_matrix
    similar: sp.csr_matrix
    together: sp.csr_matrix  # raw counts of orders holding both
    co_users: sp.csr_matrix  # raw counts of shoppers who bought both, on the pairs kept above
    popularity: FloatArray  # shoppers who bought each item
    basket_popularity: FloatArray  # orders holding each item
    trend: FloatArray  # recent sales, decayed by age
    recent_orders: FloatArray  # orders in the last ``trending_days`` days of the data
    user_ids: list[str]
    user_indptr: IntArray  # shopper -> slice of ``user_items``
    user_items: IntArray  # each shopper's distinct items, oldest first (by last purchase)
    data_end: str | None = None  # the last day of the data, ISO
    source: str = ""  # what it was trained on (the store's dataset and load time)
    trained_at: str = ""
    train_seconds: float = 0.0

    def __post_init__(self) -> None:
        for matrix in (self.personal, self.similar, self.together, self.co_users):
            matrix.sum_duplicates()  # canonical: each row's columns sorted, each pair once
        # Evidence reads single pairs of these three; a binary search finds each.
        self._personal_cells = Cells(self.personal)
        self._shopper_cells = Cells(self.co_users)
        self._order_cells = Cells(self.together)
        # "bought_together" divides by the square root of how many orders hold each item.
        self._basket_damp = 1.0 / np.sqrt(np.maximum(self.basket_popularity, 1.0))
        self.index = {pid: i for i, pid in enumerate(self.item_ids)}
        self.user_index = {uid: i for i, uid in enumerate(self.user_ids)}
        top = float(self.popularity.max()) if len(self.popularity) else 1.0
        self._tie = _TIE_BREAK * self.popularity / max(top, 1.0)
        hottest = float(self.trend.max()) if len(self.trend) else 0.0
        self._prior = self.config.trend_weight * self.trend / hottest if hottest > 0 else 0.0

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    # -- persistence ---------------------------------------------------------------------

    def save(self, directory: Path) -> Path:
        """Write the model as one ``model.npz`` (no pickles) in ``directory``."""
        directory.mkdir(parents=True, exist_ok=True)
        meta = {
            "format": FORMAT_VERSION,
            "config": asdict(self.config),
            "data_end": self.data_end,
            "source": self.source,
            "trained_at": self.trained_at,
            "train_seconds": self.train_seconds,
        }
        arrays: dict[str, npt.NDArray[Any]] = {
            "meta": np.array(json.dumps(meta)),
            "item_ids": np.array(self.item_ids, dtype=np.str_),
            "user_ids": np.array(self.user_ids, dtype=np.str_),
            "popularity": self.popularity.astype(np.float32),
            "basket_popularity": self.basket_popularity.astype(np.float32),
            "trend": self.trend.astype(np.float32),
            "recent_orders": self.recent_orders.astype(np.float32),
            "user_indptr": self.user_indptr.astype(np.int64),
            "user_items": self.user_items.astype(np.int32),
        }
        for name in ("personal", "similar", "together", "co_users"):
            arrays.update(_csr_arrays(name, getattr(self, name)))
        path = directory / MODEL_FILE
        partial = directory / f".{MODEL_FILE}.partial.npz"
        np.savez(partial, **arrays)  # type: ignore[arg-type]
        partial.replace(path)  # readers never see half a file
        return path

    @classmethod
    def load(cls, directory: Path) -> ItemModel:
        """Read a model written by ``save``; ``ConfigError`` when there is none or it is bad."""
        path = directory / MODEL_FILE
        if not path.is_file():
            raise ConfigError(f"no recommender model at {path}: run `shopagent train recommender`")
        try:
            with np.load(path, allow_pickle=False) as arrays:
                meta = json.loads(str(arrays["meta"]))
                if meta.get("format") != FORMAT_VERSION:
                    raise ConfigError(
                        f"{path} has model format {meta.get('format')}, this code reads "
                        f"{FORMAT_VERSION}: run `shopagent train recommender` again"
                    )
                item_ids = [str(i) for i in arrays["item_ids"]]
                n = len(item_ids)
                return cls(
                    config=ModelConfig(**meta["config"]),
                    item_ids=item_ids,
                    personal=_csr(arrays, "personal", n),
                    similar=_csr(arrays, "similar", n),
                    together=_csr(arrays, "together", n),
                    co_users=_csr(arrays, "co_users", n),
                    popularity=arrays["popularity"].astype(np.float64),
                    basket_popularity=arrays["basket_popularity"].astype(np.float64),
                    trend=arrays["trend"].astype(np.float64),
                    recent_orders=arrays["recent_orders"].astype(np.float64),
                    user_ids=[str(u) for u in arrays["user_ids"]],
                    user_indptr=arrays["user_indptr"].astype(np.int64),
                    user_items=arrays["user_items"].astype(np.int64),
                    data_end=meta.get("data_end"),
                    source=meta.get("source", ""),
                    trained_at=meta.get("trained_at", ""),
                    train_seconds=float(meta.get("train_seconds", 0.0)),
                )
        except (OSError, KeyError, ValueError) as err:
            raise ConfigError(f"cannot read the recommender model at {path}: {err}") from err

    # -- answering -----------------------------------------------------------------------

    def history(self, user_id: str | None) -> list[int]:
        """The shopper's distinct items from training, oldest first (empty when unknown)."""
        u = self.user_index.get(user_id) if user_id else None
        if u is None:
            return []
        return [int(i) for i in self.user_items[self.user_indptr[u] : self.user_indptr[u + 1]]]

    def _known(self, ids: list[str]) -> list[int]:
        return [self.index[i] for i in ids if i in self.index]

    def session(self, query: ModelQuery) -> list[int]:
        """Training history plus what the shopper did since, each item once, oldest first."""
        seen: dict[int, None] = {}
        for item in [*self.history(query.user_id), *self._known(query.recent)]:
            seen.pop(item, None)
            seen[item] = None
        return list(seen)

    def weights(self, session: list[int]) -> tuple[IntArray, FloatArray]:
        """The latest ``recent_items`` of a session and their recency weights (newest 1.0)."""
        recent = session[-self.config.recent_items :][::-1]
        weights = self.config.recency_decay ** np.arange(len(recent), dtype=np.float64)
        return np.array(recent, dtype=np.int64), weights

    def score_sessions(self, sessions: list[list[int]]) -> npt.NDArray[np.float64]:
        """Dense ``personalized`` scores, one row per session (used by evaluation)."""
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        for r, session in enumerate(sessions):
            items, weights = self.weights(session)
            rows += [r] * len(items)
            cols += items.tolist()
            vals += weights.tolist()
        q = sp.csr_matrix((vals, (rows, cols)), shape=(len(sessions), self.n_items))
        scores: npt.NDArray[np.float64] = np.asarray((q @ self.personal).todense())
        return scores + self._prior + self._tie

    def invoke(self, query: ModelQuery) -> ModelAnswer:
        """Answer a recommend or explain query."""
        if query.task == "explain":
            return self._explain(query)
        session = self.session(query)
        blocked = set(self._known(query.exclude)) | set(self._known(query.recent))
        if query.exclude_bought:
            blocked |= set(self.history(query.user_id))
        product = self.index.get(query.product_id) if query.product_id else None
        if product is not None:
            blocked.add(product)
            if query.strategy == "personalized":  # the product in view seeds the picks
                session = [*(i for i in session if i != product), product]
        strategy: Strategy = query.strategy
        fallback: str | None = None
        if strategy in ("similar", "bought_together") and product is None:
            strategy, fallback = "trending", f"product {query.product_id!r} has no sales history"
        elif strategy == "personalized" and not session:
            strategy = "trending"
            fallback = "no purchase history for this shopper" if query.user_id else "no shopper"
        if strategy == "personalized":
            items, weights = self.weights(session)
            scores = _weighted_rows(self.personal, items, weights, self.n_items) + self._prior
            return self._answer(strategy, fallback, scores, blocked, query.limit, items, weights)
        if product is None:
            return self._trending(blocked, query.limit, fallback)
        anchor = np.array([product], dtype=np.int64)
        in_orders = self.together.indptr[product + 1] > self.together.indptr[product]
        if strategy == "bought_together" and in_orders:
            scores = _weighted_rows(self.together, anchor, np.ones(1), self.n_items)
            scores *= self._basket_damp
            return self._answer(strategy, fallback, scores, blocked, query.limit, anchor)
        if strategy == "bought_together":
            # Histories without multi-item orders (one item per purchase): bought by the same
            # shoppers stands in for "in the same order".
            fallback = "no orders with several items"
        scores = _weighted_rows(self.similar, anchor, np.ones(1), self.n_items)
        return self._answer("similar", fallback, scores, blocked, query.limit, anchor)

    def _top(self, scores: FloatArray, blocked: set[int], limit: int) -> IntArray:
        """The best ``limit`` items with a positive score, never a blocked one."""
        scores = scores.astype(np.float64, copy=True)
        if blocked:
            scores[list(blocked)] = 0.0
        candidates = np.flatnonzero(scores > 0)
        if len(candidates) > limit:
            keep = np.argpartition(-scores[candidates], limit - 1)[:limit]
            candidates = candidates[keep]
        ranked = scores[candidates] + self._tie[candidates]
        return candidates[np.argsort(-ranked, kind="stable")]

    def _links(
        self, sources: IntArray, weights: FloatArray, targets: IntArray
    ) -> list[list[Evidence]]:
        """Per target: the history items pointing at it (strongest first), with the counts."""
        share = self._personal_cells.get(sources[:, None], targets[None, :]) * weights[:, None]
        totals = share.sum(axis=0)
        totals[totals == 0] = 1.0
        best = np.argsort(-share, axis=0)[:_EVIDENCE_SOURCES]  # rows of ``share``, per target
        column = np.broadcast_to(np.arange(len(targets)), best.shape)
        strength = share[best, column]
        # Counts only for the pairs that become evidence, not for every source and target.
        pairs = (sources[best], targets[column])
        # As Python numbers, converted once per array rather than once per element.
        source = pairs[0].T.tolist()
        shoppers = self._shopper_cells.get(*pairs).astype(np.int64).T.tolist()
        orders = self._order_cells.get(*pairs).astype(np.int64).T.tolist()
        weight = (strength / totals).T.tolist()
        pointing = (strength > 0).sum(axis=0).tolist()  # the strongest come first
        return [
            [
                Evidence(
                    kind="history",
                    product_id=self.item_ids[source[k][rank]],
                    shoppers=shoppers[k][rank] or None,
                    orders=orders[k][rank] or None,
                    weight=round(weight[k][rank], 3),
                )
                for rank in range(pointing[k])
            ]
            for k in range(len(targets))
        ]

    def _anchored(self, anchor: int, targets: IntArray) -> list[Evidence]:
        """Per target: one ``anchor`` fact with the shoppers and orders it shares with it."""
        shoppers = self._shopper_cells.get(anchor, targets).astype(np.int64).tolist()
        orders = self._order_cells.get(anchor, targets).astype(np.int64).tolist()
        source = self.item_ids[anchor]
        return [
            Evidence(
                kind="anchor",
                product_id=source,
                shoppers=shared or None,
                orders=together or None,
                weight=1.0,
            )
            for shared, together in zip(shoppers, orders, strict=True)
        ]

    def _answer(
        self,
        strategy: Strategy,
        fallback: str | None,
        scores: FloatArray,
        blocked: set[int],
        limit: int,
        sources: IntArray,
        weights: FloatArray | None = None,
    ) -> ModelAnswer:
        """Scored items with evidence: which source items point at each, and how strongly."""
        top = self._top(scores, blocked, limit)
        if len(top) == 0:
            return self._trending(blocked, limit, fallback or "nothing in the data leads on")
        if strategy == "personalized":
            assert weights is not None
            evidence = self._links(sources, weights, top)
            # Picked by recent sales alone (no history item points at it): say so.
            evidence = [
                facts or self._sales_evidence(item)
                for item, facts in zip(top.tolist(), evidence, strict=True)
            ]
        else:
            evidence = [[fact] for fact in self._anchored(int(sources[0]), top)]
        items = [
            ScoredItem(product_id=self.item_ids[item], score=round(score, 6), evidence=facts)
            for item, score, facts in zip(top.tolist(), scores[top].tolist(), evidence, strict=True)
        ]
        return ModelAnswer(
            strategy=strategy, fallback=fallback, items=items, data_end=self.data_end
        )

    def _trending(self, blocked: set[int], limit: int, fallback: str | None) -> ModelAnswer:
        """What sold in the most orders lately (then overall)."""
        scores = self.trend + self.popularity * 1e-3 + 1e-9
        top = self._top(scores, blocked, limit)
        items = [
            ScoredItem(
                product_id=self.item_ids[item],
                score=round(float(self.trend[item]), 6),
                evidence=self._sales_evidence(item),
            )
            for item in top.tolist()
        ]
        return ModelAnswer(
            strategy="trending", fallback=fallback, items=items, data_end=self.data_end
        )

    def _sales_evidence(self, item: int) -> list[Evidence]:
        evidence: list[Evidence] = []
        if self.recent_orders[item] > 0:
            evidence.append(
                Evidence(
                    kind="trending",
                    orders=int(self.recent_orders[item]),
                    days=self.config.trending_days,
                    weight=1.0,
                )
            )
        shoppers = int(self.popularity[item])
        evidence.append(Evidence(kind="popular", shoppers=shoppers, weight=1.0))
        return evidence

    def _explain(self, query: ModelQuery) -> ModelAnswer:
        """The evidence linking ``product_id`` to the shopper's history and to ``anchor_id``."""
        assert query.product_id is not None
        item = self.index.get(query.product_id)
        if item is None:
            return ModelAnswer(
                strategy=query.strategy,
                fallback=f"product {query.product_id!r} has no sales history",
                items=[ScoredItem(product_id=query.product_id, score=0.0)],
                data_end=self.data_end,
            )
        target = np.array([item], dtype=np.int64)
        evidence: list[Evidence] = []
        anchor = self.index.get(query.anchor_id) if query.anchor_id else None
        if anchor is not None and anchor != item:
            evidence += self._anchored(anchor, target)
        session = [i for i in self.session(query) if i != item]
        score = 0.0
        if session:
            sources, weights = self.weights(session)
            evidence += self._links(sources, weights, target)[0]
            score = float(self._personal_cells.get(sources, target) @ weights)
        evidence += self._sales_evidence(item)
        return ModelAnswer(
            strategy=query.strategy,
            items=[
                ScoredItem(product_id=query.product_id, score=round(score, 6), evidence=evidence)
            ],
            data_end=self.data_end,
        )


def _entries(m: sp.csr_matrix, rows: IntArray) -> tuple[IntArray, IntArray]:
    """Every stored entry of ``m``'s ``rows``: which of ``rows`` owns it, and where it is."""
    starts = m.indptr[rows]
    lengths = m.indptr[rows + 1] - starts
    owner = np.repeat(np.arange(len(rows)), lengths)
    offsets = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return owner, np.repeat(starts, lengths) + offsets


def _weighted_rows(m: sp.csr_matrix, rows: IntArray, weights: FloatArray, n: int) -> FloatArray:
    """``weights @ m[rows]`` as a dense vector, read straight from the CSR arrays."""
    owner, entries = _entries(m, rows)
    values = m.data[entries] * weights[owner]
    return np.bincount(m.indices[entries], weights=values, minlength=n).astype(np.float64)


class Cells:
    """Single entries of a canonical CSR matrix by (row, column), zero where none is stored.

    Each stored entry is numbered ``row * columns + column``: ascending, since rows are in order
    and each row's columns sorted, so a pair is one binary search over the numbers.
    """

    def __init__(self, m: sp.csr_matrix) -> None:
        self.columns = int(m.shape[1])
        rows = np.repeat(np.arange(m.shape[0], dtype=np.int64), np.diff(m.indptr))
        self.keys: IntArray = rows * self.columns + m.indices
        self.values: FloatArray = m.data.astype(np.float64)

    def get(self, rows: IntArray | int, cols: IntArray) -> FloatArray:
        """``m[rows, cols]`` element-wise (NumPy broadcasting: a row and many columns, a grid)."""
        wanted = np.asarray(rows, dtype=np.int64) * self.columns + cols
        if len(self.keys) == 0:
            return np.zeros(wanted.shape)
        at = np.minimum(np.searchsorted(self.keys, wanted), len(self.keys) - 1)
        return np.where(self.keys[at] == wanted, self.values[at], 0.0)
