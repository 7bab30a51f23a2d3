"""Several requests in one message, answered one after the other.

"how much is the regency cakestand, is it in stock, and what do people usually buy with it?"
asks three things; read whole, its words make one search or one look-up. The message is cut at
the points where a new question starts ("…, is it …", "… and what …", "? also …"), and each
part is planned as if the shopper had sent it alone after the parts before it: "is it in
stock" then means the cakestand the first part looked up. The answers are joined in order.

The planner keeps no state between calls, so each call replays the parts: the tool rounds of
this turn are given, in order, to the part whose plan asked for them (the planner is
deterministic, so replaying a part asks for the same calls again). A part whose plan needs a
call not made yet makes it now; when every part has its answer, they are the reply.

Read whole, as before: a message about the customer's own records (an order, an e-mail, a
refund), one in another language, a pasted passage, a reply to a change proposed last turn; one
that a skill made for several asks takes whole (routing, customer service, comparisons, bulk
orders, stock and forecast); one whose later parts only ask the price or stock of what the first
named, or about a count said before ("got that many?"). A wish after a request ("I'd like to
spend around £15") belongs to that request: only a question or an instruction starts a part.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agents.offline.acts import QUOTED
from agents.offline.courtesy import ASKS, RECORDS, is_courtesy, requested_part
from agents.offline.dialogue import Dialogue, Store
from agents.offline.service.planner import set_aside_note
from agents.offline.skills import answering_skill, next_step
from agents.offline.step import Step, say
from agents.offline.text import normalize
from agents.offline.vocabulary import CatalogVocabulary

# At most this many requests are answered from one message; the rest stay in the last part.
MAX_PARTS = 3
# Tool rounds one message may use in all: the chat graph stops a turn at six.
MAX_ROUNDS = 5

# A price or stock question about what the part before it named: the one look-up of that
# product answers both ("how much is it?", "are there any left?").
_FACET = re.compile(
    r"^(?:and )?(?:how much(?: (?:is|are) (?:it|they|that|those|these|each|one))?|"
    r"what(?:'s| is| are| do| does)? (?:it|they|that|those|these|them|each|one) (?:cost|costs|"
    r"go for|come to)|what(?:'s| is) the price|price|prices|cost|"
    r"(?:is|are) (?:it|that|this|they|those|these)(?: one| ones)? (?:in stock|available)|"
    r"(?:are there|any|how many)(?: of them| of those)? (?:left|in stock)|in stock)\s*[?!.]*$"
)
# A question about a count said before it ("got that many?", "what's the total?", "how many of
# each"): the count and the product are in the part before, so the message is one request.
_COUNT_FOLLOW_UP = re.compile(
    r"\b(?:that many|enough|total|come to|altogether|all together|of each|each|unit price|"
    r"per (?:pack|unit|item|one)|how many packs|do you have \d+|got \d+|\d+ of (?:them|those))\b"
)
# Skills that read a message whole: no part of it is cut off for another. Routing and customer
# service take the message as said; the others are made to answer several asks about the same
# products at once ("A vs B, which is cheaper", "24 of X, got that many? total?", "stock on X
# and a 4 week forecast").
SERVICE = "customer service"
_READ_WHOLE = frozenset({"routing", SERVICE, "comparisons", "bulk orders", "stock and forecast"})
# "two things:", "a couple of questions -": a lead-in that announces several requests.
_LEAD = re.compile(
    r"^\s*(?:(?:two|2|three|3|a few|a couple of|couple of|couple|some|quick) "
    r"(?:things|questions|qs|q's|queries)\s*(?:please|pls)?\s*[:\-–—,.]?\s*)",
    re.IGNORECASE,
)
# A pasted passage (a review, a customer's note) is read whole by the text analyzer's reader.
_PASTED = re.compile(
    r"\b(?:review|reviews|feedback|comment|comments|customer said|says|wrote|note|message|"
    r"tweet|post|analy[sz]e|sentiment|personal data)\b"
)
# Where a new question starts: after a sentence end, or after a comma, "and", "also", "plus",
# a dash or a semicolon when a question word follows.
_QUESTION_WORDS = (
    r"what|whats|what's|how|hows|how's|when|whens|when's|where|which|why|"
    r"is it|is that|is this|is there|are they|are these|are those|are there|"
    r"does it|does that|do they|do those|do you|did you|can i|can you|could you|"
    r"will it|would it|have you|has it|any chance|got any|you got|u got|"
    r"and is|and are|and does|and do|and can|and what|and how|and when"
)
_OPENER = rf"(?:{_QUESTION_WORDS})\b"
_SENTENCE_END = re.compile(r"(?<=[?!])\s+|(?<=[a-z)\]'\"])\.\s+(?=[A-Za-z])|\s*\n+\s*")
_CLAUSE = re.compile(
    r"\s*(?:,\s*(?:and |also |plus )?(?:also )?|\s+(?:and|also|plus) (?:also )?|\s+[-–—]+\s+|;\s*)"
    r"(?=" + _OPENER + ")",
    re.IGNORECASE,
)
# Words that join a part to the one before it, left off the part.
_JOINER = re.compile(r"^(?:and|also|plus|oh and|oh|then)\b[\s,]*", re.IGNORECASE)
# A piece that starts like a question or an instruction is a request of its own; one that says
# a wish ("I'd like to spend around £15", "we need lanterns for the window") after a request
# adds to that request, and asks only when nothing was asked before it.
_INSTRUCTIONS = (
    r"show|find|give|tell|write|check|recommend|suggest|any|anything|have u|do u|can u|"
    r"r there|r they|got|pls|please"
)
_WISHES = r"need|looking for|i(?:'m| am) (?:after|looking)|i(?:'d| would) like|i want"
_QUESTION_START = re.compile(rf"^(?:{_QUESTION_WORDS}|{_INSTRUCTIONS})\b", re.IGNORECASE)
_ASKS_OPENLY = re.compile(rf"^(?:{_QUESTION_WORDS}|{_INSTRUCTIONS}|{_WISHES})\b", re.IGNORECASE)


def split_requests(text: str, vocab: CatalogVocabulary) -> list[str]:
    """The requests ``text`` makes, in order; ``[text]`` when it makes one (or is read whole)."""
    norm = normalize(text)
    if RECORDS.search(norm) or QUOTED.search(text) or _PASTED.search(norm):
        return [text]
    body = _LEAD.sub("", text.strip())
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(body):
        pieces.extend(p for p in _CLAUSE.split(sentence) if p and p.strip())
    parts: list[str] = []
    pending = ""  # words that ask nothing, carried into the next part ("the stars one - how much")
    for piece in pieces:
        piece = _JOINER.sub("", piece.strip()).strip(" ,;-–—")
        if not piece or is_courtesy(piece, vocab):
            continue
        if not _asks(piece):
            pending = f"{pending} {piece}".strip()
            continue
        said = f"{pending} {piece}".strip()
        pending = ""
        if parts and not _QUESTION_START.search(normalize(piece)):
            parts[-1] = f"{parts[-1]} {said}"  # a wish adds to the request before it
            continue
        parts.append(said)
    if pending and parts:
        parts[-1] = f"{parts[-1]} {pending}"
    if len(parts) < 2:
        return [text]
    return (
        parts
        if len(parts) <= MAX_PARTS
        else [*parts[: MAX_PARTS - 1], " ".join(parts[MAX_PARTS - 1 :])]
    )


def _asks(piece: str) -> bool:
    norm = normalize(piece)
    return piece.rstrip().endswith("?") or bool(_ASKS_OPENLY.search(norm) or ASKS.search(norm))


def _rounds(messages: Sequence[BaseMessage]) -> list[list[BaseMessage]]:
    """This turn's tool rounds: each tool-calling message with the results that answered it."""
    rounds: list[list[BaseMessage]] = []
    for message in messages:
        if isinstance(message, AIMessage) and message.tool_calls:
            rounds.append([message])
        elif isinstance(message, ToolMessage) and rounds:
            rounds[-1].append(message)
    return rounds


