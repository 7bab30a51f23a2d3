"""Entity linking: a product named by its title ("the Pink Regency Teacup and Saucer") → its id.

Titles are compared as the search index compares words (``tools.search.text.index_terms``:
folded, plurals stemmed, hyphenated words also joined), so "tea cups and saucers" meets
"Teacup and Saucer" and "e-readers" meets "E-Reader". A title is linked when the message holds
every one of its terms, or, for a title of four terms or more, all but one (a shopper drops a
word of a long title). Among those the most specific wins: the most terms matched, then the
shortest title. Two different titles that tie are not guessed between.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from tools.search.text import index_terms

# A long title may be named without one of its words ("the cake tins pantry design").
LONG_TITLE = 4
# A request that needs one product may name it by part of its title: two words at least, and
# half the title's.
LOOSE_MIN_WORDS = 2
LOOSE_MIN_COVERAGE = 0.5


@dataclass(frozen=True)
class Linked:
    """The product a message names: its id, its title and how much of the title was said."""

    product_id: str
    title: str
    matched: int  # title terms found in the message
    coverage: float  # matched / terms in the title


class TitleIndex:
    """Every product title by its terms, for finding the product a message names."""

    def __init__(self, titles: Iterable[tuple[str, str]] = ()) -> None:
        self._ids: list[str] = []
        self._titles: list[str] = []
        self._terms: list[frozenset[str]] = []
        self._postings: dict[str, list[int]] = defaultdict(list)
        for product_id, title in titles:
            terms = frozenset(index_terms(title))
            if not terms:
                continue
            row = len(self._ids)
            self._ids.append(product_id)
            self._titles.append(title)
            self._terms.append(terms)
            for term in terms:
                self._postings[term].append(row)
        self._by_id = dict(zip(self._ids, self._titles, strict=True))

    def title_of(self, product_id: str) -> str | None:
        """The title of ``product_id`` (as the catalog spells the id), if indexed."""
        return self._by_id.get(product_id)

    def __len__(self) -> int:
        return len(self._ids)

    def link(self, text: str) -> Linked | None:
        """The one product whose title ``text`` names, or ``None`` (none, or a tie)."""
        said = set(index_terms(text))
        hits: dict[int, int] = defaultdict(int)
        for term in said:
            for row in self._postings.get(term, ()):
                hits[row] += 1
        best: list[Linked] = []
        best_key: tuple[int, int] = (0, 0)
        for row, matched in hits.items():
            size = len(self._terms[row])
            missing = size - matched
            if missing > (1 if size >= LONG_TITLE else 0) or matched < 1:
                continue
            if size == 1 and len(self._postings[next(iter(self._terms[row]))]) > 1:
                continue  # a one-word title another title shares ("Tablet" in "Tablet Stand")
            key = (matched, -size)
            found = Linked(self._ids[row], self._titles[row], matched, matched / size)
            if key > best_key:
                best, best_key = [found], key
            elif key == best_key:
                best.append(found)
        titles = {b.title.lower() for b in best}
        return best[0] if len(titles) == 1 else None

    def loose_link(self, text: str) -> Linked | None:
        """The one product whose title holds the most of ``text``'s words, when that is at
        least two words (numbers aside) and half its title: "the regency cakestand" for
        "Regency Cakestand 3 Tier". For requests that need one product (a forecast, copy),
        never for a search; ``None`` on a tie between different titles."""
        said = {t for t in index_terms(text) if not t.isdigit()}
        hits: dict[int, int] = defaultdict(int)
        for term in said:
            for row in self._postings.get(term, ()):
                hits[row] += 1
        top = max(hits.values(), default=0)
        if top < LOOSE_MIN_WORDS:
            return None
        best = [r for r, matched in hits.items() if matched == top]
        if len({self._titles[r].lower() for r in best}) != 1:
            return None
        row = min(best, key=lambda r: len(self._terms[r]))
        coverage = top / len(self._terms[row])
        if coverage < LOOSE_MIN_COVERAGE:
            return None
        return Linked(self._ids[row], self._titles[row], top, coverage)
