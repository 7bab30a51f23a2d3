"""The variants of a product that match the options a shopper named.

A product sold in variants (a tablet in three colours and three storage sizes) is one search
hit, priced at its cheapest variant; the shopper who asked for "gold" or "256GB" wants the
variants that have it, each with its own price and whether it can be ordered. This module
picks them from a tool's output (a search hit's ``variants``, or ``get_product``'s) and writes
them as answer lines.

Reading rules:
- an asked option is looked up by its name, else by a name that shares a word stem with it
  ("waterproof" finds "water resistance"); a yes/no option asked as "yes" matches any value
  that is not a negative ("IPX7" is waterproof, "not resistant" is not);
- a size written out matches its letter ("medium" is "M");
- a ruled-out word ("not plastic", "not the black one") removes the variants with that value;
- "in stock only" keeps the variants that can be ordered; a price sort orders the variants.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from agents.offline.text import currency_symbol, format_price

MAX_VARIANTS_SHOWN = 6
MAX_VARIANTS_IN_LISTING = 3  # per hit, when a search lists several products
_NEGATIVE = ("no", "none", "not", "non", "without")
_SIZE_LETTERS = {
    "xs": "extra small",
    "s": "small",
    "m": "medium",
    "l": "large",
    "xl": "extra large",
    "xxl": "extra extra large",
}
_STEM = 4  # letters two option names must share at the start of a word to be the same option


def _low(text: object) -> str:
    return " ".join(str(text).lower().replace("-", " ").split())


def _negative(value: str) -> bool:
    words = _low(value).split()
    return bool(words) and words[0] in _NEGATIVE


def _same_value(asked: str, offered: str) -> bool:
    a, o = _low(asked), _low(offered)
    if a == o or _SIZE_LETTERS.get(o) == a or _SIZE_LETTERS.get(a) == o:
        return True
    if a == "yes":
        return not _negative(o)
    if a == "no":
        return _negative(o)
    return False


def related_option_names(asked: str, offered: str) -> bool:
    """Two option names for one thing: equal, or a word of each starting alike
    ("waterproof" / "water resistance")."""
    a, o = _low(asked), _low(offered)
    if a == o:
        return True
    return any(
        x[:_STEM] == y[:_STEM] and (x.startswith(y) or y.startswith(x))
        for x in a.split()
        for y in o.split()
        if len(x) >= _STEM and len(y) >= _STEM
    )


def option_names(variants: Sequence[Mapping[str, Any]]) -> list[str]:
    """The option names the variants are chosen by, in their first order."""
    names = (n for v in variants for n in (v.get("options") or {}))
    return list(dict.fromkeys(names))


def option_for(asked: str, names: Sequence[str]) -> str | None:
    """The option of ``names`` that ``asked`` names: the same name, else a related one."""
    exact = next((n for n in names if _low(n) == _low(asked)), None)
    return exact or next((n for n in names if related_option_names(asked, n)), None)


def _option_offering(value: str, variants: Sequence[Mapping[str, Any]]) -> str | None:
    if _low(value) in ("yes", "no"):
        return None
    offered = ((n, v) for variant in variants for n, v in (variant.get("options") or {}).items())
    return next((n for n, v in offered if _low(v) == _low(value)), None)


def understood_options(
    attributes: Mapping[str, Any], variants: Sequence[Mapping[str, Any]]
) -> dict[str, str]:
    """The asked options that name one of the variants' options, or one of their values:
    {variant option: value}. An asked "yes" for an option another asked value already sets is
    dropped ("waterproof" beside "IPX7")."""
    names = option_names(variants)
    found: dict[str, str] = {}
    for asked, value in attributes.items():
        # By name; else the option that offers the value ("RGB" read as a colour is a
        # keyboard's backlight).
        name = option_for(str(asked), names) or _option_offering(str(value), variants)
        if name is None:
            continue
        if name in found and _low(value) in ("yes", "no"):
            continue
        found[name] = str(value)
    return found


_NOT_BEFORE = re.compile(r"\b(?:not|no|non|without)[\s-]+$")


def _said(phrase: str, text: str) -> bool:
    """``phrase`` is in ``text`` as whole words, not right after a negation."""
    for found in re.finditer(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", text):
        if not _NOT_BEFORE.search(text[: found.start()]):
            return True
    return False


def values_said(text: str, variants: Sequence[Mapping[str, Any]]) -> dict[str, list[str]]:
    """Every value of each option the message names ("wifi or ethernet": both)."""
    low = _low(text).replace("wifi", "wi fi")
    said: dict[str, list[str]] = {}
    for variant in variants:
        for name, value in (variant.get("options") or {}).items():
            v = _low(value)
            if v == "yes" or _negative(v) or str(value) in said.get(str(name), []):
                continue
            sized = _SIZE_LETTERS.get(v)
            if (len(v) > 2 and not v.isdigit() and _said(v, low)) or (sized and _said(sized, low)):
                said.setdefault(str(name), []).append(str(value))
    return said


def options_in_text(text: str, variants: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """The variants' options a message names by their values ("in gold", "the 256GB one",
    "medium" for "M"), or by the name of a yes/no option ("waterproof" for a "water
    resistance" that is sometimes "no")."""
    low = _low(text).replace("wifi", "wi fi")
    words = low.split()
    found: dict[str, str] = {}
    values: dict[str, set[str]] = {}
    for variant in variants:
        for name, value in (variant.get("options") or {}).items():
            values.setdefault(str(name), set()).add(str(value))
    for name, offered in values.items():
        longest = sorted(offered, key=len, reverse=True)
        for value in longest:
            v = _low(value)
            if v == "yes" or _negative(v):
                continue
            sized = _SIZE_LETTERS.get(v)
            if (len(v) > 2 and not v.isdigit() and _said(v, low)) or (sized and _said(sized, low)):
                found[name] = value
                break
        else:
            if any(_negative(v) for v in offered) and any(
                related_option_names(w, name) and not _NOT_BEFORE.search(" ".join(words[:i]) + " ")
                for i, w in enumerate(words)
            ):
                found[name] = "yes"
    return found


def _excluded(variant: Mapping[str, Any], exclude: Iterable[str]) -> bool:
    values = {_low(v) for v in (variant.get("options") or {}).values()}
    return any(_low(word) in values for word in exclude)


def matching(
    variants: Sequence[Mapping[str, Any]], options: Mapping[str, str], exclude: Iterable[str] = ()
) -> list[Mapping[str, Any]]:
    """The variants that have every asked option and none of the ruled-out values."""
    ruled_out = list(exclude)
    return [
        v
        for v in variants
        if all(
            _same_value(value, str((v.get("options") or {}).get(name, "")))
            for name, value in options.items()
        )
        and not _excluded(v, ruled_out)
    ]


def rules_out_a_value(variants: Sequence[Mapping[str, Any]], exclude: Iterable[str]) -> bool:
    """Some ruled-out word is one of the variants' option values."""
    return any(_excluded(v, exclude) for v in variants)


def _price(variant: Mapping[str, Any]) -> float:
    price = variant.get("price")
    return float(price) if isinstance(price, int | float) else float("inf")


def ordered(variants: Sequence[Mapping[str, Any]], sort: str) -> list[Mapping[str, Any]]:
    """Dearest first for ``price_desc``; otherwise cheapest first."""
    return sorted(variants, key=_price, reverse=sort == "price_desc")


def variant_line(variant: Mapping[str, Any], symbol: str) -> str:
    """``- gold, 128GB: $950.96, available, item 3788616824``."""
    opts = describe_values(variant.get("options") or {})
    state = "available" if variant.get("available") else "unavailable"
    price = variant.get("price")
    money = (
        format_price(float(price), symbol) if isinstance(price, int | float) else "price unknown"
    )
    return f"   - {opts}: {money}, {state}, item {variant.get('item_id')}"


def describe_values(options: Mapping[str, Any]) -> str:
    """A variant's options as a shopper reads them: "4K, waterproof, black"."""
    return ", ".join(
        name if _low(v) == "yes" else f"no {name}" if _low(v) == "no" else str(v)
        for name, v in options.items()
    )


def describe_options(options: Mapping[str, str]) -> str:
    """The asked options in words: "color gold and storage 128GB", "water resistance"."""
    parts = [
        name if _low(v) == "yes" else f"no {name}" if _low(v) == "no" else f"{name} {v}"
        for name, v in options.items()
    ]
    return " and ".join(parts)


def hit_lines(
    number: int, product: Mapping[str, Any], args: Mapping[str, Any], *, hits: int = 1
) -> list[str]:
    """A search hit sold in variants, written with the variants matching what the search
    asked (its options, ruled-out values, in-stock-only, a price range or sort); ``[]`` when
    the hit has no variants or the search asked nothing a variant answers. In a listing of
    several ``hits``, only named options open a hit, and to fewer lines."""
    variants = [v for v in product.get("variants") or [] if isinstance(v, Mapping)]
    if not variants:
        return []
    options = understood_options(args.get("attributes") or {}, variants)
    exclude = [str(w) for w in args.get("exclude") or []]
    in_stock_only = bool(args.get("in_stock_only"))
    sort = str(args.get("sort") or "relevance")
    priced = sort in ("price_asc", "price_desc")
    bounded = args.get("min_price") is not None or args.get("max_price") is not None
    named = bool(options) or rules_out_a_value(variants, exclude)
    if not (named or (hits == 1 and (in_stock_only or priced or bounded))):
        return []
    most = MAX_VARIANTS_SHOWN if hits == 1 else MAX_VARIANTS_IN_LISTING
    symbol = currency_symbol(str(product.get("currency", "")))
    head = f"{number}. {product.get('title', '')} ({product.get('id')})"
    low_price, high_price = args.get("min_price"), args.get("max_price")
    found = [
        v
        for v in matching(variants, options, exclude)
        if (low_price is None or _price(v) >= low_price)
        and (high_price is None or _price(v) <= high_price)
    ]
    asked = describe_options(options)
    if not found:
        together = " together" if len(options) > 1 else ""
        what = f"with {asked}{together}" if asked else "within what you asked"
        return [f"{head}: none of its {len(variants)} variants comes {what}."]
    available = [v for v in found if v.get("available")]
    if in_stock_only and not available:
        what = f" with {asked}" if asked else ""
        return [
            f"{head}: its variants{what} can't be ordered right now (all {len(found)} are "
            "unavailable):",
            *(variant_line(v, symbol) for v in ordered(found, sort)[:most]),
        ]
    shown = ordered(available if in_stock_only else found, sort)
    edge = format_price(_price(shown[0]), symbol)
    what = f" with {asked}" if asked else ""
    count = f"{len(shown)} variant{'s' if len(shown) != 1 else ''}{what}"
    if in_stock_only:
        summary = f"{count} can be ordered"
    elif not available:
        summary = f"{count}, not available right now"
    else:
        summary = f"{count}, {len(available)} available"
    border = "dearest" if sort == "price_desc" else "from"
    lines = [f"{head} — {summary}, {border} {edge}:"]
    lines += [variant_line(v, symbol) for v in shown[:most]]
    if len(shown) > most:
        lines.append(f"   - and {len(shown) - most} more")
    return lines
