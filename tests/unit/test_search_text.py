"""Text analysis for search: folding, tokens, stop words, stems and compounds."""

from __future__ import annotations

import pytest

from tools.search.text import STOP_WORDS, fold, fold_key, index_terms, query_clauses, stem


def test_fold_lowercases_and_strips_accents() -> None:
    assert fold("Café CRÈME Straße") == "cafe creme strasse"


def test_fold_key_collapses_whitespace() -> None:
    assert fold_key("  Candle   Holders ") == "candle holders"


def test_tokens_split_on_non_alphanumerics() -> None:
    assert index_terms("SET/4 Blue+White, 30cm!") == ["set", "4", "blue", "white", "30cm"]


def test_apostrophes_join_the_word() -> None:
    assert index_terms("Mum's Mug") == ["mum", "mug"]


def test_stop_words_are_dropped() -> None:
    assert index_terms("The Cup and the Saucer") == ["cup", "saucer"]
    assert query_clauses("the of and a") == []
    assert {"the", "and", "of", "a"} <= STOP_WORDS


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("lanterns", "lantern"),
        ("mugs", "mug"),
        ("candles", "candle"),
        ("berries", "berry"),
        ("daisies", "daisy"),
        ("pies", "pie"),
        ("boxes", "box"),
        ("dishes", "dish"),
        ("matches", "match"),
        ("glasses", "glass"),
        ("dresses", "dress"),
        ("roses", "rose"),
        ("shoes", "shoe"),
        ("knives", "knife"),
        ("buses", "bus"),
    ],
)
def test_plurals_meet_their_singular(word: str, expected: str) -> None:
    assert stem(word) == expected
    assert stem(expected) == expected


@pytest.mark.parametrize("word", ["glass", "dress", "bus", "cactus", "tennis", "christmas", "gas"])
def test_words_that_only_look_plural_are_kept(word: str) -> None:
    assert stem(word) == word


def test_cookie_and_cookies_share_a_stem() -> None:
    assert stem("cookie") == stem("cookies")


def test_numbers_are_not_stemmed() -> None:
    assert stem("1950s") == "1950s"


def test_hyphenated_words_give_parts_and_joined_form() -> None:
    assert index_terms("T-Light Holder") == ["t", "light", "tlight", "holder"]
    assert index_terms("ready-to-wear") == ["ready", "wear", "readytowear"]


def test_unicode_hyphens_count_as_hyphens() -> None:
    assert index_terms("T\u2011LIGHT") == index_terms("T-LIGHT")


def test_joined_forms_are_stemmed_and_aliased() -> None:
    assert index_terms("T-LIGHTS") == ["t", "light", "tlight"]
    assert index_terms("tealights") == ["tlight"]
    assert index_terms("xmas") == ["christmas"]


def test_index_bigrams_join_adjacent_words_only() -> None:
    assert index_terms("Cake Stand", bigrams=True) == ["cake", "stand", "cakestand"]
    # a stop word between two words stops the join
    assert index_terms("Cup and Saucer", bigrams=True) == ["cup", "saucer"]
    # the two parts of a hyphen group are not joined a second time
    assert index_terms("T-Light", bigrams=True) == ["t", "light", "tlight"]


@pytest.mark.parametrize("text", ["t-light", "t light", "tlight", "tealight", "tea light"])
def test_every_spelling_of_t_light_reaches_tlight(text: str) -> None:
    clauses = query_clauses(text)
    assert clauses
    assert all("tlight" in clause for clause in clauses)


def test_query_clause_lists_the_word_first_then_its_compounds() -> None:
    assert query_clauses("heart lanterns") == [
        ("heart", "heartlantern"),
        ("lantern", "heartlantern"),
    ]


def test_query_repeated_word_gives_one_clause() -> None:
    assert query_clauses("red red") == [("red", "redred")]


def test_query_stop_words_are_ignored_but_break_joins() -> None:
    assert query_clauses("a mug for the kitchen") == [("mug",), ("kitchen",)]
