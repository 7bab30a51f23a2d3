"""The one output schema of every text analyzer backend, and the tool's input."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Feature = Literal["language", "sentiment", "key_phrases", "entities", "pii"]
ALL_FEATURES: frozenset[Feature] = frozenset(
    ("language", "sentiment", "key_phrases", "entities", "pii")
)
SentimentLabel = Literal["POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED"]

# The most text one request may hold; longer text is refused, not cut silently.
MAX_TEXT_CHARS = 100_000


class Span(BaseModel):
    """Where a finding sits in the analysed text: ``text[begin:end]`` (character offsets)."""

    begin: int = Field(ge=0)
    end: int = Field(ge=0)


class LanguageScore(BaseModel):
    code: str  # ISO 639-1, as Comprehend names it ("en", "de")
    score: float


class SentimentScores(BaseModel):
    positive: float
    negative: float
    neutral: float
    mixed: float


class Sentiment(BaseModel):
    label: SentimentLabel
    scores: SentimentScores


class KeyPhrase(Span):
    text: str
    score: float


class Entity(Span):
    text: str
    type: str  # Comprehend's types: PERSON, LOCATION, ORGANIZATION, COMMERCIAL_ITEM, …
    score: float


# The kinds of personal data the local detector (``tools.analyze.pii``) names; Comprehend's own
# types (ADDRESS, NAME, …) pass through its backend unchanged, its card, CVV, expiry and UK
# national insurance types mapped to these names.
LocalPiiType = Literal[
    "CARD", "CVV", "EXPIRY", "SSN", "NI_NUMBER", "IBAN", "EMAIL", "PHONE", "POSTCODE"
]  # fmt: skip


class PiiEntity(Span):
    """Personal data: ``type`` is a ``LocalPiiType`` or a Comprehend type."""

    type: str
    score: float = 1.0


class TextAnalysis(BaseModel):
    """What one backend found; a feature it cannot provide is ``None`` and named in ``notes``."""

    backend: str
    characters: int
    language: LanguageScore | None = None
    sentiment: Sentiment | None = None
    key_phrases: list[KeyPhrase] | None = None
    entities: list[Entity] | None = None
    pii: list[PiiEntity] | None = None
    masked_text: str | None = None  # the text with each PII entity replaced by ``[TYPE]``
    notes: list[str] = Field(default_factory=list)


class AnalyzeInput(BaseModel):
    text: str = Field(
        min_length=1,
        max_length=MAX_TEXT_CHARS,
        description="The text to analyse (a review, a shopper message, product copy).",
    )
    features: list[Feature] | None = Field(
        default=None,
        max_length=10,
        description="Which analyses to run (default: all): language, sentiment, key_phrases, "
        "entities, pii.",
    )
    language: str | None = Field(
        default=None,
        max_length=20,
        description="ISO 639-1 code of the text when known (e.g. 'en'); detected otherwise.",
    )
