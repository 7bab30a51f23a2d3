"""Training the item model from interactions: co-purchase, time order, baskets, recent sales.

Everything is sparse matrix algebra over a user × item and a basket × item matrix, so the demo
store (400,000 order lines) trains in seconds on one core.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import scipy.sparse as sp

from infra.errors import ConfigError
from tools.catalog.loaders import Progress, report
from tools.recommend.model import FloatArray, IntArray, ItemModel, ModelConfig

_EPOCH = date(1970, 1, 1)
STAGES = 5


@dataclass(frozen=True)
class Interactions:
    """Who bought (or did) what, in which basket: one row per (shopper, basket, item).

    Baskets are numbered 0.. so that one shopper's baskets are consecutive and in time order;
    a basket is an order (several items at once) or a single event. ``day`` (days since
    1970-01-01) is ``None`` when the data has no dates (then "trending" is plain popularity).
    """

    item_ids: list[str]
    user_ids: list[str]
    user: IntArray
    item: IntArray
    basket: IntArray
    quantity: FloatArray
    day: FloatArray | None = None

    def __post_init__(self) -> None:
        n = len(self.item)
        if not (len(self.user) == len(self.basket) == len(self.quantity) == n):
            raise ValueError("interaction columns differ in length")
        if n and np.any(np.diff(self.basket) < 0):
            raise ValueError("interactions must be sorted by basket")

    @classmethod
    def from_sequences(cls, sequences: list[tuple[str, list[str]]]) -> Interactions:
        """One basket per item, in the given order (``user item item …`` files)."""
        item_ids = sorted({i for _, items in sequences for i in items})
        index = {pid: k for k, pid in enumerate(item_ids)}
        lengths = np.array([len(items) for _, items in sequences], dtype=np.int64)
        item = np.array([index[i] for _, items in sequences for i in items], dtype=np.int64)
        user = np.repeat(np.arange(len(sequences), dtype=np.int64), lengths)
        return cls(
            item_ids=item_ids,
            user_ids=[u for u, _ in sequences],
            user=user,
            item=item,
            basket=np.arange(len(item), dtype=np.int64),
            quantity=np.ones(len(item)),
        )


def _binary(rows: IntArray, cols: IntArray, shape: tuple[int, int]) -> sp.csr_matrix:
    m = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=shape)
    m.data[:] = 1.0  # duplicates were summed: keep presence only
    return m


def _no_diagonal(m: sp.spmatrix) -> sp.csr_matrix:
    out = sp.csr_matrix(m - sp.diags(m.diagonal()))
    out.eliminate_zeros()
    return out


def prune(m: sp.spmatrix, keep: int, block: int = 1024) -> sp.csr_matrix:
    """Each row's ``keep`` largest positive entries (rows taken densely, ``block`` at a time)."""
    m = sp.csr_matrix(m)
    n_rows, n_cols = m.shape
    if keep >= n_cols:
        return m
    rows: list[IntArray] = []
    cols: list[IntArray] = []
    vals: list[FloatArray] = []
    for start in range(0, n_rows, block):
        dense = m[start : start + block].toarray()
        top = np.argpartition(-dense, keep - 1, axis=1)[:, :keep]
        values = np.take_along_axis(dense, top, axis=1)
        positive = values > 0
        rows.append(np.nonzero(positive)[0] + start)
        cols.append(top[positive])
        vals.append(values[positive])
    return sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=m.shape
    )


def _transitions(
    baskets: sp.csr_matrix, basket_user: IntArray, config: ModelConfig
) -> sp.csr_matrix:
    """Item a → item b weighted by how soon after a the same shopper bought b."""
    n_items = baskets.shape[1]
    total = sp.csr_matrix((n_items, n_items), dtype=np.float32)
    for gap in range(1, config.transition_window + 1):
        if gap >= baskets.shape[0]:
            break
        same = (basket_user[:-gap] == basket_user[gap:]).astype(np.float32)
        if not same.any():
            break
        before = sp.diags(same) @ baskets[:-gap]
        weight = config.transition_gap_decay ** (gap - 1)
        total = total + weight * (before.T @ baskets[gap:])
    forward = _no_diagonal(total)
    return sp.csr_matrix(forward + config.backward_weight * forward.T)


def _scaled(m: sp.csr_matrix, popularity: FloatArray) -> sp.csr_matrix:
    """Divide entry (a, b) by sqrt(popularity a × popularity b): the cosine of co-occurrence."""
    inv = 1.0 / np.sqrt(np.maximum(popularity, 1.0))
    return sp.csr_matrix(sp.diags(inv) @ m @ sp.diags(inv))


