"""The offline planner's customer-service flows: status, cancel, return, exchange, change of
address and a human agent, asking for whatever is missing.

A request is a *frame*: it starts at the latest message that says what to do ("return the
kettle") and gathers the details the following messages give (the order, the items, the refund
method), until a write has run or the customer says no. Each call re-reads the conversation
(``reading``), so nothing is kept between calls. The planner never asks for the final yes
itself: it calls the write tool, and the conversation policy (``graphs.orders``) shows the
change and waits for the customer's answer before anything is written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from agents.offline.acts import grounded
from agents.offline.dialogue import Dialogue
from agents.offline.routing import new_shopping_request
from agents.offline.service import answers
from agents.offline.service.nlu import (
    DEFAULT_ADDRESS,
    KEEP,
    NO_START,
    ORDER_ID,
    QUESTION_INTENTS,
    REFUND,
    PaymentRef,
    Request,
    ServiceIntent,
    understand_request,
)
from agents.offline.service.reading import Call, ServiceConversation, Turn
from agents.offline.service.resolve import (
    Record,
    choose_payment,
    choose_variant,
    folded,
    match_items,
    match_named_items,
    narrowed,
    original_method,
)
from agents.offline.step import Step, ToolCallPlan
from agents.offline.vocabulary import CatalogVocabulary
from tools.orders.tools import IDENTIFY, WRITE_TOOLS

# The planner serves customers only when the model has these tools.
NEEDED = frozenset({*IDENTIFY, "get_user_details", "get_order_details"})
# Order statuses each request can act on.
STATUSES: dict[str, tuple[str, ...]] = {
    "cancel": ("pending",),
    "address": ("pending",),
    "return": ("delivered",),
    "exchange": ("delivered", "pending"),
    "payment": ("pending",),
    "damaged": ("delivered",),
}
# A shopping request never continues a service conversation.
SHOPPING = re.compile(
    r"\b(?:do you (?:have|sell|stock|carry)|looking for|show me|search|browse|recommend)\b",
    re.IGNORECASE,
)


@dataclass
class Frame:
    """The request being served and the messages that give its details, oldest first."""

    intent: ServiceIntent | None = None
    requests: list[Request] = field(default_factory=list)
    # How each message was asked for: the assistant's answer before it.
    asked: list[str] = field(default_factory=list)
    # Of ``requests``, the first that points at the order meant: a later "no, the other one
    # instead" moves it there, and the items or order said before no longer pick the order
    # (the reason or refund method said before still hold).
    moved: int = 0

    @property
    def about_order(self) -> list[Request]:
        """The requests that say which order is meant (from ``moved`` on)."""
        return self.requests[self.moved :]

    def latest(self, name: str) -> Any:
        for request in reversed(self.requests):
            if value := getattr(request, name):
                return value
        return None

    @property
    def words(self) -> list[str]:
        return [w for r in self.requests for w in r.words]

    @property
    def order_words(self) -> list[str]:
        return [w for r in self.requests for w in r.order_words]

    @property
    def address(self) -> dict[str, str] | None:
        """The latest address given, with the zip code said after it ("sorry, zip is 60616")."""
        address: dict[str, str] | None = None
        for request in self.requests:
            if request.address:
                address = dict(request.address)
            elif address is not None and request.zip_code:
                address["zip"] = request.zip_code
        return address

    def corrects_address(self, request: Request) -> bool:
        """Whether ``request`` is a zip code said alone after an address: a correction of the
        address, not who the customer is."""
        return bool(request.zip_code and request.name_zip is None and self.address)

    @property
    def there_default(self) -> bool:
        """Whether "send it there" points at the default address the answer before showed."""
        for request, asked in zip(reversed(self.requests), reversed(self.asked), strict=True):
            if request.to_there:
                return answers.DEFAULT_SHOWN in asked
        return False

    def ordinal_in_listing(self) -> str | None:
        """The order a "the second one" picks from the orders the answer before it listed, in
        the order shown ("Your orders: #W1..., #W2..." -> "what's in the second one?")."""
        for request, asked in zip(reversed(self.requests), reversed(self.asked), strict=True):
            listed = list(dict.fromkeys(f"#W{n}" for n in ORDER_ID.findall(asked)))
            if request.ordinal is not None and len(listed) > 1:
                index = request.ordinal - 1 if request.ordinal > 0 else len(listed) - 1
                return listed[index] if 0 <= index < len(listed) else None
        return None

    def ordinal_after(self, question: str) -> int | None:
        """The latest "the second one" given in answer to ``question``."""
        for request, asked in zip(reversed(self.requests), reversed(self.asked), strict=True):
            if request.ordinal is not None and asked.startswith(question):
                return request.ordinal
        return None


def _most_named(records: Sequence[Record], words: Sequence[str]) -> list[Record]:
    """The orders holding items the words name; of several, those whose items cover the most
    of the words ("the order with my notebook and smart watch")."""
    said = set(folded(" ".join(words)))
    named = [r for r in records if match_items(r, words)]
    covered = [
        len(said & {w for item in r.get("items", []) for w in folded(str(item.get("name")))})
        for r in named
    ]
    best = max(covered, default=0)
    tied = [r for r, n in zip(named, covered, strict=True) if n == best]
    # Of orders that hold the same product, the one whose item has the options said ("the
    # order that's only the black t-shirt" when another holds a blue one).
    described = [_options_named(r, words, said) for r in tied]
    most = max(described, default=0)
    return [r for r, n in zip(tied, described, strict=True) if n == most]


def _options_named(order: Record, words: Sequence[str], said: set[str]) -> int:
    """How many option values of the order's items the words name, over the items named."""
    options = [
        str(v) for item in match_items(order, words) for v in item.get("options", {}).values()
    ]
    return sum(1 for value in options if set(folded(value)) <= said)


