"""The Comprehend backend's mapping, batching and limits, against botocore's Stubber."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from infra.errors import ToolInputError, UpstreamError
from tools.analyze.comprehend import MAX_BATCH, ComprehendAnalyzer


@pytest.fixture
def client() -> Any:
    return boto3.client(
        "comprehend",
        region_name="eu-west-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def stub(client: Any) -> Iterator[Stubber]:
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def _scores(pos: float, neg: float, neu: float, mixed: float) -> dict[str, float]:
    return {"Positive": pos, "Negative": neg, "Neutral": neu, "Mixed": mixed}


TEXT = "Lovely teapot from Leeds. Mail jo@example.com"


def test_one_text_maps_every_feature(client: Any, stub: Stubber) -> None:
    docs = [TEXT]
    stub.add_response(
        "batch_detect_dominant_language",
        {"ResultList": [{"Index": 0, "Languages": [{"LanguageCode": "en", "Score": 0.98}]}],
         "ErrorList": []},
        {"TextList": docs},
    )  # fmt: skip
    stub.add_response(
        "batch_detect_sentiment",
        {"ResultList": [{"Index": 0, "Sentiment": "POSITIVE",
                         "SentimentScore": _scores(0.9, 0.02, 0.07, 0.01)}], "ErrorList": []},
        {"TextList": docs, "LanguageCode": "en"},
    )  # fmt: skip
    stub.add_response(
        "batch_detect_key_phrases",
        {"ResultList": [{"Index": 0, "KeyPhrases": [
            {"Text": "Lovely teapot", "Score": 0.99, "BeginOffset": 0, "EndOffset": 13}]}],
         "ErrorList": []},
        {"TextList": docs, "LanguageCode": "en"},
    )  # fmt: skip
    stub.add_response(
        "batch_detect_entities",
        {"ResultList": [{"Index": 0, "Entities": [
            {"Text": "Leeds", "Type": "LOCATION", "Score": 0.97, "BeginOffset": 19,
             "EndOffset": 24}]}], "ErrorList": []},
        {"TextList": docs, "LanguageCode": "en"},
    )  # fmt: skip
    stub.add_response(
        "detect_pii_entities",
        {"Entities": [{"Type": "EMAIL", "Score": 0.99, "BeginOffset": 31, "EndOffset": 45}]},
        {"Text": TEXT, "LanguageCode": "en"},
    )
    result = ComprehendAnalyzer(client).analyze_sync(TEXT)
    assert result.backend == "comprehend"
    assert result.language and result.language.code == "en"
    assert result.sentiment and result.sentiment.label == "POSITIVE"
    assert result.sentiment.scores.positive == 0.9
    assert result.key_phrases and result.key_phrases[0].text == "Lovely teapot"
    assert result.entities and (result.entities[0].type, result.entities[0].begin) == (
        "LOCATION",
        19,
    )
    assert result.masked_text == "Lovely teapot from Leeds. Mail [EMAIL]"


def test_long_text_is_sent_in_parts_and_offsets_are_shifted(client: Any, stub: Stubber) -> None:
    sentence = "The cake stand is great. "
    text = sentence * 420  # 10,500 bytes: three parts under 5,000 bytes
    stub.add_response(
        "batch_detect_sentiment",
        {
            "ResultList": [
                {"Index": 0, "Sentiment": "POSITIVE", "SentimentScore": _scores(1, 0, 0, 0)},
                {"Index": 1, "Sentiment": "NEGATIVE", "SentimentScore": _scores(0, 1, 0, 0)},
                {"Index": 2, "Sentiment": "POSITIVE", "SentimentScore": _scores(1, 0, 0, 0)},
            ],
            "ErrorList": [],
        },
        {"TextList": ANY, "LanguageCode": "en"},
    )
    stub.add_response(
        "batch_detect_key_phrases",
        {
            "ResultList": [
                {"Index": i, "KeyPhrases": [{"Text": "cake stand", "Score": 0.9,
                                             "BeginOffset": 4, "EndOffset": 14}]}
                for i in range(3)
            ],
            "ErrorList": [],
        },
        {"TextList": ANY, "LanguageCode": "en"},
    )  # fmt: skip
    result = ComprehendAnalyzer(client).analyze_sync(
        text, ["key_phrases", "sentiment"], language="en"
    )
    assert result.key_phrases is not None and len(result.key_phrases) == 3
    for phrase in result.key_phrases:
        assert text[phrase.begin : phrase.end] == "cake stand"
    assert result.key_phrases[1].begin > 4900
    assert result.sentiment and result.sentiment.label == "POSITIVE"
    # parts of 200, 200 and 20 sentences: the negative middle one weighs 200 / 420
    assert result.sentiment.scores.positive == pytest.approx(220 / 420, abs=1e-3)
    assert "sent as 3 parts" in result.notes[0]


def test_more_than_25_parts_take_several_batch_calls(client: Any, stub: Stubber) -> None:
    text = ("é" * 2499 + ". ") * 27  # 27 parts of 5,000 bytes (é takes two)
    for size in (MAX_BATCH, 27 - MAX_BATCH):
        stub.add_response(
            "batch_detect_entities",
            {"ResultList": [{"Index": i, "Entities": []} for i in range(size)], "ErrorList": []},
            {"TextList": ANY, "LanguageCode": "en"},
        )
    result = ComprehendAnalyzer(client).analyze_sync(text, ["entities"], language="en")
    assert result.entities == []


def test_pii_in_a_language_comprehend_lacks_uses_the_patterns(client: Any, stub: Stubber) -> None:
    result = ComprehendAnalyzer(client).analyze_sync(
        "Rufen Sie 07700 900123 an", ["pii"], language="de"
    )
    assert result.pii and result.pii[0].type == "PHONE"
    assert any("English and Spanish only" in n for n in result.notes)


def test_card_numbers_get_our_type_name(client: Any, stub: Stubber) -> None:
    text = "card 4111111111111111"
    stub.add_response(
        "detect_pii_entities",
        {"Entities": [{"Type": "CREDIT_DEBIT_NUMBER", "Score": 1.0, "BeginOffset": 5,
                       "EndOffset": 21}]},
        {"Text": text, "LanguageCode": "en"},
    )  # fmt: skip
    result = ComprehendAnalyzer(client).analyze_sync(text, ["pii"], language="en")
    assert result.masked_text == "card [CARD]"


def test_unsupported_language_is_refused(client: Any, stub: Stubber) -> None:
    stub.add_response(
        "batch_detect_dominant_language",
        {"ResultList": [{"Index": 0, "Languages": [{"LanguageCode": "ja", "Score": 0.99}]}],
         "ErrorList": []},
        {"TextList": ["とても良い"]},
    )  # fmt: skip
    with pytest.raises(ToolInputError, match="'ja'.*supported: en"):
        ComprehendAnalyzer(client).analyze_sync("とても良い", ["sentiment"])


def test_failures_become_upstream_errors(client: Any, stub: Stubber) -> None:
    stub.add_client_error(
        "batch_detect_sentiment",
        service_error_code="ThrottlingException",
        service_message="Rate exceeded",
    )
    with pytest.raises(UpstreamError, match="ThrottlingException"):
        ComprehendAnalyzer(client).analyze_sync("nice", ["sentiment"], language="en")
    stub.add_response(
        "batch_detect_sentiment",
        {"ResultList": [], "ErrorList": [{"Index": 0, "ErrorCode": "TextSizeLimitExceeded",
                                          "ErrorMessage": "too long"}]},
        {"TextList": ["nice"], "LanguageCode": "en"},
    )  # fmt: skip
    with pytest.raises(UpstreamError, match="part 1 of 1.*TextSizeLimitExceeded"):
        ComprehendAnalyzer(client).analyze_sync("nice", ["sentiment"], language="en")
