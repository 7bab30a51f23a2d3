"""Round 5: answers to "Shall I go ahead?" in other languages, yes with more words, emoji, and
a question about the waiting change (kept waiting, put again)."""

from __future__ import annotations

import pytest

from graphs.confirm import read_answer


@pytest.mark.parametrize(
    "text",
    [
        "sí, por favor",
        "Oui, d'accord",
        "ja klar, mach das",
        "sì, va bene",
        "vale, adelante",
        "bien sûr, allez-y",
        "certo, procedi pure grazie",
        "👍👍",
        "yes, those ones",
        "yes both, that's all",
        "yep that one, please go ahead",
        "ok, that's the only one ✅",
        "oui, annulez la commande",
    ],
)
def test_yes_in_other_words(text: str) -> None:
    assert read_answer(text) == "yes", text


@pytest.mark.parametrize(
    "text",
    ["nein, lieber nicht", "non, merci", "no gracias", "no, grazie", "👎", "pas encore"],
)
def test_no_in_other_words(text: str) -> None:
    assert read_answer(text) == "no", text


@pytest.mark.parametrize(
    "text",
    [
        "erm, probably? dunno tbh",
        "vielleicht",
        "je ne sais pas",
        "quizás",
        "hold on, what's in that order again?",
        "how much would I get back?",
        "which items are included?",
    ],
)
def test_unsure_or_a_question_about_the_change_stays_waiting(text: str) -> None:
    assert read_answer(text) == "unclear", text


@pytest.mark.parametrize(
    "text",
    [
        "yes, the blue one",
        "what about my other order's status?",
        "wait, can you show me lamps instead?",
        "yes, and also change the address",
    ],
)
def test_more_than_a_yes_is_still_a_request(text: str) -> None:
    assert read_answer(text) == "request", text
