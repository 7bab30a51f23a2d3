"""``shopagent eval search``: graded relevance of every search backend and method.

Input is two CSV files. Products: an id column (``id``, ``product_id``, ``product_uid``,
``item_id`` or ``sku``; else the first column), a title column (``title``, ``product_title``,
``name`` or ``product_name``; else the next column) and any further text columns, which
become the description. Judgments: a query column (``query`` or ``search_term``), the
products' id column (or ``product_id``), and a graded relevance (``relevance``, ``grade`` or
``label``).

Each backend and method (``embedded/bm25``, ``embedded/hybrid``, ``opensearch/bm25``,
``opensearch/hybrid``) indexes the products, then answers every judged query through its
``search`` (two pages of 50 make the top 100). Gains are the grade minus the lowest grade
(the lowest in the file unless given), unjudged products gain 0, and a product is relevant
when its gain is at least half the highest gain; see ``evals.relevance`` for the metrics.
nDCG@10 is also given for each half of the queries (split by the parity of their CRC-32),
so a parameter tuned on one half can be checked on the other. Latency is the client-side
time of the first page, after a warm-up. OpenSearch rows run when
``SHOPAGENT_OPENSEARCH_URL`` names a node that answers.
"""

from __future__ import annotations

import asyncio
import csv
import json
import math
import platform
import time
import zlib
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from evals.relevance import mrr_at, ndcg_at, recall_at
from evals.stats import percentile
from infra.errors import ConfigError, UpstreamError
from infra.settings import Settings
from tools.catalog.loaders import Progress, report
from tools.models import Product
from tools.search.base import ProductSearch, SearchQuery
from tools.search.embedded import EmbeddedSearch
from tools.search.vectors import Embedder

ID_COLUMNS = ("id", "product_id", "product_uid", "item_id", "sku")
TITLE_COLUMNS = ("title", "product_title", "name", "product_name")
QUERY_COLUMNS = ("query", "search_term")
GRADE_COLUMNS = ("relevance", "grade", "label")
BACKENDS = ("embedded", "opensearch")
METHODS = ("bm25", "hybrid")
PAGE = 50
DEPTH = 100  # Recall@100
WARMUP_QUERIES = 50


@dataclass(frozen=True)
class Judgments:
    """Graded judgments: query -> product id -> gain."""

    gains: dict[str, dict[str, float]]
    lowest_grade: float
    relevant_gain: float
    pairs: int


@dataclass
class Row:
    """One backend and method: its scores, latency and indexing time."""

    name: str
    ndcg_at_10: float
    # nDCG@10 of the queries whose CRC-32 is even, then odd: tune on one, check on the other
    ndcg_at_10_halves: tuple[float, float]
    recall_at_100: float
    mrr_at_10: float
    latency_p50_ms: float
    latency_p95_ms: float
    index_s: float
    queries: int
    errors: int
    notes: list[str] = field(default_factory=list)


def _column(header: Sequence[str], names: Sequence[str], what: str, path: Path) -> str:
    lowered = {h.strip().lower(): h for h in header}
    for name in names:
        if name in lowered:
            return lowered[name]
    raise ConfigError(
        f"{path} has no {what} column (looked for {', '.join(names)}; it has {', '.join(header)})"
    )


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
            header = list(reader.fieldnames or [])
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise ConfigError(f"cannot read {path}: {err}") from err
    if not header:
        raise ConfigError(f"{path} is empty")
    return header, rows


def read_products(path: Path) -> tuple[list[Product], str]:
    """Products from a CSV (id, title, other text columns as description), and the id column."""
    header, rows = _rows(path)
    try:
        id_col = _column(header, ID_COLUMNS, "id", path)
    except ConfigError:
        id_col = header[0]
    rest = [h for h in header if h != id_col]
    if not rest:
        raise ConfigError(f"{path} has an id column ({id_col}) but no text column")
    try:
        title_col = _column(rest, TITLE_COLUMNS, "title", path)
    except ConfigError:
        title_col = rest[0]
    text_cols = [h for h in rest if h != title_col]
    products = [
        Product(
            id=row[id_col].strip(),
            title=row[title_col] or "",
            description=" ".join(row[c] for c in text_cols if row.get(c)),
            price=0.0,
        )
        for row in rows
        if row.get(id_col, "").strip()
    ]
    if not products:
        raise ConfigError(f"{path} has no product rows")
    return products, id_col


