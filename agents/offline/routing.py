"""Messages no shopping or order tool answers, read before the tool skills: another language,
a store question, a request for a person, small talk, a pasted review.

Each is recognised by meaning (``acts``: the sentence encoder against labelled examples, acted
on only when confident) or by the language model (``foreign``), never by the keywords the
shopping rules would otherwise turn into a search for "speak someone". Answers are honest: a
store question quotes the store's policy when it has one that fits, else says plainly that it
cannot be answered here; a person is the ``transfer_to_human_agents`` tool when it is bound; a
review goes to ``analyze_text`` and its sentiment and key phrases are reported as returned.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from agents.offline import answers
from agents.offline.acts import (
    MIN_SCORE,
    QUOTED,
    Reading,
    grounded,
    needs_reading,
    read_act,
    split_passage,
)
from agents.offline.content_requests import is_content_request
from agents.offline.context import DETAILS
from agents.offline.cue_slots import detect_flags
from agents.offline.dialogue import Dialogue
from agents.offline.foreign import (
    english_only,
    foreign_language,
    foreign_review,
    load_language_model,
)
from agents.offline.nlu import understand
from agents.offline.quantities import asks_about_shown
from agents.offline.review_followups import another_passage, check_of_last, quoted_feedback
from agents.offline.service import answers as service_answers
from agents.offline.service.nlu import understand_request
from agents.offline.step import Step, ToolCallPlan, answered, call_then_answer, say
from agents.offline.store_policy import StorePolicy
from agents.offline.store_questions import asks_about_the_business
from agents.offline.store_services import asks_store_service
from agents.offline.text import normalize
from agents.offline.text_checks import (
    asks_for_analysis,
    language_line,
    pii_line,
    requested_features,
)
from agents.offline.vocabulary import CatalogVocabulary

TRANSFER = "transfer_to_human_agents"
ANALYZE = "analyze_text"
MAX_PASSAGE = 4000
# What the rules make of a message they may have misread ("speak someone" as a search).
_OPEN_INTENTS = frozenset({"search", "refine", "unknown", "garbled", "out_of_scope", "order"})
# A bare product kind ("the headphones") answers a question; a request says more.
SHOPPING_MIN_WORDS = 4
SHOPPING_MARGIN = 0.05
SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")
# A digression back to shopping said outright ("while I'm here, got any yoga mats?", "by the
# way, do you sell kettles?"): with a product kind of the catalog, no encoder is needed.
SHOPPING_TURN = re.compile(
    r"\b(?:while i'?m here|by the way|btw|on another note|unrelated|another thing|"
    r"different question)\b"
    r"|\b(?:do|does) (?:you|the shop|the store) (?:also |still |even )?(?:sell|have|stock|carry)\b"
    r"|\b(?:have you|you) (?:also )?got any\b|^(?:\w+[,.!]? )?got any\b|\bshow me (?:some|any)\b"
    r"|\bi'?m (?:also )?looking for\b"
    # "whats a good stocking filler under £1": a price cap on a kind of the catalog
    r"|\b(?:under|below|less than|up to|max|no more than) £ ?\d"
    r"|\bwhat(?:'s|s| is| are| would be) (?:a )?(?:good|nice|decent)\b"
)
# A question about the store's rules for an action, not a request to take it ("what happens
# if I want to cancel something that has already shipped?", "is it possible to return only one
# item?"): a question form, an action of customer service, and a condition on it.
RULE_QUESTION = re.compile(
    r"\b(?:what happens|what if|what(?:'s| is| are) (?:your|the) (?:policy|polic|rules?)|"
    r"can (?:i|you|we|one|people)|could (?:i|we)|am i (?:allowed|able)|is it possible|"
    r"are (?:you|we) able|do (?:you|u) (?:allow|let|accept)|how (?:long|many days|soon|does|do)|"
    r"when (?:do|will|would|can) (?:i|we|you)|if (?:i|we|you) (?:cancel|return|exchange|send))\b"
)
RULE_ACTION = re.compile(
    r"\b(?:cancel\w*|return\w*|exchang\w*|swap\w*|refund\w*|send (?:it |them |\w+ )?back)\b"
)
RULE_CONDITION = re.compile(
    r"\b(?:after|once|if|when|already|shipped|dispatched|delivered|received|days?|weeks?|"
    r"policy|rules?|allowed|possible|only (?:one|some|part)|partial|within|different)\b"
    r"|\bhow long\b"
)
# The customer's own order, named ("my order", "#W…", an e-mail): a request, not a question.
OWN_ORDER = re.compile(
    r"#?w\d{5,}|@|\b(?:my|this|that|our) (?:\w+ )?orders?\b|\bzip\b"
    # one item of theirs ("how do I return the kettle I received?")
    r"|\bthe (?!order|store|shop|policy|rules?|item|items|money|refund)[a-z]+"
)
# A question, then the choices it offers ("For example: …" offers a request, not choices).
_QUESTION_THEN_CHOICES = re.compile(r"\?\s+(?!for example)[^?\n]*:\s*\S", re.IGNORECASE)
# The customer speaking of what is theirs.
_OWN = re.compile(r"\b(?:my|mine|for me|i have|have i|i got|on file|saved|stored)\b")
# Words of the customer's own records: such a sentence stays with customer service.
_RECORD_WORDS = re.compile(r"\b(?:orders?|return\w*|refund\w*|exchange\w*|cancel\w*|my)\b")


def _last_answer(messages: Sequence[BaseMessage]) -> str:
    """The assistant's last answer before the current message."""
    seen_human = False
    for message in reversed(messages):
        if isinstance(message, HumanMessage):
            if seen_human:
                break
            seen_human = True
        elif seen_human and isinstance(message, AIMessage) and not message.tool_calls:
            return message.text if isinstance(message.text, str) else str(message.content)
    return ""


