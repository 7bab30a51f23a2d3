"""Loaders that turn a shipped demo data set into store records.

Each loader reads one source folder and returns a ``LoadedDataset``; ``tools.catalog.load``
picks the loader by name and writes the result with ``Store.replace_all``.
"""

from __future__ import annotations

import gc
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NamedTuple

from tools.models import Order, Product, StoreInfo, User

# progress(stage, done, total): called as a long load advances; total is 0 when unknown.
Progress = Callable[[str, int, int], None]


class LoadedDataset(NamedTuple):
    """A data set ready for ``Store.replace_all``."""

    info: StoreInfo
    products: list[Product]
    users: list[User]
    orders: list[Order]


def stable_hash(text: str) -> int:
    """A hash of ``text`` that is the same in every process (unlike ``hash``)."""
    return zlib.crc32(text.encode("utf-8"))


def report(progress: Progress | None, stage: str, done: int, total: int) -> None:
    """Call ``progress`` when one was given."""
    if progress is not None:
        progress(stage, done, total)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many long-lived objects.

    Every few hundred allocations the collector walks all tracked objects; with hundreds of
    thousands of fresh records that costs more than building them. Nothing built here is cyclic.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
