"""What the NLU found in a message, and what the conversation lets a message refer to."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from agents.offline.cues import Sort
from agents.offline.prices import PriceRange

Intent = Literal[
    "empty",
    "garbled",
    "greeting",
    "thanks",
    "bye",
    "help",
    "out_of_scope",
    "search",
    "refine",
    "more",
    "details",
    "stock",
    "similar",
    "order",
    "reset",
    "unknown",
]


@dataclass(frozen=True)
class ShownProduct:
    """A product a tool returned earlier in the conversation."""

    id: str
    title: str
    price: float
    currency: str = ""
    category: str = ""
    in_stock: bool = True
    attributes: Mapping[str, Sequence[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class NluContext:
    """What the conversation so far lets a message refer to."""

    has_search: bool = False
    category: str | None = None  # the category of the previous search, if any
    shown: Sequence[ShownProduct] = ()  # the list the last search answer showed, in order
    shown_offset: int = 0  # how many results came before that list ("show more")
    focus: str | None = None  # the product "it" means
    known: Mapping[str, ShownProduct] = field(default_factory=dict)  # lower-case id -> product
    looked_at: Sequence[str] = ()  # products looked at one by one (details, stock), oldest first


@dataclass(frozen=True)
class Reference:
    """One way the shopper pointed at a product."""

    kind: Literal["position", "last", "id", "title", "pronoun"]
    position: int = 0  # 1-based, as numbered in the answer; for "last", counted from the end
    product_id: str = ""
    plural: bool = False


@dataclass
class Understanding:
    """The intent of a message and every slot found in it."""

    text: str
    intent: Intent = "unknown"
    topic: str = ""  # what an out-of-scope message was about
    greeted: bool = False
    query_words: list[str] = field(default_factory=list)
    category: str | None = None
    brand: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    price: PriceRange | None = None
    sort: Sort | None = None
    in_stock_only: bool | None = None  # None: not mentioned; False: "including out of stock"
    cheaper: bool = False
    pricier: bool = False
    excluded: list[str] = field(default_factory=list)  # "except pink", "no heart ones"
    cleared: set[str] = field(default_factory=set)  # "price", "category", "brand", "*" or names
    references: list[Reference] = field(default_factory=list)
    ambiguous: list[str] = field(default_factory=list)  # ids a vague reference could mean
    asked_attribute: str | None = None  # "what sizes does it come in" -> the size attribute
    compare: bool = False
    # best sellers offered for a gift with nothing to search for: a guess, not the shopper's sort
    suggested: bool = False
    # the product kind of a gift request read by meaning, not said: a guess the price outlasts
    guessed: bool = False
    narrowing: bool = False  # new words add to the last search ("only the 3 tier ones")
    replacing: bool = False  # new words replace its free text ("pink polkadots instead")
    resize: int = 0  # +1 "a bigger one", -1 "smaller?": another size of the kind shown

    @property
    def query(self) -> str:
        return " ".join(self.query_words)

    @property
    def has_product_words(self) -> bool:
        return bool(self.query_words or self.category or self.brand)

    @property
    def has_constraints(self) -> bool:
        return bool(
            self.price
            or self.attributes
            or self.sort
            or self.in_stock_only is not None
            or self.cheaper
            or self.pricier
            or self.cleared
            or self.excluded
            or self.resize
        )

    @property
    def explicit_references(self) -> list[Reference]:
        return [r for r in self.references if r.kind != "pronoun"]


@dataclass
class Flags:
    topic: str = ""
    greeting: bool = False
    thanks: bool = False
    bye: bool = False
    help: bool = False
    details: bool = False
    stock: bool = False
    similar: bool = False
    order: bool = False
    more: bool = False
    reset: bool = False
