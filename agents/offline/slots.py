"""Catalog slots: the product kind, attribute values, brand and the free text that is left."""

from __future__ import annotations

import re
from collections.abc import Sequence

from agents.offline import cues
from agents.offline.text import tokens
from agents.offline.understanding import NluContext, Understanding
from agents.offline.vocabulary import CatalogVocabulary, Match, Term

# Words after which the noun phrase that names the product is over ("mugs for my mum").
_SEGMENT_BREAKS = frozenset(
    {"for", "with", "without", "to", "that", "which", "from", "like", "by", "in", "on"}
)


def take_clears(u: Understanding, words: list[str], vocab: CatalogVocabulary) -> list[str]:
    """Note the constraints the message drops ("any colour", "forget the price"); the rest."""
    text = " ".join(words)
    out = words
    for match in cues.CLEAR.finditer(text):
        after = tokens(text[match.end() :])
        for length in (3, 2, 1):
            key = after[:length]
            if len(key) < length:
                continue
            names = [t.name for t in vocab.lookup(key) if t.kind == "attribute"]
            word = " ".join(key)
            tail = after[length] if len(after) > length else ""
            loose = match.group(0).strip() in {"any", "whatever"}
            if loose and tail not in cues.CLEAR_TAIL:
                continue
            if names or word in cues.CLEARABLE_WORDS:
                if word in {"price", "prices", "budget"}:
                    u.cleared.add("price")
                elif word in {"filters", "filter"}:
                    u.cleared.add("*")
                elif word in {"category", "brand"}:
                    u.cleared.add(word)
                else:
                    u.cleared.update(names)
                drop = set(key) | set(tokens(match.group(0)))
                out = [w for w in out if w not in drop]
                break
    return out


def _bind_named_values(
    matches: Sequence[Match], words: Sequence[str]
) -> tuple[dict[int, Term], set[int]]:
    """Values next to their attribute name ("size 8", "blue colour"): value starts, name starts."""
    by_start = {m.start: m for m in matches}
    bound: dict[int, Term] = {}
    named: set[int] = set()
    for m in matches:
        wanted = {t.name for t in m.of_kind("attribute")}
        if not wanted:
            continue
        after = m.end + (1 if m.end < len(words) and words[m.end] in {"of", "is"} else 0)
        for other in (by_start.get(after), _match_ending_at(matches, m.start)):
            if other is None or other.start in bound:
                continue
            values = [t for t in other.of_kind("value") if t.name in wanted]
            if values:
                bound[other.start] = values[0]
                named.add(m.start)
                break
    return bound, named


def _units(matches: Sequence[Match], words: Sequence[str]) -> list[tuple[int, Match | None]]:
    """The message as vocabulary phrases and single leftover words, in order."""
    by_start = {m.start: m for m in matches}
    units: list[tuple[int, Match | None]] = []
    i = 0
    while i < len(words):
        found = by_start.get(i)
        single = found is not None and found.end - found.start == 1
        # "show" or "can" may be a category somewhere, but in a sentence they are verbs; and a
        # gift can be anything.
        if single and (words[i] in cues.STOPWORDS or words[i] in cues.GENERIC_KINDS):
            found = None
        units.append((i, found))
        i = found.end if found is not None else i + 1
    return units


def _head(
    units: Sequence[tuple[int, Match | None]], words: Sequence[str], skip: set[int]
) -> int | None:
    """The start of the head noun: the last content unit of the first noun phrase."""
    head: int | None = None
    for start, unit in units:
        if unit is None:
            word = words[start]
            # "powered by", "made of": a participle after the head ends the noun phrase.
            participle = word.endswith("ed") and len(word) > 4
            if (word in _SEGMENT_BREAKS or participle) and head is not None:
                break
            if word in cues.STOPWORDS or word == ";" or participle:
                continue
        elif not unit.of_kind("category") and (
            unit.of_kind("value") or unit.of_kind("brand") or unit.of_kind("attribute")
        ):
            continue
        if start not in skip:
            head = start
    return head


def fill_slots(
    u: Understanding, words: list[str], vocab: CatalogVocabulary, ctx: NluContext
) -> None:
    """Set category, attributes, brand and free text from what the vocabulary recognises."""
    matches = vocab.scan(words)
    bound, named = _bind_named_values(matches, words)
    units = _units(matches, words)
    head = _head(units, words, set(bound) | named)
    category_term: Term | None = None
    head_unit = dict(units).get(head) if head is not None else None
    if (
        head_unit is not None
        and head_unit.of_kind("category")
        and not _option_of_listed_kind(head_unit.of_kind("value"), vocab, ctx)
    ):
        category_term = max(head_unit.of_kind("category"), key=lambda t: vocab.categories[t.name])
        u.category = category_term.name
    context_category = u.category or ctx.category
    for start, unit in units:
        if unit is None:
            word = words[start]
            # a number or an age ("her 60th") is no product word
            number = re.fullmatch(r"[\d.]+|\d+(?:st|nd|rd|th)", word)
            if word not in cues.STOPWORDS and word != ";" and not number:
                u.query_words.append(word)
            continue
        if start == head and category_term is not None:
            u.query_words.append(category_term.name.lower())
            continue
        if start in named:
            continue
        value = bound.get(start)
        if value is None:
            strong = [t for t in unit.of_kind("value") if not t.weak]
            value = vocab.best_attribute(strong, context_category)
        if value is not None:
            if value.name in u.attributes:
                u.query_words.extend(words[unit.start : unit.end])  # a second colour: free text
            else:
                u.attributes[value.name] = value.value
            continue
        brands = unit.of_kind("brand")
        if brands and u.brand is None:
            u.brand = brands[0].name
            continue
        if unit.of_kind("attribute"):
            name = unit.of_kind("attribute")[0].name
            yes = [v for v in vocab.attribute_values(name) if v.lower() == "yes"]
            if yes and name not in u.attributes:
                u.attributes[name] = yes[0]  # "waterproof boots": the yes/no option said yes
            elif u.asked_attribute is None:
                u.asked_attribute = name
            continue
        # A second kind word ("mug" in "mug tree") stays in the free text.
        u.query_words.append(" ".join(words[unit.start : unit.end]))


def _option_of_listed_kind(
    values: Sequence[Term], vocab: CatalogVocabulary, ctx: NluContext
) -> bool:
    """After a search of one kind, a word that is both a kind and an option of that kind
    narrows it: "just the slate ones" after chalkboards is slate chalkboards, not slates."""
    if not ctx.has_search or ctx.category is None:
        return False
    own = vocab.category_attributes.get(ctx.category.lower(), {})
    return any(not t.weak and t.value.lower() in own.get(t.name, set()) for t in values)


def _match_ending_at(matches: Sequence[Match], end: int) -> Match | None:
    for m in matches:
        if m.end == end:
            return m
    return None
