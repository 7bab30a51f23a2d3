"""The production analyzer: Amazon Comprehend's batch APIs on an injected boto3 client.

Comprehend's limits shape the calls: each document of a ``BatchDetect*`` call holds at most
5,000 UTF-8 bytes and a call at most 25 documents, so text is cut on sentence boundaries into
pieces under the limit and sent in batches; offsets are shifted back onto the whole text and
sentiment scores are averaged, weighted by each piece's length. ``DetectPiiEntities`` has no
batch form and serves English and Spanish only: other languages fall back to the validated
patterns, and the result says so.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import anyio
from botocore.exceptions import BotoCoreError, ClientError

from infra.errors import ToolInputError, UpstreamError
from tools.analyze.base import checked_request
from tools.analyze.chunks import Chunk, split_text
from tools.analyze.languages import SUPPORTED, supported_list
from tools.analyze.models import (
    ALL_FEATURES,
    Entity,
    Feature,
    KeyPhrase,
    LanguageScore,
    PiiEntity,
    Sentiment,
    SentimentLabel,
    SentimentScores,
    TextAnalysis,
)
from tools.analyze.pii import find_pii, mask

MAX_DOCUMENT_BYTES = 5_000
MAX_BATCH = 25
PII_LANGUAGES = frozenset({"en", "es"})
# Comprehend's PII types that have a shorter name in our schema.
_PII_TYPES = {
    "CREDIT_DEBIT_NUMBER": "CARD",
    "CREDIT_DEBIT_CVV": "CVV",
    "CREDIT_DEBIT_EXPIRY": "EXPIRY",
    "INTERNATIONAL_BANK_ACCOUNT_NUMBER": "IBAN",
    "UK_NATIONAL_INSURANCE_NUMBER": "NI_NUMBER",
}
_LABELS: tuple[SentimentLabel, ...] = ("POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED")


@contextmanager
def _comprehend_errors(operation: str) -> Iterator[None]:
    """AWS failures as ``UpstreamError`` naming the operation (the cause kept)."""
    try:
        yield
    except ClientError as err:
        error = err.response.get("Error", {})
        code, message = error.get("Code", "Unknown"), error.get("Message", str(err))
        raise UpstreamError(f"Comprehend {operation} failed ({code}): {message}") from err
    except BotoCoreError as err:
        raise UpstreamError(f"Comprehend {operation} unreachable or timed out: {err}") from err


def _batches(chunks: Sequence[Chunk]) -> Iterator[Sequence[Chunk]]:
    for start in range(0, len(chunks), MAX_BATCH):
        yield chunks[start : start + MAX_BATCH]


class ComprehendAnalyzer:
    """``TextAnalyzer`` on Amazon Comprehend; blocking calls run in a worker thread."""

    name = "comprehend"

    def __init__(self, client: Any) -> None:
        self._client = client

    def _batch(self, operation: str, chunks: Sequence[Chunk], **params: Any) -> list[Any]:
        """Run a ``BatchDetect*`` operation over every chunk; one result per chunk, in order."""
        results: list[Any] = [None] * len(chunks)
        method = getattr(self._client, operation)
        done = 0
        for batch in _batches(chunks):
            with _comprehend_errors(operation):
                response = method(TextList=[c.text for c in batch], **params)
            if response.get("ErrorList"):
                first = response["ErrorList"][0]
                raise UpstreamError(
                    f"Comprehend {operation} failed on part {done + first['Index'] + 1} of "
                    f"{len(chunks)} ({first.get('ErrorCode')}): {first.get('ErrorMessage')}"
                )
            for item in response["ResultList"]:
                results[done + item["Index"]] = item
            done += len(batch)
        return results

    def _language(self, chunks: Sequence[Chunk]) -> LanguageScore:
        weights: dict[str, float] = {}
        total = sum(len(c.text) for c in chunks)
        for chunk, item in zip(
            chunks, self._batch("batch_detect_dominant_language", chunks), strict=True
        ):
            for lang in item["Languages"]:
                share = lang["Score"] * len(chunk.text) / total
                weights[lang["LanguageCode"]] = weights.get(lang["LanguageCode"], 0.0) + share
        code, score = max(weights.items(), key=lambda kv: kv[1])
        if code not in SUPPORTED:
            raise ToolInputError(
                f"the text is in language {code!r}, which is not supported; "
                f"supported: {supported_list()}"
            )
        return LanguageScore(code=code, score=round(score, 4))

    def _sentiment(self, chunks: Sequence[Chunk], language: str) -> Sentiment:
        total = sum(len(c.text) for c in chunks)
        sums = dict.fromkeys(_LABELS, 0.0)
        items = self._batch("batch_detect_sentiment", chunks, LanguageCode=language)
        for chunk, item in zip(chunks, items, strict=True):
            score = item["SentimentScore"]
            for name in _LABELS:
                sums[name] += score[name.capitalize()] * len(chunk.text) / total
        label: SentimentLabel = (
            items[0]["Sentiment"] if len(chunks) == 1 else max(_LABELS, key=lambda n: sums[n])
        )
        return Sentiment(
            label=label,
            scores=SentimentScores(
                positive=round(sums["POSITIVE"], 4),
                negative=round(sums["NEGATIVE"], 4),
                neutral=round(sums["NEUTRAL"], 4),
                mixed=round(sums["MIXED"], 4),
            ),
        )

    def _key_phrases(self, chunks: Sequence[Chunk], language: str) -> list[KeyPhrase]:
        items = self._batch("batch_detect_key_phrases", chunks, LanguageCode=language)
        return [
            KeyPhrase(
                text=p["Text"],
                score=round(p["Score"], 4),
                begin=chunk.offset + p["BeginOffset"],
                end=chunk.offset + p["EndOffset"],
            )
            for chunk, item in zip(chunks, items, strict=True)
            for p in item["KeyPhrases"]
        ]

    def _entities(self, chunks: Sequence[Chunk], language: str) -> list[Entity]:
        items = self._batch("batch_detect_entities", chunks, LanguageCode=language)
        return [
            Entity(
                text=e["Text"],
                type=e["Type"],
                score=round(e["Score"], 4),
                begin=chunk.offset + e["BeginOffset"],
                end=chunk.offset + e["EndOffset"],
            )
            for chunk, item in zip(chunks, items, strict=True)
            for e in item["Entities"]
        ]

    def _pii(self, chunks: Sequence[Chunk], language: str) -> list[PiiEntity]:
        found: list[PiiEntity] = []
        for chunk in chunks:
            with _comprehend_errors("detect_pii_entities"):
                response = self._client.detect_pii_entities(Text=chunk.text, LanguageCode=language)
            found += [
                PiiEntity(
                    type=_PII_TYPES.get(e["Type"], e["Type"]),
                    score=round(e["Score"], 4),
                    begin=chunk.offset + e["BeginOffset"],
                    end=chunk.offset + e["EndOffset"],
                )
                for e in response["Entities"]
            ]
        return found

    def analyze_sync(
        self, text: str, features: Collection[Feature] = ALL_FEATURES, language: str | None = None
    ) -> TextAnalysis:
        """``analyze`` in the calling thread."""
        wanted, code = checked_request(text, features, language)
        chunks = split_text(text, MAX_DOCUMENT_BYTES)
        result = TextAnalysis(backend=self.name, characters=len(text))
        if len(chunks) > 1:
            result.notes.append(f"sent as {len(chunks)} parts of at most 5,000 bytes")
        detected = LanguageScore(code=code, score=1.0) if code else self._language(chunks)
        lang = detected.code
        if "language" in wanted:
            result.language = detected
        if "sentiment" in wanted:
            result.sentiment = self._sentiment(chunks, lang)
        if "key_phrases" in wanted:
            result.key_phrases = self._key_phrases(chunks, lang)
        if "entities" in wanted:
            result.entities = self._entities(chunks, lang)
        if "pii" in wanted:
            if lang in PII_LANGUAGES:
                result.pii = self._pii(chunks, lang)
            else:
                result.pii = find_pii(text)
                result.notes.append(
                    f"pii: Comprehend detects personal data in English and Spanish only; "
                    f"{lang} text was checked with the validated patterns"
                )
            result.masked_text = mask(text, result.pii)
        return result

    async def analyze(
        self, text: str, features: Collection[Feature] = ALL_FEATURES, language: str | None = None
    ) -> TextAnalysis:
        """Analyse ``text`` with Comprehend, off the event loop."""
        return await anyio.to_thread.run_sync(self.analyze_sync, text, features, language)