def plan_turn(messages: Sequence[BaseMessage], store: Store) -> Step:
    """The planner's next step for the conversation ``messages``."""
    d = Dialogue(messages, store)
    parts = _parts(d)
    if len(parts) < 2:
        return next_step(d)
    last = _last_human(messages)
    before, rounds = list(messages[:last]), _rounds(messages[last + 1 :])
    done: list[BaseMessage] = []
    replies: list[str] = []
    used = 0
    for k, part in enumerate(parts):
        taken = 0
        while True:
            own = [m for r in rounds[used : used + taken] for m in r]
            # a part may relax its search while rounds are left for the parts after it
            left = MAX_ROUNDS - used - (len(parts) - 1 - k)
            budget = replace(store, max_tool_rounds=max(1, min(store.max_tool_rounds, left)))
            step = next_step(Dialogue([*before, *done, HumanMessage(part), *own], budget))
            if not step.calls:
                break
            if used + taken < len(rounds):
                taken += 1  # the round this plan asked for was made: read on with its result
                continue
            if used + taken >= MAX_ROUNDS:
                replies.append(f"I could not get to this part in the same reply: '{part}'.")
                return say("\n\n".join(replies))
            return step
        replies.append(step.text)
        done += [HumanMessage(part), *own, AIMessage(step.text)]
        used += taken
    return say("\n\n".join(replies))


def _parts(d: Dialogue) -> list[str]:
    """The requests of the current message, when it is one to cut ([] or one part otherwise)."""
    if d.read_as is not None or not d.conv.has_human:
        return []
    # a long polite message is first cut down to the sentences that ask (``courtesy``)
    parts = split_requests(requested_part(_current_text(d.messages), d.vocab), d.vocab)
    if len(parts) < 2 or all(_FACET.search(normalize(p)) for p in parts[1:]):
        return []  # "do you sell tablets in gold? what do they cost": one look-up answers both
    if any(_COUNT_FOLLOW_UP.search(normalize(p)) for p in parts[1:]):
        return []  # "need 24 of the gin mugs, got that many? total?": one count, read whole
    # a change proposed last turn waits for the whole reply
    if set_aside_note(d) is not None:
        return []
    # Read as at the start of the turn (the same on every call of it): a skill that reads the
    # message whole keeps it whole.
    last = _last_human(d.messages)
    if answering_skill(Dialogue(d.messages[: last + 1], d.store))[0].name in _READ_WHOLE:
        return []
    # customer service reads the whole message if it would read any part of it, each part
    # read after the ones before it (their tool results are not known yet, their words are)
    history = list(d.messages[:last])
    for part in parts:
        history.append(HumanMessage(part))
        skill, step = answering_skill(Dialogue(history, d.store))
        if skill.name == SERVICE:
            return []
        history.append(AIMessage(step.text))
    return parts


def _last_human(messages: Sequence[BaseMessage]) -> int:
    return max(i for i, m in enumerate(messages) if isinstance(m, HumanMessage))


def _current_text(messages: Sequence[BaseMessage]) -> str:
    human = messages[_last_human(messages)]
    return human.content if isinstance(human.content, str) else str(human.text)