def read_judgments(path: Path, id_column: str, lowest_grade: float | None = None) -> Judgments:
    """Judgments from a CSV; repeated (query, product) pairs are averaged."""
    header, rows = _rows(path)
    query_col = _column(header, QUERY_COLUMNS, "query", path)
    id_col = _column(header, (id_column.lower(), "product_id"), "product id", path)
    grade_col = _column(header, GRADE_COLUMNS, "relevance", path)
    grades: dict[str, dict[str, list[float]]] = {}
    for number, row in enumerate(rows, start=2):
        try:
            grade = float(row[grade_col])
        except (TypeError, ValueError) as err:
            raise ConfigError(
                f"{path}:{number}: relevance {row[grade_col]!r} is no number"
            ) from err
        query = " ".join((row[query_col] or "").split())
        if query:
            grades.setdefault(query, {}).setdefault(row[id_col].strip(), []).append(grade)
    if not grades:
        raise ConfigError(f"{path} has no judgments")
    every = [g for by_id in grades.values() for gs in by_id.values() for g in gs]
    lowest = min(every) if lowest_grade is None else lowest_grade
    gains = {
        q: {pid: sum(gs) / len(gs) - lowest for pid, gs in by_id.items()}
        for q, by_id in grades.items()
    }
    top = max(g for by_id in gains.values() for g in by_id.values())
    if top <= 0:
        raise ConfigError(f"{path}: no judgment is above the lowest grade {lowest:g}")
    pairs = sum(len(by_id) for by_id in gains.values())
    return Judgments(gains, lowest, top / 2, pairs)


def _mean(values: list[float | None]) -> float:
    scored = [v for v in values if v is not None]
    return sum(scored) / len(scored) if scored else math.nan


def half(query: str) -> int:
    """0 or 1: which half of the judged queries ``query`` falls in (stable across runs)."""
    return zlib.crc32(query.encode()) % 2


def _halves(queries: list[str], values: list[float | None]) -> tuple[float, float]:
    by_half: tuple[list[float | None], list[float | None]] = ([], [])
    for query, value in zip(queries, values, strict=True):
        by_half[half(query)].append(value)
    return round(_mean(by_half[0]), 4), round(_mean(by_half[1]), 4)


async def _ranking(search: ProductSearch, text: str) -> tuple[list[str], float]:
    """The top ``DEPTH`` product ids and the seconds the first page took."""
    start = time.perf_counter()
    first = await search.search(SearchQuery(query=text, limit=PAGE))
    elapsed = time.perf_counter() - start
    ids = [p.id for p in first.products]
    for offset in range(PAGE, DEPTH, PAGE):
        if first.total <= offset:
            break
        page = await search.search(SearchQuery(query=text, limit=PAGE, offset=offset))
        ids.extend(p.id for p in page.products)
    return ids, elapsed


async def evaluate(
    name: str,
    search: ProductSearch,
    index_s: float,
    judgments: Judgments,
    progress: Progress | None = None,
) -> Row:
    """Run every judged query through ``search`` (already indexed) and score the rankings."""
    queries = sorted(judgments.gains)
    # The last queries warm up: by the time the loop reaches them again, no cache holds them.
    for text in queries[-WARMUP_QUERIES:]:
        await _ranking(search, text)
    ndcg: list[float | None] = []
    recall: list[float | None] = []
    mrr: list[float | None] = []
    latencies: list[float] = []
    errors = 0
    stage = f"queries {name}"
    for done, text in enumerate(queries, start=1):
        gains = judgments.gains[text]
        try:
            ranked, seconds = await _ranking(search, text)
            latencies.append(seconds)
        except ValidationError:
            ranked, errors = [], errors + 1  # a query the tool refuses finds nothing
        ndcg.append(ndcg_at(ranked, gains, 10))
        recall.append(recall_at(ranked, gains, DEPTH, judgments.relevant_gain))
        mrr.append(mrr_at(ranked, gains, 10, judgments.relevant_gain))
        if done % 100 == 0 or done == len(queries):
            report(progress, stage, done, len(queries))
    return Row(
        name=name,
        ndcg_at_10=round(_mean(ndcg), 4),
        ndcg_at_10_halves=_halves(queries, ndcg),
        recall_at_100=round(_mean(recall), 4),
        mrr_at_10=round(_mean(mrr), 4),
        latency_p50_ms=round(percentile(latencies, 50) * 1000, 2),
        latency_p95_ms=round(percentile(latencies, 95) * 1000, 2),
        index_s=round(index_s, 2),
        queries=len(queries),
        errors=errors,
    )


BackendFactory = Callable[[Embedder | None], AbstractAsyncContextManager[ProductSearch]]


@asynccontextmanager
async def _embedded(embedder: Embedder | None) -> AsyncIterator[ProductSearch]:
    yield EmbeddedSearch(embedder=embedder)


def _opensearch_factory(settings: Settings) -> BackendFactory:
    """OpenSearch backends on the node ``settings`` name (UpstreamError when it is down)."""
    from infra.clients import async_opensearch_client, opensearch_client
    from tools.search.opensearch import OpenSearchSearch

    probe = opensearch_client(settings)
    try:
        probe.info()
    except Exception as err:  # any failure to answer means: no node to evaluate
        raise UpstreamError(f"no OpenSearch node answers at {settings.opensearch_url}") from err
    finally:
        probe.close()

    @asynccontextmanager
    async def make(embedder: Embedder | None) -> AsyncIterator[ProductSearch]:
        client = async_opensearch_client(settings)
        bulk = opensearch_client(settings)
        alias = f"shopagent-eval-{'hybrid' if embedder else 'bm25'}"
        try:
            yield OpenSearchSearch(client, bulk, alias=alias, vectors=embedder)
        finally:
            await client.close()
            bulk.close()

    return make


