"""A coarse inverted-file index over normalised vectors: the nearest products without a full scan.

The vectors are grouped into cells by spherical k-means (about ``CELL_SIZE`` products each).
A query ranks the cells by their centroid's cosine and scores exactly only the products of
the ``PROBES`` nearest cells; when the filters leave too few of those, it probes further,
and when the filters leave few products at all, it scores those exactly instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]
BoolArray = npt.NDArray[np.bool_]
IndexArray = npt.NDArray[np.intp]

CELL_SIZE = 200
# Checked against the exact scan on the Home Depot dev queries: see the README.
PROBES = 32
# Filters leaving this few products: scoring them all costs less than ranking the cells.
EXACT_BELOW = 4000
KMEANS_ROUNDS = 8
KMEANS_SAMPLE = 20000


def top(values: npt.NDArray[np.floating[Any]], k: int) -> IndexArray:
    """Positions of the ``k`` largest values (or all), largest first."""
    k = min(k, len(values))
    if k <= 0:
        return np.zeros(0, dtype=np.intp)
    part = np.argpartition(-values, k - 1)[:k]
    return part[np.argsort(-values[part], kind="stable")]


def _normalised(rows: Vectors) -> Vectors:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    out: Vectors = (rows / np.maximum(norms, 1e-12)).astype(np.float32)
    return out


@dataclass(frozen=True)
class Cells:
    """Centroids, and the products of cell ``c`` as ``members[bounds[c]:bounds[c + 1]]``,
    whose vectors are ``grouped[bounds[c]:bounds[c + 1]]``: a copy of the vectors cell by
    cell, so a probe reads each cell in one piece instead of gathering rows."""

    centroids: Vectors
    members: IndexArray
    bounds: IndexArray
    grouped: Vectors

    @classmethod
    def build(cls, vectors: Vectors) -> Cells:
        """Spherical k-means on an evenly spread sample, then every vector to its nearest."""
        count = max(1, len(vectors) // CELL_SIZE)
        sample = vectors[:: max(1, len(vectors) // KMEANS_SAMPLE)]
        # Deterministic start: centroids spread evenly over the sample.
        centroids = sample[np.linspace(0, len(sample) - 1, count).astype(np.intp)].copy()
        for _ in range(KMEANS_ROUNDS):
            nearest = np.argmax(sample @ centroids.T, axis=1)
            sums = np.zeros_like(centroids)
            np.add.at(sums, nearest, sample)
            empty = ~np.any(sums, axis=1)
            sums[empty] = centroids[empty]  # a cell that lost every vector keeps its place
            centroids = _normalised(sums)
        cell = np.argmax(vectors @ centroids.T, axis=1)
        members = np.argsort(cell, kind="stable")
        bounds = np.searchsorted(cell[members], np.arange(count + 1))
        return cls(centroids, members, bounds, np.ascontiguousarray(vectors[members]))

    def nearest(self, vectors: Vectors, query: Vectors, allowed: BoolArray, k: int) -> IndexArray:
        """The ``k`` allowed rows of ``vectors`` nearest ``query``, nearest first."""
        if int(allowed.sum()) <= EXACT_BELOW:
            rows = np.flatnonzero(allowed)
            return rows[top(vectors[rows] @ query, k)]
        order = np.argsort(-(self.centroids @ query))
        probes = PROBES
        rows, scores = self._probe(order[:probes], query, allowed)
        while len(rows) < k and probes < len(order):  # the filters left too few: widen
            probes *= 2
            rows, scores = self._probe(order[:probes], query, allowed)
        return rows[top(scores, k)]

    def _probe(
        self, cells: IndexArray, query: Vectors, allowed: BoolArray
    ) -> tuple[IndexArray, Vectors]:
        """The allowed products of ``cells`` and their cosines."""
        spans = [slice(self.bounds[c], self.bounds[c + 1]) for c in cells]
        rows = np.concatenate([self.members[span] for span in spans])
        scores = np.concatenate([self.grouped[span] @ query for span in spans])
        kept = allowed[rows]
        return rows[kept], scores[kept]
