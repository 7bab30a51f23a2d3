"""The other colours of the product in focus: "other colours", "does it come in different
colours?", "what colours is that available in?".

A gift shop sells each colour of a design as a product of its own whose title names the colour
("Alarm Clock Bakelike Red", "Alarm Clock Bakelike Green"), so the product looked at lists one
colour among its options and the others are its siblings. When the focus title holds a colour
value of the catalog, the question is a search for that title without its colour words: the
listing shows every colour the design comes in. Right after a search filtered to one colour,
the same search is made again without that colour and with it ruled out. A product whose title
names no colour (one sold in variants, or in one colour only) is left to the details answer,
which lists its options.
"""

from __future__ import annotations

import re
from typing import Any

from agents.offline import answers
from agents.offline.acts import grounded
from agents.offline.context import SEARCH
from agents.offline.dialogue import Dialogue
from agents.offline.step import Step, answered, call, say
from agents.offline.text import normalize, tokens

# A question about the colours a product comes in, naming none of them.
_OTHER_COLOURS = re.compile(
    r"\b(?:other|different|more|another|alternative|which|what|all the) colou?r(?:s|ways?)?\b"
    r"|\bcolou?r (?:options|choices|range|variations?|versions?)\b"
    r"|\bcome in (?:any )?(?:other |different |more )?colou?rs\b"
    r"|\bany (?:other |different |more )?colou?rs\b"
)
# A colour other than the one a search was filtered to ("any colour" clears the filter instead).
_ANOTHER_COLOUR = re.compile(r"\b(?:other|different|another|alternative|else)\b")
COLOUR = "colour"
MAX_WORDS = 10


def _colour_words(title_words: list[str], d: Dialogue) -> set[str]:
    """The words of a title that are colour values of the catalog."""
    return {
        w
        for w in title_words
        if any(t.kind == "value" and t.name == COLOUR for t in d.vocab.lookup((w,)))
    }


def other_colours_args(d: Dialogue) -> dict[str, Any] | None:
    """The search for the focus product's design in every colour, when the message asks for
    its other colours and its title names its colour; else ``None``."""
    norm = normalize(d.text)
    if len(tokens(norm)) > MAX_WORDS or not _OTHER_COLOURS.search(norm):
        return None
    if grounded(re.sub(r"\bcolou?r\w*", " ", norm), d.vocab):
        return None  # "other colours of the cake stand": a product kind named, a search
    last = next((r for r in reversed(d.conv.history) if r.output is not None), None)
    if last is not None and last.name == SEARCH and _colour_filter(last.args):
        return _other_than_filtered(last.args, d) if _ANOTHER_COLOUR.search(norm) else None
    focus = d.conv.focus()
    product = d.ctx.known.get(focus.lower()) if focus else None
    if product is None:
        return None
    words = tokens(normalize(product.title))
    colours = _colour_words(words, d)
    rest = [w for w in words if w not in colours]
    if not colours or not rest:
        return None
    args: dict[str, Any] = {"query": " ".join(rest)}
    if product.category:
        args["category"] = product.category
    return args


def _colour_filter(args: dict[str, Any]) -> str | None:
    attributes = args.get("attributes")
    if not isinstance(attributes, dict):
        return None
    value = next((v for k, v in attributes.items() if k in (COLOUR, "color")), None)
    return value if isinstance(value, str) else None


def _other_than_filtered(args: dict[str, Any], d: Dialogue) -> dict[str, Any]:
    """After a search filtered to one colour ("glass lanterns in silver", then "any in a
    different colour?"): the same search without that colour, and with it ruled out."""
    colour = _colour_filter(args) or ""
    attributes = {k: v for k, v in args["attributes"].items() if k not in (COLOUR, "color")}
    other = {k: v for k, v in args.items() if k not in ("attributes", "offset", "exclude")}
    if attributes:
        other["attributes"] = attributes
    said = [*(args.get("exclude") or []), colour, *d.understanding.excluded]
    other["exclude"] = list(dict.fromkeys(w for w in said if w))
    return other


def other_colours_step(d: Dialogue) -> Step | None:
    """The search for the design in every colour, then its listing; ``None`` otherwise."""
    if SEARCH not in d.tool_names or (args := other_colours_args(d)) is None:
        return None
    if done := answered(d.conv, SEARCH):
        focus = d.conv.focus()
        product = d.ctx.known.get(focus.lower()) if focus else None
        found = {str(p.get("id")) for p in done[-1].products}
        if product is not None and found <= {product.id}:
            return say(
                f"The catalog has {product.title} ({product.id}) in that one colour only: "
                "no other colour of it is listed."
            )
        return say(answers.search_answer(done, [], d.vocab))
    return call(SEARCH, args)