def _describes_other_variant(named: Sequence[Record], group: Sequence[str]) -> bool:
    """Whether "not ..." in the message that names ``named`` only gives an option those items
    have now ("the purple t-shirt, I need L not XL"): it says which variant is not wanted, and
    leaves the item named in place. A group that spares some of them ("the shirts, not the
    blue one") or names a product still leaves items out."""
    if not named:
        return False
    said = set(folded(" ".join(group)))
    options = [{w for v in i.get("options", {}).values() for w in folded(str(v))} for i in named]
    names = {w for item in named for w in folded(str(item.get("name", "")))}
    return not said & names and all(said & values for values in options)


# "the one with the laptop", "the order that had the jigsaw": an order named by its items.
ONE_WITH = re.compile(
    r"\b(?:one|order|purchase)s? (?:with|that (?:has|had)|containing|holding)\b", re.IGNORECASE
)


# "which sizes do you have", "what colours are there": the options of the item in focus.
OPTIONS_ASKED = re.compile(
    r"\b(?:what|which)\s+(?:other\s+)?(?:sizes?|colou?rs?|options?|versions?|variants?|"
    r"heights?|lengths?|materials?|styles?|designs?|capacit(?:y|ies)|types?)\b",
    re.IGNORECASE,
)
# "in total", "altogether": what the whole order came to.
WHOLE_TOTAL = re.compile(r"\b(?:total|altogether|all together|in all)\b", re.IGNORECASE)


def _named_by_items(order: Record, request: Request) -> bool:
    """Whether the request names an item of the order by its product's name."""
    said = set(folded(" ".join([*request.words, *request.order_words])))
    return any(said & set(folded(str(i.get("name", "")))) for i in order.get("items", []))


def _own_options(item: Record) -> set[str]:
    """The words of the option values the item has now."""
    return {w for v in item.get("options", {}).values() for w in folded(str(v))}


def _refund_made(order: Record) -> bool:
    """Whether the order's payment history records a refund."""
    history: Sequence[Record] = order.get("payment_history", [])
    return any(h.get("transaction_type") == "refund" for h in history)


def _default_address(user: Record) -> dict[str, str] | None:
    """The account's default address, as the address tools take it; ``None`` when it has no
    street, city or zip code."""
    saved: Record = user.get("address") or {}
    keys = ("address1", "address2", "city", "state", "country", "zip")
    address = {key: str(saved.get(key) or "") for key in keys}
    if not (address["address1"] and address["city"] and address["zip"]):
        return None
    return address


def _call(name: str, **args: Any) -> Step:
    return Step(calls=[ToolCallPlan(name, args)])


def _text(text: str) -> Step:
    return Step(text=text)


def _answered_proposal(turn: Turn) -> bool:
    """Whether the customer's next message answered a change proposed in ``turn`` with more
    than a yes or no ("actually, put it on my gift card"): the policy declined the change and
    handed the message on at once, so the turn has no answer of its own."""
    declined = [c for c in turn.calls if c.name in WRITE_TOOLS and c.declined]
    return bool(declined) and not turn.answer


def _pauses(turn: Turn) -> bool:
    """Whether the customer answered the change proposed in ``turn`` with a pause alone ("hmm,
    hold on", "let me think about it"), no refusal: the change was not made, and the request
    stays open, so that a later "ok, go ahead" makes it (``graphs.orders`` notes the pause)."""
    return any(c.name in WRITE_TOOLS and c.declined and c.aside == "pause" for c in turn.calls)


def _set_aside_at(conv: ServiceConversation, index: int) -> int | None:
    """The turn whose proposed change message ``index`` may still answer: the turn before,
    when this message was handed on as more than a yes or no; or the one before that, when
    the reply set the change aside with a request of another kind ("do you have cheaper
    ones?") that changed nothing, so that "ok no, leave the order alone" still answers it."""
    if index >= 1 and _answered_proposal(conv.turns[index - 1]):
        return index - 1
    if (
        index >= 2
        and _answered_proposal(conv.turns[index - 2])
        and not any(c.name in WRITE_TOOLS for c in conv.turns[index - 1].calls)
    ):
        return index - 2
    return None


def _turns_down(
    conv: ServiceConversation, index: int, request: Request, intent: ServiceIntent | None
) -> bool:
    """Whether message ``index``, handed on because it was more than a yes or no to the
    change proposed the turn before, turns that change down with words of its own ("no wait,
    keep it, I'll give it to my mum"): a refusal, and nothing in it that changes the proposal
    (no other order, payment, address or reason, no "instead", no word of an order's items or
    of the options they come in, as in "no, the blue one"). The change is then not put
    again."""
    if _set_aside_at(conv, index) is None:
        return False
    text = conv.turns[index].text
    if not (NO_START.search(text) or KEEP.search(text) or request.called_off):
        return False
    if request.order_ids or request.payment or request.address or request.reason:
        return False
    if request.intent is not None and request.intent != intent:
        return False
    if request.intent in QUESTION_INTENTS:  # "no, leave it. what did the tablet cost?"
        return False
    if INSTEAD.search(text):  # "no - cancel the other one instead"
        return False
    if AFFIRMS.search(text):  # "ok, never mind the bottles - yes cancel it"
        return False
    return not _names_an_item(conv, request.words)