def asks_something(answer: str) -> bool:
    """The answer asked something: it ends on a question, or a question is followed by the
    choices it offers ("Which helmet would you like instead? These can be ordered: …",
    "Which payment method should pay the difference? On your account: …")."""
    return answer.rstrip().endswith("?") or bool(_QUESTION_THEN_CHOICES.search(answer))


def _answers_a_question(text: str, asked: bool) -> bool:
    """The message gives what a customer-service question asked for: an order number or who
    the customer is at any time; a choice, a reason, a payment, an address, yes or no only
    right after a question (else "can I pay with paypal?" would be a payment given)."""
    r = understand_request(text)
    if r.order_ids or r.identifies:
        return True
    given = r.ordinal or r.all_items or r.payment or r.reason or r.address or r.yes or r.no
    return asked and bool(given)


# A passage said to be someone else's words: its e-mail or order number is not the sender's.
_OTHERS_WORDS = re.compile(
    r"\b(?:review|reviews|feedback|comment|comments|testimonial|post|tweet)\b"
    # "analyse this message a customer sent us: '…'": a customer's words handed over to be read
    r"|\banaly[sz]\w*|\b(?:a|the|one|our) (?:customer|shopper|buyer)s?\b|\bsent (?:us|me|in)\b"
)


def _own_words(text: str) -> str:
    """The message without a quoted passage its request calls a review or a comment ("check
    this review before we publish it - '... email me at ...'"); else the whole message."""
    request, passage = split_passage(text)
    quoted = QUOTED.search(text) is not None
    return request if passage and quoted and _OTHERS_WORDS.search(normalize(request)) else text


def _about_own_records(text: str) -> bool:
    """A customer-service request about the customer's own account or orders, not a rule."""
    r = understand_request(text)
    if r.intent == "balance":  # "how much is on the gift card?": no rule says that
        return True
    return r.intent not in (None, "transfer") and bool(_OWN.search(normalize(text)))


def asks_about_rules(text: str) -> bool:
    """A question about what the store allows for a customer-service action, with no order of
    the customer's named: the policy answers it (no identity is needed to read a rule)."""
    low = normalize(text)
    return bool(
        RULE_QUESTION.search(low)
        and RULE_ACTION.search(low)
        and RULE_CONDITION.search(low)
        and not OWN_ORDER.search(low)
    )


def small_talk(vocab: CatalogVocabulary) -> str:
    return (
        "I'm the shop's assistant, here to help you find things in the catalog. "
        f"What are you looking for? For example: '{answers.example_request(vocab)}'."
    )


