"""Dialogue acts scored from labelled examples with the sentence encoder the project ships.

The encoder is the search's all-MiniLM-L6-v2 (int8 ONNX, ``tools.search.vectors``). Each act
has a handful of example messages; a message is scored against every act as the mean cosine
of its two nearest examples (a nearest-neighbour classifier: adding an example teaches a
phrasing, no retraining). The reading is *confident* when the best act scores at least
``MIN_SCORE`` and beats the runner-up by ``MIN_MARGIN``; the planner acts on confident
readings only and keeps its rules otherwise.

Encoding a message costs a few milliseconds of CPU (measured in the README), so the planner
asks only about messages its catalog vocabulary does not ground (``needs_reading``); vectors
are cached by text, so the several model calls of one turn encode it once.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np

from agents.offline.cues import SHOPPING
from agents.offline.text import normalize, tokens
from agents.offline.vocabulary import CatalogVocabulary
from infra.errors import ConfigError
from tools.search.vectors import Embedder, Vectors

Act = Literal[
    "shop", "store_question", "hand_off", "small_talk", "off_topic", "farewell", "review", "service"
]

# Labelled examples, written for the acts (not copied from any evaluation suite).
EXAMPLES: dict[Act, tuple[str, ...]] = {
    "shop": (
        "do you have red mugs",
        "I'm looking for a lantern",
        "show me cushion covers under 5 pounds",
        "something for the garden",
        "a present for my mum who loves baking",
        "what candles do you sell",
        "any cheaper ones?",
        "have you got wall clocks",
        "I need a gift for a colleague",
        "tea towels please",
        "is the second one in stock",
        "tell me more about that one",
        "do you sell backpacks",
        "never mind, show me headphones instead",
        "what's the cheapest cake stand",
        "more like this one",
    ),
    "store_question": (
        "what are your delivery charges",
        "how much is shipping",
        "do you deliver abroad",
        "what is your returns policy",
        "how long do refunds take",
        "can I exchange an item I bought",
        "what payment methods do you accept",
        "are you open on sundays",
        "what are your opening hours",
        "where is your shop",
        "do you do click and collect",
        "how long does delivery take",
        "do you offer gift wrapping",
        "is there a warranty",
        "can I pay with paypal",
        "do you price match",
        "are there any promotions or vouchers",
        "is there a coupon I can use at checkout",
        "any offers or sales on at the moment",
        "which country is your business in",
        "where is the company located",
        "where do you send parcels from",
        "is this a british firm",
        "what is your head office address",
    ),
    "hand_off": (
        "let me speak to someone",
        "can I talk to a real person",
        "put me through to customer service",
        "I want a human",
        "is there someone I can call",
        "get me an agent please",
        "I'd like to speak to a manager",
        "connect me with your support team",
        "you're not helping, I need an actual human",
        "transfer me to a human agent",
        "pass me on to someone who can help",
        "I'd rather sort this out with a person",
        "is there an actual human I can deal with",
        "could somebody who works at the store help me",
        "I'd like to talk to a member of staff",
        "I need to discuss my business account with one of your people",
        "can someone from your company get in touch with me",
        "who can I speak to about a bulk order",
        "I want to chat with somebody who works there",
        "is a real member of your team available",
        "I'd prefer to deal with a human being",
    ),
    "small_talk": (
        "what's your name",
        "how are you today",
        "you're very helpful",
        "are you a robot",
        "tell me about yourself",
        "lol that's funny",
        "I'm bored",
        "do you like your job",
        "good job",
        "who made you",
        "what's up",
        "am I chatting with a computer",
        "is this an automated assistant",
        "am I talking to a human or a machine",
        "are you a person",
        "ha, you're quite clever",
        "you're doing a great job at this",
        "that was impressive, well done",
        "hello there, who am I talking to",
        "how's it going with you",
        "what should I call you",
        "you're hilarious, what are your hobbies",
        "what do you get up to in your free time",
    ),
    # the world outside the shop: sport, trivia, films, recipes, sums (answered in words)
    "off_topic": (
        "who won the match at the weekend",
        "what's the capital city of spain",
        "how high is mount everest",
        "what film should I watch this evening",
        "tell me an interesting fact",
        "what's the score in the rugby",
        "who is the greatest band of all time",
        "how do I make a lasagne",
        "what's seven times eight",
        "when did the second world war end",
        "who's going to win the league this year",
        "what's your favourite tv series",
        "how many planets are in the solar system",
        "who painted the mona lisa",
        "what's the population of china",
        "which is the fastest animal in the world",
    ),
    "farewell": (
        "that's all I needed, thank you",
        "great, I'm sorted now",
        "nothing more for today, cheers",
        "brilliant, that's everything",
        "ok I'm finished here",
        "thanks, I'll leave it there",
        "lovely, all sorted, bye for now",
        "that'll do for me, ta",
    ),
    "review": (
        "what do you think of this review",
        "how do people feel about this",
        "analyse the sentiment of this comment",
        "is this feedback positive or negative",
        "check the tone of this customer review",
        "here's a review, what's the sentiment",
        "what does this customer think",
    ),
    "service": (
        "where is my order",
        "where's my parcel",
        "I want to cancel my order",
        "track my package",
        "I'd like a refund for my order",
        "I want to return something I bought",
        "has my order shipped",
        "change the delivery address of my order",
        "my order hasn't arrived",
    ),
}
# The acts a tool answers; the others are answered in words.
TOOL_ACTS: frozenset[Act] = frozenset({"shop", "service", "review"})
MIN_SCORE = 0.40
MIN_MARGIN = 0.10
# The world outside the shop is wide, so its examples sit far apart: a lower score will do
# when the lead over every act a tool answers is wide and the message names no product kind.
OFF_TOPIC_SCORE = 0.30
OFF_TOPIC_LEAD = 0.15
# A message that names a product kind is taken away from the shopping rules only when surer.
GROUNDED_SCORE = 0.55
GROUNDED_MARGIN = 0.15
# A reading far ahead of the runner-up ("can I pay by bank transfer?": a store question, even
# though "bank" is a catalog word) needs a little less score.
WIDE_MARGIN = 0.25
WIDE_MARGIN_SCORE = 0.50
# Far ahead of every act a tool answers: a product kind named in passing does not make a search.
FAR_SCORE = 0.50
FAR_FROM_TOOLS = 0.20
# "red mugs please": a product kind in a few words is a request.
SHORT_REQUEST = 4
_PRICE = re.compile(r"[£$€]|\d")
NEIGHBOURS = 2
MIN_PASSAGE_WORDS = 4
# A message this long is read whatever its words: a pasted review names products too.
LONG_MESSAGE = 14
# A quoted passage ("…", “…” or '…'), or "…: <passage>": the request is the rest.
QUOTED = re.compile(
    r"""(?:^|(?<=[\s:]))(?:"(?P<d>[^"]{12,})"|“(?P<c>[^”]{12,})”|'(?P<s>.{12,}?)'(?=[\s.,!?;:]|$))""",
    re.S,
)
PASSAGE = re.compile(r"""^(?P<lead>[^:"“]{3,}?)\s*:\s*(?P<passage>.{12,})$""", re.S)
# Or a question, then the passage it asks about ("is this review positive? Bought the …"):
# unquoted, so the passage must be longer to count as one.
QUESTION_FIRST = re.compile(r"^(?P<lead>[^?]{8,}?\?)\s+(?P<passage>[^?]+[.!]?)$", re.S)
MIN_UNQUOTED_WORDS = 8


