"""The OpenSearch backend's request bodies and result reading (no cluster: pure functions)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tools.models import Product
from tools.search.base import SearchQuery
from tools.search.opensearch_index import PLURAL_RULES, document, template
from tools.search.opensearch_query import (
    MAX_CLAUSES,
    clause_queries,
    filters,
    read_facets,
    sort_keys,
    word_clauses,
)
from tools.search.text import query_clauses, stem


def test_one_clause_per_meaningful_word_like_the_embedded_backend() -> None:
    for text in ["tea light holder", "a mug for the desk", "T-Light holder", "cup and saucer"]:
        assert len(word_clauses(text)) == len(query_clauses(text))


def test_clauses_offer_hyphen_and_neighbour_joins() -> None:
    assert word_clauses("T-Light holder") == [
        ["t", "tlight"],
        ["light", "tlight", "lightholder"],
        ["holder", "lightholder"],
    ]
    # a stop word between two words keeps them apart
    assert word_clauses("cup and saucer") == [["cup"], ["saucer"]]
    assert word_clauses("the of and a") == []


def test_a_compound_two_words_share_meets_both_but_scores_once() -> None:
    first, second = clause_queries(word_clauses("liberty 4"))

    def scoring(query: dict[str, Any]) -> set[str]:
        return {q["multi_match"]["query"] for q in query["bool"]["should"] if "multi_match" in q}

    def matching_only(query: dict[str, Any]) -> set[str]:
        return {
            q["constant_score"]["filter"]["multi_match"]["query"]
            for q in query["bool"]["should"]
            if "constant_score" in q and q["constant_score"]["boost"] == 0.0
        }

    assert scoring(first) == {"liberty", "liberty4"}
    assert (scoring(second), matching_only(second)) == ({"4"}, {"liberty4"})


def test_clauses_are_capped_for_lucene() -> None:
    words = " ".join(f"w{i}x" for i in range(100))
    assert len(word_clauses(words)) == MAX_CLAUSES


@pytest.mark.parametrize(
    "word",
    ["berries", "pies", "cookie", "cookies", "glasses", "boxes", "dishes", "dominoes", "shoes",
     "mugs", "glass", "cactus", "tennis", "christmas", "series", "lens", "gas", "ties", "axes"],
)  # fmt: skip
def test_plural_rules_stem_as_the_embedded_stemmer(word: str) -> None:
    out = word
    for pattern, replacement in PLURAL_RULES:
        # Lucene's pattern_replace uses Java syntax: only "$1" differs from Python's "\1"
        out = re.sub(pattern, replacement.replace("$1", r"\1"), out)
    assert out == stem(word)


def test_filters_fold_values_and_skip_blanks() -> None:
    q = SearchQuery(
        category="  CAKE   Stands ",
        brand=" ",
        min_price=2,
        in_stock_only=True,
        attributes={"Colour": "Rouge Café", "size": "  "},
    )
    assert filters(q) == [
        {"term": {"category_key": "cake stands"}},
        {"range": {"price": {"gte": 2}}},
        {"term": {"in_stock": True}},
        {
            "nested": {
                "path": "facets",
                "query": {
                    "bool": {
                        "filter": [
                            {"term": {"facets.name_key": "colour"}},
                            {"term": {"facets.value_key": "rouge cafe"}},
                        ]
                    }
                },
            }
        },
    ]


def test_sorts_end_in_catalog_order_and_use_scores_only_with_text() -> None:
    assert sort_keys("price_asc", True) == [
        {"price": "asc"}, "_score", {"popularity": "desc"}, {"rank": "asc"},
    ]  # fmt: skip
    assert sort_keys("relevance", False) == [{"popularity": "desc"}, {"rank": "asc"}]


def _bucket(key: str, count: int, label: str, **sub: Any) -> dict[str, Any]:
    return {"key": key, "doc_count": count, "label": {"buckets": [{"key": label}]}, **sub}


def test_facets_use_catalog_labels_most_frequent_first_and_capped() -> None:
    aggs = {
        "category": {"buckets": [_bucket("mugs", 2, "Mugs"), _bucket("vases", 2, "Vases")]},
        "brand": {"buckets": []},
        "attributes": {
            "names": {
                "buckets": [
                    _bucket(
                        "colour",
                        5,
                        "Colour",
                        values={
                            "buckets": [
                                _bucket("red", 1, "Red"),
                                _bucket("blue", 3, "Blue"),
                                _bucket("white", 1, "White"),
                            ]
                        },
                    )
                ]
            }
        },
    }
    assert read_facets(aggs, size=2) == {
        "category": {"Mugs": 2, "Vases": 2},
        "Colour": {"Blue": 3, "Red": 1},
    }


def test_documents_hold_folded_keys_and_one_facet_per_distinct_value() -> None:
    product = Product(
        id="p1",
        title="Mug",
        category="Mugs ",
        price=2.0,
        attributes={"Colour": ["Blue", "blue", " "], "": ["x"]},
        stock=1,
    )
    doc = document(product, rank=7, vector=None)
    assert (doc["category_key"], doc["rank"], doc["in_stock"]) == ("mugs", 7, True)
    assert "brand_key" not in doc  # no brand: no facet value, no filter match
    assert doc["facets"] == [
        {"name": "Colour", "name_key": "colour", "value": "Blue", "value_key": "blue"}
    ]
    assert json.loads(doc["summary"])["attributes"] == {"Colour": ["Blue", "blue", " "], "": ["x"]}


def test_vectors_map_to_the_lucene_hnsw_engine() -> None:
    with_vectors = template("p-*", vector_dims=384, replicas=1)["template"]
    assert with_vectors["settings"]["knn"] is True
    field = with_vectors["mappings"]["properties"]["embedding"]
    assert (field["dimension"], field["method"]["engine"]) == (384, "lucene")
    lexical = template("p-*", vector_dims=None, replicas=0)["template"]
    assert "embedding" not in lexical["mappings"]["properties"]
    assert "knn" not in lexical["settings"]
