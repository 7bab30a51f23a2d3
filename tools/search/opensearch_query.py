"""OpenSearch request bodies for a ``SearchQuery``: word clauses, filters, sorts and facets.

Matching follows the embedded backend: one clause per meaningful query word, met by the word
itself or by a compound it takes part in (its hyphenated group written together, or joined
with the word before or after it), and by the word's Snowball stem. A word no product uses
is also met by the spelling one edit away that most products use (``suggest_body``). Every
clause must be met; when no product meets them all, the backend asks for the most clauses
any product meets and keeps the products meeting that many (``clauses_met_body``).
"""

from __future__ import annotations

import re
from typing import Any

from tools.search.base import SearchQuery, Sort
from tools.search.embedded import MIN_CORRECTED
from tools.search.opensearch_index import (
    ALL_TEXT,
    OTHER_FIELDS,
    STEMS_FIELD,
    STEMS_WEIGHT,
    TITLE_FIELDS,
)
from tools.search.text import STOP_WORDS, fold, fold_key

# Each clause expands to (alternatives x fields) leaf queries and Lucene refuses more than
# 1,024 in one query: 32 words stay under that with up to five alternatives each.
MAX_CLAUSES = 32

_DASHES = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-"})
_APOSTROPHES = str.maketrans({"'": None, "\u2019": None, "\u02bc": None, "`": None})
_GROUP = re.compile(r"[^\W_]+(?:-[^\W_]+)*")  # a word, or words joined by hyphens


def word_clauses(text: str) -> list[list[str]]:
    """For each meaningful word (at most ``MAX_CLAUSES``), the strings that satisfy it."""
    cleaned = fold(text.translate(_DASHES)).translate(_APOSTROPHES)
    groups = [m.group().split("-") for m in _GROUP.finditer(cleaned)]
    # (word, its group, its position among all words, stop words included)
    words = [(w, g) for g, parts in enumerate(groups) for w in parts]
    flat = [(w, g, pos) for pos, (w, g) in enumerate(words) if w not in STOP_WORDS]
    clauses: list[list[str]] = []
    for i, (word, group, pos) in enumerate(flat):
        alternatives = [word]
        if len(groups[group]) > 1:
            alternatives.append("".join(groups[group]))
        if i > 0 and flat[i - 1][2] == pos - 1:
            alternatives.append(flat[i - 1][0] + word)
        if i + 1 < len(flat) and flat[i + 1][2] == pos + 1:
            alternatives.append(word + flat[i + 1][0])
        clause = list(dict.fromkeys(alternatives))
        if clause not in clauses:
            clauses.append(clause)
    return clauses[:MAX_CLAUSES]


def clause_queries(
    clauses: list[list[str]], corrections: dict[int, str] | None = None
) -> list[dict[str, Any]]:
    """One bool query per clause: any alternative in any field, scored by all that match.

    A compound two words share ("liberty4" for "liberty 4") meets both clauses but scores in
    the first only, as the embedded backend scores a term once per query.
    ``corrections`` maps a clause's position to a spelling that also meets it.
    """
    queries = []
    scored: set[str] = set()
    for i, clause in enumerate(clauses):
        words = [clause[0]]
        alternatives = list(clause)
        fix = (corrections or {}).get(i)
        if fix is not None:
            words.append(fix)
            alternatives.append(fix)
        should = []
        for alt in alternatives:
            if alt in scored:
                should += [
                    {"constant_score": {"filter": q, "boost": 0.0}} for q in _alternative(alt)
                ]
            else:
                should += _alternative(alt)
        scored.update(alternatives)
        should += [
            {"match": {STEMS_FIELD: {"query": word, "boost": STEMS_WEIGHT}}} for word in words
        ]
        queries.append({"bool": {"should": should}})
    return queries


def _alternative(text: str) -> list[dict[str, Any]]:
    return [
        {"multi_match": {"query": text, "fields": TITLE_FIELDS, "type": "best_fields"}},
        {"multi_match": {"query": text, "fields": OTHER_FIELDS, "type": "most_fields"}},
    ]


def suggest_body(clauses: list[list[str]]) -> dict[str, Any]:
    """A term suggestion for each clause word that no product holds (a possible typo): the
    most common term one edit away, as the embedded backend chooses."""
    return {
        f"w{i}": {
            "text": clause[0],
            "term": {
                "field": ALL_TEXT,
                "suggest_mode": "missing",
                "max_edits": 1,
                "prefix_length": 0,
                "min_word_length": MIN_CORRECTED,
                "sort": "frequency",
                "size": 1,
                "max_inspections": 100,
            },
        }
        for i, clause in enumerate(clauses)
        if len(clause[0]) >= MIN_CORRECTED and clause[0].isalpha()
    }


def read_corrections(suggest: dict[str, Any]) -> dict[int, str]:
    """Clause position -> its suggested spelling, for the words that have one."""
    out: dict[int, str] = {}
    for name, entries in suggest.items():
        options = [o for entry in entries for o in entry["options"]]
        if options:
            out[int(name[1:])] = str(options[0]["text"])
    return out