@dataclass(frozen=True)
class Reading:
    """The best act for a message, its score and its lead over the runner-up."""

    act: Act
    score: float
    margin: float
    # Lead over the best act a tool answers (shopping, service, a review): when two answers
    # without a tool lead together ("speak to someone from the shop": a person or a store
    # question), the message is surely not a search even if which of the two is close.
    lead_over_tools: float = 0.0

    @property
    def confident(self) -> bool:
        return self.score >= MIN_SCORE and self.margin >= MIN_MARGIN

    @property
    def wordy(self) -> bool:
        """Surely an act answered in words, though maybe not this one: a person and a store
        question can be close, and either answer is honest where a search is not."""
        return (
            self.act not in TOOL_ACTS
            and self.score >= MIN_SCORE
            and (self.lead_over_tools >= MIN_MARGIN)
        )

    @property
    def off_topic(self) -> bool:
        """About the world outside the shop ("who won the match?"), ahead of every tool act."""
        return (
            self.act == "off_topic"
            and self.score >= OFF_TOPIC_SCORE
            and self.lead_over_tools >= OFF_TOPIC_LEAD
        )

    @property
    def far_from_tools(self) -> bool:
        """An answer in words far ahead of every tool's act ("I'd rather talk to an actual
        person from the shop"): a product kind it happens to name ("person") is no request."""
        return (
            self.act not in TOOL_ACTS
            and self.score >= FAR_SCORE
            and self.lead_over_tools >= FAR_FROM_TOOLS
        )

    @property
    def sure(self) -> bool:
        """Confident enough to override a message that names a product kind."""
        if self.margin >= WIDE_MARGIN:  # far ahead of every other act: a lower score will do
            return self.score >= WIDE_MARGIN_SCORE
        return self.score >= GROUNDED_SCORE and self.margin >= GROUNDED_MARGIN


