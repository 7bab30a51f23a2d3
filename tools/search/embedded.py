"""In-process product search: field-weighted BM25 over numpy postings, filters, sorts, facets.

Scoring is BM25F: each field's term frequency is length-normalised against that field's
average length, the fields are summed with their weights, and the sum is saturated once
(k1 = 1.2, b = 0.75). As that depends only on the term and the product, every posting's
contribution is computed when indexing, and a query is a few array additions.

Matching: every meaningful query word must be met (by the word itself or a compound it is
part of). When no product meets them all, the words are relaxed to the most any product
meets, so "red heart mug teapot" still returns red heart mugs and says how many there are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from infra.errors import ToolInputError
from tools.catalog.loaders import Progress, report
from tools.models import Product
from tools.search.base import ProductSummary, SearchQuery, SearchResult, Sort
from tools.search.cells import Cells, top
from tools.search.constraints import AttributeVocabulary, extract, named_terms, relaxations
from tools.search.hybrid import HYBRID_CANDIDATES, blend, number_match
from tools.search.text import (
    edits1,
    fold_key,
    index_terms,
    query_clauses,
    stem_term,
    stem_terms,
)
from tools.search.vectors import Embedder, Vectors

K1 = 1.2
B = 0.75
# Title words say what the product is; category and attribute values are curated, so they
# come next; descriptions are long and loose; brand words rarely describe the need.
FIELD_WEIGHTS: dict[str, float] = {
    "title": 3.0,
    "category": 2.0,
    "attributes": 2.0,
    "description": 1.0,
    "brand": 0.75,
    # Snowball stems of the title terms: "painting" meets "paint", but below the word itself.
    "stems": 1.0,
}
FIELDS = tuple(FIELD_WEIGHTS)
# Words this long or longer that no product uses are read as a typo of a word one edit away.
MIN_CORRECTED = 4

IntArray = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
CountArray = npt.NDArray[np.intp]
IndexArray = npt.NDArray[np.intp]  # positions of products, as numpy returns them


@dataclass(frozen=True)
class _Facet:
    """A single-valued field as integer codes (-1 when empty), for filters and counts."""

    codes: IntArray
    keys: dict[str, int]  # folded value -> code
    labels: list[str]  # code -> the value as first seen in the catalog

    @classmethod
    def build(cls, values: Sequence[str]) -> _Facet:
        keys: dict[str, int] = {}
        labels: list[str] = []
        codes = np.full(len(values), -1, dtype=np.int32)
        for doc, value in enumerate(values):
            key = fold_key(value)
            if not key:
                continue
            if key not in keys:
                keys[key] = len(labels)
                labels.append(value.strip())
            codes[doc] = keys[key]
        return cls(codes, keys, labels)

    def mask(self, value: str) -> BoolArray:
        code = self.keys.get(fold_key(value))
        if code is None:
            return np.zeros(len(self.codes), dtype=np.bool_)
        same: BoolArray = self.codes == code
        return same

    def counts(self, matched: BoolArray) -> CountArray:
        codes = self.codes[matched]
        return np.bincount(codes[codes >= 0], minlength=len(self.labels))


@dataclass(frozen=True)
class _MultiFacet:
    """One attribute: (product, value code) pairs, since a product may hold several values."""

    label: str
    docs: IntArray
    codes: IntArray
    keys: dict[str, int]
    labels: list[str]
    by_value: list[IntArray]  # code -> products holding that value

    def mask(self, value: str, size: int) -> BoolArray:
        out = np.zeros(size, dtype=np.bool_)
        code = self.keys.get(fold_key(value))
        if code is not None:
            out[self.by_value[code]] = True
        return out

    def counts(self, matched: BoolArray) -> CountArray:
        return np.bincount(self.codes[matched[self.docs]], minlength=len(self.labels))


class _MultiFacetBuilder:
    def __init__(self, label: str) -> None:
        self.label = label
        self.docs: list[int] = []
        self.codes: list[int] = []
        self.keys: dict[str, int] = {}
        self.labels: list[str] = []

    def add(self, doc: int, values: Iterable[str]) -> None:
        seen: set[int] = set()
        for value in values:
            key = fold_key(value)
            if not key:
                continue
            if key not in self.keys:
                self.keys[key] = len(self.labels)
                self.labels.append(value.strip())
            code = self.keys[key]
            if code not in seen:  # ["Blue", "blue"] counts once
                seen.add(code)
                self.docs.append(doc)
                self.codes.append(code)

    def build(self) -> _MultiFacet:
        docs = np.asarray(self.docs, dtype=np.int32)
        codes = np.asarray(self.codes, dtype=np.int32)
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(len(self.labels) + 1))
        by_value = [docs[order[bounds[i] : bounds[i + 1]]] for i in range(len(self.labels))]
        return _MultiFacet(self.label, docs, codes, self.keys, self.labels, by_value)


@dataclass(frozen=True)
class _Index:
    """One immutable snapshot of the catalog; ``index`` swaps in a new one whole."""

    products: list[Product]
    # postings of term t are docs[start:end] / weights[start:end] for (start, end) = terms[t]
    terms: dict[str, tuple[int, int]]
    docs: IntArray
    weights: FloatArray
    price: FloatArray
    popularity: FloatArray
    in_stock: BoolArray
    category: _Facet
    brand: _Facet
    attributes: dict[str, _MultiFacet]  # folded attribute name -> facet
    vocabulary: AttributeVocabulary
    vectors: Vectors | None = None  # one normalised row per product (hybrid only)
    cells: Cells | None = None  # the vectors' inverted-file index
    # term -> products whose title or category holds it (for ``exclude``)
    named: dict[str, IntArray] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.products)

    def df(self, term: str) -> int:
        """How many products hold ``term``."""
        start, end = self.terms.get(term, (0, 0))
        return end - start

    def postings(self, term: str) -> tuple[IntArray, FloatArray] | None:
        span = self.terms.get(term)
        if span is None:
            return None
        return self.docs[span[0] : span[1]], self.weights[span[0] : span[1]]


def _fields(product: Product) -> list[list[str]]:
    """The index terms of each field, in ``FIELDS`` order."""
    values = [v for vs in product.attributes.values() for v in vs]
    title = index_terms(product.title, bigrams=True)
    category = index_terms(product.category)
    # one call per value so no compound is made across two values
    attributes = [t for v in values for t in index_terms(v)]
    return [
        title,
        category,
        attributes,
        index_terms(product.description),
        index_terms(product.brand),
        stem_terms(title),
    ]


def _postings(
    analysed: list[list[list[str]]], n: int
) -> tuple[dict[str, tuple[int, int]], IntArray, FloatArray]:
    """Term spans and the postings (documents, BM25F weights) of every term, term by term."""
    vocab: dict[str, int] = {}
    term_ids: list[int] = []
    lengths = np.zeros((n, len(FIELDS)), dtype=np.float64)
    occurrence_cells: list[int] = []  # doc * len(FIELDS) + field, one per term occurrence
    for doc, fields in enumerate(analysed):
        for f, field_terms in enumerate(fields):
            if field_terms:
                lengths[doc, f] = len(field_terms)
                term_ids.extend([vocab.setdefault(t, len(vocab)) for t in field_terms])
                occurrence_cells.extend([doc * len(FIELDS) + f] * len(field_terms))
    avg = np.maximum(lengths.mean(axis=0), 1.0) if n else np.ones(len(FIELDS))
    weights = np.asarray([FIELD_WEIGHTS[f] for f in FIELDS])
    norm = (weights / (1.0 - B + B * lengths / avg)).ravel()  # per (doc, field)
    cells = np.asarray(occurrence_cells, dtype=np.int64)
    # One posting per (term, document): the field-weighted, length-normalised term count.
    keys = np.asarray(term_ids, dtype=np.int64) * max(n, 1) + cells // len(FIELDS)
    unique, inverse = np.unique(keys, return_inverse=True)
    pseudo_tf = np.bincount(inverse, weights=norm[cells], minlength=len(unique))
    tid = unique // max(n, 1)
    docs = (unique % max(n, 1)).astype(np.int32)
    bounds = np.searchsorted(tid, np.arange(len(vocab) + 1))
    df = np.diff(bounds).astype(np.float64)
    idf = np.log1p((n - df + 0.5) / (df + 0.5))
    bm25 = np.repeat(idf, np.diff(bounds)) * pseudo_tf * (K1 + 1.0) / (pseudo_tf + K1)
    spans = {t: (int(bounds[i]), int(bounds[i + 1])) for t, i in vocab.items()}
    return spans, docs, bm25


def _build(products: list[Product]) -> _Index:
    n = len(products)
    spans, docs, weights = _postings([_fields(p) for p in products], n)

    named: dict[str, list[int]] = {}
    for doc, product in enumerate(products):
        for term in named_terms(product.title, product.category):
            named.setdefault(term, []).append(doc)
    attributes: dict[str, _MultiFacetBuilder] = {}
    for doc, product in enumerate(products):
        for name, values in product.attributes.items():
            key = fold_key(name)
            if key:
                attributes.setdefault(key, _MultiFacetBuilder(name.strip())).add(doc, values)

    return _Index(
        products=products,
        terms=spans,
        docs=docs,
        weights=weights,
        price=np.asarray([p.price for p in products], dtype=np.float64),
        popularity=np.asarray([p.popularity for p in products], dtype=np.float64),
        in_stock=np.asarray([p.in_stock for p in products], dtype=np.bool_),
        category=_Facet.build([p.category for p in products]),
        brand=_Facet.build([p.brand for p in products]),
        attributes={k: b.build() for k, b in attributes.items()},
        vocabulary=AttributeVocabulary.of({b.label: b.labels for b in attributes.values()}),
        named={t: np.asarray(docs, dtype=np.int64) for t, docs in named.items()},
    )


def _expand(ix: _Index, clause: tuple[str, ...]) -> tuple[str, ...]:
    """A query clause plus its word's stem, or, for a word the catalog never uses, the
    spelling one edit away that most products use ("drils" -> "drill")."""
    word = clause[0]
    known = [t for t in clause if t in ix.terms]
    if not known and len(word) >= MIN_CORRECTED and word.isalpha():
        fixes = [t for t in edits1(word) if t in ix.terms]
        if fixes:
            word = max(fixes, key=lambda t: (ix.df(t), t))
            known = [word]
    stem = stem_term(word)
    return (*known, stem) if stem is not None and stem in ix.terms else tuple(known)


def _sort_keys(
    sort: Sort, score: FloatArray | None, price: FloatArray, pop: FloatArray
) -> list[FloatArray]:
    """Ascending keys, most significant first (``score`` is None for a query without text)."""
    by_score = [] if score is None else [-score]
    if sort == "price_asc":
        return [price, *by_score, -pop]
    if sort == "price_desc":
        return [-price, *by_score, -pop]
    if sort == "popularity":
        return [-pop, *by_score]
    return [*by_score, -pop]


def _first(keys: list[FloatArray], k: int) -> IndexArray:
    """Positions of the ``k`` smallest rows by ``keys`` (lexicographic), in that order.

    Rows equal on every key keep their original order. Only the rows that can make the
    first ``k`` are sorted: a partition on the leading key finds them, and rows tied at the
    cut are narrowed by the next key the same way (a catalog without sales data has every
    popularity tied, and sorting all of 50,000 rows would cost milliseconds).
    """
    n = len(keys[0])
    if k >= n:
        return np.lexsort(keys[::-1])  # lexsort reads its last key as the primary one
    candidates = _candidates(keys, np.arange(n), k)
    order = np.lexsort([key[candidates] for key in keys[::-1]])
    return candidates[order][:k]


def _candidates(keys: list[FloatArray], rows: IndexArray, k: int) -> IndexArray:
    """Rows (ascending) that include every one of the ``k`` lexicographically smallest."""
    lead = keys[0][rows]
    if k >= len(rows):
        return rows
    cut = np.partition(lead, k - 1)[k - 1]
    before = rows[lead < cut]
    tied = rows[lead == cut]
    need = k - len(before)
    if len(tied) > need:
        # equal on every key left: the earliest rows win, as a stable sort would order them
        tied = _candidates(keys[1:], tied, need) if len(keys) > 1 else tied[:need]
    return np.sort(np.concatenate([before, tied]))


class EmbeddedSearch:
    """Product search held in memory: BM25F, or hybrid with dense vectors (``embedder``).

    Hybrid: the best lexical candidates and the products nearest the query's vector (among
    those the filters allow, found by probing the vectors' cells) are ranked by the blend of
    ``tools.search.hybrid``; the matches are the lexical matches plus those nearest products.
    """

    name = "embedded"

    def __init__(
        self,
        products: Iterable[Product] = (),
        *,
        embedder: Embedder | None = None,
        max_facet_values: int = 25,
    ) -> None:
        # Facets go back to the chat model; a long tail of single-count values costs tokens
        # and says little, so each facet keeps its most frequent values.
        self.max_facet_values = max_facet_values
        self.embedder = embedder
        self._ix = _build([])
        self.index(products)

    @property
    def method(self) -> str:
        return "bm25" if self.embedder is None else "hybrid"

    def index(self, products: Iterable[Product], progress: Progress | None = None) -> None:
        """Replace the index with these products (a later duplicate id replaces an earlier)."""
        unique = list({p.id: p for p in products}.values())
        report(progress, f"indexing {self.name}/{self.method}", 0, len(unique))
        ix = _build(unique)
        if self.embedder is not None and unique:
            vectors = self.embedder.embed_products(unique, progress)
            ix = replace(ix, vectors=vectors, cells=Cells.build(vectors))
        report(progress, f"indexing {self.name}/{self.method}", len(unique), len(unique))
        self._ix = ix

    def __len__(self) -> int:
        return self._ix.size

    async def search(self, query: SearchQuery) -> SearchResult:
        """Run one query; an unknown attribute name is a ``ToolInputError``."""
        return self.search_sync(query)

    def search_sync(self, query: SearchQuery) -> SearchResult:
        """The search itself, for callers outside an event loop (evaluation, benchmarks)."""
        ix = self._ix  # one snapshot for the whole query, even if ``index`` runs meanwhile
        extracted: list[str] = []
        if query.extract_constraints:
            query, extracted = extract(query, ix.vocabulary)
        result = self._run(ix, query)
        relaxed: list[str] = []
        if result.total == 0 and query.relax:
            for label, step in relaxations(query):
                relaxed.append(label)
                result = self._run(ix, step)
                if result.total:
                    break
        return result.model_copy(update={"extracted": extracted, "relaxed": relaxed})

    def _run(self, ix: _Index, query: SearchQuery) -> SearchResult:
        if ix.size == 0:
            return SearchResult(total=0, products=[])
        allowed = self._filter(ix, query)
        scores = np.zeros(ix.size, dtype=np.float64)
        # No text: every product the filters allow (ordered by popularity for relevance).
        matched = self._match(ix, query.query, allowed, scores) if query.query else allowed
        if query.query and ix.vectors is not None and self.embedder is not None:
            query_vector = self.embedder.embed_query(query.query)
            matched = self._fuse(ix, query.query, query_vector, allowed, matched, scores)
        matches = np.flatnonzero(matched)
        page = self._page(ix, matches, scores, query)
        return SearchResult(
            total=len(matches),
            products=[ProductSummary.of(ix.products[d], float(scores[d])) for d in page],
            facets=self._facets(ix, matched) if len(matches) else {},
        )

    def _fuse(
        self,
        ix: _Index,
        text: str,
        query_vector: Vectors,
        allowed: BoolArray,
        matched: BoolArray,
        scores: FloatArray,
    ) -> BoolArray:
        """Blend the lexical and the dense candidates into ``scores``; the matches with them.

        Lexical matches beyond the candidates keep their BM25 order after every blended one.
        """
        assert ix.vectors is not None and ix.cells is not None
        dense = ix.cells.nearest(ix.vectors, query_vector, allowed, HYBRID_CANDIDATES)
        among = min(HYBRID_CANDIDATES, int(matched.sum()))  # only the matches, not the -inf
        lexical = top(np.where(matched, scores, -np.inf), among)
        best = float(scores[lexical[0]]) if len(lexical) else 1.0
        union = np.union1d(lexical, dense)
        cosine = ix.vectors[union] @ query_vector
        numbers_met = number_match(text, [ix.products[d].title for d in union])
        blended = blend(scores[union] / best, np.isin(union, lexical), cosine, numbers_met)
        rest = matched.copy()
        rest[union] = False
        # below every candidate (a blend is at least -1), in BM25 order
        scores[rest] = scores[rest] / best - 2.0
        scores[union] = blended
        out = matched.copy()
        out[dense] = True
        return out

    def _filter(self, ix: _Index, q: SearchQuery) -> BoolArray:
        allowed = np.ones(ix.size, dtype=np.bool_)
        if q.category and q.category.strip():
            allowed &= ix.category.mask(q.category)
        if q.brand and q.brand.strip():
            allowed &= ix.brand.mask(q.brand)
        if q.min_price is not None:
            allowed &= ix.price >= q.min_price
        if q.max_price is not None:
            allowed &= ix.price <= q.max_price
        if q.in_stock_only:
            allowed &= ix.in_stock
        for name, value in q.attributes.items():
            if not value.strip():
                continue  # a blank value constrains nothing
            facet = ix.attributes.get(fold_key(name))
            if facet is None:
                known = ", ".join(sorted(f.label for f in ix.attributes.values()))
                raise ToolInputError(
                    f"unknown attribute {name!r}; "
                    + (f"the catalog's attributes are: {known}" if known else "no product has any")
                )
            allowed &= facet.mask(value, ix.size)
        for phrase in q.exclude:
            terms = set(index_terms(phrase))
            if not terms:
                continue
            holds = np.ones(ix.size, dtype=np.bool_)
            for term in terms:  # a product holding every word of the phrase is left out
                has = np.zeros(ix.size, dtype=np.bool_)
                has[ix.named.get(term, np.zeros(0, dtype=np.int64))] = True
                holds &= has
            allowed &= ~holds
        return allowed

    def _match(self, ix: _Index, text: str, allowed: BoolArray, scores: FloatArray) -> BoolArray:
        """Score into ``scores``; return the allowed products meeting the most query words."""
        met = np.zeros(ix.size, dtype=np.int16)
        scored: set[str] = set()
        for clause in query_clauses(text):
            hit = np.zeros(ix.size, dtype=np.bool_)
            for term in _expand(ix, clause):
                postings = ix.postings(term)
                if postings is None:
                    continue
                docs, weights = postings
                hit[docs] = True
                if term not in scored:  # a compound shared by two words scores once
                    scored.add(term)
                    scores[docs] += weights
            met += hit
        met[~allowed] = 0
        best = int(met.max())
        if best == 0:
            return np.zeros(ix.size, dtype=np.bool_)
        best_met: BoolArray = met == best
        return best_met

    def _page(
        self, ix: _Index, matches: IndexArray, scores: FloatArray, q: SearchQuery
    ) -> IndexArray:
        """The products of the requested page, in the requested order."""
        end = q.offset + q.limit
        if q.offset >= len(matches):
            return matches[:0]
        score = scores[matches] if q.query else None
        keys = _sort_keys(q.sort, score, ix.price[matches], ix.popularity[matches])
        return matches[_first(keys, end)][q.offset :]

    def _facets(self, ix: _Index, matched: BoolArray) -> dict[str, dict[str, int]]:
        facets: dict[str, dict[str, int]] = {}
        for name, single in (("category", ix.category), ("brand", ix.brand)):
            counts = self._top(single.labels, single.counts(matched))
            if counts:
                facets[name] = counts
        for multi in ix.attributes.values():
            counts = self._top(multi.labels, multi.counts(matched))
            if counts:
                facets.setdefault(multi.label, counts)
        return facets

    def _top(self, labels: list[str], counts: CountArray) -> dict[str, int]:
        """Non-zero counts, most frequent first (ties by value), at most max_facet_values."""
        limit = self.max_facet_values
        shown = np.flatnonzero(counts)
        if len(shown) > limit:
            # only values counted at least as often as the limit-th can be shown
            floor = np.partition(counts[shown], len(shown) - limit)[len(shown) - limit]
            shown = shown[counts[shown] >= floor]
        tally = counts.tolist()
        ranked = sorted(shown.tolist(), key=lambda c: (-tally[c], labels[c]))
        return {labels[c]: tally[c] for c in ranked[:limit]}
