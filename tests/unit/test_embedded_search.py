"""The in-process BM25 search backend: ranking, filters, sorts, facets, paging, compounds."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest

from infra.errors import ToolInputError
from tools.models import Product
from tools.search.base import ProductSearch, SearchQuery, SearchResult
from tools.search.embedded import EmbeddedSearch
from tools.search.tools import search_tools


def _product(
    pid: str,
    title: str,
    category: str,
    price: float,
    *,
    colour: list[str],
    material: str,
    stock: int,
    popularity: float,
    brand: str = "",
    description: str = "",
) -> Product:
    return Product(
        id=pid,
        title=title,
        category=category,
        price=price,
        brand=brand,
        description=description,
        attributes={"colour": colour, "material": [material]},
        stock=stock,
        popularity=popularity,
    )


CATALOG = [
    _product("p01", "T-Light Holder Heart", "Candle Holders", 2.5,
             colour=["white"], material="metal", stock=10, popularity=50),
    _product("p02", "Hanging Heart Lantern", "Lanterns", 6.0,
             colour=["red"], material="metal", stock=3, popularity=80),
    _product("p03", "White Metal Lantern", "Lanterns", 4.0,
             colour=["white"], material="metal", stock=0, popularity=120),
    _product("p04", "Blue Polka Dot Mug", "Mugs", 3.0,
             colour=["blue", "white"], material="ceramic", stock=5, popularity=60),
    _product("p05", "Red Spotty Mug", "Mugs", 2.0,
             colour=["red"], material="ceramic", stock=0, popularity=90),
    _product("p06", "Glass Cake Stand", "Cake Stands", 12.0,
             colour=["clear"], material="glass", stock=2, popularity=30),
    _product("p07", "Pink Party Dress Bunting", "Party", 5.0,
             colour=["pink"], material="fabric", stock=7, popularity=10),
    _product("p08", "Jumbo Bag Red Retrospot", "Bags", 2.1,
             colour=["red"], material="cotton", stock=50, popularity=500),
    _product("p09", "Jumbo Bag Blue Paisley", "Bags", 2.1,
             colour=["blue"], material="cotton", stock=0, popularity=40),
    _product("p10", "Set of 3 Heart Cake Tins", "Baking", 8.0,
             colour=["red", "cream"], material="metal", stock=4, popularity=70),
    _product("p11", "Tealight Candles Pack", "Candles", 1.5,
             colour=["white"], material="wax", stock=20, popularity=200, brand="Glow"),
    _product("p12", "Blue Glass Vase", "Vases", 9.5,
             colour=["blue"], material="glass", stock=1, popularity=15, brand="Glassworks",
             description="Tall and narrow; on a desk it holds pens like a mug."),
]  # fmt: skip


@pytest.fixture
def search() -> EmbeddedSearch:
    return EmbeddedSearch(CATALOG)


async def _run(search: EmbeddedSearch, query: str = "", **kwargs: Any) -> SearchResult:
    kwargs.setdefault("limit", 50)
    return await search.search(SearchQuery(query=query, **kwargs))


def _ids(result: SearchResult) -> list[str]:
    return [p.id for p in result.products]


def test_is_a_product_search_backend() -> None:
    backend: ProductSearch = EmbeddedSearch()
    assert backend.name == "embedded"


# --- ranking -------------------------------------------------------------------------------


async def test_all_query_words_must_match_when_some_product_has_them_all(
    search: EmbeddedSearch,
) -> None:
    result = await _run(search, "heart lantern")
    assert _ids(result) == ["p02"]
    assert result.total == 1


async def test_title_match_outranks_description_match(search: EmbeddedSearch) -> None:
    result = await _run(search, "blue mug")
    assert _ids(result) == ["p04", "p12"]
    assert result.products[0].score > result.products[1].score > 0


async def test_relaxes_to_the_most_words_any_product_meets(search: EmbeddedSearch) -> None:
    # nothing has "teapot": the products meeting both other words are still found
    assert _ids(await _run(search, "heart lantern teapot")) == ["p02"]


async def test_equal_scores_are_ordered_by_popularity(search: EmbeddedSearch) -> None:
    # both titles have three words and one "lantern": p03 sells more
    assert _ids(await _run(search, "lantern")) == ["p03", "p02"]


async def test_rarer_words_weigh_more(search: EmbeddedSearch) -> None:
    # no product is both: p07 (pink in title and colour) and p03 (metal in title and
    # material) match alike, but "pink" is on one product and "metal" on four
    result = await _run(search, "pink metal")
    assert result.total == 5
    assert _ids(result)[:2] == ["p07", "p03"]


async def test_unknown_words_match_nothing(search: EmbeddedSearch) -> None:
    result = await _run(search, "xylophone")
    assert result.total == 0
    assert result.products == []
    assert result.facets == {}


async def test_stop_words_do_not_match_everything(search: EmbeddedSearch) -> None:
    assert (await _run(search, "the of and a")).total == 0
    assert _ids(await _run(search, "a mug for the desk")) == _ids(await _run(search, "mug desk"))


async def test_accents_and_case_are_ignored(search: EmbeddedSearch) -> None:
    assert _ids(await _run(search, "LÁNTERN")) == ["p03", "p02"]


async def test_category_and_attribute_values_are_searchable(search: EmbeddedSearch) -> None:
    assert set(_ids(await _run(search, "ceramic"))) == {"p04", "p05"}
    assert _ids(await _run(search, "baking")) == ["p10"]


# --- compounds and plurals -----------------------------------------------------------------


@pytest.mark.parametrize("text", ["t-light", "t light", "tlight", "tealight", "tea light"])
async def test_t_light_spellings_find_both_t_light_products(
    search: EmbeddedSearch, text: str
) -> None:
    assert set(_ids(await _run(search, text))) == {"p01", "p11"}


async def test_t_light_holder_ranks_the_holder_first(search: EmbeddedSearch) -> None:
    assert _ids(await _run(search, "tea light holder"))[0] == "p01"


@pytest.mark.parametrize("text", ["lanterns", "lantern", "LANTERNS"])
async def test_plural_and_singular_meet(search: EmbeddedSearch, text: str) -> None:
    assert set(_ids(await _run(search, text))) == {"p02", "p03"}


async def test_plural_query_finds_singular_title(search: EmbeddedSearch) -> None:
    assert _ids(await _run(search, "cake stands")) == ["p06"]
    assert _ids(await _run(search, "dresses")) == ["p07"]
    assert set(_ids(await _run(search, "glasses"))) == {"p06", "p12"}


async def test_one_word_query_finds_two_word_title(search: EmbeddedSearch) -> None:
    assert _ids(await _run(search, "cakestand")) == ["p06"]


# --- filters -------------------------------------------------------------------------------


async def test_category_filter_is_case_insensitive_equality(search: EmbeddedSearch) -> None:
    assert set(_ids(await _run(search, category="mugs"))) == {"p04", "p05"}
    assert _ids(await _run(search, category="  CAKE   stands ")) == ["p06"]
    # equality, not a word match: "Cake" is not the category "Cake Stands"
    assert (await _run(search, category="cake")).total == 0


async def test_brand_filter(search: EmbeddedSearch) -> None:
    assert _ids(await _run(search, brand="GLOW")) == ["p11"]
    assert (await _run(search, brand="Nobody")).total == 0


async def test_price_bounds_are_inclusive(search: EmbeddedSearch) -> None:
    result = await _run(search, min_price=2.1, max_price=3.0)
    assert set(_ids(result)) == {"p01", "p04", "p08", "p09"}
    assert set(_ids(await _run(search, max_price=1.5))) == {"p11"}
    assert set(_ids(await _run(search, min_price=12.0))) == {"p06"}


async def test_attribute_filter_matches_any_listed_value(search: EmbeddedSearch) -> None:
    result = await _run(search, attributes={"colour": "RED"})
    assert set(_ids(result)) == {"p02", "p05", "p08", "p10"}
    # p04 is blue and white
    assert "p04" in _ids(await _run(search, attributes={"Colour": "white"}))


async def test_every_attribute_constraint_must_hold(search: EmbeddedSearch) -> None:
    result = await _run(search, attributes={"colour": "red", "material": "metal"})
    assert set(_ids(result)) == {"p02", "p10"}


async def test_unknown_attribute_value_matches_nothing(search: EmbeddedSearch) -> None:
    assert (await _run(search, attributes={"colour": "ultraviolet"})).total == 0
    assert (await _run(search, "mug", attributes={"material": "unobtainium"})).total == 0


async def test_unknown_attribute_name_is_an_error_naming_the_known_ones(
    search: EmbeddedSearch,
) -> None:
    with pytest.raises(ToolInputError, match="unknown attribute 'size'.*colour, material"):
        await _run(search, "mug", attributes={"size": "large"})


async def test_blank_attribute_value_constrains_nothing(search: EmbeddedSearch) -> None:
    assert (await _run(search, attributes={"colour": " "})).total == len(CATALOG)


async def test_in_stock_only(search: EmbeddedSearch) -> None:
    result = await _run(search, in_stock_only=True)
    assert result.total == 9
    assert all(p.in_stock for p in result.products)
    # p05 is out of stock; p12 only mentions a mug in its description
    assert _ids(await _run(search, "mug", in_stock_only=True)) == ["p04", "p12"]


async def test_text_and_filters_combine(search: EmbeddedSearch) -> None:
    result = await _run(search, "jumbo bag", attributes={"colour": "blue"})
    assert _ids(result) == ["p09"]
    result = await _run(search, "heart", category="lanterns", max_price=10, in_stock_only=True)
    assert _ids(result) == ["p02"]


async def test_filters_apply_before_relaxing_query_words(search: EmbeddedSearch) -> None:
    # no red product has "lantern" and "tins", so the words relax within the red products
    result = await _run(search, "lantern tins", attributes={"colour": "red"})
    assert set(_ids(result)) == {"p02", "p10"}


# --- empty query, sorts, paging ------------------------------------------------------------


async def test_empty_query_returns_every_product_by_popularity(search: EmbeddedSearch) -> None:
    result = await _run(search)
    assert result.total == len(CATALOG)
    ordered = sorted(CATALOG, key=lambda p: -p.popularity)
    assert _ids(result) == [p.id for p in ordered]


async def test_empty_query_with_filters(search: EmbeddedSearch) -> None:
    assert _ids(await _run(search, category="Lanterns")) == ["p03", "p02"]


async def test_sort_by_price(search: EmbeddedSearch) -> None:
    ascending = await _run(search, "mug", sort="price_asc")
    assert _ids(ascending) == ["p05", "p04", "p12"]
    descending = await _run(search, "mug", sort="price_desc")
    assert _ids(descending) == ["p12", "p04", "p05"]


async def test_equal_prices_keep_relevance_then_popularity(search: EmbeddedSearch) -> None:
    # p08 and p09 cost the same and score the same for "jumbo bag": p08 sells more
    assert _ids(await _run(search, "jumbo bag", sort="price_asc")) == ["p08", "p09"]


async def test_sort_by_popularity(search: EmbeddedSearch) -> None:
    result = await _run(search, "red", sort="popularity")
    assert _ids(result) == ["p08", "p05", "p02", "p10"]


async def test_offset_and_limit_page_the_sorted_matches(search: EmbeddedSearch) -> None:
    everything = _ids(await _run(search, sort="price_asc"))
    pages: list[str] = []
    for offset in range(0, len(CATALOG), 5):
        page = await _run(search, sort="price_asc", offset=offset, limit=5)
        assert page.total == len(CATALOG)
        pages.extend(_ids(page))
    assert pages == everything


async def test_offset_past_the_end_gives_no_products_but_the_total(
    search: EmbeddedSearch,
) -> None:
    result = await _run(search, "mug", offset=10)
    assert result.products == []
    assert result.total == 3


async def test_small_limit_keeps_the_best(search: EmbeddedSearch) -> None:
    assert _ids(await _run(search, "red", limit=1)) == ["p05"]
    assert _ids(await _run(search, sort="price_desc", limit=2)) == ["p06", "p12"]


@pytest.mark.parametrize("sort", ["relevance", "price_asc", "price_desc", "popularity"])
async def test_pages_match_a_full_sort_when_keys_tie_a_lot(sort: str) -> None:
    # few distinct prices and popularities, so the page cut falls inside runs of ties
    products = [
        Product(
            id=f"t{i:03d}",
            title="Tin Mug" if i % 3 else "Tin Mug Tin",
            price=float(i % 4),
            popularity=float(i % 2),
        )
        for i in range(60)
    ]
    search = EmbeddedSearch(products)
    for text in ("", "tin"):
        every = [
            *(await _run(search, text)).products,
            *(await _run(search, text, offset=50)).products,
        ]
        score = {hit.id: hit.score for hit in every}
        assert sorted(score) == [p.id for p in products]
        # sorted() is stable, so full ties stay in catalog order, as the backend keeps them
        expected = [p.id for p in sorted(products, key=partial(_sort_key, sort, score))]
        for offset, limit in ((0, 1), (0, 7), (5, 5), (13, 20), (44, 16), (0, 50)):
            page = await _run(search, text, sort=sort, offset=offset, limit=limit)
            assert _ids(page) == expected[offset : offset + limit]


def _sort_key(sort: str, score: dict[str, float], p: Product) -> tuple[float, ...]:
    """The documented order, written out plainly."""
    s = score[p.id]
    return {
        "relevance": (-s, -p.popularity),
        "price_asc": (p.price, -s, -p.popularity),
        "price_desc": (-p.price, -s, -p.popularity),
        "popularity": (-p.popularity, -s),
    }[sort]


# --- facets --------------------------------------------------------------------------------


async def test_facets_count_every_match_not_just_the_page(search: EmbeddedSearch) -> None:
    result = await _run(search, "mug", limit=1)
    assert len(result.products) == 1
    assert result.facets["category"] == {"Mugs": 2, "Vases": 1}
    assert result.facets["colour"] == {"blue": 2, "red": 1, "white": 1}
    assert result.facets["material"] == {"ceramic": 2, "glass": 1}
    assert result.facets["brand"] == {"Glassworks": 1}


async def test_facets_follow_the_filters(search: EmbeddedSearch) -> None:
    result = await _run(search, category="Bags")
    assert result.facets["colour"] == {"blue": 1, "red": 1}
    assert "brand" not in result.facets  # no bag has a brand


async def test_facets_are_most_frequent_first_and_capped() -> None:
    search = EmbeddedSearch(CATALOG, max_facet_values=2)
    result = await _run(search)
    assert list(result.facets["material"].items()) == [("metal", 4), ("ceramic", 2)]


# --- index lifecycle -----------------------------------------------------------------------


async def test_empty_index_finds_nothing() -> None:
    result = await _run(EmbeddedSearch(), "mug")
    assert result.total == 0
    assert result.products == []


async def test_index_replaces_the_previous_products(search: EmbeddedSearch) -> None:
    search.index(CATALOG[:2])
    assert len(search) == 2
    assert (await _run(search, "mug")).total == 0
    assert (await _run(search)).total == 2


async def test_later_duplicate_id_replaces_earlier() -> None:
    renamed = CATALOG[3].model_copy(update={"title": "Green Mug"})
    search = EmbeddedSearch([*CATALOG, renamed])
    assert len(search) == len(CATALOG)
    assert _ids(await _run(search, "green")) == ["p04"]
    assert (await _run(search, "polka")).total == 0


async def test_summaries_carry_the_product_fields(search: EmbeddedSearch) -> None:
    hit = (await _run(search, "tealight candles", limit=1)).products[0]
    assert hit.id == "p11"
    assert (hit.title, hit.price, hit.brand, hit.category) == (
        "Tealight Candles Pack", 1.5, "Glow", "Candles",
    )  # fmt: skip
    assert hit.attributes == {"colour": ["white"], "material": ["wax"]}
    assert hit.in_stock is True
    assert hit.score > 0


async def test_search_products_tool_runs_on_this_backend(search: EmbeddedSearch) -> None:
    (tool,) = search_tools(search)
    result = await tool.run({"query": "heart lantern", "limit": 3})
    assert _ids(result) == ["p02"]