class _Examples:
    """The example vectors, encoded once per process on first use."""

    _lock = threading.Lock()
    _loaded: tuple[Vectors, list[Act]] | None = None

    @classmethod
    def get(cls) -> tuple[Vectors, list[Act]]:
        with cls._lock:
            if cls._loaded is None:
                labels = [act for act, texts in EXAMPLES.items() for _ in texts]
                texts = [text for group in EXAMPLES.values() for text in group]
                cls._loaded = (Embedder().embed(texts), labels)
            return cls._loaded


def split_passage(text: str) -> tuple[str, str]:
    """(the request, a pasted passage) — the passage is "" when there is none."""
    text = text.strip()
    quoted = QUOTED.search(text)
    if quoted is not None:
        passage = quoted["d"] or quoted["c"] or quoted["s"] or ""
        if len(passage.split()) >= MIN_PASSAGE_WORDS:
            request = f"{text[: quoted.start()]} {text[quoted.end() :]}"
            return " ".join(request.replace(" :", ":").split()).strip(" :"), passage.strip()
    match = PASSAGE.match(text)
    if match is not None and len(match["passage"].split()) >= MIN_PASSAGE_WORDS:
        return match["lead"], match["passage"].strip().strip("\"“”'")
    match = QUESTION_FIRST.match(text)
    if match is not None and len(match["passage"].split()) >= MIN_UNQUOTED_WORDS:
        return match["lead"], match["passage"].strip()
    return text, ""


@lru_cache(maxsize=512)
def read_act(text: str) -> Reading | None:
    """The act ``text`` most resembles, or ``None`` when the encoder is not installed."""
    try:
        vectors, labels = _Examples.get()
        vector = Embedder().embed_query(split_passage(text)[0])
    except ConfigError:
        return None
    sims = vectors @ vector
    scores: dict[Act, float] = {}
    for act in EXAMPLES:
        own = np.sort(sims[[i for i, label in enumerate(labels) if label == act]])[::-1]
        scores[act] = float(own[:NEIGHBOURS].mean())
    ranked = sorted(scores.items(), key=lambda item: -item[1])
    (best, score), (_, second) = ranked[0], ranked[1]
    tools = max(v for act, v in scores.items() if act in TOOL_ACTS)
    return Reading(best, round(score, 4), round(score - second, 4), round(score - tools, 4))


# "can I …", "you can …": the verb, not the product kind a gift shop sells (a watering can).
_SUBJECTS = frozenset(
    {"i", "you", "u", "we", "they", "he", "she", "someone", "somebody", "anyone", "anybody", "it"}
)


def _without_modal_can(words: list[str]) -> list[str]:
    return [
        w
        for i, w in enumerate(words)
        if not (
            w == "can"
            and (
                (i + 1 < len(words) and words[i + 1] in _SUBJECTS)
                or (i > 0 and words[i - 1] in _SUBJECTS)
            )
        )
    ]


def grounded(text: str, vocab: CatalogVocabulary) -> bool:
    """Whether ``text`` names a product kind or brand of the catalog."""
    words = _without_modal_can(tokens(normalize(text)))
    kinds = {term.kind for match in vocab.scan(words) for term in match.terms}
    return bool(kinds & {"category", "brand"})


def needs_reading(text: str, vocab: CatalogVocabulary) -> bool:
    """Whether the rules could misread ``text``, so the encoder should read it: a long message
    (a pasted passage), or one that names no product kind or brand of the catalog, or names
    one with nothing else that says shopping (no option, price or shopping phrase: "are you
    open on bank holidays?" names money banks). Two words or fewer never need it."""
    norm = normalize(text)
    words = tokens(norm)
    if len(words) <= 2:
        return False
    if len(words) >= LONG_MESSAGE or split_passage(text)[1]:
        return True
    kinds = {term.kind for match in vocab.scan(words) for term in match.terms}
    if not kinds & {"category", "brand"}:
        return True
    shopping = "value" in kinds or SHOPPING.search(norm) or _PRICE.search(norm)
    return not shopping and len(words) > SHORT_REQUEST