def store_answer(question: str, policy: StorePolicy, vocab: CatalogVocabulary) -> str:
    rules = policy.answer(question)
    if rules:
        return "From the store's policy:\n" + "\n".join(f"- {rule}" for rule in rules)
    return (
        "Sorry, I can't help with that here: I have no information about it. I can search the "
        f"catalog, tell you about a product and check its stock, for example: "
        f"'{answers.example_request(vocab)}'."
    )


def no_person(vocab: CatalogVocabulary) -> str:
    return (
        "Sorry, I can't put you through to a person here. I can search the catalog, tell you "
        f"about a product and check its stock, for example: '{answers.example_request(vocab)}'."
    )


def review_answer(out: dict[str, Any] | None, error: str | None, passage: str = "") -> str:
    if out is None:
        return f"I couldn't analyse that text: {error or 'the analyzer failed'}"
    checks = []
    if "pii" in out and out["pii"] is not None:
        checks.append(pii_line(out, passage))
    if out.get("language") is not None:
        checks.append(language_line(out))
    sentiment = out.get("sentiment") or {}
    label = str(sentiment.get("label", "")).lower()
    scores = sentiment.get("scores") or {}
    lines = []
    if label:
        share = scores.get(label)
        how = f" ({share:.0%} {label})" if isinstance(share, int | float) else ""
        lines.append(f"That text reads {label}{how}.")
    phrases = [str(p.get("text")) for p in out.get("key_phrases") or [] if isinstance(p, dict)]
    if phrases:
        lines.append("Key phrases: " + ", ".join(phrases[:6]) + ".")
    return " ".join(checks + lines) or "The analyzer found nothing to report about that text."


def _rules_suffice(text: str, vocab: CatalogVocabulary) -> bool:
    """The shopping rules read this short message precisely ("is it in stock?", "any of those
    under £3?", "details of the second one"): no need to spend the encoder on it."""
    if split_passage(text)[1]:
        return False
    u = understand(text, vocab)
    # A bare "this" / "it" in an open request says little ("this isn't helping, put me
    # through to a person"); a position, an id or a title is precise.
    pointed = any(r.kind != "pronoun" for r in u.references)
    precise = u.has_constraints and not u.suggested  # a guessed sort is no constraint said
    if u.intent == "details" and not pointed and not u.has_product_words:
        # "you're pretty good at this": a bare "this" with no question about a product
        flags = detect_flags(normalize(text))
        return flags.details or flags.stock or u.asked_attribute is not None
    return pointed or precise or u.intent not in _OPEN_INTENTS


def routed_step(d: Dialogue) -> Step | None:
    """The answer to a message no tool skill reads (or its one tool call, then the answer from
    its result); ``None`` for the tool skills to read it."""
    text = d.text
    asked = asks_something(_last_answer(d.messages))
    if not text.strip() or _answers_a_question(_own_words(text), asked):
        return None
    vocab = d.vocab
    if ANALYZE in d.tool_names and (
        args := another_passage(d) or check_of_last(d) or quoted_feedback(text, vocab)
    ):
        # "and this one: '…'", "what are the key phrases in it?" after a passage was read;
        # "feedback on the lanterns: '…' / '…'": the customers' words, whatever they name
        passage = str(args["text"])
        return call_then_answer(
            d.conv, ANALYZE, args, lambda r: review_answer(r.output, r.error, passage)
        )
    request, passage = split_passage(text)
    if (
        passage
        and ANALYZE in d.tool_names
        and (requested_features(request) or asks_for_analysis(request))
    ):
        # "does this note contain personal data? '…'": a check of the passage, whatever
        # language it is in or product it names
        return _review_step(d)
    if (code := foreign_language(text, vocab)) is not None:
        if is_content_request(text):
            return None  # copy asked for in the writer's language: the content skill reads it
        if foreign_review(text) and ANALYZE in d.tool_names:
            return _review_step(d)
        return say(english_only(code, vocab))
    if asks_about_rules(text) or asks_store_service(text, vocab) or asks_about_the_business(text):
        return say(store_answer(text, d.store.policy, vocab))
    if asks_about_shown(d):
        return None  # "cool how much", "price for 40 please": about the products shown
    if not needs_reading(text, vocab) or _rules_suffice(text, vocab):
        return None
    reading = read_act(text)
    if reading is None:
        return None
    # A pasted passage with a request that reads most like "what do people think of this" is
    # a review however close the runner-up: the passage itself is the evidence.
    review = reading.act == "review" and reading.score >= MIN_SCORE and split_passage(text)[1]
    off_topic = reading.off_topic and not grounded(text, vocab)
    if not (reading.confident or review or reading.wordy or off_topic):
        return None
    keep = reading.sure or reading.far_from_tools or reading.act == "review"
    if grounded(text, vocab) and not keep:
        return None  # it names a product kind: the shopping rules keep it unless surer
    return _act_step(reading, d)


