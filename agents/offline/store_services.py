"""A service of the shop asked about with a product word as its verb: "do you gift wrap?",
"can you box them up?", "will you engrave it?".

In a gift shop the words of such a service are often the names of products too (gift wrap,
wrap, gift box), so the shopping rules read "do you gift wrap?" as a search for gift wrap. The
grammar tells the two apart: a shopper asking for a product puts a verb of having or selling
between "do you" and the product ("do you sell gift wrap", "do you do gift bags", "have you
got wrap"); a question about a service puts the product word itself in the verb's place,
right after the subject. No tool answers it, so it is answered from the store's policy or
honestly not at all, never with a search.
"""

from __future__ import annotations

import re

from agents.offline.text import normalize, tokens
from agents.offline.vocabulary import CatalogVocabulary

# "do you", "can u", "will the shop", "does your store" ... then optional adverbs.
_ASKING = re.compile(
    r"\b(?:do|does|can|could|will|would)\s+(?:you|u|ya|the shop|the store|your shop|your store)"
    r"(?:\s+(?:also|still|ever|even|usually|normally))*\s+(?P<rest>.+)$"
)
# What may follow the verb: the end, an object pointer, or a phrase that says for what/whom.
_AFTER_VERB = frozenset(
    {
        "",
        "it",
        "them",
        "this",
        "that",
        "these",
        "those",
        "things",
        "items",
        "orders",
        "purchases",
        "presents",
        "gifts",
        "for",
        "my",
        "our",
        "the",
        "up",
        "as",
        "if",
        "at",
        "please",
        "too",
        "as well",
    }
)
_VERBISH = re.compile(r"^(?:gift[- ]?wrap|wrap|box|engrave|personali[sz]e|monogram|emboss)")


def asks_store_service(text: str, vocab: CatalogVocabulary) -> bool:
    """``text`` asks whether the shop performs a service named by a product word ("do you gift
    wrap?"), not whether it sells that product ("do you sell gift wrap?")."""
    norm = normalize(text)
    for sentence in re.split(r"[?!.;]+", norm):
        match = _ASKING.search(sentence.strip())
        if match is None:
            continue
        words = tokens(match["rest"])
        if not words:
            continue
        found = vocab.scan(words)
        first = found[0] if found else None
        if first is None or first.start != 0:
            continue  # "do you sell gift wrap": a verb of selling comes first
        if not any(t.kind == "category" for t in first.terms):
            continue
        head = " ".join(words[: first.end])
        after = " ".join(words[first.end : first.end + 1])
        after_two = " ".join(words[first.end : first.end + 2])
        if not _VERBISH.match(head):
            continue
        if after in _AFTER_VERB or after_two in _AFTER_VERB:
            return True
    return False
