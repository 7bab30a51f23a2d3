"""Graded relevance metrics of one ranked list (pure functions).

A query's judgments map product ids to gains (grade minus the lowest grade of the scale);
products the ranking holds but nobody judged count as gain 0. A product is *relevant* when
its gain reaches ``relevant_gain``.

- nDCG@k: sum of gain / log2(rank + 1) over the first k, divided by the same sum for the
  judged products in the best order. Undefined (None) when no judged product has a gain.
- Recall@k: relevant products in the first k over all relevant products of the query.
- MRR@k: 1 / rank of the first relevant product within the first k, else 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence


def dcg(gains: Sequence[float]) -> float:
    return sum(g / math.log2(rank + 2) for rank, g in enumerate(gains))


def ndcg_at(ranked: Sequence[str], gains: Mapping[str, float], k: int) -> float | None:
    ideal = dcg(sorted(gains.values(), reverse=True)[:k])
    if ideal <= 0:
        return None
    return dcg([gains.get(pid, 0.0) for pid in ranked[:k]]) / ideal


def recall_at(
    ranked: Sequence[str], gains: Mapping[str, float], k: int, relevant_gain: float
) -> float | None:
    relevant = {pid for pid, g in gains.items() if g >= relevant_gain}
    if not relevant:
        return None
    return len(relevant.intersection(ranked[:k])) / len(relevant)


def mrr_at(
    ranked: Sequence[str], gains: Mapping[str, float], k: int, relevant_gain: float
) -> float | None:
    if not any(g >= relevant_gain for g in gains.values()):
        return None
    for rank, pid in enumerate(ranked[:k]):
        if gains.get(pid, 0.0) >= relevant_gain:
            return 1.0 / (rank + 1)
    return 0.0