def filters(q: SearchQuery) -> list[dict[str, Any]]:
    """The structured constraints; a blank value constrains nothing."""
    out: list[dict[str, Any]] = []
    for field, value in (("category_key", q.category), ("brand_key", q.brand)):
        if value and value.strip():
            out.append({"term": {field: fold_key(value)}})
    price: dict[str, float] = {}
    if q.min_price is not None:
        price["gte"] = q.min_price
    if q.max_price is not None:
        price["lte"] = q.max_price
    if price:
        out.append({"range": {"price": price}})
    if q.in_stock_only:
        out.append({"term": {"in_stock": True}})
    for name, value in q.attributes.items():
        if value.strip():
            pair = [
                {"term": {"facets.name_key": fold_key(name)}},
                {"term": {"facets.value_key": fold_key(value)}},
            ]
            out.append({"nested": {"path": "facets", "query": {"bool": {"filter": pair}}}})
    # ``exclude``: no product whose title and category hold every word of a phrase (the
    # embedded backend's rule; the fields share one analyzer).
    excluded = [
        {
            "multi_match": {
                "query": phrase,
                "fields": ["title", "category"],
                "type": "cross_fields",
                "operator": "and",
            }
        }
        for phrase in q.exclude
        if phrase.strip()
    ]
    if excluded:
        out.append({"bool": {"must_not": excluded}})
    return out


def matching(q: SearchQuery, clauses: list[dict[str, Any]], met: int) -> dict[str, Any]:
    """Products passing the filters and meeting at least ``met`` of the word clauses."""
    body: dict[str, Any] = {"filter": filters(q)}
    if clauses:
        body["should"] = clauses
        body["minimum_should_match"] = met
    return {"bool": body}


def clauses_met_body(q: SearchQuery, clauses: list[dict[str, Any]]) -> dict[str, Any]:
    """A count-only request whose ``met`` aggregation is the most clauses one product meets."""
    counted = [{"constant_score": {"filter": c, "boost": 1.0}} for c in clauses]
    return {
        "size": 0,
        "track_total_hits": False,
        "query": {"bool": {"filter": filters(q), "should": counted, "minimum_should_match": 1}},
        "aggs": {"met": {"max": {"script": {"source": "_score", "lang": "painless"}}}},
    }


def sort_keys(sort: Sort, has_text: bool) -> list[Any]:
    """The embedded backend's order: the sort, then relevance, popularity, catalog order."""
    by_score = ["_score"] if has_text else []
    popularity = {"popularity": "desc"}
    keys: list[Any] = {
        "price_asc": [{"price": "asc"}, *by_score, popularity],
        "price_desc": [{"price": "desc"}, *by_score, popularity],
        "popularity": [popularity, *by_score],
        "relevance": [*by_score, popularity],
    }[sort]
    return [*keys, {"rank": "asc"}]


def facet_aggs(size: int) -> dict[str, Any]:
    """Counts per folded value, each with its catalog spelling (the most common one)."""

    def counted(key_field: str, label_field: str) -> dict[str, Any]:
        label = {"terms": {"field": label_field, "size": 1}}
        return {"terms": {"field": key_field, "size": size}, "aggs": {"label": label}}

    names = counted("facets.name_key", "facets.name")
    names["terms"]["size"] = 100  # attribute names: few, all wanted
    names["aggs"]["values"] = counted("facets.value_key", "facets.value")
    return {
        "category": counted("category_key", "category.label"),
        "brand": counted("brand_key", "brand.label"),
        "attributes": {"nested": {"path": "facets"}, "aggs": {"names": names}},
    }


def attribute_values_agg() -> dict[str, Any]:
    """Every attribute name (folded key, most common spelling) with all its values."""
    names = {
        "terms": {"field": "facets.name_key", "size": 1000},
        "aggs": {
            "label": {"terms": {"field": "facets.name", "size": 1}},
            "values": {"terms": {"field": "facets.value", "size": 10000}},
        },
    }
    return {"nested": {"path": "facets"}, "aggs": {"names": names}}


def read_facets(aggs: dict[str, Any], size: int) -> dict[str, dict[str, int]]:
    """Facet name -> value label -> products, most frequent first (ties by label)."""

    def values(buckets: list[dict[str, Any]]) -> dict[str, int]:
        counted = [(_label(b), int(b["doc_count"])) for b in buckets if b["doc_count"]]
        counted.sort(key=lambda pair: (-pair[1], pair[0]))
        return dict(counted[:size])

    facets: dict[str, dict[str, int]] = {}
    for name in ("category", "brand"):
        counts = values(aggs[name]["buckets"])
        if counts:
            facets[name] = counts
    for bucket in aggs["attributes"]["names"]["buckets"]:
        counts = values(bucket["values"]["buckets"])
        if counts:
            facets.setdefault(_label(bucket), counts)
    return facets


def _label(bucket: dict[str, Any]) -> str:
    labels = bucket["label"]["buckets"]
    return str(labels[0]["key"]) if labels else str(bucket["key"])
