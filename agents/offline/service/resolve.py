"""Matching what the customer said to their records: items, new variants, payment methods.

Records are the tools' JSON (tau-bench shapes): an order's ``items`` carry ``name``,
``item_id``, ``product_id``, ``price`` and ``options``; a product's ``variants`` are keyed by
item id; a user's ``payment_methods`` by payment method id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from agents.offline.service.nlu import PaymentRef
from agents.offline.text import normalize, tokens

Record = Mapping[str, Any]


def fold(word: str) -> str:
    """A word without its plural ending ("inches" -> "inch", "batteries" -> "battery")."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def folded(text: str) -> list[str]:
    return [fold(w) for w in tokens(normalize(text))]


def _said(words: Iterable[str]) -> set[str]:
    return {fold(w) for w in words}


# ---- items ---------------------------------------------------------------------------------


def match_items(order: Record, words: Sequence[str]) -> list[Record]:
    """The order's items the words name: by product name first, else by option values."""
    said = _said(words)
    items: list[Record] = list(order.get("items", []))
    for scoring in (_name_score, _options_score):
        scores = [scoring(item, said) for item in items]
        best = max(scores, default=0)
        if best > 0:
            return [item for item, score in zip(items, scores, strict=True) if score == best]
    return []


def match_named_items(order: Record, groups: Sequence[Sequence[str]]) -> list[Record]:
    """The order's items named in ``groups``, the parts of what was said ("the e-reader and the
    portable charger"). When the parts name different items, each named one is meant; when
    they overlap ("the kettle, the electric one"), they describe one thing together."""
    found = [match_items(order, group) for group in groups]
    named = [items for items in found if items]
    ids = [{id(item) for item in items} for items in named]
    apart = len(named) > 1 and all(a.isdisjoint(b) for i, a in enumerate(ids) for b in ids[i + 1 :])
    if not apart:
        return match_items(order, [w for group in groups for w in group])
    chosen = set().union(*ids)
    return [item for item in order.get("items", []) if id(item) in chosen]


def _name_score(item: Record, said: set[str]) -> int:
    """The words of the item's name said, a compound one counting when a tail of five letters
    or more is said ("phone" for a Smartphone)."""
    name = set(folded(str(item.get("name", ""))))
    tails = {w for w in name for s in said if len(s) >= 5 and len(w) > len(s) and w.endswith(s)}
    return len(name & said) + len(tails)


def _options_score(item: Record, said: set[str]) -> int:
    options: Mapping[str, str] = item.get("options", {})
    return sum(1 for value in options.values() if set(folded(value)) <= said)


# ---- new variants --------------------------------------------------------------------------


@dataclass
class VariantChoice:
    """The variant an item is to become, or what stands in the way."""

    item: Record
    new_item_id: str | None = None
    wanted: dict[str, str] = field(default_factory=dict)  # option -> value asked for
    unavailable: bool = False  # the exact variant exists but cannot be ordered
    alternatives: list[Record] = field(default_factory=list)  # available variants to offer
    # the options the new variant must have (those asked for and those said to stay), when
    # no variant that can be ordered has them all
    missing: dict[str, str] = field(default_factory=dict)


# Size words and the letters variants are sized in.
_SIZE_LETTERS = {"small": "s", "medium": "m", "large": "l", "xsmall": "xs", "xlarge": "xl"}
_SAME_SPELLINGS = {"colour": "color"}


def _kept_options(words: Sequence[str]) -> set[str]:
    """The options the customer keeps: each word after "same" ("same colour" -> color)."""
    listed = [fold(w) for w in words]
    kept = {listed[i + 1] for i, w in enumerate(listed[:-1]) if w == "same"}
    return {_SAME_SPELLINGS.get(k, k) for k in kept}


def _asked_words(words: Sequence[str]) -> list[str]:
    """The words in order, folded, size words also as their letters ("medium" -> "m"), without
    the word after "too" ("too small" says what is wrong with the item, not what is wanted)."""
    listed = [fold(w) for w in words]
    kept = [w for i, w in enumerate(listed) if not (i and listed[i - 1] == "too")]
    return [s for w in kept for s in ((w, _SIZE_LETTERS[w]) if w in _SIZE_LETTERS else (w,))]


def _flag_said(name: str, asked: Sequence[str]) -> str | None:
    """Yes ("yes") when the words name an option of yes or no ("waterproof"), "no" when after
    "not" or "non" ("not waterproof"), ``None`` when they do not name it."""
    own = folded(name)
    for i in range(len(asked) - len(own) + 1):
        if list(asked[i : i + len(own)]) == own:
            return "no" if i and asked[i - 1] in ("not", "non", "no") else "yes"
    return None


