"""Recommendation requests in the chat: "recommend something for me", "what goes with this",
"anything similar?", "what's trending", and "why this one?" about a recommended product.

Only when ``recommend_products`` is bound (otherwise "similar" stays a same-kind search):

- "what goes with it" / "bought together" → ``{"product_id": <it>, "strategy":
  "bought_together"}``; "similar" / "more like this" → the same with ``"similar"``;
- "recommend something (for me)", "any suggestions" → ``{"strategy": "personalized"}`` plus
  ``product_id`` when a product is in focus (it seeds the picks); "what's trending" / "best
  sellers" without product words → ``{"strategy": "trending"}``;
- "why this one?", "why the second one?" after recommendations → ``explain_recommendation``
  with the product pointed at and the ``user_id`` / ``product_id`` the listing was made for.

Answers list the products as searches do (title, id, price, stock) with each one's reason,
copied from the tool's result, and pass on its note.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from agents.offline.acts import grounded
from agents.offline.context import RECOMMEND, Conversation, ToolRecord
from agents.offline.cues import SIMILAR, TOGETHER
from agents.offline.dialogue import Dialogue
from agents.offline.step import Step, call_then_answer, say
from agents.offline.supply import part_named_product_id
from agents.offline.targets import resolve
from agents.offline.text import currency_symbol, format_price, normalize
from agents.offline.understanding import NluContext, Understanding
from agents.offline.vocabulary import CatalogVocabulary

EXPLAIN = "explain_recommendation"
LISTED = 5

_FOR_ME = re.compile(
    r"\b(?:recommend|recommendations?|suggest|suggestions?|picks? for me|pick something|"
    r"what should i (?:buy|get|order)|surprise me|ideas for me)\b"
)
# Picks from the shopper's own history ("based on what I usually buy", "my usual stuff"):
# "based" and "usual" are no product words there.
_FROM_HISTORY = re.compile(
    r"\bbased on (?:what i|my|the (?:things|stuff) i|stuff i)\b"
    r"|\bwhat i (?:usually|normally|often|tend to|always) (?:buy|get|order|like)\b"
    r"|\bmy (?:taste|usual|past (?:orders|purchases)|purchase history|shopping history)\b"
)
_TRENDING = re.compile(
    r"\b(?:trending|best[- ]?sell(?:ing|ers?)|most popular|popular (?:right )?now|"
    r"what'?s (?:hot|popular|selling)|(?:selling|sells?|sold|going|moving) (?:the )?"
    r"(?:best|most|well|fast|quick(?:est|ly)?|fastest)|flying off|top sellers?|in demand)\b"
)
# What is left of a trending question once its cue and these words go: nothing, when it names
# no product ("what's hot at the moment", "which things are selling best right now").
_TRENDING_FILLER = re.compile(
    r"\b(?:what'?s|whats|what|which|who|is|are|the|a|any|some|things?|items?|products?|stuff|"
    r"lines?|here|in the shop|at the moment|right now|now|currently|these days|lately|today|"
    r"this (?:week|month)|at present|please|you|your|have|got|do|right|so|ok|hey|hi|and|"
    r"best|most|well)\b"
)


def _only_trending(text: str, vocab: CatalogVocabulary | None = None) -> bool:
    """A trending question and nothing else: its product words, if any, are the cue's; a
    sentence beside it that names no product kind is why it is asked ("what's trending?
    want ideas for the homepage")."""
    if not _TRENDING.search(text):
        return False
    rest = _TRENDING_FILLER.sub(" ", _TRENDING.sub(" ", text))
    if not re.search(r"[a-z0-9]", rest):
        return True
    sentences = [s for s in _SENTENCE.split(text) if s.strip()]
    if vocab is None or len(sentences) < 2:
        return False
    asking = [s for s in sentences if _TRENDING.search(s)]
    others = [s for s in sentences if not _TRENDING.search(s)]
    return all(_only_trending(s) for s in asking) and not any(grounded(s, vocab) for s in others)


_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\s+-\s+")
# "and with 85123A?", "what about the cake stand?" right after a bought-together list: the same
# question about another product.
_AND_WITH = re.compile(r"^(?:and|what about|how about|same for|ok and|now)\b|^(?:with|for)\b")
FOLLOW_UP_WORDS = 8


_WHY = re.compile(
    r"\bwhy\b.*\b(?:this|that|it|one|recommend\w*|suggest\w*|pick\w*|chose|choose|show\w*)\b"
    r"|\bwhat makes (?:it|this|that)\b|\bwhy (?:\d|#)"
)


def _last_listing(conv: Conversation) -> ToolRecord | None:
    for record in reversed(conv.history):
        if record.name == RECOMMEND and record.products:
            return record
    return None


def _listing_anchor(conv: Conversation, u: Understanding) -> str | None:
    """The product the last turn's product-based recommendations were for, when this message
    points at nothing more precise than "that" ("more like that", "similar to it but not
    pink"): the products listed are what it was like, the product they were for is "that"."""
    if not conv.turns or any(r.kind != "pronoun" for r in u.references):
        return None
    last = next((r for r in reversed(conv.turns[-1]) if r.name == RECOMMEND), None)
    if last is None or last.args.get("strategy") not in ("bought_together", "similar"):
        return None
    anchor = last.args.get("product_id")
    return anchor if isinstance(anchor, str) and anchor else None


def _titled(norm: str, vocab: CatalogVocabulary) -> str | None:
    """The product of the catalog the message names by its title, or enough of it ("what goes
    with the Regency Cakestand?" for the Regency Cakestand 3 Tier), when it was not shown."""
    cued = next(
        (s for s in re.split(r"[?!.;]+", norm) if TOGETHER.search(s) or SIMILAR.search(s)), ""
    )
    cue = re.compile(TOGETHER.pattern + "|" + SIMILAR.pattern)
    after = cue.split(cued, maxsplit=1)[-1]
    if after.strip() and (found := _product_in(after, vocab)) is not None:
        return found
    if not _POINTER_ONLY.match(after):
        return None
    # "I'm buying the Regency cakestand, what do people usually buy with it?": "it" is the
    # product named before the question
    before = norm[: norm.find(cued)] + cue.split(cued, maxsplit=1)[0]
    return _product_in(before, vocab) if before.strip() else None


# What is left after the cue when it points back: "with it?", "alongside them", "".
_POINTER_ONLY = re.compile(
    r"^\W*(?:(?:it|them|this|that|those|these|one|this one|that one)\b)?\W*$"
)


def _product_in(text: str, vocab: CatalogVocabulary) -> str | None:
    named = vocab.named_product(text)
    if named is not None and named.coverage >= 1.0:
        return named.product_id
    return part_named_product_id(text, vocab)


def _ruled_out(product: Mapping[str, Any], excluded: list[str]) -> bool:
    title = f" {normalize(str(product.get('title', '')))} "
    return any(f" {normalize(word)}" in title for word in excluded)


def _same_for_another(conv: Conversation, text: str, u: Understanding) -> dict[str, Any] | None:
    """The last turn's product-based recommendations again, for the product this short
    follow-up names by its id or title."""
    if not conv.turns or len(text.split()) > FOLLOW_UP_WORDS or not _AND_WITH.search(text):
        return None
    last = next((r for r in reversed(conv.turns[-1]) if r.name == RECOMMEND), None)
    if last is None or last.args.get("strategy") not in ("bought_together", "similar"):
        return None
    named = [r.product_id for r in u.references if r.kind in ("id", "title")]
    if len(named) != 1 or named[0] == last.args.get("product_id"):
        return None
    return {**last.args, "product_id": named[0]}


def _request(
    conv: Conversation, ctx: NluContext, u: Understanding, vocab: CatalogVocabulary
) -> tuple[str, dict[str, Any] | str] | None:
    """Which tool to call with which arguments (or a question back), or ``None``."""
    text = normalize(conv.text)
    listing = _last_listing(conv)
    if _WHY.search(text) and listing is not None:
        targets = resolve(u, ctx)
        if targets.reply:
            return EXPLAIN, targets.reply
        args: dict[str, Any] = {"product_id": targets.ids[0]}
        for key, target in (("user_id", "user_id"), ("product_id", "source_product_id")):
            value = listing.args.get(key)
            if value and value != targets.ids[0]:
                args[target] = value
        return EXPLAIN, args
    together = bool(TOGETHER.search(text))
    similar = bool(SIMILAR.search(text))
    if together or similar:
        targets = resolve(u, ctx)
        anchor = _listing_anchor(conv, u) or (_titled(text, vocab) if targets.reply else None)
        if targets.reply and anchor is None:
            if grounded(text, vocab):
                return None  # "do you do wedding cards and matching wrap?": kinds, a search
            return RECOMMEND, targets.reply
        strategy = "bought_together" if together else "similar"
        product_id = anchor if targets.reply and anchor else targets.ids[0]
        # with words ruled out (or those shown before), more are asked for so that enough
        # are left once they go
        limit = LISTED * 3 if unseen_only(text) else LISTED * 2 if u.excluded else LISTED
        return RECOMMEND, {"product_id": product_id, "strategy": strategy, "limit": limit}
    if _FROM_HISTORY.search(text) and (_FOR_ME.search(text) or not u.has_product_words):
        return RECOMMEND, {"strategy": "personalized", "limit": LISTED}  # "what I usually buy"
    if (again := _same_for_another(conv, text, u)) is not None:
        return RECOMMEND, again
    if _only_trending(text, vocab):
        return RECOMMEND, {"strategy": "trending", "limit": LISTED}
    if u.has_product_words or u.has_constraints and not _TRENDING.search(text):
        return None  # "recommend a red lantern": a search
    if _TRENDING.search(text):
        return RECOMMEND, {"strategy": "trending", "limit": LISTED}
    if _FOR_ME.search(text):
        args = {"strategy": "personalized", "limit": LISTED}
        if ctx.focus:
            args["product_id"] = ctx.focus
        return RECOMMEND, args
    return None


def _line(number: int, product: Mapping[str, Any]) -> str:
    symbol = currency_symbol(str(product.get("currency", "")))
    price = product.get("price")
    cost = format_price(float(price), symbol) if isinstance(price, int | float) else "?"
    stock = "in stock" if product.get("in_stock") else "out of stock"
    line = f"{number}. {product.get('title', '')} ({product.get('id')}) — {cost}, {stock}"
    reason = str(product.get("reason", "")).strip()
    return f"{line}. {reason}" if reason else line


def _heading(out: Mapping[str, Any], ctx: NluContext, vocab: CatalogVocabulary | None) -> str:
    strategy = out.get("strategy")
    known = ctx.known.get(str(out.get("product_id") or "").lower())
    source = str(out.get("product_id") or "")
    # a product named in the message, not shown before: its catalog title
    title = known.title if known else vocab.title_of(source) if vocab and source else None
    anchor = title if title else f"product {source}" if source else ""
    if strategy == "bought_together" and anchor:
        return f"Often bought together with {anchor}:"
    if strategy == "similar" and anchor:
        return f"Shoppers who bought {anchor} also bought:"
    if strategy == "personalized":
        return "Picked for you:"
    return "Selling well lately:"


# "ones I haven't seen yet", "any new ones?": leave out every product shown before.
_UNSEEN = re.compile(
    r"\b(?:haven'?t|have not|not|never|didn'?t|did not) (?:yet |already |even )?(?:seen|shown|"
    r"had|looked at)\b|\bnot (?:seen|shown) (?:yet|before|already)\b|\b(?:new|fresh) ones\b"
)


def unseen_only(norm: str) -> bool:
    return bool(_UNSEEN.search(norm))


def _shown_before(conv: Conversation) -> frozenset[str]:
    """The lower-case ids of the products listed in earlier turns (not this one's results)."""
    return frozenset(
        str(p.get("id", "")).lower() for turn in conv.turns for r in turn for p in r.products
    )


def listing_answer(
    record: ToolRecord,
    ctx: NluContext,
    vocab: CatalogVocabulary | None = None,
    excluded: list[str] | None = None,
    seen: frozenset[str] = frozenset(),
) -> str:
    """The recommended products with their reasons, or why there are none; products whose
    titles hold a word the shopper ruled out ("but not pink") are left out, and so are the
    ``seen`` ones (lower-case ids) when only new ones were asked for."""
    if record.output is None:
        return f"I couldn't get recommendations: {record.error or 'the tool failed'}"
    out = record.output
    products = [p for p in out.get("products") or [] if isinstance(p, dict)]
    if seen:
        products = [p for p in products if str(p.get("id", "")).lower() not in seen][:LISTED]
    if excluded:
        products = [p for p in products if not _ruled_out(p, excluded)][:LISTED]
    if not products:
        note = str(out.get("note", "")).strip()
        return f"I have nothing in stock to recommend from there right now. {note}".strip()
    heading = _heading(out, ctx, vocab)
    if excluded:
        left_out = ", ".join(f"'{word}'" for word in excluded)
        heading = f"More like it, leaving out {left_out}:"
    lines = [heading, *(_line(n, p) for n, p in enumerate(products, start=1))]
    note = str(out.get("note", "")).strip()
    if note:
        lines.append(note)
    lines.append('Ask "why this one?" about any of them.')
    return "\n".join(lines)


def explanation_answer(record: ToolRecord) -> str:
    if record.output is None:
        return f"I couldn't explain that one: {record.error or 'the tool failed'}"
    out = record.output
    text = str(out.get("text", "")).strip()
    head = f"Why {out.get('title', '')} ({out.get('product_id')}):"
    return f"{head} {text}" if text else f"{head} the data says little about it yet."


def recommendation_step(d: Dialogue) -> Step | None:
    """For a recommendation request, the call to make or the answer from its result (or a
    question back); ``None`` when the message is something else (or the tools are not bound)."""
    if RECOMMEND not in d.tool_names:
        return None
    request = _request(d.conv, d.ctx, d.understanding, d.vocab)
    if request is None:
        return None
    name, args = request
    if isinstance(args, str):
        return say(args)
    if name not in d.tool_names:
        return say("Sorry, I can't explain recommendations here: that tool isn't available.")
    if name == EXPLAIN:
        return call_then_answer(d.conv, name, args, explanation_answer)
    excluded = list(d.understanding.excluded)
    seen = _shown_before(d.conv) if unseen_only(normalize(d.text)) else frozenset()
    return call_then_answer(
        d.conv, name, args, lambda record: listing_answer(record, d.ctx, d.vocab, excluded, seen)
    )
