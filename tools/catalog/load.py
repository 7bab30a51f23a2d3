"""Load a demo data set into a store: ``load_dataset("online-retail", store)``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TypeVar

from infra.errors import ConfigError
from tools.catalog.loaders import LoadedDataset, Progress, report
from tools.catalog.loaders.online_retail import load_online_retail
from tools.catalog.loaders.tau_retail import load_tau_retail
from tools.catalog.store import Store
from tools.models import StoreInfo

# The data shipped inside the package, one folder per data set.
DATA_DIR = Path(__file__).parent / "data"

LOADERS: dict[str, Callable[[Path, Progress | None], LoadedDataset]] = {
    "online-retail": load_online_retail,
    "tau-retail": load_tau_retail,
}

_T = TypeVar("_T")
_REPORT_EVERY = 2000


def _counted(
    items: Iterable[_T], stage: str, total: int, progress: Progress | None
) -> Iterator[_T]:
    """Yield ``items`` while reporting how many were written."""
    done = 0
    for done, item in enumerate(items, start=1):
        if done % _REPORT_EVERY == 0:
            report(progress, stage, done, total)
        yield item
    report(progress, stage, done, total)


def load_dataset(
    name: str,
    store: Store,
    source_dir: Path | None = None,
    progress: Progress | None = None,
) -> StoreInfo:
    """Replace everything in ``store`` with the named data set and return what was loaded.

    ``source_dir`` defaults to the copy shipped in ``tools/catalog/data/<name>``; ``progress``
    is called as ``progress(stage, done, total)`` while reading and while writing.
    """
    loader = LOADERS.get(name)
    if loader is None:
        valid = ", ".join(sorted(LOADERS))
        raise ConfigError(f"unknown dataset {name!r}; choose one of: {valid}")
    data = loader(source_dir or DATA_DIR / name, progress)
    info = data.info
    # The loader may build records lazily: the store consumes each iterable once, in turn.
    store.replace_all(
        info,
        _counted(data.products, "store products", info.products, progress),
        _counted(data.users, "store users", info.users, progress),
        _counted(data.orders, "store orders", info.orders, progress),
    )
    return data.info