def requested_options(product: Record, item: Record, words: Sequence[str]) -> dict[str, str]:
    """The option values the words ask for that differ from the item's own; of two values of
    one option, the longer, then the one said last."""
    asked = _asked_words(words)
    said = set(asked)
    last = {w: i for i, w in enumerate(asked)}
    kept = _kept_options(words)  # "same colour and same ventilation"
    current: Mapping[str, str] = item.get("options", {})
    values: dict[str, set[str]] = {}
    for variant in product.get("variants", {}).values():
        for name, value in variant.get("options", {}).items():
            values.setdefault(name, set()).add(value)
    wanted: dict[str, str] = {}
    for name, choices in values.items():
        if set(folded(name)) & kept:
            continue
        named = [v for v in choices if set(folded(v)) <= said and v != current.get(name)]
        if not named and choices == {"yes", "no"} and (flag := _flag_said(name, asked)):
            # "the leather waterproof ones": an option of yes or no asked for by its name
            if flag != current.get(name):
                wanted[name] = flag
            continue
        if named:
            wanted[name] = max(
                named, key=lambda v: (len(folded(v)), max(last[w] for w in folded(v)), v)
            )
    return wanted


def choose_variant(product: Record, item: Record, words: Sequence[str]) -> VariantChoice:
    """The variant of ``product`` that keeps the item's options except those asked for."""
    choice = VariantChoice(item, wanted=requested_options(product, item, words))
    variants: list[Record] = list(product.get("variants", {}).values())
    others = [v for v in variants if v.get("available") and v["item_id"] != item["item_id"]]
    if not choice.wanted:
        choice.alternatives = others
        return choice
    target = {**item.get("options", {}), **choice.wanted}
    exact = [v for v in variants if v.get("options") == target]
    if exact and exact[0].get("available"):
        choice.new_item_id = str(exact[0]["item_id"])
        return choice
    choice.unavailable = bool(exact)
    # The variants with what was asked, that also keep what was said to stay ("same colour"):
    # a purple shirt in L never becomes a red one unasked.
    kept = {
        k: v for k, v in item.get("options", {}).items() if set(folded(k)) & _kept_options(words)
    }
    close = [
        v
        for v in others
        if all(v["options"].get(k) == w for k, w in {**kept, **choice.wanted}.items())
    ]
    # Among those, the one that also has most of the other values named ("with 5x zoom").
    said = _said(words)
    scores = [sum(set(folded(x)) <= said for x in v["options"].values()) for v in close]
    best = [v for v, score in zip(close, scores, strict=True) if score == max(scores, default=0)]
    if len(best) == 1 and not exact:
        choice.new_item_id = str(best[0]["item_id"])
        return choice
    choice.alternatives = close or others
    if not close and not exact:
        # none keeps everything: those with what was asked for come first ("L, in red")
        choice.missing = {**kept, **choice.wanted}
        asked = [
            v for v in others if all(v["options"].get(k) == w for k, w in choice.wanted.items())
        ]
        choice.alternatives = [*asked, *(v for v in others if v not in asked)]
    return choice


def narrowed(
    choice: VariantChoice, product: Record, item: Record, earlier: Sequence[str]
) -> VariantChoice:
    """``choice``, made from the latest message, with its variant found when it left several
    and the options asked for before (``earlier``, the words of the messages before) tell them
    apart: "an S, same colour" then "ok, the red half-zip one" is the red half-zip in S. A
    choice that found no variant with all it asked (``missing``) is left to be asked about."""
    if choice.new_item_id is not None or not choice.wanted or choice.missing or not earlier:
        return choice
    asked = {**requested_options(product, item, earlier), **choice.wanted}
    fits = [
        v for v in choice.alternatives if all(v["options"].get(k) == x for k, x in asked.items())
    ]
    if len(fits) == 1:
        choice.new_item_id, choice.missing = str(fits[0]["item_id"]), {}
    return choice


# ---- payment methods -----------------------------------------------------------------------


@dataclass
class PaymentChoice:
    method_id: str | None = None
    candidates: list[str] = field(default_factory=list)  # several match: ask which


def choose_payment(ref: PaymentRef | None, user: Record, order: Record | None) -> PaymentChoice:
    """The payment method ``ref`` names among the user's, or the candidates to ask about."""
    methods: Mapping[str, Record] = user.get("payment_methods", {})
    if ref is None:
        return PaymentChoice()
    if ref.kind == "id":
        return PaymentChoice(ref.method_id if ref.method_id in methods else None)
    if ref.kind == "original":
        history = order.get("payment_history", []) if order else []
        return PaymentChoice(str(history[0]["payment_method_id"]) if history else None)
    found = [
        method_id
        for method_id, method in methods.items()
        if method.get("source") == ref.kind
        and (not ref.brand or str(method.get("brand", "")).lower() == ref.brand)
        and (not ref.last_four or method.get("last_four") == ref.last_four)
    ]
    if len(found) == 1:
        return PaymentChoice(found[0])
    return PaymentChoice(None, found)


def original_method(order: Record) -> str | None:
    history = order.get("payment_history", [])
    return str(history[0]["payment_method_id"]) if history else None