def _user_histories(data: Interactions) -> tuple[IntArray, IntArray]:
    """Each shopper's distinct items ordered by their last purchase: (indptr, items)."""
    n = len(data.item)
    position = np.arange(n)
    # The last row of each (user, item): sort by user, item, position and keep group ends.
    order = np.lexsort((position, data.item, data.user))
    u, i = data.user[order], data.item[order]
    last = np.ones(n, dtype=bool)
    last[:-1] = (u[1:] != u[:-1]) | (i[1:] != i[:-1])
    keep = order[last]
    keep = keep[np.lexsort((keep, data.user[keep]))]  # by user, then time
    counts = np.bincount(data.user[keep], minlength=len(data.user_ids))
    return np.concatenate(([0], np.cumsum(counts))).astype(np.int64), data.item[keep]


def _sales(data: Interactions, config: ModelConfig) -> tuple[FloatArray, FloatArray, str | None]:
    """Per item: orders in the last ``trending_days``, and all orders decayed by age (trend)."""
    n_items = len(data.item_ids)
    # One count per order holding the item, however many lines or units it had; views and
    # carts (quantity 0) sell nothing.
    first = np.zeros(len(data.item), dtype=bool)
    first[np.unique(data.basket * n_items + data.item, return_index=True)[1]] = True
    sold = first & (data.quantity > 0)
    dated = sold & (np.isfinite(data.day) if data.day is not None else False)
    if not dated.any():
        counts = np.bincount(data.item[sold], minlength=n_items)
        return np.zeros(n_items), counts.astype(np.float64), None
    assert data.day is not None
    item, day = data.item[dated], data.day[dated]
    end = float(np.floor(day.max()))
    age = end + 1 - day
    recent = age <= config.trending_days
    orders = np.bincount(item[recent], minlength=n_items)
    half_life = config.trending_days / 4
    trend = np.bincount(item, weights=0.5 ** (age / half_life), minlength=n_items)
    end_day = (_EPOCH + timedelta(days=int(end))).isoformat()
    return orders.astype(np.float64), trend.astype(np.float64), end_day


def fit(
    data: Interactions, config: ModelConfig | None = None, progress: Progress | None = None
) -> ItemModel:
    """Train the item model; ``progress(stage, done, total)`` is called after each stage."""
    config = config or ModelConfig()
    if len(data.item) == 0:
        raise ConfigError("no purchases to train the recommender on: load a store first")
    started = time.perf_counter()
    n_items, n_users = len(data.item_ids), len(data.user_ids)
    stage = "train recommender"
    report(progress, stage, 0, STAGES)

    users = _binary(data.user, data.item, (n_users, n_items))
    popularity = np.asarray(users.sum(axis=0), dtype=np.float64).ravel()
    co_users = _no_diagonal(users.T @ users)
    cosine = _scaled(co_users, popularity)
    similar = prune(cosine, config.neighbours)
    report(progress, stage, 1, STAGES)

    n_baskets = int(data.basket.max()) + 1
    baskets = _binary(data.basket, data.item, (n_baskets, n_items))
    basket_popularity = np.asarray(baskets.sum(axis=0), dtype=np.float64).ravel()
    multi = baskets[np.diff(baskets.indptr) > 1]
    together = _no_diagonal(multi.T @ multi)
    damp = sp.diags(1.0 / np.sqrt(np.maximum(basket_popularity, 1.0)))
    ranked = prune(together @ damp, config.neighbours)
    together = sp.csr_matrix(together.multiply(ranked.astype(bool)))
    report(progress, stage, 2, STAGES)

    if config.transition_weight > 0:
        basket_user = np.zeros(n_baskets, dtype=np.int64)
        basket_user[data.basket] = data.user
        following = _scaled(_transitions(baskets, basket_user, config), popularity)
        personal = prune(cosine + config.transition_weight * following, config.neighbours)
    else:
        personal = similar
    report(progress, stage, 3, STAGES)

    kept = (personal.astype(bool) + similar.astype(bool) + together.astype(bool)).astype(bool)
    co_kept = co_users.multiply(kept).tocsr()
    indptr, items = _user_histories(data)
    orders, trend, data_end = _sales(data, config)
    report(progress, stage, 4, STAGES)

    model = ItemModel(
        config=config,
        item_ids=list(data.item_ids),
        personal=personal,
        similar=similar,
        together=together,
        co_users=co_kept,
        popularity=popularity,
        basket_popularity=basket_popularity,
        trend=trend,
        recent_orders=orders,
        user_ids=list(data.user_ids),
        user_indptr=indptr,
        user_items=items,
        data_end=data_end,
        trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
        train_seconds=round(time.perf_counter() - started, 3),
    )
    report(progress, stage, STAGES, STAGES)
    return model