# "the other one", "the other pending order": not the order just discussed.
OTHER_ORDER = re.compile(
    r"\bthe other (?:(?:pending|delivered|processed) )?(?:one|order|purchase)\b", re.IGNORECASE
)
# Requests on a whole order, which a correction moves to another order.
WHOLE_ORDER: tuple[ServiceIntent, ...] = ("cancel", "address", "payment", "status")


def _points_elsewhere(text: str, request: Request, intent: ServiceIntent | None) -> bool:
    """Whether a message moves the open request on a whole order (``intent``, or the one the
    message asks again) to another order ("no, cancel the other one instead, the one with the
    lamp", "sorry, I meant the other one"): its details start afresh, so the items said for
    the first order no longer pick one."""
    if (request.intent or intent) not in WHOLE_ORDER:
        return False
    return bool(OTHER_ORDER.search(text) or (INSTEAD.search(text) and request.details))


# A yes beside the refusal words ("never mind the bottles, yes cancel it"): no refusal.
AFFIRMS = re.compile(
    r"\b(?:yes|yeah|yep|yup|sure|go ahead|go on|go for it|do it|proceed|confirm(?:ed)?)\b",
    re.IGNORECASE,
)
# "no, the other one instead", "I meant the hose": a correction, never a refusal.
INSTEAD = re.compile(r"\b(?:instead|meant|i mean)\b", re.IGNORECASE)


def _keeps_current(conv: ServiceConversation, request: Request) -> bool:
    """Whether a message keeps what the customer has, naming it by what it is now ("forget
    it, I'll keep the green"): a no to the change asked about, though it names an option. A
    word for another option its product comes in ("keep the size but in blue") or any other
    detail (an order, a method, a reason) is no refusal."""
    if request.intent is not None or not KEEP.search(request.text) or not request.words:
        return False
    if request.order_ids or request.payment or request.address or request.reason:
        return False
    current: set[str] = set()
    offered: set[str] = set()
    for call in conv.calls:
        if not (call.data and "order_id" in call.data):
            continue
        for item in call.data.get("items", []):
            current |= set(folded(str(item.get("name", ""))))
            current |= {w for v in item.get("options", {}).values() for w in folded(str(v))}
            product = conv.product(str(item.get("product_id", ""))) or {}
            for variant in product.get("variants", {}).values():
                offered |= {w for v in variant.get("options", {}).values() for w in folded(str(v))}
    said = set(folded(" ".join(request.words)))
    return bool(said & current) and not (said & offered) - current


def _names_an_item(conv: ServiceConversation, words: Sequence[str]) -> bool:
    """Whether ``words`` name an item of an order read in the conversation, an option of one,
    or an option its product comes in (a shared word of four letters or more, or a number)."""
    known: set[str] = set()
    items = [
        item
        for call in conv.calls
        if call.data and "order_id" in call.data
        for item in call.data.get("items", [])
    ]
    for item in items:
        known |= set(folded(str(item.get("name", ""))))
        known |= {w for v in item.get("options", {}).values() for w in folded(str(v))}
        product = conv.product(str(item.get("product_id", ""))) or {}
        for variant in product.get("variants", {}).values():
            known |= {w for v in variant.get("options", {}).values() for w in folded(str(v))}
    said = set(folded(" ".join(words)))
    return any(w in known for w in said if len(w) > 3 or w.isdigit())


def _service_turns(
    conv: ServiceConversation,
    requests: Sequence[Request],
    shops: Callable[[str], bool],
) -> list[bool]:
    """For each turn, whether it belongs to customer service. ``shops`` says whether a
    message is a new shopping request (which leaves any service flow)."""
    flags: list[bool] = []
    for index, (turn, request) in enumerate(zip(conv.turns, requests, strict=True)):
        previous = flags[-1] if flags else False
        answered = conv.turns[index - 1].answer.rstrip() if index else ""
        shopping = bool(SHOPPING.search(turn.text)) or (
            previous and not request.has_cue and shops(turn.text)
        )
        # "what sizes do you have in black then?" right after the options of an item to swap
        # were listed: those options, not a search
        if previous and answers.VARIANTS_LISTED in answered and OPTIONS_ASKED.search(turn.text):
            shopping = False
        replying = previous and not shopping
        # A reply to a proposed change stays with it: never dropped in silence; nor is a
        # refusal of a change set aside by a question of another kind.
        proposal = index > 0 and _answered_proposal(conv.turns[index - 1]) and not shopping
        proposal = proposal or _turns_down(conv, index, request, request.intent)
        flags.append(
            request.has_cue
            or proposal
            or request.yes
            or any(call.name in NEEDED or call.name in WRITE_TOOLS for call in turn.calls)
            or (replying and (answered.endswith("?") or request.details))
            # "what's in it?" right after an order was discussed: a question about that order
            or (replying and request.intent is not None and request.refers_back)
            # ("thanks. now I'd like a backpack" thanks the flow and leaves it to shop)
            or (previous and not shopping and (request.no or request.thanks or request.bye))
        )
    return flags


