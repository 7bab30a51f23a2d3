"""Choosing the intent of a message from its cues, slots and references."""

from __future__ import annotations

import re

from agents.offline import cues
from agents.offline.gifts import is_gift_request
from agents.offline.text import tokens
from agents.offline.understanding import Flags, Intent, NluContext, Understanding
from agents.offline.vocabulary import CatalogVocabulary

_VOWELS = set("aeiouy")
ACK_EXTRA_WORDS = 2


def _topic_in_kind(u: Understanding, topic: str) -> bool:
    """The off-topic word is a word of the product kind named ("recipe boxes", "football
    bunting"), and nothing else in the message is off-topic: a product, not the topic."""
    pattern = next((p for name, p in cues.OUT_OF_SCOPE if name == topic), None)
    if pattern is None or not u.category or not pattern.search(u.category):
        return False
    return not pattern.search(u.text.replace(u.category, " "))


def is_plausible(word: str, vocab: CatalogVocabulary) -> bool:
    """False for keyboard mash ("asdfgh", "zzzzz"): no vowel, long consonant runs, repeats."""
    if vocab.knows_word(word) or word in cues.STOPWORDS or any(ch.isdigit() for ch in word):
        return True
    letters = re.sub(r"[^a-z]", "", word)
    if not letters or not (_VOWELS & set(letters)):
        return False
    if re.search(r"(.)\1\1", letters) or re.search(r"[^aeiouy]{5,}", letters):
        return False
    return len(letters) <= 20


def decide(
    u: Understanding, flags: Flags, vocab: CatalogVocabulary, ctx: NluContext, words: list[str]
) -> Intent:
    """The intent, most specific first: off-topic, orders, references, searches, small talk."""
    explicit = u.explicit_references
    pronoun = any(r.kind == "pronoun" for r in u.references)
    plural_pronoun = any(r.kind == "pronoun" and r.plural for r in u.references)
    content = u.has_product_words
    shopping = bool(cues.SHOPPING.search(u.text))
    # an option alone ("night" of a "night mode") does not outweigh an off-topic word; with a
    # product kind or a shopping phrase it does ("a red football shirt")
    grounded = bool(u.brand or u.price or ((u.category or u.attributes) and shopping))
    grounded = grounded or bool(u.attributes and u.category)
    if flags.topic and not grounded and not explicit and not _topic_in_kind(u, flags.topic):
        return "out_of_scope"
    if flags.order and (explicit or pronoun or not content):
        return "order"
    if flags.similar and (explicit or pronoun or ctx.focus or ctx.shown):
        return "similar"
    if explicit or u.ambiguous:
        if (u.cheaper or u.pricier) and explicit:
            return "refine"
        # "do you sell the security camera in 4k?": whether it comes in that option
        asks_option = bool(u.attributes) and not cues.STOCK_QUESTION.search(
            cues.SELL_THE.sub(" ", u.text)
        )
        price_too = bool(cues.PRICE_ASKED.search(u.text))
        if (flags.stock or u.in_stock_only) and not asks_option and not price_too:
            return "stock"
        return "details"
    if u.compare and not content:
        return "details"  # "compare them": the listed products side by side
    options = u.asked_attribute and not (u.price or u.attributes or u.sort)
    if options and not content and cues.OPTION_QUESTION.search(u.text):
        u.in_stock_only = None  # "which colours can I get it in?": its options, not its stock
        return "details"
    if pronoun and not plural_pronoun and (flags.details or flags.stock):
        return "stock" if flags.stock and not flags.details else "details"
    if plural_pronoun and flags.stock and not content:
        return "stock"
    if flags.stock and not content and not u.has_constraints:
        return "stock"
    if u.asked_attribute and not content and not (u.price or u.attributes or u.sort):
        u.in_stock_only = None  # "what colours are available?" asks about options, not stock
        return "details"
    if flags.details and not content and not u.has_constraints and not flags.help:
        return "details"
    if pronoun and not plural_pronoun and not content and not u.has_constraints:
        return "details"  # "that one"
    # a word or two no title uses beside the thanks ("cheers mate") is no request; a longer
    # message ("a thank you present for the nurses") or a shopping phrase may be one
    few = len(u.query_words) <= ACK_EXTRA_WORDS and not shopping and not is_gift_request(u.text)
    if (
        (flags.thanks or flags.bye)
        and content
        and not (u.category or u.brand or u.has_constraints)
        and all(w in cues.ACK_WORDS or (few and not vocab.knows_word(w)) for w in u.query_words)
    ):  # "lovely, thanks so much", "cheers mate": a catalog word or none, but said as thanks
        return "bye" if flags.bye else "thanks"  # "ta, that's everything": goodbye thanks too
    if content and ctx.has_search and not (u.category or u.brand) and (u.narrowing or u.replacing):
        return "refine"
    if content and ctx.has_search and not (u.category or u.brand) and u.excluded:
        # "nothing red retrospot please, she's into plainer stuff": the listing without what
        # was refused; the words given as the reason are no new product kind
        return "refine"
    if content and ctx.has_search and not u.brand and cues.MOTIF.search(u.text):
        return "refine"  # "one with a dog on it?": a design on what was just listed
    if content:
        if all(not is_plausible(w, vocab) for w in u.query_words) and not (
            u.category or u.brand or u.has_constraints
        ):
            return "garbled"
        return "search"
    if flags.reset:
        return "reset"
    if ctx.has_search and flags.more and not u.has_constraints:
        return "more"
    if u.has_constraints:
        whole = bool(cues.WHOLE_CATALOG.search(u.text))
        return "refine" if ctx.has_search and not whole else "search"
    if flags.help:
        return "help"
    if flags.greeting:
        return "greeting"
    if flags.bye:
        return "bye"
    if flags.thanks:
        return "thanks"
    said = tokens(u.text)
    if any(w in cues.ACK_WORDS for w in said) and all(
        w in cues.ACK_WORDS or w in cues.STOPWORDS for w in said
    ):
        return "thanks"  # "ok", "great": an acknowledgement
    if flags.more:
        return "more"
    if words and not any(is_plausible(w, vocab) for w in words):
        return "garbled"
    return "unknown"