def _act_step(reading: Reading, d: Dialogue) -> Step | None:
    text, vocab = d.text, d.vocab
    if reading.act == "hand_off":
        if TRANSFER in d.tool_names:
            summary = f"The customer asked for a human agent: {text}"[:500]
            return call_then_answer(
                d.conv, TRANSFER, {"summary": summary}, lambda _: service_answers.transferred()
            )
        return say(no_person(vocab))
    if reading.act == "store_question":
        if _about_own_records(text):
            return None  # "which payment methods have you got saved for me?": their account
        return say(store_answer(text, d.store.policy, vocab))
    if reading.act == "review":
        return _review_step(d) if ANALYZE in d.tool_names else None
    asked = asks_something(_last_answer(d.messages))
    if reading.act == "farewell" and not asked:
        r = understand_request(text)  # "ok, it's no longer needed" gives a reason: no goodbye
        if r.reason or r.payment or r.address or r.order_ids or r.identifies:
            return None
        return say(answers.bye())
    if reading.act == "off_topic" and not asked:
        # "who won the match?": the world outside the shop, answered in words, never searched
        return say(answers.out_of_scope(detect_flags(normalize(text)).topic, vocab))
    if reading.act == "small_talk" and not asked:
        flags = detect_flags(normalize(text))
        if flags.topic or flags.thanks or flags.bye or flags.help:
            return None  # the rules have a more precise answer ("I can't help with jokes")
        # A greeting with the small talk ("hiya! what's your name?") is no search either.
        return say(("Hello! " if flags.greeting else "") + small_talk(vocab))
    return None


def _review_step(d: Dialogue) -> Step | None:
    """The pasted passage sent to the text analyzer with the checks the request names
    (personal data, its language; else sentiment and key phrases), then their reading."""
    request, passage = split_passage(d.text)
    if not passage:
        return None
    features = requested_features(request) or ["sentiment", "key_phrases"]
    args: dict[str, Any] = {"text": passage[:MAX_PASSAGE], "features": features}
    done = answered(d.conv, ANALYZE)
    if done:
        return say(review_answer(done[-1].output, done[-1].error, passage))
    calls = [ToolCallPlan(ANALYZE, args)]
    # "three reviews of our <title>": that product is looked up too, so "is it still selling
    # well?" after the reading is about it
    named = d.vocab.named_product(normalize(request))
    if named is not None and DETAILS in d.tool_names:
        calls.append(ToolCallPlan(DETAILS, {"product_id": named.product_id}))
    return Step(calls=calls)


def new_shopping_request(text: str, vocab: CatalogVocabulary) -> bool:
    """``text`` names a product kind or brand of the catalog and reads, confidently, as a
    shopping request ("thanks. do you also sell skateboards?" in the middle of an order), or
    asks for copy about one ("now write copy for that doormat (23284)" after pasted reviews)."""
    if is_content_request(text) and grounded(text, vocab):
        return True
    for sentence in SENTENCE_END.split(text):  # "thanks. do you also sell skateboards?"
        if len(sentence.split()) < SHOPPING_MIN_WORDS or not grounded(sentence, vocab):
            continue  # "the headphones" answers "which item?"
        norm = normalize(sentence)
        if SHOPPING_TURN.search(norm) and not _RECORD_WORDS.search(norm):
            return True
        reading = read_act(sentence.strip())
        # The product kind it names is evidence too: a smaller lead will do.
        shop = reading is not None and reading.act == "shop" and reading.score >= MIN_SCORE
        if shop and reading is not None and reading.margin >= SHOPPING_MARGIN:
            return True
    return False


def warm_readers() -> None:
    """Load the encoder with its examples and the language model (the first use is slow)."""
    read_act("warm up the readers")
    load_language_model()
