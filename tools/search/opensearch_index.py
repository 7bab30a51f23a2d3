"""What the OpenSearch backend stores: the index template (analyzers, mappings) and documents.

Analysis follows the embedded backend's (``tools.search.text``) so both find the same
products: accents and case folded, the same stop words, plurals reduced, hyphenated words
indexed as their parts and joined ("T-Light" -> t, light, tlight), the same aliases
(tealight -> tlight), and a ``title.joined`` sub-field of adjacent title words written
together ("cake stand" -> cakestand) so a query word spelled as one meets a title spelling
it as two, and adjacent query words score as a phrase.

Filters and facets use keys folded in Python with ``fold_key`` (the embedded backend's
comparison), facet labels come from the catalog's own spelling, and attributes are nested
documents so a product's colour and material never cross. The whole product summary is
kept as one JSON string in doc values and returned as is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tools.models import Product
from tools.search.base import ProductSummary
from tools.search.embedded import FIELD_WEIGHTS

# The plural exceptions are the embedded stemmer's own tables, so both stem alike.
from tools.search.text import ALIASES, IRREGULAR, KEEP, STOP_WORDS, fold_key

# The searchable fields with the embedded backend's weights. The title's joined-words
# sub-field stands in for the joins that backend indexes in the title itself, so a word takes
# the better of the two (a term there is counted once), then adds the other fields. Its
# "stems" field is the title's Snowball stems: ``title.stems`` here, matched by a query word
# (not by its joins), as there.
_TITLE = FIELD_WEIGHTS["title"]
TITLE_FIELDS = [f"title^{_TITLE:g}", f"title.joined^{_TITLE:g}"]
STEMS_FIELD, STEMS_WEIGHT = "title.stems", FIELD_WEIGHTS["stems"]
OTHER_FIELDS = [
    f"{field}^{w:g}" for field, w in FIELD_WEIGHTS.items() if field not in ("title", "stems")
]
# Every word of a product, for the spelling suggester (the embedded backend corrects a word
# no field holds).
ALL_TEXT = "all_text"

# The embedded stemmer's plural rules (``tools.search.text.stem``) as Lucene pattern_replace
# filters, tried in its order; words it keeps as they are never match. Each rule's output
# ends so that no later rule matches it.
_KEEP_WORDS = "|".join(sorted(KEEP))
_KEPT = rf"^(?!(?:{_KEEP_WORDS})$)"
PLURAL_RULES = [
    (_KEPT + r"([a-z]{2,})ies$", "$1y"),  # berries -> berry
    (_KEPT + r"([a-z])ies$", "$1ie"),  # pies -> pie
    (_KEPT + r"([a-z]{3,})ie$", "$1y"),  # cookie -> cooky (meets cookies)
    (_KEPT + r"([a-z]+(?:ss|sh|ch|x|zz))es$", "$1"),  # glasses -> glass, boxes -> box
    (_KEPT + r"([a-z]{4,}o)es$", "$1"),  # dominoes -> domino
    (_KEPT + r"([a-z]{2,}[a-hj-rtv-z])s$", "$1"),  # mugs -> mug; glass, cactus, tennis kept
]
_PLURALS = [f"shop_plural_{i}" for i in range(len(PLURAL_RULES))]
_WORD_FILTERS = ["lowercase", "asciifolding", "shop_stop", "shop_irregular", *_PLURALS]
_STEMS = ["shop_letters_only", "shop_stem_length", "shop_snowball"]

ANALYSIS: dict[str, Any] = {
    "filter": {
        # "T-Light" -> t, light, tlight; "#SC-141" -> sc, 141, sc141; "men's" -> men
        "shop_parts": {
            "type": "word_delimiter_graph",
            "generate_word_parts": True,
            "generate_number_parts": True,
            "catenate_all": True,
            "split_on_case_change": False,
            "split_on_numerics": False,
            "stem_english_possessive": True,
        },
        "shop_stop": {"type": "stop", "stopwords": sorted(STOP_WORDS)},
        "shop_irregular": {
            "type": "stemmer_override",
            "rules": [f"{plural} => {single}" for plural, single in sorted(IRREGULAR.items())],
        },
        **{
            name: {"type": "pattern_replace", "pattern": pattern, "replacement": replacement}
            for name, (pattern, replacement) in zip(_PLURALS, PLURAL_RULES, strict=True)
        },
        # one-word aliases, applied after stemming as the embedded backend does
        "shop_alias": {
            "type": "stemmer_override",
            "rules": [f"{word} => {alias}" for word, alias in sorted(ALIASES.items())],
        },
        # Snowball stems of letter-only terms of four letters or more ("~paint" there)
        "shop_letters_only": {
            "type": "pattern_replace",
            "pattern": "^.*[^a-z].*$",
            "replacement": "",
        },
        "shop_stem_length": {"type": "length", "min": 4},
        "shop_snowball": {"type": "snowball", "language": "English"},
        "shop_joined": {
            "type": "shingle",
            "min_shingle_size": 2,
            "max_shingle_size": 2,
            "output_unigrams": False,
            "token_separator": "",
        },
    },
    "analyzer": {
        "shop_index": {
            "tokenizer": "whitespace",
            "filter": ["shop_parts", "flatten_graph", *_WORD_FILTERS, "shop_alias"],
        },
        "shop_search": {
            "tokenizer": "whitespace",
            "filter": ["shop_parts", *_WORD_FILTERS, "shop_alias"],
        },
        "shop_stems_index": {
            "tokenizer": "whitespace",
            "filter": ["shop_parts", "flatten_graph", *_WORD_FILTERS, "shop_alias", *_STEMS],
        },
        "shop_stems_search": {
            "tokenizer": "whitespace",
            "filter": ["shop_parts", *_WORD_FILTERS, "shop_alias", *_STEMS],
        },
        # Adjacent words joined after stemming and aliasing, then aliased as a whole:
        # "xmas trees" -> christmastree, "tea lights" -> tealight -> tlight.
        "shop_joined_index": {
            "tokenizer": "standard",
            "filter": [*_WORD_FILTERS, "shop_alias", "shop_joined", "shop_alias"],
        },
    },
}


def _text(**extra: Any) -> dict[str, Any]:
    return {
        "type": "text",
        "analyzer": "shop_index",
        "search_analyzer": "shop_search",
        "copy_to": ALL_TEXT,
        **extra,
    }


_KEYWORD = {"type": "keyword"}

MAPPINGS: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "id": _KEYWORD,
        "rank": {"type": "integer"},  # catalog order: the last tie-breaker, as in embedded
        "title": _text(
            fields={
                "joined": {
                    "type": "text",
                    "analyzer": "shop_joined_index",
                    "search_analyzer": "shop_search",
                },
                "stems": {
                    "type": "text",
                    "analyzer": "shop_stems_index",
                    "search_analyzer": "shop_stems_search",
                },
            }
        ),
        "description": _text(),
        "category": _text(fields={"label": _KEYWORD}),
        "brand": _text(fields={"label": _KEYWORD}),
        "attributes": _text(),  # every attribute value, searchable as text
        ALL_TEXT: {
            "type": "text",
            "analyzer": "shop_index",
            "search_analyzer": "shop_search",
            "index_options": "docs",
            "norms": False,
        },
        "category_key": _KEYWORD,
        "brand_key": _KEYWORD,
        "facets": {
            "type": "nested",
            "properties": {
                "name": _KEYWORD,
                "name_key": _KEYWORD,
                "value": _KEYWORD,
                "value_key": _KEYWORD,
            },
        },
        "price": {"type": "double"},
        "popularity": {"type": "double"},
        "in_stock": {"type": "boolean"},
        # The product summary as one JSON string, read from doc values (see opensearch.py).
        "summary": {"type": "keyword", "index": False, "doc_values": True},
    },
}

VECTOR_FIELD = "embedding"


def template(pattern: str, *, vector_dims: int | None, replicas: int) -> dict[str, Any]:
    """The composable index template for every physical index behind the alias."""
    settings: dict[str, Any] = {
        "number_of_shards": 1,
        "number_of_replicas": replicas,
        "analysis": ANALYSIS,
    }
    mappings = {**MAPPINGS, "properties": dict(MAPPINGS["properties"])}
    if vector_dims is not None:
        settings["knn"] = True
        # The vector lives in the k-NN field only, not in ``_source`` as well.
        mappings["_source"] = {"excludes": [VECTOR_FIELD]}
        mappings["properties"][VECTOR_FIELD] = {
            "type": "knn_vector",
            "dimension": vector_dims,
            "method": {
                "name": "hnsw",
                "engine": "lucene",
                "space_type": "cosinesimil",
                "parameters": {"m": 16, "ef_construction": 128},
            },
        }
    return {"index_patterns": [pattern], "template": {"settings": settings, "mappings": mappings}}


def document(product: Product, rank: int, vector: Sequence[float] | None) -> dict[str, Any]:
    """The indexed form of one product."""
    facets = []
    for name, values in product.attributes.items():
        name_key = fold_key(name)
        if not name_key:
            continue
        seen: set[str] = set()
        for value in values:
            value_key = fold_key(value)
            if value_key and value_key not in seen:  # ["Blue", "blue"] counts once
                seen.add(value_key)
                facets.append(
                    {
                        "name": name.strip(),
                        "name_key": name_key,
                        "value": value.strip(),
                        "value_key": value_key,
                    }
                )
    doc: dict[str, Any] = {
        "id": product.id,
        "rank": rank,
        "title": product.title,
        "description": product.description,
        "category": product.category,
        "brand": product.brand,
        "attributes": [v for vs in product.attributes.values() for v in vs],
        "facets": facets,
        "price": product.price,
        "popularity": product.popularity,
        "in_stock": product.in_stock,
        "summary": ProductSummary.of(product).model_dump_json(exclude={"score"}),
    }
    for field in ("category", "brand"):
        key = fold_key(doc[field])
        if key:  # an empty value is no facet value and matches no filter
            doc[f"{field}_key"] = key
    if vector is not None:
        doc[VECTOR_FIELD] = list(vector)
    return doc