def _frame(conv: ServiceConversation, requests: Sequence[Request]) -> Frame:
    """The open request: from its latest starting message, unless a write or a no ended it."""
    start: int | None = None
    intent: ServiceIntent | None = None
    moved = 0  # the message that last pointed the request at its order
    last = len(conv.turns) - 1
    for index, (turn, request) in enumerate(zip(conv.turns, requests, strict=True)):
        if request.intent is not None and request.intent != intent:
            start, intent, moved = index, request.intent, index  # a new request
        elif start is not None and _points_elsewhere(turn.text, request, intent):
            moved = index  # "sorry, I meant the other one": the same request, another order
        elif request.no or _turns_down(conv, index, request, intent):
            start, intent = None, None
        elif start is not None and _keeps_current(conv, request):
            start, intent = None, None  # "forget it, I'll keep the green one"
        elif start is None and request.order_ids:
            start, intent = index, "status"  # "what about #W6067464?"
        # A write answered (done, refused, or declined by the customer) ends the request: a
        # later "yes" must not bring back a change the customer turned down. A reply that was
        # more than a yes or no leaves it open: it is the next message, which may change the
        # proposal ("actually, to my gift card"), pause it ("hold on a moment": a later "go
        # ahead" resumes it) or turn it down ("no, I'll keep them").
        ended = any(c.name in WRITE_TOOLS and c.content for c in turn.calls)
        if ended and index < last and not _answered_proposal(turn) and not _pauses(turn):
            start, intent = None, None
    if start is None:
        return Frame(requests=[requests[-1]], asked=[conv.turns[-2].answer if last else ""])
    return Frame(
        intent=intent,
        requests=list(requests[start:]),
        asked=[conv.turns[i - 1].answer if i else "" for i in range(start, last + 1)],
        moved=max(moved - start, 0),
    )