def plan(
    settings: Settings, backends: Sequence[str], methods: Sequence[str], notes: list[str]
) -> list[tuple[str, str, BackendFactory]]:
    """The (backend, method, factory) triples to run; skipped ones are explained in ``notes``."""
    unknown = sorted(set(backends) - set(BACKENDS)) + sorted(set(methods) - set(METHODS))
    if unknown:
        raise ConfigError(
            f"unknown backend or method {', '.join(unknown)}; backends: {', '.join(BACKENDS)}, "
            f"methods: {', '.join(METHODS)}"
        )
    factories: dict[str, BackendFactory] = {}
    if "embedded" in backends:
        factories["embedded"] = _embedded
    if "opensearch" in backends:
        explicit = list(backends) != list(BACKENDS)
        if settings.opensearch_url is None:
            if explicit:
                raise ConfigError("--backend opensearch needs SHOPAGENT_OPENSEARCH_URL")
            notes.append("opensearch skipped: SHOPAGENT_OPENSEARCH_URL is not set")
        else:
            try:
                factories["opensearch"] = _opensearch_factory(settings)
            except UpstreamError as err:
                if explicit:
                    raise
                notes.append(f"opensearch skipped: {err}")
    return [(b, m, f) for b, f in factories.items() for m in methods]


async def run(
    products: list[Product],
    judgments: Judgments,
    settings: Settings,
    runs: list[tuple[str, str, BackendFactory]],
    progress: Progress | None = None,
) -> list[Row]:
    """Index and evaluate each planned backend and method in turn."""
    embedder = Embedder(settings.data_dir / "vectors")
    rows: list[Row] = []
    try:
        for backend, method, factory in runs:
            name = f"{backend}/{method}"
            async with factory(embedder if method == "hybrid" else None) as search:
                start = time.perf_counter()
                computed_before = embedder.computed
                await asyncio.to_thread(_index, search, products, progress)
                index_s = time.perf_counter() - start
                row = await evaluate(name, search, index_s, judgments, progress)
            if embedder.computed > computed_before:
                row.notes.append(
                    f"indexing computed {embedder.computed - computed_before} vectors "
                    "(the rest came from the cache)"
                )
            rows.append(row)
    finally:
        embedder.close()
    return rows


def _index(search: ProductSearch, products: list[Product], progress: Progress | None) -> None:
    index: Any = search.index  # both backends take a progress callback beside the Protocol's
    index(products, progress=progress)


def render(rows: list[Row], judgments: Judgments) -> Table:
    table = Table(
        title=f"search relevance: {len(judgments.gains):,} queries, {judgments.pairs:,} judgments"
    )
    columns = (
        "backend/method",
        "nDCG@10",
        "even / odd",
        "Recall@100",
        "MRR@10",
        "p50 ms",
        "p95 ms",
    )
    for column in columns:
        table.add_column(column, justify="left" if column == "backend/method" else "right")
    table.add_column("index s", justify="right")
    for r in rows:
        table.add_row(
            r.name,
            f"{r.ndcg_at_10:.4f}",
            " / ".join(f"{v:.4f}" for v in r.ndcg_at_10_halves),
            f"{r.recall_at_100:.4f}",
            f"{r.mrr_at_10:.4f}",
            f"{r.latency_p50_ms:.2f}",
            f"{r.latency_p95_ms:.2f}",
            f"{r.index_s:.1f}",
        )
    return table


def run_search_eval_cli(
    products_csv: Path,
    judgments_csv: Path,
    out: Path,
    backends: Sequence[str],
    methods: Sequence[str],
    lowest_grade: float | None,
    settings: Settings,
    console: Console,
    progress: Progress,
) -> dict[str, Any]:
    """Read the CSVs, run the plan with ``progress`` (one bar per stage), print the table,
    write the JSON."""
    products, id_column = read_products(products_csv)
    judgments = read_judgments(judgments_csv, id_column, lowest_grade)
    known = {p.id for p in products}
    missing = sum(1 for by_id in judgments.gains.values() for pid in by_id if pid not in known)
    notes: list[str] = []
    if missing:
        notes.append(f"{missing} judged product ids are not among the products")
    runs = plan(settings, backends or BACKENDS, methods or METHODS, notes)
    rows = asyncio.run(run(products, judgments, settings, runs, progress))
    document = {
        "products": str(products_csv),
        "judgments": str(judgments_csv),
        "product_count": len(products),
        "queries": len(judgments.gains),
        "judged_pairs": judgments.pairs,
        "gain": f"grade - {judgments.lowest_grade:g}; unjudged results gain 0",
        "relevant": f"gain >= {judgments.relevant_gain:g}",
        "latency": f"client-side time of the first page of {PAGE}, after {WARMUP_QUERIES} "
        "warm-up queries",
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "notes": notes,
        "rows": [asdict(r) for r in rows],
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=2) + "\n")
    console.print(render(rows, judgments))
    for note in notes + [f"{r.name}: {n}" for r in rows for n in r.notes]:
        console.print(f"[yellow]note:[/yellow] {note}")
    console.print(f"wrote {out}")
    return document
