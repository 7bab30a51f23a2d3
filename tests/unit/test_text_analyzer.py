"""The local text analyzer, the PII patterns, text chunking and log masking."""

from __future__ import annotations

import logging

import pytest

from infra.errors import ToolInputError
from tools.analyze.chunks import split_text
from tools.analyze.local import LocalAnalyzer
from tools.analyze.log_filter import install_pii_log_masking
from tools.analyze.models import MAX_TEXT_CHARS
from tools.analyze.pii import find_pii, iban_ok, mask_pii


@pytest.fixture(scope="module")
def analyzer() -> LocalAnalyzer:
    return LocalAnalyzer()


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("card 4111 1111 1111 1111", "CARD"),
        ("amex 378282246310005", "CARD"),
        ("iban GB82 WEST 1234 5698 7654 32", "IBAN"),
        ("iban DE89370400440532013000", "IBAN"),
        ("mail jo@example.com", "EMAIL"),
        ("call +44 20 7946 0958", "PHONE"),
        ("at SW1A 1AA", "POSTCODE"),
        ("zip 94105-1234", "POSTCODE"),
    ],
)
def test_each_kind_of_personal_data_is_found_and_masked(text: str, kind: str) -> None:
    found = find_pii(text)
    assert [e.type for e in found] == [kind]
    assert mask_pii(text).endswith(f"[{kind}]")


@pytest.mark.parametrize(
    "text",
    [
        "4111 1111 1111 1112",  # Luhn fails
        "GB82 WEST 1234 5698 7654 33",  # mod-97 fails
        "GB82 WEST 1234 5698 7654",  # too short for GB
        "product 85123A, order #W2611340, 3 tier stand for 12.75",
    ],
)
def test_look_alikes_are_not_personal_data(text: str) -> None:
    assert find_pii(text) == []


def test_iban_check() -> None:
    assert iban_ok("NL91ABNA0417164300")
    assert not iban_ok("NL91ABNA0417164301")


def test_offsets_point_at_the_personal_data() -> None:
    text = "a jo@example.com b 07700 900123"
    assert [text[e.begin : e.end] for e in find_pii(text)] == ["jo@example.com", "07700 900123"]


def test_chunks_respect_the_byte_limit_and_cover_the_text() -> None:
    text = "Ünïcode sentence number one is here. " * 400
    chunks = split_text(text, 5000)
    assert len(chunks) > 1
    assert all(len(c.text.encode()) <= 5000 for c in chunks)
    assert "".join(c.text for c in chunks) == text
    assert all(text[c.offset : c.offset + len(c.text)] == c.text for c in chunks)
    assert all(c.text.endswith(". ") for c in chunks[:-1])  # cut after a sentence


def test_a_word_longer_than_the_limit_is_cut_mid_word() -> None:
    chunks = split_text("x" * 12_000, 5000)
    assert [len(c.text) for c in chunks] == [5000, 5000, 2000]


def test_sentiment_language_and_key_phrases(analyzer: LocalAnalyzer) -> None:
    good = analyzer.analyze_sync("I love this cake stand, it is beautiful and sturdy.")
    bad = analyzer.analyze_sync("The lantern arrived broken and the support was awful.")
    assert good.sentiment and good.sentiment.label == "POSITIVE"
    assert bad.sentiment and bad.sentiment.label == "NEGATIVE"
    assert bad.sentiment.scores.negative > bad.sentiment.scores.positive
    assert good.language and good.language.code == "en"
    assert good.key_phrases and any("cake stand" in p.text.lower() for p in good.key_phrases)
    assert good.entities is None and any(n.startswith("entities") for n in good.notes)


def test_german_text_is_detected_and_sentiment_is_reported_unavailable(
    analyzer: LocalAnalyzer,
) -> None:
    result = analyzer.analyze_sync("Diese Etagere ist wunderschön und sehr stabil, danke!")
    assert result.language and result.language.code == "de"
    assert result.sentiment is None
    assert any("English only" in n for n in result.notes)


def test_key_phrases_never_contain_personal_data(analyzer: LocalAnalyzer) -> None:
    text = "Refund to GB82 WEST 1234 5698 7654 32 and mail jo@example.com about the teapot."
    result = analyzer.analyze_sync(text, ["key_phrases", "pii"], language="en")
    phrases = " ".join(p.text for p in result.key_phrases or [])
    assert "WEST" not in phrases and "example" not in phrases
    assert result.masked_text == "Refund to [IBAN] and mail [EMAIL] about the teapot."


@pytest.mark.parametrize(
    ("text", "language", "message"),
    [
        ("   ", None, "empty"),
        ("x" * (MAX_TEXT_CHARS + 1), None, "limit"),
        ("good", "klingon", r"supported: en \(English\), de"),
        ("これは日本語の文章です。とても良い商品でした。ありがとうございます。", None, "'ja'"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(
    analyzer: LocalAnalyzer, text: str, language: str | None, message: str
) -> None:
    with pytest.raises(ToolInputError, match=message):
        analyzer.analyze_sync(text, language=language)


async def test_analyze_runs_off_the_event_loop(analyzer: LocalAnalyzer) -> None:
    result = await analyzer.analyze("great mug", ["sentiment"], "en")
    assert result.sentiment and result.sentiment.label == "POSITIVE"
    assert result.language is None and result.pii is None


def test_log_records_are_masked(caplog: pytest.LogCaptureFixture) -> None:
    install_pii_log_masking()
    log = logging.getLogger("test.pii")
    with caplog.at_level(logging.INFO):
        log.info("shopper %s paid with %s", "jo@example.com", "4111 1111 1111 1111")
        try:
            raise ValueError("bad card 4111 1111 1111 1111")
        except ValueError:
            log.exception("failed for %s", "07700 900123")
    text = caplog.text
    assert "jo@example.com" not in text and "4111" not in text and "900123" not in text
    assert "[EMAIL]" in text and "[CARD]" in text and "[PHONE]" in text