class ServicePlanner:
    """The next step of one customer-service conversation."""

    def __init__(
        self,
        conv: ServiceConversation,
        requests: list[Request],
        kinds: Callable[[Sequence[str]], list[str]] = lambda words: [],
    ) -> None:
        """``kinds``: the catalog's kinds of product that words name ("headphones")."""
        self.conv = conv
        self.kinds = kinds
        self.request = requests[-1]
        self.frame = _frame(conv, requests)
        # "make that my default address too": the latest address said in the conversation
        self.said_address = next((r.address for r in reversed(requests) if r.address), None)

    # ---- the turn -----------------------------------------------------------------------

    def step(self) -> Step:
        written = [c for c in self.conv.current.calls if c.name in WRITE_TOOLS and c.content]
        # "no wait, leave it. what was the total of ...?": the change declined, the question
        # answered (the policy has said nothing was changed)
        asks = written and written[-1].declined and self.request.intent in QUESTION_INTENTS
        if written and not asks:
            return _text(self._after_write(written[-1]))
        if _turns_down(self.conv, len(self.conv.turns) - 1, self.request, self.frame.intent):
            return _text(answers.declined())
        intent = self.frame.intent
        if intent == "transfer":
            transfer = self.conv.this_turn("transfer_to_human_agents")
            if transfer is not None and transfer.content is not None:
                return _text(answers.transferred())
            return _call("transfer_to_human_agents", summary=self._summary())
        request = self.request
        # "no wait, the other one": neither a pause nor a no, a correction of the order
        corrects = _points_elsewhere(request.text, request, intent)
        if request.wait and not corrects:
            return _text(answers.waiting())
        if intent is None and _keeps_current(self.conv, request):
            return _text(answers.declined())
        if request.intent is None and not corrects and (not request.details or request.no):
            if request.no:
                return _text(answers.declined())
            if request.thanks:
                return _text(answers.welcome_back())
            if request.bye:
                return _text(answers.goodbye())
            if request.yes and intent is None:
                return _text(answers.nothing_pending())
        customer = self.conv.customer
        tried = [c for c in self.conv.current.calls if c.name in IDENTIFY and c.content]
        identifies = request.identifies and not self.frame.corrects_address(request)
        if customer is None or (identifies and not tried) or (tried and not tried[-1].ok):
            return self._authenticate(customer, tried)  # another identity: the policy answers
        user = self.conv.user(customer)
        profile = self.conv.this_turn("get_user_details")
        if user is None:
            if profile is not None and profile.content is not None:
                return _text(answers.refused(profile.error))
            return _call("get_user_details", user_id=customer)
        greeting = self._greeting(user)
        if intent == "damaged":
            intent = self._remedy()
        if intent is None:
            return _text(f"{greeting}{answers.help_text()}")
        step = self._serve(intent, customer, user)
        if greeting and step.text:
            step.text = greeting + step.text
        return step

    def _remedy(self) -> ServiceIntent:
        """After an item was said to be at fault, what the customer chose: a refund asked for
        ("just refund it, to my card") is a return; else the options are still open."""
        later = self.frame.requests[1:]
        if any(REFUND.search(r.text) or r.intent == "return" for r in later):
            return "return"
        return "damaged"

    def _greeting(self, user: Record) -> str:
        found = [c for c in self.conv.current.calls if c.name in IDENTIFY and c.ok]
        return f"{answers.identified(user)} " if found else ""

    def _summary(self) -> str:
        texts = [r.text for r in self.frame.requests]
        return "The customer asked for a human agent: " + " / ".join(texts)[:500]

    def _after_write(self, call: Call) -> str:
        if call.declined:
            # "hmm, hold on": nothing changed, and a later yes may still make it
            return answers.waiting() if call.aside == "pause" else answers.declined()
        customer = self.conv.customer
        if not call.ok or call.data is None:
            user = self.conv.user(customer) if customer else None
            method = str(call.args.get("payment_method_id") or "")
            return answers.write_failed(call.error, user, method)
        return answers.done(call.name, call.data, self.conv.user(customer) if customer else None)

    # ---- who the customer is ------------------------------------------------------------

    def _authenticate(self, customer: str | None, tried: list[Call]) -> Step:
        if tried and customer is not None:
            return _text(answers.refused(tried[-1].error))
        if tried:
            return _text(answers.not_identified(tried[-1].error))
        if self.request.email:
            return _call("find_user_id_by_email", email="[EMAIL]")
        if self.request.name_zip is not None:
            first, last, zip_code = self.request.name_zip
            return _call("find_user_id_by_name_zip", first_name=first, last_name=last, zip=zip_code)
        named = self._name_said()
        if self.request.zip_code and named is not None:  # the name said before, a new zip
            first, last = named
            zip_code = self.request.zip_code
            return _call("find_user_id_by_name_zip", first_name=first, last_name=last, zip=zip_code)
        return _text(answers.ask_identity(self.frame.intent))

    def _name_said(self) -> tuple[str, str] | None:
        """The name the customer gave before: in this request, else in the latest name and zip
        lookup of the conversation ("Daiki Silva, zip 28286" ... "oops, zip is 28268")."""
        if (named := self.frame.latest("name_zip")) is not None:
            return named[0], named[1]
        for call in reversed(self.conv.calls):
            if call.name == "find_user_id_by_name_zip":
                first, last = call.args.get("first_name"), call.args.get("last_name")
                if first and last:
                    return str(first), str(last)
        return None

    # ---- which order ----------------------------------------------------------------------

    def _order_id(self, user: Record) -> str | None:
        # an order refused before (not this customer's) is not meant by a later message
        # that names none ("ok, what's the status of my own headphones order then")
        refused = {
            str(c.args.get("order_id"))
            for c in self.conv.calls
            if c.name == "get_order_details" and c.content is not None and not c.ok
        }
        said = [r.order_ids for r in self.frame.about_order if r.order_ids]
        order_id = said[-1] if said else None
        if order_id and (self.request.order_ids or str(order_id[-1]) not in refused):
            return str(order_id[-1])
        # ("and the order with the tablet? send it to ...": that order, not the one before)
        named_afresh = ONE_WITH.search(self.request.text) and (
            self.request.words or self.request.order_words
        )
        if (
            self.request.refers_back
            and not named_afresh
            and (discussed := self._discussed_order()) is not None
        ):
            return discussed
        orders: list[str] = list(user.get("orders", []))
        if (listed := self.frame.ordinal_in_listing()) is not None:
            return listed
        number = self.frame.ordinal_after(answers.ORDER_QUESTION)
        if number is not None and orders:
            index = number - 1 if number > 0 else len(orders) - 1
            return orders[index] if 0 <= index < len(orders) else None
        if orders and self.frame.latest("latest_order"):
            return orders[-1]  # the account lists orders as placed: its last is the newest
        return orders[0] if len(orders) == 1 else None

    def _repeated_arg(self, order: Record, name: str) -> Any:
        """What the customer gave for the change they proposed before on ``order`` and now
        ask for again ("hold on" ... "ok, go ahead and cancel it")."""
        if not self.request.refers_back:
            return None
        for call in reversed(self.conv.calls):
            if call.name in WRITE_TOOLS and call.args.get("order_id") == order.get("order_id"):
                return call.args.get(name)
        return None

    def _discussed_order(self, before: int | None = None) -> str | None:
        """The order in focus: that of the latest earlier turn about one order, whether it
        proposed a change to it (done or declined) or answered about it alone; ``None`` when
        that turn was about several orders ("what's its status now?" after a declined
        cancellation is about the order whose cancellation was declined). ``before``: of the
        turns before that one only (the last turn's otherwise)."""
        for turn in reversed(self.conv.turns[: -1 if before is None else before]):
            writes = [c.args.get("order_id") for c in turn.calls if c.name in WRITE_TOOLS]
            named = {str(order_id) for order_id in writes if order_id}
            named |= {f"#W{n}" for n in ORDER_ID.findall(turn.answer)}
            if named:
                return named.pop() if len(named) == 1 else None
        return None

    def _fetch(self, order_ids: Sequence[str], fresh: bool = False) -> Step | None:
        """A call for the orders not read yet (all at once), or ``None`` when all are known.
        ``fresh``: read again unless read this turn (a status may have changed since)."""
        read = {o: self.conv.this_turn("get_order_details", order_id=o) for o in order_ids}
        for call in read.values():
            if call is not None and call.content is not None and not call.ok:
                return _text(answers.refused(call.error))
        if fresh:
            missing = [o for o in order_ids if read[o] is None]
        else:
            missing = [o for o in order_ids if self.conv.order(o) is None]
        if not missing:
            return None
        calls = [ToolCallPlan("get_order_details", {"order_id": o}) for o in missing]
        return Step(calls=calls)

    def _pick_order(self, user: Record, intent: ServiceIntent) -> Record | Step:
        """The order the request is about, read; or the step that reads or asks for it."""
        order_id = self._order_id(user)
        if order_id is not None:
            fetch = self._fetch([order_id], fresh=intent == "status")
            return fetch or self.conv.order(order_id) or _text(answers.no_orders())
        # "my pending order": those orders only
        records = self._account_orders(user, self.frame.latest("order_state"))
        if isinstance(records, Step):
            return records
        pointing = self.frame.about_order
        words = [w for r in pointing for w in (*r.words, *r.order_words)]
        named = _most_named(records, words)
        latest = self.request
        if len(pointing) > 1 and latest is pointing[-1] and ONE_WITH.search(latest.text):
            # "and the one with the laptop and the jigsaw?": another order, named afresh
            afresh = _most_named(records, [*latest.words, *latest.order_words])
            if len(afresh) == 1 and _named_by_items(afresh[0], latest):
                named = afresh
        fits = [r for r in records if r.get("status") in STATUSES.get(intent, (r.get("status"),))]
        if OTHER_ORDER.search(pointing[0].text):
            # "the other one": any but the order the conversation was about before
            discussed = self._discussed_order(before=len(self.conv.turns) - len(pointing))
            fits = [r for r in fits if r.get("order_id") != discussed]
            named = [r for r in named if r.get("order_id") != discussed]
        if intent == "refunded":  # "did I get my money back?": the orders money went back on
            fits = [r for r in records if _refund_made(r)] or fits
        for candidates in ([r for r in named if r in fits], named):
            if len(candidates) == 1:
                # one order holds what was named (it may not fit: said so); a status is read
                # again, as it may have changed since
                fresh = self._fetch([str(candidates[0]["order_id"])], fresh=True)
                if intent == "status" and fresh is not None:
                    return fresh
                return candidates[0]
        if intent == "status" and not named:
            if len(records) == 1:
                return records[0]
            return _text("\n".join(["Your orders:", *(answers.status(r) for r in records)]))
        if len(fits) == 1 and not named:
            return fits[0]
        return _text(answers.ask_order(records, intent))

    # ---- the requests ---------------------------------------------------------------------

    def _serve(self, intent: ServiceIntent, customer: str, user: Record) -> Step:
        if intent == "address" and not self._order_address():
            address = self.frame.address
            if address is None and self.frame.latest("same_to_profile"):
                address = self.said_address
            if address is None:
                return _text(answers.ask_address())
            return _call("modify_user_address", user_id=customer, **address)
        if intent == "methods":
            return _text(answers.payment_methods(user))
        if intent == "balance":
            return _text(answers.gift_card_balances(user))
        if intent == "profile":
            return _text(answers.default_address(user))
        named = self.request.order_ids
        if intent in ("status", "paid") and len(named) > 1:
            # "#W1 and #W2, what do they come to altogether?": each order, and their sum
            fetch = self._fetch(named, fresh=intent == "status")
            records = [r for o in named if (r := self.conv.order(o)) is not None]
            return fetch or _text(answers.several(records, self.request.asks_total))
        if intent == "paid" and self.request.several_orders:
            # "what do my two pending orders come to?": the account's orders (of that state)
            return self._all_orders(user)
        order = self._pick_order(user, intent)
        if isinstance(order, Step):
            return order
        if intent == "status" and self.request.asks_options:
            return _text(answers.options_for(order))
        if intent == "status":
            return _text(answers.status(order))
        if intent == "damaged":
            items = self._named_items(order) or order.get("items", [])
            return _text(answers.damaged(order, items))
        if intent == "paid":
            # "what did the skateboard order cost in total?": the order's total, not the item's
            items = [] if WHOLE_TOTAL.search(self.request.text) else self._named_items(order)
            return _text(answers.paid(order, items, user))
        if intent == "refunded":
            return _text(answers.refunded(order, user))
        if order.get("status") not in STATUSES[intent]:
            return _text(answers.wrong_status(order, intent))
        if self.request.asks_possible:  # "can that one be cancelled?": whether, not a request
            return _text(answers.possible(order, intent))
        if self.request.asks_refund and intent in ("return", "cancel"):
            items = self._items(order, "return") if intent == "return" else order.get("items", [])
            return items if isinstance(items, Step) else _text(answers.refund_amount(order, items))
        if intent == "cancel" and self.request.only_some:
            # "cancel just the sunglasses": an order is cancelled whole, never in part
            words = self.request.only_words
            part = match_items(order, words) if words else self._named_items(order)
            if part and len(part) < len(order.get("items", [])):
                return _text(answers.whole_order_only(order, part))
        if intent == "cancel":
            reason = self.frame.latest("reason") or self._repeated_arg(order, "reason")
            if reason is None:
                return _text(answers.ask_reason(order))
            return _call("cancel_pending_order", order_id=order["order_id"], reason=reason)
        if intent == "address":
            address = self.frame.address
            if address is None and (self.frame.latest("to_default") or self.frame.there_default):
                address = _default_address(user)
            if address is None:
                return _text(answers.ask_address())
            return _call("modify_pending_order_address", order_id=order["order_id"], **address)
        if intent == "return":
            return self._return(order, user)
        if intent == "payment":
            return self._payment(order, user)
        return self._exchange(order, user)

    def _all_orders(self, user: Record) -> Step:
        """The account's orders (those in the state named, if any), each with its total, and
        their sum."""
        records = self._account_orders(user, self.request.order_state)
        if isinstance(records, Step):
            return records
        return _text(answers.several(records, total=True))

    def _account_orders(self, user: Record, state: str | None) -> list[Record] | Step:
        """The account's orders, read (those in ``state`` when any are); or the step that reads
        them, or says the account has none."""
        orders: list[str] = list(user.get("orders", []))
        if not orders:
            return _text(answers.no_orders())
        fetch = self._fetch(orders)
        if fetch is not None:
            return fetch
        records: list[Record] = [r for o in orders if (r := self.conv.order(o)) is not None]
        if state:
            records = [r for r in records if r.get("status") == state] or records
        return records

    def _payment(self, order: Record, user: Record) -> Step:
        """A pending order's payment moved to another method of the account."""
        ref: PaymentRef | None = self.frame.latest("payment")
        choice = choose_payment(ref, user, order)
        if choice.method_id is None:
            return _text(answers.ask_payment(user, choice.candidates, "pay for the order"))
        # A gift card pays the whole order at once: one whose balance is short is refused with
        # its balance, before any change is put to the customer.
        method: Record = user.get("payment_methods", {}).get(choice.method_id, {})
        history = order.get("payment_history", [])
        amount = float(history[0].get("amount", 0)) if history else 0.0
        balance = method.get("balance")
        short = isinstance(balance, int | float) and balance < amount
        if method.get("source") == "gift_card" and short:
            return _text(answers.short_balance(user, choice.method_id, order, amount))
        return _call(
            "modify_pending_order_payment",
            order_id=order["order_id"],
            payment_method_id=choice.method_id,
        )

    def _order_address(self) -> bool:
        """Whether an address change is about an order (else the default address): one it
        names, or the one just discussed, meant by "it" ("could you change it to go to ...")."""
        if any(r.about_order or r.ordinal for r in self.frame.requests):
            return True
        first = self.frame.requests[0]
        return (
            first.refers_back
            and not DEFAULT_ADDRESS.search(first.text)
            and self._discussed_order() is not None
        )

    def _items(self, order: Record, verb: str) -> list[Record] | Step:
        items: list[Record] = list(order.get("items", []))
        if self.frame.latest("all_items") or len(items) == 1:
            return items
        if found := self._named_items(order):
            return found
        number = self.frame.ordinal_after(answers.ITEMS_QUESTION)
        if number is not None and 0 < abs(number) <= len(items):
            return [items[number - 1 if number > 0 else -1]]
        return _text(answers.ask_items(order, verb))

    def _named_items(self, order: Record) -> list[Record]:
        """The order's items the request names: the latest message that names some wins
        ("sorry, I meant the helmet"), one that says "too" adds to them, and an item said not
        to be meant ("not the coffee maker") is left out."""
        chosen: list[Record] = []
        for request in self.frame.requests:
            named = match_named_items(order, request.item_groups)
            if named and self._describes_new_variant(order, chosen, request.words):
                continue  # "make it the blue one instead": what the chosen item becomes
            if named:
                chosen = [*chosen, *named] if request.also else named
            unmeant = [
                item
                for group in request.not_groups
                if not _describes_other_variant(named, group)
                for item in match_items(order, group)
            ]
            chosen = [item for item in chosen if item not in unmeant]
        return [item for item in order.get("items", []) if item in chosen]

    def _describes_new_variant(
        self, order: Record, chosen: Sequence[Record], words: Sequence[str]
    ) -> bool:
        """Whether ``words``, said after items were chosen, name no item of the order but only
        option values that each chosen item's product comes in ("hmm, the blue one instead"
        after the speaker was to become red): they say what the items become, not which."""
        said = set(folded(" ".join(words)))
        if not chosen or not said:
            return False
        if any(said & set(folded(str(item.get("name", "")))) for item in order.get("items", [])):
            return False
        for item in chosen:
            product = self.conv.product(str(item.get("product_id", ""))) or {}
            offered = {
                w
                for variant in product.get("variants", {}).values()
                for v in variant.get("options", {}).values()
                for w in folded(str(v))
            }
            if not said & offered or said & offered == said & _own_options(item):
                return False
        return True

    def _return(self, order: Record, user: Record) -> Step:
        items = self._items(order, "return")
        if isinstance(items, Step):
            return items
        methods: dict[str, Record] = user.get("payment_methods", {})
        gift_cards = [m for m, v in methods.items() if v.get("source") == "gift_card"]
        ref: PaymentRef | None = self.frame.latest("payment")
        if ref is None:
            return _text(answers.ask_refund(order, user, gift_cards, items))
        choice = choose_payment(ref, user, order)
        if choice.method_id is None:
            if choice.candidates:
                return _text(answers.ask_payment(user, choice.candidates, "receive the refund"))
            return _text(answers.ask_refund(order, user, gift_cards, items))
        if choice.method_id not in gift_cards and choice.method_id != original_method(order):
            return _text(answers.refund_rule(user, choice.method_id))
        return _call(
            "return_delivered_order_items",
            order_id=order["order_id"],
            item_ids=[item["item_id"] for item in items],
            payment_method_id=choice.method_id,
        )

    def _other_kind(self, item: Record, product: Record) -> str:
        """A kind of product the request names that is not the item's own ("swap the earbuds
        for headphones"): no word of it in the item's name or in its product's options."""
        own = set(folded(str(item.get("name", ""))))
        for variant in product.get("variants", {}).values():
            own |= {w for v in variant.get("options", {}).values() for w in folded(str(v))}
        named = self.kinds(self.frame.requests[-1].words)  # asked in this message
        return next((kind for kind in named if not set(folded(kind)) & own), "")

    def _requests_about(self, order: Record, item: Record) -> list[Request]:
        """The frame's messages that may describe what ``item`` becomes: all but those naming
        other items of the order by name and not this one ("and swap the water bottle for the
        blue one" says nothing of the boots swapped before)."""
        own = set(folded(str(item.get("name", ""))))
        others = {
            w
            for other in order.get("items", [])
            if other.get("name") != item.get("name")
            for w in folded(str(other.get("name", "")))
        } - own
        said = [set(folded(" ".join(r.words))) for r in self.frame.requests]
        return [
            r
            for r, words in zip(self.frame.requests, said, strict=True)
            if words & own or not words & others
        ]

    def _takes_only_method(self, user: Record) -> bool:
        """Whether a yes ("go ahead", "yes both please") answers the question which method
        pays the price difference, when the account has one method only (the one shown)."""
        methods: dict[str, Record] = user.get("payment_methods", {})
        asked = self.frame.asked[-1] if self.frame.asked else ""
        latest = self.frame.requests[-1]
        return (
            len(methods) == 1
            and answers.DIFFERENCE_ASKED in asked
            and bool(AFFIRMS.search(latest.text))
            and not (latest.payment or latest.order_ids or latest.no)
        )

    def _exchange(self, order: Record, user: Record) -> Step:
        items = self._items(order, "exchange")
        if isinstance(items, Step):
            return items
        products = list(dict.fromkeys(str(item["product_id"]) for item in items))
        missing = [p for p in products if self.conv.product(p) is None]
        if missing:
            return Step(
                calls=[ToolCallPlan("get_product_details", {"product_id": p}) for p in missing]
            )
        new_ids = []
        swaps: list[tuple[Record, Record]] = []
        for item in items:
            product = self.conv.product(str(item["product_id"])) or {}
            about = self._requests_about(order, item)
            latest = about[-1].words if about else self.frame.requests[-1].words
            choice = choose_variant(product, item, latest)
            if choice.new_item_id is None and not choice.wanted:
                choice = choose_variant(product, item, [w for r in about for w in r.words])
            earlier = [w for r in about[:-1] for w in r.words]
            choice = narrowed(choice, product, item, earlier)
            if OPTIONS_ASKED.search(self.request.text) and choice.wanted:
                # "what sizes do you have in black?": the options with what was asked, listed
                fitting = [
                    v
                    for v in product.get("variants", {}).values()
                    if v.get("available")
                    and all(v.get("options", {}).get(k) == x for k, x in choice.wanted.items())
                ]
                return _text(answers.ask_variant(item, fitting, False, {}, ""))
            if choice.new_item_id is None:
                alternatives, unavailable = choice.alternatives, choice.unavailable
                other = "" if choice.wanted else self._other_kind(item, product)
                return _text(
                    answers.ask_variant(item, alternatives, unavailable, choice.missing, other)
                )
            new_ids.append(choice.new_item_id)
            swaps.append((item, product.get("variants", {}).get(choice.new_item_id, {})))
        ref: PaymentRef | None = self.frame.latest("payment")
        payment = choose_payment(ref, user, order)
        # The price difference is paid or refunded: the customer names how, even with one
        # method on the account (a change proposed first would wait on a question unasked).
        method = payment.method_id
        if method is None and ref is None and self._takes_only_method(user):
            method = next(iter(user.get("payment_methods", {})))
        if method is None:
            return _text(answers.ask_difference_payment(order, swaps, user, payment.candidates))
        tool = (
            "exchange_delivered_order_items"
            if order.get("status") == "delivered"
            else "modify_pending_order_items"
        )
        return _call(
            tool,
            order_id=order["order_id"],
            item_ids=[item["item_id"] for item in items],
            new_item_ids=new_ids,
            payment_method_id=method,
        )


