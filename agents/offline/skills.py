"""The planner's skills, in the order they are asked, with the reason for each place.

Every skill reads the same ``Dialogue`` and answers with a ``Step`` when the message is its to
answer, else ``None``; the first answer wins and core shopping, last, always answers. A new
kind of request costs one module with one ``*_step`` function and one entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from agents.offline import answers
from agents.offline.bulk_orders import bulk_order_step
from agents.offline.colour_versions import other_colours_step
from agents.offline.comparisons import comparison_step
from agents.offline.content_requests import content_step
from agents.offline.dialogue import Dialogue
from agents.offline.foreign import read_as_note
from agents.offline.product_stock import product_stock_step, stock_and_forecast_step
from agents.offline.quantities import quantity_step
from agents.offline.recommending import recommendation_step
from agents.offline.routing import routed_step
from agents.offline.service.planner import service_step, set_aside_note
from agents.offline.shopping import shopping_step
from agents.offline.siblings import lesser_version_step, sibling_step, similar_kind_step
from agents.offline.step import Step, say
from agents.offline.superlatives import superlative_step
from agents.offline.supply import supply_step
from agents.offline.variant_choices import variant_choice_step
from agents.offline.variant_followups import variant_followup_step
from tools.orders.tools import WRITE_TOOLS


def opening_step(d: Dialogue) -> Step | None:
    """No shopper message yet: a greeting that says what the shop sells."""
    return None if d.conv.has_human else say(answers.greeting(d.vocab))


@dataclass(frozen=True)
class Skill:
    name: str
    step: Callable[[Dialogue], Step | None]
    why_here: str


SKILLS: tuple[Skill, ...] = (
    Skill("opening", opening_step, "with no shopper message there is nothing for others to read"),
    Skill(
        "routing",
        routed_step,
        "another language, a store question, a request for a person, small talk or a pasted "
        "review: no tool skill reads these, and their words would otherwise become a search "
        '("speak someone") or an identity question; it steps aside for any message that '
        "answers a customer-service question, so an open flow keeps its replies",
    ),
    Skill(
        "customer service",
        service_step,
        'an open order flow reads the short replies it asked for ("yes", "the second one", '
        "an e-mail) before shopping could take them for a search; it lets go of a confident "
        "new shopping request",
    ),
    Skill(
        "content",
        content_step,
        '"write a description for 22423" names a product and would read as a search or a '
        "details question to the skills below",
    ),
    Skill(
        "comparisons",
        comparison_step,
        '"A vs B, which is cheaper", "which of the two have you got more of": two or more '
        "products looked up side by side; shopping would search for all the words at once, and "
        "the stock and supply skills below would answer one product",
    ),
    Skill(
        "bulk orders",
        bulk_order_step,
        '"need 24 of <title>, got that many? total?" names a count of one product: the stock '
        "skills below would answer its stock alone and shopping its details, without the total",
    ),
    Skill(
        "stock and forecast",
        stock_and_forecast_step,
        '"check stock on 22720 and give me a 4 week forecast" asks two things; supply below '
        "would answer the forecast alone",
    ),
    Skill(
        "supply",
        supply_step,
        "reorder and forecast questions name products and periods, which shopping would read "
        "as a search (or the weather)",
    ),
    Skill(
        "product stock",
        product_stock_step,
        "a merchandiser's stock or run-out question about one product is an inventory check, "
        'not the catalog search shopping would make of "how many do we have"',
    ),
    Skill(
        "similar of the kind",
        similar_kind_step,
        '"what similar lanterns could I use instead?" about a lantern names the kind wanted: '
        "recommendations would list whatever is bought alike, of any kind",
    ),
    Skill(
        "recommendations",
        recommendation_step,
        '"what goes with it", "similar", "trending" and "why this one" would otherwise '
        "be a same-kind search; it reads the shopping understanding and leaves requests that "
        "name products to shopping",
    ),
    Skill(
        "quantities",
        quantity_step,
        '"what would 200 come to", "what\'s that for both" and "have you got 50 of the pink?" '
        "hold a count or a total about products already shown; shopping would search for the "
        "words or the number",
    ),
    Skill(
        "lesser version",
        lesser_version_step,
        '"is there a smaller/cheaper version of it" asks for the kind below its price: '
        'superlatives would rank the products shown, shopping would search for "version"',
    ),
    Skill(
        "superlatives",
        superlative_step,
        '"what\'s the biggest?" over a listing, "which is cheaper?" after two were compared: '
        "a pick among products shown, which shopping would answer with a new search",
    ),
    Skill(
        "other colours",
        other_colours_step,
        '"other colours?" about a product whose title names its colour: shopping would list '
        "the one product's colour options; its siblings are the design's other colours",
    ),
    Skill(
        "other version",
        sibling_step,
        '"and the silver version?" names only a colour: shopping would search for "version" '
        "in silver; the focus title with its colour swapped names the product meant",
    ),
    Skill(
        "variant choices",
        variant_choice_step,
        '"over-ear wireless headphones in blue, do you have them?" names options of a product '
        "sold in variants: shopping would answer with the product's overall stock or its "
        "cheapest variant; it reads the result of shopping's own look-up, so it comes just "
        "before it",
    ),
    Skill(
        "variant follow-ups",
        variant_followup_step,
        '"ok what about black" or "cheapest of those" right after one product sold in variants '
        "was looked up: shopping would search the catalog for anything black, or check the "
        "product's overall stock",
    ),
    Skill(
        "core shopping",
        shopping_step,
        "search, refine, more, details, stock and small talk: it answers every message, so it "
        "comes last",
    ),
)


def answering_skill(d: Dialogue) -> tuple[Skill, Step]:
    """The first skill in order that answers, with its answer (core shopping always does)."""
    return next((skill, step) for skill in SKILLS if (step := skill.step(d)) is not None)


def next_step(d: Dialogue) -> Step:
    """The first answer in skill order (core shopping, last, always answers); an answer to a
    message read from another language says so, once, before it."""
    step = answering_skill(d)[1]
    # A change confirmed this turn answered the question, not the message read before it.
    confirmed = any(r.name in WRITE_TOOLS for rnd in d.conv.rounds for r in rnd)
    if d.read_as is not None and step.text and not step.calls and not confirmed:
        step.text = f"{read_as_note(d.read_as, first=not d.read_before)}\n{step.text}"
    # A change set aside by this question ("wait, first what headphones do you have") waits.
    if step.text and not step.calls and (waiting := set_aside_note(d)) is not None:
        step.text = f"{step.text}\n\n{waiting}"
    return step
