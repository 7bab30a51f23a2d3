"""Guardrails around the chat model: personal data masked and injection flagged on the way in,
answers checked against tool results on the way out."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tools.analyze.injection import looks_like_injection
from tools.analyze.pii import find_pii, mask
from tools.search.constraints import excluded_phrase, named_terms


@dataclass
class InputCheck:
    """The shopper's text with personal data masked, and what the guard noticed."""

    text: str
    flags: list[str] = field(default_factory=list)


def check_input(text: str) -> InputCheck:
    """Mask personal data (cards, CVVs, expiry dates, SSNs, NI numbers, IBANs, e-mails, phones,
    postcodes; however they are spaced or spelled, see ``tools.analyze.pii``); flag likely
    injection."""
    flags: list[str] = []
    found = find_pii(text)
    if found:
        flags.append("pii_masked")
    if looks_like_injection(text):
        flags.append("injection_suspected")
    return InputCheck(mask(text, found), flags)


@dataclass
class Shown:
    """A product a tool returned in this turn, with the constraints of the call that found it."""

    product: dict[str, Any]
    constraints: dict[str, Any]


def products_from_tool_output(tool_name: str, args: Mapping[str, Any], content: str) -> list[Shown]:
    """Products that one tool result put in front of the model."""
    try:
        data = json.loads(content)
    except (json.JSONDecodeError, TypeError):
        return []
    if not isinstance(data, dict):
        return []
    if isinstance(data.get("products"), list):
        return [Shown(p, dict(args)) for p in data["products"] if isinstance(p, dict) and "id" in p]
    # A single product (get_product) or a product's status (check_inventory: ``product_id``).
    product_id = data.get("id", data.get("product_id"))
    if product_id is not None and "title" in data:
        return [Shown({**data, "id": product_id}, {})]
    return []


def violated_constraint(product: Mapping[str, Any], constraints: Mapping[str, Any]) -> str | None:
    """The first constraint of a search that ``product`` breaks, or ``None``."""
    price = product.get("price")
    lo, hi = constraints.get("min_price"), constraints.get("max_price")
    if isinstance(price, int | float):
        if lo is not None and price < lo:
            return f"price {price} below {lo}"
        if hi is not None and price > hi:
            return f"price {price} above {hi}"
    if constraints.get("in_stock_only") and not product.get("in_stock", True):
        return "out of stock"
    attrs = product.get("attributes") or {}
    for name, value in (constraints.get("attributes") or {}).items():
        values = [str(v).lower() for v in attrs.get(name, [])]
        if str(value).lower() not in values:
            return f"{name} is not {value}"
    exclude = [str(p) for p in constraints.get("exclude") or []]
    if exclude:
        named = named_terms(str(product.get("title", "")), str(product.get("category", "")))
        if (phrase := excluded_phrase(named, exclude)) is not None:
            return f"excluded: {phrase}"
    return None


@dataclass
class OutputCheck:
    """The answer with unsupported lines removed, and the products it shows."""

    text: str
    shown: list[dict[str, Any]]
    removed: list[str]


_ID_IN_PARENS = re.compile(r"\(([A-Za-z0-9][A-Za-z0-9_-]{2,40})\)")


def check_output(text: str, found: Iterable[Shown], known_ids: Iterable[str] = ()) -> OutputCheck:
    """Keep only answer lines whose products a tool returned and that meet that call's constraints.

    A product counts as named when its id appears in parentheses, e.g. ``(22423)``; a parenthesised
    token that is a catalog id (``known_ids``) but was not returned by a tool is ungrounded.
    """
    by_id: dict[str, Shown] = {}
    for item in found:
        by_id.setdefault(str(item.product["id"]), item)
    known = set(known_ids)
    kept: list[str] = []
    shown: dict[str, dict[str, Any]] = {}
    removed: list[str] = []
    for line in text.splitlines():
        ids = [m for m in _ID_IN_PARENS.findall(line) if m in by_id or m in known]
        problems = []
        for pid in ids:
            if pid not in by_id:
                problems.append(f"{pid}: not returned by a tool")
            elif reason := violated_constraint(by_id[pid].product, by_id[pid].constraints):
                problems.append(f"{pid}: {reason}")
        if problems:
            removed.extend(problems)
            continue
        kept.append(line)
        for pid in ids:
            shown.setdefault(pid, by_id[pid].product)
    answer = "\n".join(kept)
    if removed:
        answer += "\n(I left out items I could not confirm against the catalog.)"
    return OutputCheck(answer, list(shown.values()), removed)
