"""Product search on OpenSearch: BM25 over analysed fields, or hybrid with k-NN vectors.

Indexing (``index``) is a batch job on the blocking client: every call builds a new physical
index ``<alias>-<n>`` from the index template, bulk-loads it with progress, and then moves
the alias to it in one atomic ``_aliases`` call before deleting the old one, so searches
never see a half-built catalog or a missing index. Searching runs on the async client.

A search answers as the embedded backend does (same words matched, same relaxation, same
constraint extraction and relaxation steps from ``tools.search.constraints``): usually one
request, two when words must be corrected or relaxed. The catalog's attribute names and
values, which extraction and the unknown-attribute error need, come from ``index`` or are
read once from the cluster (a process that did not index sees another's re-index on restart).

With ``vectors`` (a ``ProductVectors``) each document also stores its embedding in a
``knn_vector`` field (Lucene HNSW), and the index is merged into one segment before the
alias moves, so a k-NN search walks one graph. A hybrid search encodes the query and runs
its filtered k-NN query, which also scores the words (named queries), while the words are
matched (those lexical requests skip the facets and the exact count); then one ``_msearch``
asks for the count and facets of the union and the exact cosines of the other lexical
candidates, and they are blended as the embedded backend blends them.

Every failure of the cluster (unreachable, timed out, refused) is an ``UpstreamError`` naming
the cluster and what was asked; nothing from the client library reaches the caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from opensearchpy import AsyncOpenSearch, OpenSearch, helpers
from opensearchpy.exceptions import NotFoundError, OpenSearchException, TransportError

from infra.errors import ToolInputError, UpstreamError
from tools.catalog.loaders import Progress, report
from tools.models import Product
from tools.search.base import ProductSummary, SearchQuery, SearchResult
from tools.search.constraints import AttributeVocabulary, extract, relaxations
from tools.search.hybrid import HYBRID_CANDIDATES, blend, number_match
from tools.search.opensearch_index import VECTOR_FIELD, document, template
from tools.search.opensearch_query import (
    attribute_values_agg,
    clause_queries,
    clauses_met_body,
    facet_aggs,
    filters,
    matching,
    read_corrections,
    read_facets,
    sort_keys,
    suggest_body,
    word_clauses,
)
from tools.search.text import fold_key

BULK_CHUNK = 1000
MERGE_TIMEOUT_S = 1800  # merging a large catalog's vector graphs takes minutes


class ProductVectors(Protocol):
    """Sentence embeddings of products and queries, one model for both (``Embedder``)."""

    def embed_products(
        self, products: Sequence[Product], progress: Progress | None = None
    ) -> npt.NDArray[np.float32]:
        """One row per product."""

    def embed_query(self, text: str) -> npt.NDArray[np.float32]:
        """One vector."""


class OpenSearchSearch:
    """The ``ProductSearch`` backend on an OpenSearch cluster (2.x, k-NN plugin for hybrid)."""

    name = "opensearch"

    def __init__(
        self,
        client: AsyncOpenSearch,
        bulk_client: OpenSearch,
        *,
        alias: str = "shopagent-products",
        vectors: ProductVectors | None = None,
        replicas: int = 0,
        max_facet_values: int = 25,
    ) -> None:
        self.client = client
        self.bulk_client = bulk_client
        self.alias = alias
        self.vectors = vectors
        self.replicas = replicas
        self.max_facet_values = max_facet_values
        # The catalog's attributes, from ``index`` or read once from the cluster.
        self._known: _Catalog | None = None

    @property
    def method(self) -> str:
        return "bm25" if self.vectors is None else "hybrid"

    # --- indexing ----------------------------------------------------------------------------

    def index(self, products: Iterable[Product], progress: Progress | None = None) -> None:
        """Replace the searchable catalog with ``products`` (a later duplicate id wins).

        The new catalog is built in a fresh index and swapped in behind the alias: searches
        meanwhile keep answering from the old one.
        """
        unique = list({p.id: p for p in products}.values())
        stage = f"indexing {self.name}/{self.method}"
        vectors = None if self.vectors is None else self.vectors.embed_products(unique, progress)
        dims = None if vectors is None else int(vectors.shape[1])
        target = f"{self.alias}-{time.time_ns()}"
        with self._upstream(f"build index {target!r}"):
            self.bulk_client.indices.put_index_template(
                name=self.alias,
                body=template(f"{self.alias}-*", vector_dims=dims, replicas=self.replicas),
            )
            # No refreshes while loading: one at the end is far cheaper.
            self.bulk_client.indices.create(
                index=target, body={"settings": {"refresh_interval": "-1"}}
            )
        try:
            self._load(target, unique, vectors, stage, progress)
            with self._upstream(f"merge index {target!r}"):
                self.bulk_client.indices.refresh(index=target)
                # One segment: a k-NN search walks one graph instead of one per segment
                # (several times faster on the 54k-product catalog).
                report(progress, f"merging {self.name}/{self.method}", 0, 1)
                self.bulk_client.indices.forcemerge(
                    index=target, max_num_segments=1, request_timeout=MERGE_TIMEOUT_S
                )
                report(progress, f"merging {self.name}/{self.method}", 1, 1)
            with self._upstream(f"publish index {target!r}"):
                self.bulk_client.indices.put_settings(index=target, body={"refresh_interval": "1s"})
                old = self._swap_alias(target)
        except BaseException:
            with contextlib.suppress(OpenSearchException):  # the cluster may be what failed
                self.bulk_client.indices.delete(index=target, ignore_unavailable=True)
            raise
        self._known = _Catalog.of(unique)
        with self._upstream("delete the previous index"):
            for name in old:
                self.bulk_client.indices.delete(index=name, ignore_unavailable=True)

    def _load(
        self,
        target: str,
        products: list[Product],
        vectors: npt.NDArray[Any] | None,
        stage: str,
        progress: Progress | None,
    ) -> None:
        def actions() -> Iterator[dict[str, Any]]:
            for rank, product in enumerate(products):
                vector = None if vectors is None else vectors[rank].tolist()
                yield {
                    "_index": target,
                    "_id": product.id,
                    "_source": document(product, rank, vector),
                }

        total = len(products)
        report(progress, stage, 0, total)
        with self._upstream(f"bulk-load index {target!r}"):
            stream = helpers.streaming_bulk(
                self.bulk_client, actions(), chunk_size=BULK_CHUNK, raise_on_error=True
            )
            for done, _ in enumerate(stream, start=1):
                if done % BULK_CHUNK == 0 or done == total:
                    report(progress, stage, done, total)

    def _swap_alias(self, target: str) -> list[str]:
        """Point the alias at ``target`` alone, atomically; returns the indexes it left."""
        try:
            current = list(self.bulk_client.indices.get_alias(name=self.alias))
        except NotFoundError:
            current = []
        actions: list[dict[str, Any]] = [
            {"remove": {"index": name, "alias": self.alias}} for name in current
        ]
        actions.append({"add": {"index": target, "alias": self.alias}})
        self.bulk_client.indices.update_aliases(body={"actions": actions})
        return [name for name in current if name != target]

    # --- searching -----------------------------------------------------------------------------

    async def search(self, query: SearchQuery) -> SearchResult:
        """Run one query (the embedded backend's contract, ``ProductSearch.search``)."""
        with self._upstream("search"):
            catalog = await self._catalog()
            if not catalog.size:
                return SearchResult(total=0, products=[])
            catalog.check_attributes(query)
            extracted: list[str] = []
            if query.extract_constraints:
                query, extracted = extract(query, catalog.vocabulary)
            result = await self._run(query)
            relaxed: list[str] = []
            if result.total == 0 and query.relax:
                for label, step in relaxations(query):
                    relaxed.append(label)
                    result = await self._run(step)
                    if result.total:
                        break
        return result.model_copy(update={"extracted": extracted, "relaxed": relaxed})

    async def _run(self, q: SearchQuery) -> SearchResult:
        words = word_clauses(q.query) if q.query else []
        if q.query and not words:
            return SearchResult(total=0, products=[])  # only stop words: nothing to look for
        if self.vectors is None or not words:
            _, _, response = await self._matches(q, words, (q.offset, q.limit), whole=True)
            return self._result(response)
        # Hybrid blends the best lexical candidates (by BM25, whatever the sort) and pages
        # over them, so it takes them all. The words are matched while the query is encoded
        # and its nearest products found; one more round then asks for the union's total and
        # facets and for the cosines of the lexical candidates.
        lexical_q = q.model_copy(update={"sort": "relevance"})
        window = (0, max(HYBRID_CANDIDATES, q.offset + q.limit))
        (clauses, met, lexical), nearest = await asyncio.gather(
            self._matches(lexical_q, words, window, whole=False),
            self._nearest(q, clause_queries(words)),
        )
        return await self._hybrid(q, clauses, met, lexical, nearest)

    async def _matches(
        self,
        q: SearchQuery,
        words: list[list[str]],
        window: tuple[int, int],
        *,
        whole: bool,
    ) -> tuple[list[dict[str, Any]], int, dict[str, Any]]:
        """The word clauses, how many a match meets, and the matches in ``window``.

        A word no product uses is also read as its most common one-edit spelling; when no
        product meets every clause, those meeting the most any product does are kept.
        ``whole``: with the exact total and the facets, else only whether any matched.
        """
        clauses = clause_queries(words)
        met = len(clauses)
        response = await self._lexical(q, clauses, met, window, whole, words)
        corrections = read_corrections(response.get("suggest", {}))
        if _total(response) == 0 and corrections:
            clauses = clause_queries(words, corrections)
            response = await self._lexical(q, clauses, met, window, whole)
        if _total(response) == 0 and met > 1:
            met, response = await self._relaxed(q, clauses, window, whole)
        return clauses, met, response

    async def _lexical(
        self,
        q: SearchQuery,
        clauses: list[dict[str, Any]],
        met: int,
        window: tuple[int, int],
        whole: bool,
        spell_check: list[list[str]] | None = None,
    ) -> dict[str, Any]:
        """The word matches in ``window`` (and spelling suggestions if asked)."""
        body = self._lexical_body(q, clauses, met, window, whole)
        suggest = suggest_body(spell_check or [])
        if suggest:
            body["suggest"] = suggest
        response: dict[str, Any] = await self.client.search(index=self.alias, body=body)
        return response

    def _lexical_body(
        self,
        q: SearchQuery,
        clauses: list[dict[str, Any]],
        met: int,
        window: tuple[int, int],
        whole: bool,
    ) -> dict[str, Any]:
        start, size = window
        body = {
            "from": start,
            "size": size,
            "query": matching(q, clauses, met),
            "sort": sort_keys(q.sort, bool(clauses)),
            "track_scores": bool(clauses),
            # Counting every match costs; without ``whole`` a total of 0 or 1 says enough.
            "track_total_hits": True if whole else 1,
            **_WITH_SUMMARY,
        }
        if whole:
            body["aggs"] = facet_aggs(self.max_facet_values)
        return body

    async def _relaxed(
        self, q: SearchQuery, clauses: list[dict[str, Any]], window: tuple[int, int], whole: bool
    ) -> tuple[int, dict[str, Any]]:
        """The most clauses that any product meets (fewer than all), and those matches.

        That number is asked for together with the matches of all clauses but one, the
        usual answer, so most relaxed searches take a single round trip.
        """
        most = len(clauses) - 1
        counted, guessed = await self._msearch(
            [clauses_met_body(q, clauses), self._lexical_body(q, clauses, most, window, whole)]
        )
        best = counted["aggregations"]["met"]["value"]
        met = int(round(best)) if best is not None else 0
        if met in (0, most):  # with none met, the guess matched nothing either
            return met, guessed
        return met, await self._lexical(q, clauses, met, window, whole)

    async def _msearch(self, bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
        searches = [part for body in bodies for part in ({"index": self.alias}, body)]
        responses: list[dict[str, Any]] = (await self.client.msearch(body=searches))["responses"]
        for response in responses:
            if "error" in response:
                raise UpstreamError(f"OpenSearch refused a search: {response['error']}")
        return responses

    async def _nearest(self, q: SearchQuery, clauses: list[dict[str, Any]]) -> _Nearest:
        """The ``HYBRID_CANDIDATES`` products nearest the query's vector among those the
        filters allow, each with its cosine and its BM25 over ``clauses`` (named query
        scores). The query is encoded off the event loop: that is CPU work."""
        assert self.vectors is not None
        encoded = await asyncio.to_thread(self.vectors.embed_query, q.query)
        vector = [float(x) for x in encoded]
        knn: dict[str, Any] = {"vector": vector, "k": HYBRID_CANDIDATES}
        if filters(q):
            knn["filter"] = matching(q, [], 0)
        near = {"knn": {VECTOR_FIELD: {**knn, "_name": "near"}}}
        words = {"bool": {"should": clauses, "_name": "words"}}
        body = {
            "size": HYBRID_CANDIDATES,
            "query": {"bool": {"must": [near], "should": [words]}},
            **_WITH_SUMMARY,
        }
        response = await self.client.search(
            index=self.alias, body=body, params={"include_named_queries_score": "true"}
        )
        return _Nearest(knn, clauses, _hits(response))

    async def _hybrid(
        self,
        q: SearchQuery,
        clauses: list[dict[str, Any]],
        met: int,
        lexical: dict[str, Any],
        nearest: _Nearest,
    ) -> SearchResult:
        """The embedded backend's hybrid (``tools.search.hybrid``): the best lexical candidates
        and the products nearest the query vector (among those the filters allow) ranked by
        the blend of BM25, cosine and number match, the other word matches after them in
        BM25 order; the matches are the word matches plus those nearest products, for the
        total, the facets and the other sorts.
        """
        words = _hits(lexical)
        candidates = [h["_id"] for h in words[:HYBRID_CANDIDATES]]
        cosine = {h["_id"]: _cosine(h["matched_queries"]["near"]) for h in nearest.hits}
        near_bm25 = {h["_id"]: h["matched_queries"].get("words", 0.0) for h in nearest.hits}
        by_relevance = q.sort == "relevance"
        # Ranked by relevance, the union only counts; in another order its score (BM25 plus
        # the k-NN score) breaks ties, at the cost of a second k-NN execution.
        near = (
            {"ids": {"values": list(cosine)}}
            if by_relevance
            else {"knn": {VECTOR_FIELD: nearest.knn}}
        )
        either = [matching(q, clauses, met), near]
        union_body = self._lexical_body(
            q, clauses, met, (0, 0) if by_relevance else (q.offset, q.limit), whole=True
        )
        union_body["query"] = {"bool": {"should": either, "minimum_should_match": 1}}
        if not by_relevance:
            return self._result(await self.client.search(index=self.alias, body=union_body))
        lexical_ids = set(candidates)
        near_only = [i for i in cosine if i not in lexical_ids]
        # The cosines of the lexical candidates that are not among the nearest, exactly.
        exact = {
            "field": VECTOR_FIELD,
            "query_value": nearest.knn["vector"],
            "space_type": "cosinesimil",
        }
        script = {"source": "knn_score", "lang": "knn", "params": exact}
        unscored = {"ids": {"values": [i for i in candidates if i not in cosine]}}
        scored = {"script_score": {"query": unscored, "script": script}}
        bodies = [union_body, {"size": HYBRID_CANDIDATES, "query": scored, **_IDS_ONLY}]
        if clauses != nearest.clauses:  # the words were corrected after the k-NN search
            near_words = {"bool": {"filter": [{"ids": {"values": near_only}}], "should": clauses}}
            bodies.append({"size": len(near_only), "query": near_words, **_IDS_ONLY})
        union, lexical_cosines, *rescored = await self._msearch(bodies)
        for hit in _hits(lexical_cosines):
            cosine[hit["_id"]] = _cosine(hit["_score"])
        if rescored:
            near_bm25 = {h["_id"]: float(h["_score"] or 0.0) for h in _hits(rescored[0])}
        hits = {h["_id"]: h for h in (*words, *nearest.hits)}
        best = float(words[0]["_score"]) if words else 1.0
        bm25 = {i: score / best for i, score in near_bm25.items()}
        bm25.update((h["_id"], float(h["_score"] or 0.0) / best) for h in words)
        ids = [*candidates, *near_only]
        blended = blend(
            [bm25.get(i, 0.0) for i in ids],
            [i in lexical_ids for i in ids],
            [cosine.get(i, 0.0) for i in ids],
            number_match(q.query, [hits[i]["summary"]["title"] for i in ids]),
        )
        ranking = sorted(zip(ids, blended.tolist(), strict=True), key=lambda item: -item[1])
        ranked = set(ids)
        # below every candidate (a blend is at least -1), in BM25 order
        ranking += [(h["_id"], bm25[h["_id"]] - 2.0) for h in words if h["_id"] not in ranked]
        page = ranking[q.offset : q.offset + q.limit]
        total = _total(union)
        return SearchResult(
            total=total,
            products=[_summary(hits[i], score) for i, score in page],
            facets=read_facets(union["aggregations"], self.max_facet_values) if total else {},
        )

    def _result(self, response: dict[str, Any]) -> SearchResult:
        total = _total(response)
        hits = _hits(response)
        return SearchResult(
            total=total,
            products=[_summary(hit, hit.get("_score") or 0.0) for hit in hits],
            facets=read_facets(response["aggregations"], self.max_facet_values) if total else {},
        )

    async def _catalog(self) -> _Catalog:
        """What filters and constraint extraction need to know of the catalog (cached)."""
        if self._known is None:
            body = {"size": 0, "track_total_hits": True, "aggs": {"names": attribute_values_agg()}}
            response = await self.client.search(index=self.alias, body=body)
            self._known = _Catalog.read(_total(response), response["aggregations"]["names"])
        return self._known

    def _upstream(self, action: str) -> _Upstream:
        hosts = self.client.transport.hosts or [{}]
        where = ", ".join(f"{h.get('host', '?')}:{h.get('port', '?')}" for h in hosts)
        return _Upstream(f"OpenSearch ({where}) could not {action}")

    async def aclose(self) -> None:
        """Close both clients' connections."""
        await self.client.close()
        self.bulk_client.close()


class _Upstream:
    """Turns any client-library failure into an ``UpstreamError`` that says what failed."""

    def __init__(self, message: str) -> None:
        self.message = message

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any
    ) -> None:
        if exc is None or not isinstance(exc, (OpenSearchException, helpers.BulkIndexError)):
            return
        if isinstance(exc, NotFoundError):
            raise UpstreamError(
                f"{self.message}: the index does not exist (index the catalog first)"
            ) from exc
        if isinstance(exc, TransportError) and isinstance(exc.status_code, int):
            raise UpstreamError(f"{self.message}: HTTP {exc.status_code} {_reason(exc)}") from exc
        raise UpstreamError(f"{self.message}: {type(exc).__name__}: {exc}") from exc


def _reason(err: TransportError) -> str:
    """The innermost reason OpenSearch gave, else the error type."""
    info = err.info.get("error") if isinstance(err.info, dict) else None
    while isinstance(info, dict) and isinstance(info.get("caused_by"), dict):
        info = info["caused_by"]
    if isinstance(info, dict) and info.get("reason"):
        return f"{info.get('type', err.error)}: {info['reason']}"
    return str(err.error)


@dataclass(frozen=True)
class _Catalog:
    """How many products, their attribute names (folded -> label), and their values."""

    size: int
    names: dict[str, str]
    vocabulary: AttributeVocabulary

    @classmethod
    def of(cls, products: list[Product]) -> _Catalog:
        """Labels as first seen, as the embedded backend keeps them."""
        names: dict[str, str] = {}
        values: dict[str, dict[str, str]] = {}
        for product in products:
            for name, vs in product.attributes.items():
                key = fold_key(name)
                if key:
                    label = names.setdefault(key, name.strip())
                    kept = values.setdefault(label, {})
                    for v in vs:
                        if fold_key(v):
                            kept.setdefault(fold_key(v), v.strip())
        vocabulary = AttributeVocabulary.of({n: list(vs.values()) for n, vs in values.items()})
        return cls(len(products), names, vocabulary)

    @classmethod
    def read(cls, size: int, names_agg: dict[str, Any]) -> _Catalog:
        """From ``attribute_values_agg`` (labels: each name's most common spelling)."""
        names: dict[str, str] = {}
        values: dict[str, list[str]] = {}
        for bucket in names_agg["names"]["buckets"]:
            label = bucket["label"]["buckets"][0]["key"]
            names[bucket["key"]] = label
            values[label] = [v["key"] for v in bucket["values"]["buckets"]]
        return cls(size, names, AttributeVocabulary.of(values))

    def check_attributes(self, q: SearchQuery) -> None:
        """A ``ToolInputError`` naming the known attributes for a name no product has."""
        for name, value in q.attributes.items():
            if value.strip() and fold_key(name) not in self.names:
                known = ", ".join(sorted(self.names.values()))
                raise ToolInputError(
                    f"unknown attribute {name!r}; "
                    + (f"the catalog's attributes are: {known}" if known else "no product has any")
                )


@dataclass(frozen=True)
class _Nearest:
    """A query's k-NN search and its hits, with named query scores: ``near`` (1 + cosine) / 2,
    ``words`` the BM25 of the clauses the hit meets."""

    knn: dict[str, Any]  # the k-NN query: the vector, k, the filters
    clauses: list[dict[str, Any]]  # the word clauses whose BM25 the hits carry
    hits: list[dict[str, Any]]


# Hits are read from doc values only: the stored fields of a document (its ``_id``, its
# ``_source``) may still hold the copy of its vector kept for recovery, and reading them made a
# page of hits several times slower (12.8 against 4.0 ms for 100 hits on the 54k catalog).
_IDS_ONLY = {"_source": False, "stored_fields": "_none_", "docvalue_fields": ["id"]}
_WITH_SUMMARY = {**_IDS_ONLY, "docvalue_fields": ["id", "summary"]}


def _hits(response: dict[str, Any]) -> list[dict[str, Any]]:
    """A response's hits, each with its ``_id`` and, when fetched, its ``summary`` (a dict)."""
    hits: list[dict[str, Any]] = response["hits"]["hits"]
    for hit in hits:
        fields = hit.get("fields", {})
        hit["_id"] = fields["id"][0]
        if "summary" in fields:
            hit["summary"] = json.loads(fields["summary"][0])
    return hits


def _cosine(score: float) -> float:
    """The cosine behind a Lucene cosine score, which is (1 + cosine) / 2."""
    return 2.0 * float(score) - 1.0


def _summary(hit: dict[str, Any], score: float) -> ProductSummary:
    return ProductSummary(**hit["summary"], score=round(float(score), 4))


def _total(response: dict[str, Any]) -> int:
    return int(response["hits"]["total"]["value"])
