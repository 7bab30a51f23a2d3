"""Which products a message points at: by position, id, title, "it" or "they".

Positions count on the page last listed ("the second one"); "it" is the product in focus (or
the only one listed); "they" is the listed page when the request may cover several. When the
reference cannot be resolved, ``reply`` holds the question back ("which one?").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from agents.offline import answers
from agents.offline.nlu import NluContext, Reference, Understanding

MAX_STOCK_CHECKS = 10  # inventory checks for "are they in stock" over a listed page


@dataclass
class Targets:
    ids: list[str] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    reply: str = ""  # a question back when the reference cannot be resolved


def resolve(u: Understanding, ctx: NluContext, *, plural_ok: bool = False) -> Targets:
    """The product ids the message points at, or a question asking which."""
    targets = Targets()
    shown = list(ctx.shown)
    first, last = ctx.shown_offset + 1, ctx.shown_offset + len(shown)
    if u.ambiguous:
        position = {p.id: i for i, p in enumerate(shown, start=first)}
        candidates = [(position[pid], ctx.known[pid.lower()].title) for pid in u.ambiguous]
        targets.reply = answers.which_one(candidates)
        return targets
    for ref in u.references:
        if ref.kind in ("id", "title"):
            targets.ids.append(ref.product_id)
            numbers = [i for i, p in enumerate(shown, start=first) if p.id == ref.product_id]
            targets.numbers.append(numbers[0] if numbers else 0)
        elif ref.kind in ("position", "last"):
            if not shown:
                targets.reply = answers.nothing_shown()
                return targets
            if ref.kind == "last":
                index = max(len(shown) - 1 - ref.position, 0)
            elif first <= ref.position <= last:
                index = ref.position - first
            elif 1 <= ref.position <= len(shown):
                index = ref.position - 1  # "the second one" of a later page
            else:
                targets.reply = answers.out_of_range(ref.position, first, last)
                return targets
            targets.ids.append(shown[index].id)
            targets.numbers.append(first + index)
        elif ref.kind == "pronoun":
            _resolve_pronoun(ref, ctx, targets, plural_ok)
            if targets.reply:
                return targets
    if not u.references:
        _resolve_pronoun(Reference("pronoun", plural=u.compare), ctx, targets, plural_ok)
    targets.ids = list(dict.fromkeys(targets.ids))
    return targets


def _resolve_pronoun(ref: Reference, ctx: NluContext, targets: Targets, plural_ok: bool) -> None:
    """The product "it" means (in focus, or the only one listed); "they": the listed page."""
    shown = list(ctx.shown)
    first = ctx.shown_offset + 1
    if targets.ids:
        return  # "is it in stock, the second one?": the explicit reference wins
    if ref.plural and plural_ok and shown:
        targets.ids = [p.id for p in shown[:MAX_STOCK_CHECKS]]
        targets.numbers = list(range(first, first + len(targets.ids)))
    elif ctx.focus:
        targets.ids = [ctx.focus]
        numbers = [i for i, p in enumerate(shown, start=first) if p.id == ctx.focus]
        targets.numbers = [numbers[0] if numbers else 0]
    elif len(shown) == 1:
        targets.ids, targets.numbers = [shown[0].id], [first]
    elif shown:
        targets.reply = answers.which_one([(i, p.title) for i, p in enumerate(shown, start=first)])
    else:
        targets.reply = answers.nothing_shown()
