"""Loaders that turn a shipped demo data set into store records.

Each loader reads one source folder and returns a ``LoadedDataset``; ``tools.catalog.load``
picks the loader by name and writes the result with ``Store.replace_all``.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable
from typing import NamedTuple

from tools.models import Order, Product, StoreInfo, User

# progress(stage, done, total): called as a long load advances; total is 0 when unknown.
Progress = Callable[[str, int, int], None]


class LoadedDataset(NamedTuple):
    """A data set ready for ``Store.replace_all``.

    The records may be one-shot iterators that build each record as it is consumed (so a large
    data set never sits in memory whole): iterate each of them once, and take counts from
    ``info``.
    """

    info: StoreInfo
    products: Iterable[Product]
    users: Iterable[User]
    orders: Iterable[Order]


def stable_hash(text: str) -> int:
    """A hash of ``text`` that is the same in every process (unlike ``hash``)."""
    return zlib.crc32(text.encode("utf-8"))


def report(progress: Progress | None, stage: str, done: int, total: int) -> None:
    """Call ``progress`` when one was given."""
    if progress is not None:
        progress(stage, done, total)
