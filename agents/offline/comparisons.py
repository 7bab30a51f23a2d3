"""Products set side by side: "A vs B, which is cheaper?", "compare A, B and C: prices?",
"how much are the A and the B each", then "which of the two have you got more of", "which
sells better", "and the C one, how does that compare on stock".

- Naming: the message is cut at commas, "vs", "or" and "and"; each piece that names one
  catalog title (``CatalogVocabulary.named_product``) is a product. A piece is joined with the
  next when together they name a title better ("the pink regency teacup and saucer"); a piece
  saying "the green one" takes the product kind of the piece before it, else the words said
  are put in place of a word of that product's title ("green" for "pink").
- In play: the products the last turn looked up one by one, when it looked up two or more;
  a follow-up that asks a comparison names none of them again.
- Facts: the price and the stock come from ``get_product``, the sales (the forecast sold a
  day) from ``check_inventory``; each product is looked up, all in one round, and the answer
  lists them side by side, then says which one the question picks (the cheaper, the one with
  more in stock, the better seller) or that they tie.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from agents.offline.answers import details_answer, error_answer, stock_answer
from agents.offline.context import DETAILS, LISTINGS, STOCK, Conversation, ToolRecord
from agents.offline.dialogue import Dialogue
from agents.offline.entities import Linked
from agents.offline.references import one_phrase_words, title_holds
from agents.offline.siblings import swapped_title
from agents.offline.step import Step, ToolCallPlan, answered, call_then_answer, say
from agents.offline.targets import resolve
from agents.offline.text import currency_symbol, format_price, normalize, tokens
from agents.offline.vocabulary import CatalogVocabulary

MIN_PRODUCTS = 2
MAX_PRODUCTS = 4
# Where a list of products breaks: "A vs B", "A, B and C", "A or B", "A compared to B".
_BREAK = re.compile(
    r"\s*([,;:?!()&]|\.(?:\s|$)|\s-+\s|\bvs\.?|\bversus\b|\bor\b|\band\b|\bcompared (?:to|with)\b"
    r"|\bagainst\b|\bthen\b|\bwith\b|\bthan\b)\s*"
)
# The joints a title may hold itself: "Gin and Tonic Mug", "Jam Making Set with Jars".
_JOINS = frozenset({"and", "&", "with"})
# Words of a piece that name no product: "the", "how much are", "prices".
_NOT_NAMING = frozenset(
    """the a an this that these those one ones each both which what whats how much many is are
    was were do does did you your have has got price prices cost costs comparing compare
    between difference please ok okay so then also too""".split()  # noqa: SIM905
)
_ASKS_COMPARISON = re.compile(
    r"\b(?:compar\w*|vs\.?|versus|difference|differ|between|which|each|both|side by side"
    r"|or the other|against)\b"
)
_PRICE = re.compile(
    r"\b(?:price\w*|cost\w*|cheap\w*|dear\w*|expensive|pricier|priciest|how much|money|"
    r"afford\w*|spend)\b"
)
_CHEAP = re.compile(r"\b(?:cheap\w*|less expensive|least expensive|lower pric\w*|better value)\b")
_DEAR = re.compile(r"\b(?:dearer|dearest|pricier|priciest|more expensive|most expensive)\b")
_STOCK = re.compile(
    r"\b(?:stock\w*|how many|more of|most of|fewer|less of|left|available|supply|quantit\w*|"
    r"units)\b"
)
_SALES = re.compile(
    r"\b(?:sells?|selling|seller|sellers|sold|sales|popular\w*|demand|moves? (?:faster|quicker|"
    r"better)|goes? (?:faster|quicker)|shifts? (?:more|better|faster))\b"
)


# "what's my total", "what does that come to": a sum asked.
_TOTAL = re.compile(r"\b(?:total|come to|comes to|altogether|all together|in all|sum)\b")
# One count for every product named: "20 of each", "a dozen each".
_EACH = re.compile(r"\b(\d{1,5}) (?:of )?(?:each|apiece)\b")
# A demand forecast over a period is asked of the supply skill, not compared here.
_FORECAST = re.compile(
    r"\b(?:forecast\w*|project\w*|predict\w*|expected|next \d+ (?:days?|weeks?|months?)"
    r"|over the (?:next|coming))\b"
)


@dataclass(frozen=True)
class Asked:
    """The facts a comparison asks for."""

    price: bool
    stock: bool
    sales: bool

    @classmethod
    def read(cls, norm: str) -> Asked:
        stock, sales = bool(_STOCK.search(norm)), bool(_SALES.search(norm))
        price = bool(_PRICE.search(norm)) or not (stock or sales)
        return cls(price=price, stock=stock, sales=sales)


def _content(piece: str) -> list[str]:
    return [w for w in tokens(piece) if w not in _NOT_NAMING]


def named_products(
    text: str, vocab: CatalogVocabulary, anchor: Sequence[tuple[str, str]] = ()
) -> list[str]:
    """The products ``text`` names one by one, in the order said (see the module's note);
    ``anchor`` (id, title) are products already in play that "the green one" may vary."""
    return list(dict.fromkeys(pid for pid, _ in named_with_counts(text, vocab, anchor)))


def named_with_counts(
    text: str, vocab: CatalogVocabulary, anchor: Sequence[tuple[str, str]] = ()
) -> list[tuple[str, int | None]]:
    """Each product named with the count said beside it ("20 gin and tonic mugs"), if any."""
    parts = _BREAK.split(normalize(text))
    # the pieces, each with the word that joined it to the one before ("and", "," ...)
    pieces = [
        (parts[i].strip(), parts[i - 1].strip() if i else "") for i in range(0, len(parts), 2)
    ]
    pieces = [(p, joint) for p, joint in pieces if p]
    found: list[tuple[str, str, str]] = []  # (id, title, words said) in the order said
    i = 0
    while i < len(pieces):
        piece = pieces[i][0]
        alone = _linked(piece, vocab)
        if i + 1 < len(pieces) and pieces[i + 1][1] in _JOINS:
            # "the pink regency teacup and saucer": "saucer" alone names nothing
            after = pieces[i + 1][0]
            joined = vocab.named_product(f"{piece} {pieces[i + 1][1]} {after}")
            apart = vocab.named_product(after) if _content(after) else None
            if (
                joined is not None
                and apart is None
                # a piece naming a whole title alone is a product of its own
                and (
                    alone is None
                    or (alone.coverage < 1.0 and joined.product_id == alone.product_id)
                )
                and joined.matched > (alone.matched if alone else 0)
            ):
                found.append((joined.product_id, joined.title, f"{piece} {after}"))
                i += 2
                continue
        if alone is not None:
            found.append((alone.product_id, alone.title, piece))
        elif _content(piece):
            before = [(pid, title) for pid, title, _ in found]
            varied = _varied(piece, vocab, [*anchor, *before][-1:])
            if varied is not None:
                found.append((*varied, piece))
        i += 1
    counted: dict[str, int | None] = {}
    for pid, title, said in found:
        if pid not in counted:
            counted[pid] = _count_beside(said, title)
    return list(counted.items())


# A count said before a product's words: "20 gin and tonic mugs", "a dozen of the pottering".
_COUNT_BEFORE = re.compile(r"\b(\d{1,5}|a dozen|dozen)\b(?! ?(?:%|cm|mm|ml|kg|p\b|pence|pounds?))")


def _count_beside(said: str, title: str) -> int | None:
    """The one count in ``said`` that is no number of the product's own title ("3 Tier")."""
    own = set(tokens(normalize(title)))
    counts = [m.group(1) for m in _COUNT_BEFORE.finditer(said) if m.group(1) not in own]
    if len(counts) != 1:
        return None
    return 12 if "dozen" in counts[0] else int(counts[0])


def _linked(piece: str, vocab: CatalogVocabulary) -> Linked | None:
    """The product a piece names by its title (all of it, or all but one word of a long one)."""
    content = _content(piece)
    if not content:
        return None
    return vocab.named_product(piece)


def _varied(
    piece: str, vocab: CatalogVocabulary, before: Sequence[tuple[str, str]]
) -> tuple[str, str] | None:
    """ "the green one" after the Pink Regency Teacup and Saucer: the kind of the product
    before with the words said, else its title with one word swapped for them."""
    if not before:
        return None
    pid, title = before[-1]
    words = _content(piece)
    if not words or not all(vocab.knows_word(w) for w in words):
        return None
    # "the vintage union jack one" after the Party Bunting: the words with that title's
    linked = vocab.named_product(f"{' '.join(words)} {normalize(title)}")
    if linked is not None and linked.product_id != pid and linked.coverage >= 1.0:
        return linked.product_id, linked.title
    swapped = swapped_title(vocab, words, tokens(normalize(title)), pid)
    if swapped is None:
        return None
    return swapped, vocab.title_of(swapped) or ""


def in_play(conv: Conversation) -> list[str]:
    """The products last looked up two or more at once, while the turns since looked at no
    other product (one of them alone, "how many walnut ones left", keeps them in play)."""
    alone: set[str] = set()
    for turn in reversed(conv.turns):
        if any(r.name in LISTINGS and r.products for r in turn):
            return []
        ids = [
            str(r.output.get("product_id") or r.output.get("id") or "")
            for r in turn
            if r.name in (DETAILS, STOCK) and r.output is not None
        ]
        ids = list(dict.fromkeys(i for i in ids if i))
        if len(ids) >= MIN_PRODUCTS:
            return ids if alone <= set(ids) else []
        alone.update(ids)
    return []


def _calls(d: Dialogue, ids: Sequence[str], asked: Asked) -> list[ToolCallPlan]:
    """The look-ups not yet made this turn."""
    wanted: list[tuple[str, str]] = []
    if (asked.price or asked.stock) and DETAILS in d.tool_names:
        wanted += [(DETAILS, pid) for pid in ids]
    if asked.sales and STOCK in d.tool_names:
        wanted += [(STOCK, pid) for pid in ids]
    done = {(r.name, str(r.args.get("product_id", "")).lower()) for r in answered(d.conv, DETAILS)}
    done |= {(r.name, str(r.args.get("product_id", "")).lower()) for r in answered(d.conv, STOCK)}
    return [
        ToolCallPlan(name, {"product_id": pid})
        for name, pid in wanted
        if (name, pid.lower()) not in done
    ]


@dataclass
class _Facts:
    pid: str
    title: str = ""
    price: float | None = None
    currency: str = ""
    stock: int | None = None
    in_stock: bool | None = None
    daily: float | None = None


def _facts(records: Sequence[ToolRecord], ids: Sequence[str]) -> list[_Facts] | str:
    """What the look-ups ``records`` said of each product, or the error of one that failed."""
    by_id: dict[str, _Facts] = {pid.lower(): _Facts(pid) for pid in ids}
    for record in records:
        if record.name not in (DETAILS, STOCK):
            continue
        facts = by_id.get(str(record.args.get("product_id", "")).lower())
        if facts is None:
            continue
        if record.output is None:
            return error_answer(record)
        out: dict[str, Any] = record.output
        facts.title = str(out.get("title") or facts.title)
        if isinstance(out.get("price"), int | float):
            facts.price = float(out["price"])
            facts.currency = str(out.get("currency", ""))
        if isinstance(out.get("stock"), int):
            facts.stock = int(out["stock"])
        if isinstance(out.get("in_stock"), bool):
            facts.in_stock = bool(out["in_stock"])
        if isinstance(out.get("daily_demand"), int | float):
            facts.daily = float(out["daily_demand"])
    return list(by_id.values())


def _line(f: _Facts, asked: Asked) -> str:
    parts: list[str] = []
    if asked.price and f.price is not None:
        parts.append(format_price(f.price, currency_symbol(f.currency)))
    if asked.stock or asked.price:
        if f.in_stock is False:
            parts.append("out of stock")
        elif f.stock is not None:
            parts.append(f"{f.stock:,} in stock")
    if asked.sales:
        sold = f"sells about {f.daily:.1f} a day (forecast)" if f.daily is not None else None
        parts.append(sold or "no sales forecast")
    return f"- {f.title} ({f.pid}): {', '.join(parts)}"


def _verdict(facts: Sequence[_Facts], norm: str, asked: Asked) -> tuple[list[_Facts], str]:
    """The products the question picks (one, or those tied) and the sentence that says so."""
    two = len(facts) == MIN_PRODUCTS
    if asked.sales:
        says = ("sells better", "sell about the same") if two else ("sells best", "sell best")
        return _pick(facts, lambda f: f.daily, *says)
    if asked.stock and not (_CHEAP.search(norm) or _DEAR.search(norm)):
        says = ("has more in stock", "have the same stock")
        if not two:
            says = ("has the most in stock", "have the most in stock, the same number")
        return _pick(facts, lambda f: f.stock, *says)
    if _DEAR.search(norm):
        says = ("is dearer", "cost the same") if two else ("is the dearest", "are the dearest")
        return _pick(facts, lambda f: f.price, *says)
    says = ("is cheaper", "cost the same") if two else ("is the cheapest", "are the cheapest")
    return _pick(facts, lambda f: -f.price if f.price is not None else None, *says)


def _pick(facts: Sequence[_Facts], value: Any, says: str, tie: str) -> tuple[list[_Facts], str]:
    """The one product with the top ``value``, with what it ``says``; the tied ones with
    ``tie``; nothing picked when all are level."""
    scored = [(v, f) for f in facts if (v := value(f)) is not None]
    if len(scored) < MIN_PRODUCTS:
        return [], ""
    top = max(v for v, _ in scored)
    winners = [f for v, f in scored if v == top]
    if len(winners) == 1:
        return winners, f"{winners[0].title} {says}."
    if len(winners) == len(scored) > MIN_PRODUCTS:
        return [], "They are all level on that."
    return winners, f"{' and '.join(f.title for f in winners)} {tie}."


def _answer(d: Dialogue, ids: Sequence[str], asked: Asked) -> Step:
    calls = _calls(d, ids, asked)
    if calls:
        return Step(calls=calls)
    facts = _facts([*answered(d.conv, DETAILS), *answered(d.conv, STOCK)], ids)
    if isinstance(facts, str):
        return say(facts)
    lines = [_line(f, asked) for f in facts]
    _, verdict = _verdict(facts, normalize(d.text), asked)
    return say("\n".join(["Side by side:", *lines, *([verdict] if verdict else [])]))


def costs_answer(items: Sequence[tuple[str, str, float, str, int]]) -> str:
    """Each count times its unit price, and the sum: ``items`` are (title, id, unit price,
    currency, count)."""
    lines = []
    for title, pid, price, currency, count in items:
        symbol = currency_symbol(currency)
        each, cost = format_price(price, symbol), format_price(round(price * count, 2), symbol)
        lines.append(f"- {count:,} × {title} ({pid}) at {each} = {cost}")
    total = round(sum(price * count for _, _, price, _, count in items), 2)
    symbol = currency_symbol(items[0][3]) if items else ""
    return "\n".join([*lines, f"Total: {format_price(total, symbol)}."])


def _costed(d: Dialogue, ids: Sequence[str], counts: Sequence[int]) -> Step:
    """The products' prices looked up, then each count costed and summed."""
    asked = Asked(price=True, stock=False, sales=False)
    calls = _calls(d, ids, asked)
    if calls:
        return Step(calls=calls)
    facts = _facts(answered(d.conv, DETAILS), ids)
    if isinstance(facts, str):
        return say(facts)
    if any(f.price is None for f in facts):
        return say("Sorry, I couldn't find a price for each of those.")
    return say(
        costs_answer(
            [
                (f.title, f.pid, f.price or 0.0, f.currency, n)
                for f, n in zip(facts, counts, strict=True)
            ]
        )
    )


def _told_apart(norm: str, playing: Sequence[str], d: Dialogue) -> Step | None:
    """ "how many chocolate ones in stock" after two hot water bottles were compared: the one
    product in play whose title holds the words said before "ones", looked up alone (its stock
    for a stock question, else its details)."""
    said = one_phrase_words(norm)
    titles = {
        pid: set(tokens(normalize(d.ctx.known[pid.lower()].title)))
        for pid in playing
        if pid.lower() in d.ctx.known
    }
    fits = [
        pid for pid, words in titles.items() if said and all(title_holds(words, w) for w in said)
    ]
    if len(fits) != 1:
        return None
    if _STOCK.search(norm) and not _PRICE.search(norm) and STOCK in d.tool_names:
        return call_then_answer(d.conv, STOCK, {"product_id": fits[0]}, stock_answer)
    return call_then_answer(d.conv, DETAILS, {"product_id": fits[0]}, details_answer)


# "is that one in stock", "how much is it": one product meant, by a pronoun alone.
_THAT_ONE = re.compile(r"\b(?:that|this|the) one\b|\bit\b|\bthat\b(?! one)")


def last_pick(conv: Conversation) -> list[str]:
    """The products the last turn's side-by-side answer picked (one, or those tied)."""
    playing = in_play(conv)
    if not playing or not conv.turn_texts or not conv.turns:
        return []
    last = {str(r.args.get("product_id", "")).lower() for r in conv.turns[-1]}
    if not {pid.lower() for pid in playing} <= last:
        return []  # the last turn looked at one of them alone: no pick of its own
    facts = _facts(conv.turns[-1], playing)
    if isinstance(facts, str):
        return []
    said = normalize(conv.turn_texts[-1])
    asked = Asked.read(said)
    if not (_ASKS_COMPARISON.search(said) or _CHEAP.search(said) or _DEAR.search(said)):
        return []
    winners, _ = _verdict(facts, said, asked)
    return [f.pid for f in winners]


def _the_pick(norm: str, d: Dialogue) -> Step | None:
    """ "is that one in stock" after "which of those is cheapest": the product picked (a
    question back when two tied), its stock for a stock question, else its details."""
    u = d.understanding
    if u.explicit_references or u.category or not _THAT_ONE.search(norm):
        return None
    picked = last_pick(d.conv)
    if not picked:
        return None
    if len(picked) > 1:
        known = d.ctx.known
        names = [known[p.lower()].title if p.lower() in known else p for p in picked]
        return say(f"Which one do you mean: {' or '.join(names)}?")
    if _STOCK.search(norm) and not _PRICE.search(norm) and STOCK in d.tool_names:
        return call_then_answer(d.conv, STOCK, {"product_id": picked[0]}, stock_answer)
    return call_then_answer(d.conv, DETAILS, {"product_id": picked[0]}, details_answer)


# "the other one": of two products in play, the one not in focus.
_OTHER = re.compile(r"\bthe other(?: one| 1)?\b|\bother one\b")
# "which of those two", "both": the products just listed, all of them.
_THOSE = re.compile(
    r"\b(?:(?:the|these|those) (?:two|three|four|2|3|4)|both|of (?:them|those|these)|either)\b"
)
MAX_LISTED = 4


def _other_of_two(norm: str, playing: Sequence[str], d: Dialogue) -> Step | None:
    """ "what about the other one" after two were set side by side: the one not in focus."""
    focus = d.ctx.focus
    if len(playing) != MIN_PRODUCTS or focus not in playing or not _OTHER.search(norm):
        return None
    other = next(pid for pid in playing if pid != focus)
    if _STOCK.search(norm) and not _PRICE.search(norm) and STOCK in d.tool_names:
        return call_then_answer(d.conv, STOCK, {"product_id": other}, stock_answer)
    return call_then_answer(d.conv, DETAILS, {"product_id": other}, details_answer)


def _pointed_at(d: Dialogue, norm: str, asked: Asked) -> Step | None:
    """ "the first and the third, which has more stock?", "is the green one cheaper than the
    pink one?", "which of those two sells better?": the products pointed at (by position, or
    by a word each of one shown title), or the short list just shown, compared."""
    if not _ASKS_COMPARISON.search(norm) and not (_CHEAP.search(norm) or _DEAR.search(norm)):
        return None
    picks = bool(_CHEAP.search(norm) or _DEAR.search(norm) or asked.stock or asked.sales)
    u = d.understanding
    ids: list[str] = []
    if len(u.explicit_references) >= MIN_PRODUCTS and picks:
        targets = resolve(u, d.ctx)
        ids = [] if targets.reply else targets.ids
    if len(ids) < MIN_PRODUCTS and picks:
        ids = _told_apart_each(d.text, d)
    if len(ids) < MIN_PRODUCTS and (asked.stock or asked.sales) and _THOSE.search(norm):
        ids = [p.id for p in d.ctx.shown] if MIN_PRODUCTS <= len(d.ctx.shown) <= MAX_LISTED else []
    return _answer(d, ids, asked) if len(ids) >= MIN_PRODUCTS else None


def _told_apart_each(text: str, d: Dialogue) -> list[str]:
    """ "is the green one cheaper than the pink one": per piece, the one shown product whose
    title holds the words before "one"."""
    ids: list[str] = []
    shown = [(p.id, set(tokens(normalize(p.title)))) for p in d.ctx.shown]
    for piece in _BREAK.split(normalize(text))[::2]:
        said = one_phrase_words(piece)
        fits = [pid for pid, words in shown if said and all(title_holds(words, w) for w in said)]
        if len(fits) == 1 and fits[0] not in ids:
            ids.append(fits[0])
    return ids


def _details_of_each(d: Dialogue, ids: Sequence[str]) -> Step:
    """ "what's the difference between A and the B one": each product's details, in turn."""
    done = {str(r.args.get("product_id", "")).lower(): r for r in answered(d.conv, DETAILS)}
    missing = [pid for pid in ids if pid.lower() not in done]
    if missing:
        return Step(calls=[ToolCallPlan(DETAILS, {"product_id": pid}) for pid in missing])
    return say("\n\n".join(details_answer(done[pid.lower()]) for pid in ids))


def comparison_step(d: Dialogue) -> Step | None:
    """Two or more products looked up and answered side by side; ``None`` when the message
    names fewer than two (with those in play) or asks no comparison of them."""
    if DETAILS not in d.tool_names:
        return None
    norm = normalize(d.text)
    playing = in_play(d.conv)
    known = d.ctx.known
    anchor = [(pid, known[pid.lower()].title) for pid in playing if pid.lower() in known]
    if not anchor and d.ctx.focus and d.ctx.focus.lower() in known:
        anchor = [(d.ctx.focus, known[d.ctx.focus.lower()].title)]
    if _FORECAST.search(norm):
        return None  # "expected sales over the next 30 days": a forecast, the supply skill's
    counted = named_with_counts(d.text, d.vocab, anchor)[:MAX_PRODUCTS]
    named = [pid for pid, _ in counted]
    asked = Asked.read(norm)
    each = _EACH.search(norm)
    counts = [int(each.group(1)) if each else n for _, n in counted]
    priced = bool(_PRICE.search(norm) or _TOTAL.search(norm))
    if len(named) >= MIN_PRODUCTS and priced and all(n is not None for n in counts):
        # "20 gin and tonic mugs and 10 pottering mugs, how much": each count costed
        return _costed(d, named, [n for n in counts if n is not None])
    if len(named) >= MIN_PRODUCTS:
        if _PRICE.search(norm) or _STOCK.search(norm) or _SALES.search(norm):
            return _answer(d, named, asked)
        titled = [r for r in d.understanding.references if r.kind == "title"]
        if d.understanding.compare and len(titled) < MIN_PRODUCTS:
            # "the difference between A and the B one": shopping reads no pair there
            return _details_of_each(d, named)
        return None  # "torn between A and B": their details, which shopping gives
    if not playing:
        return _pointed_at(d, norm, asked)
    if (picked := _told_apart(norm, playing, d)) is not None:
        return picked
    if (other := _other_of_two(norm, playing, d)) is not None:
        return other
    if not _ASKS_COMPARISON.search(norm) and (picked := _the_pick(norm, d)) is not None:
        return picked
    if not _ASKS_COMPARISON.search(norm):
        return None
    if named and named[0] not in playing:
        # "and the roses one, how does that compare on stock": the new one beside those
        return _answer(d, [*playing, named[0]], asked)
    if named or not (asked.stock or asked.sales):
        return None  # "which is cheaper" of those: the superlatives skill picks it
    return _answer(d, playing, asked)
