"""What a content request asks for and what the writer returns."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field

from tools.content.markup import plain_keyword

Tone = Literal["neutral", "playful", "elegant", "practical"]
TONES: tuple[Tone, ...] = ("neutral", "playful", "elegant", "practical")

# Length limits of each field (characters), the usual SEO bounds.
TITLE_MAX = 70
META_MAX = 160
META_MIN = 50
BULLET_MAX = 120
BULLETS_MAX = 6
DESCRIPTION_MIN_WORDS = 25
DESCRIPTION_MAX_WORDS = 250

# A target keyword: plain text of at most 60 characters (markup is refused, naming the field).
Keyword = Annotated[str, Field(max_length=60), AfterValidator(plain_keyword)]


class ContentInput(BaseModel):
    """Arguments of ``write_product_content``."""

    product_id: str = Field(min_length=1, max_length=64, description="The product's id.")
    tone: Tone = Field(default="neutral", description="neutral, playful, elegant or practical.")
    language: str = Field(
        default="en", max_length=20, description="en, de, fr, es or it (code or English name)."
    )
    keywords: list[Keyword] | None = Field(
        default=None,
        max_length=10,
        description=(
            "Target search keywords, plain text (no HTML); by default the searches that lead "
            "to the product."
        ),
    )


class Source(BaseModel):
    """One product field a claim rests on."""

    field: str  # "title", "category", "price", "attributes.colour", "description", …
    value: str


class Claim(BaseModel):
    """A sentence or bullet of the copy and the product data it rests on."""

    text: str
    sources: list[Source]


class ProductContent(BaseModel):
    """Product copy: every claim listed in ``evidence`` with the fields it came from."""

    title: str
    description: str
    bullets: list[str]
    meta_description: str
    keywords: list[str]
    evidence: list[Claim] = Field(default_factory=list)


class Problem(BaseModel):
    """One failed check: what kind, in which field, and what exactly."""

    kind: Literal[
        "invented_fact", "banned_claim", "pii", "length", "keywords", "readability", "empty"
    ]
    field: str
    detail: str


class ContentReport(BaseModel):
    """The checks of one draft: problems (empty when it passes) and the measures behind them."""

    problems: list[Problem] = Field(default_factory=list)
    key_phrases: list[str] = Field(default_factory=list)
    keyword_coverage: float = 0.0
    reading_ease: float = 0.0
    invented_facts: list[str] = Field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems


class ContentResult(BaseModel):
    """A stored version of a product's content, with its checks and how it was written."""

    product_id: str
    language: str
    tone: Tone
    version: int
    created_at: datetime
    writer: str
    rounds: int
    target_keywords: list[str]
    content: ProductContent
    report: ContentReport
    ignored_input: list[str] = Field(
        default_factory=list,
        description="Instruction-like text found in the product data and left out.",
    )