def set_aside_note(d: Dialogue) -> str | None:
    """A reminder of the change proposed last turn that the customer's reply set aside with a
    question of another kind ("wait, first what headphones do you have"): the change is still
    waiting and a later yes makes it (``graphs.orders``); never dropped in silence. ``None``
    when there is none, or when customer service read the reply itself (a change to the
    proposal, a no)."""
    if not NEEDED.issubset(d.tool_names):
        return None
    conv = d.service
    if len(conv.turns) < 2 or not _answered_proposal(conv.turns[-2]):
        return None
    if any(c.name in WRITE_TOOLS for c in conv.current.calls):
        return None
    if NO_START.search(conv.current.text) or KEEP.search(conv.current.text):
        return None
    requests = [understand_request(turn.text) for turn in conv.turns]
    if _service_turns(conv, requests, lambda text: new_shopping_request(text, d.vocab))[-1]:
        return None
    declined = [c for c in conv.turns[-2].calls if c.name in WRITE_TOOLS and c.declined]
    return answers.still_waiting(declined[-1].name, declined[-1].args)


# "now I want an air purifier", "next I'd like to buy some hiking boots": a wish for a product
WANTS_PRODUCT = re.compile(
    r"\bi(?:'d| would)? (?:want|need|like|am after|'m after|am looking at)(?: to (?:buy|get|"
    r"order|find))? (?:an?|some|new|a new|another)\b(?![^.?!]*\binstead\b)",
    re.IGNORECASE,
)


def _wants_new_product(conv: ServiceConversation, text: str, vocab: CatalogVocabulary) -> bool:
    """Whether ``text`` wishes for a product kind of the catalog that no order read in the
    conversation holds (one an order holds is a choice in the flow: "I want a black one")."""
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        wish = WANTS_PRODUCT.search(sentence)
        if wish and grounded(sentence[wish.end() :], vocab):
            words = understand_request(sentence[wish.end() :]).words
            return not _names_an_item(conv, words)
    return False


def service_step(d: Dialogue) -> Step | None:
    """The planner's next step when the conversation is customer service, else ``None``. A
    confident new shopping request (``routing.new_shopping_request``) leaves a service flow."""
    if not NEEDED.issubset(d.tool_names):
        return None
    conv = d.service
    if not conv.turns:
        return None
    requests = [understand_request(turn.text) for turn in conv.turns]

    def shops(text: str) -> bool:
        return new_shopping_request(text, d.vocab) or _wants_new_product(conv, text, d.vocab)

    if not _service_turns(conv, requests, shops)[-1]:
        return None

    def kinds(words: Sequence[str]) -> list[str]:
        return [t.name for m in d.vocab.scan(words) for t in m.of_kind("category")]

    return ServicePlanner(conv, requests, kinds).step()
