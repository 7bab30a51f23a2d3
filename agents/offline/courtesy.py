"""The request inside a long, polite message: the sentence that asks, without the greeting,
the story around it and the sign-off.

"Good morning. I hope you're keeping well. My neighbour has a lovely old biscuit tin on her
dresser. Would you have anything like that? Best wishes, Joan" asks for a biscuit tin: the
greeting, the wish and the signature are no query words, and the question ("anything like
that") takes its product kind from the sentence before it that names one.

Only a message of several sentences and many words is read this way, and one that speaks of
the customer's own records (an order number, an e-mail, a refund) is left whole for customer
service. When what is kept names no product kind of the catalog (a present described by the
person and the occasion), only the courtesy sentences go: the story is what there is to read.
"""

from __future__ import annotations

import re
from functools import partial

from agents.offline.acts import QUOTED, grounded, split_passage
from agents.offline.gifts import PEOPLE
from agents.offline.text import normalize, tokens
from agents.offline.text_checks import asks_for_analysis
from agents.offline.vocabulary import CatalogVocabulary, Match

# A message this long, in this many sentences, may hide its request among other words.
MIN_WORDS = 25
MIN_SENTENCES = 3
# A greeting sentence this short says nothing else ("Hello there, Mrs Hall here").
GREETING_MAX_WORDS = 6
# A whole title this long, said in a sentence, names that product.
MIN_TITLE_TERMS = 3

_SENTENCES = re.compile(r"(?<=[.!?])\s+|\s*\n+\s*")
# The customer's own records: customer service reads the message whole.
RECORDS = re.compile(
    r"@|#\s*w?\d|\b(?:my|our|the|an|this|that) (?:order|account|parcel|package|delivery|refund)\b"
    r"|\b(?:refund|return|exchange|zip|postcode|e-?mail|tracking)\b"
)
_GREETING = re.compile(
    r"^(?:hi|hello|hey|hiya|dear|good (?:morning|afternoon|evening|day)|greetings|"
    r"morning|afternoon|evening)\b"
)
# Wishes, apologies for asking and thanks: whatever their length, no product need.
_WISH = re.compile(
    r"\bhope (?:you|this|all|that you|everyone)\b|\bsorry to (?:bother|trouble)\b|"
    r"\bdon'?t mind me asking\b|\bthank(?:s| you)\b|\bregards\b|\bbest wishes\b|"
    r"\byours (?:sincerely|faithfully|truly)\b|\bhave a (?:nice|good|lovely|great) (?:day|week)\b"
    r"|\btake care\b|\bcheers\b|\bmuch appreciated\b|\bwarmly\b"
)
# A sentence that asks for something.
ASKS = re.compile(
    r"\?\s*$|\b(?:could|would|can|will) you\b|\b(?:do|did|does) (?:you|the shop|the store)\b|"
    r"\bhave you (?:got|any)\b|\b(?:i|we) (?:was|were|am|are|'m|'re)? ?(?:wondering|wondered)\b|"
    r"\b(?:i|we) (?:am|are|'m|'re) (?:looking|searching|after|hunting)\b|"
    r"\b(?:i|we)(?:'d| would) (?:like|love)\b|\b(?:i|we) (?:need|want)\b|"
    r"\bplease (?:show|tell|find|let|suggest|recommend|send)\b|\b(?:is|are) there\b|"
    r"\bany chance\b|\bwhether (?:you|it|they|there)\b"
)


def requested_part(text: str, vocab: CatalogVocabulary) -> str:
    """``text`` cut down to its request when it is a long polite message, else unchanged."""
    if _quotes_sentences(text):
        return text  # a pasted passage of several sentences is read whole, with its request
    request, passage = split_passage(text)
    if passage and asks_for_analysis(request):
        return text  # "here are three reviews, overall mood?" with the reviews on lines below
    sentences = [s for s in _SENTENCES.split(text.strip()) if s]
    norm = normalize(text)
    if len(sentences) < MIN_SENTENCES or len(norm.split()) < MIN_WORDS or RECORDS.search(norm):
        return text
    kept = [s for s in sentences if not is_courtesy(s, vocab)]
    if not kept:
        return text
    asked = _asking_with_antecedent(kept, vocab)
    if asked and grounded(" ".join(asked), vocab):
        return " ".join(asked)
    return " ".join(kept) if len(kept) < len(sentences) else text


def _quotes_sentences(text: str) -> bool:
    """A quoted passage in ``text`` holds a sentence end, or passages stand on lines of their
    own (reviews pasted one a line under the request): cutting the message into sentences
    would cut the passages from the request ("analyse this review: 'Arrived broken. Never
    again.'")."""
    quoted = list(QUOTED.finditer(text.strip()))
    if any(_SENTENCES.search(m.group().strip()) for m in quoted):
        return True
    return any(_OWN_LINE.search(text.strip()[: m.start()]) for m in quoted)


# Only blanks between the last line break and a quoted passage: it starts a line of its own.
_OWN_LINE = re.compile(r"\n[ \t]*$")


def is_courtesy(sentence: str, vocab: CatalogVocabulary) -> bool:
    norm = normalize(sentence)
    if _WISH.search(norm) and not ASKS.search(_wish_free(norm)):
        return True
    short = len(norm.split()) <= GREETING_MAX_WORDS
    return bool(_GREETING.search(norm)) and short and not grounded(sentence, vocab)


def _wish_free(norm: str) -> str:
    """The sentence without its thanks ("thanks, could you..." still asks)."""
    return _WISH.sub(" ", norm)


def _asking_with_antecedent(kept: list[str], vocab: CatalogVocabulary) -> list[str]:
    """The sentences that ask, their lead-ins plainly said; one naming no product kind
    ("anything along those lines?") takes the kind named by the nearest earlier sentence, in
    place of its pointing words or before it."""
    out: list[str] = []
    for i, sentence in enumerate(kept):
        if not ASKS.search(normalize(sentence)):
            continue
        asked = _WONDERING.sub(_plainly, sentence)
        if not grounded(asked, vocab):
            earlier = (_noun_phrase(s, vocab) for s in reversed(kept[:i]))
            kind = next((np for np in earlier if np), None)
            if kind is not None:
                asked, pointed = _POINTING.subn(partial(_pointed_at, kind=kind), asked, count=1)
                asked = asked if pointed else f"{kind}: {asked}"
        out.append(asked)
    return out


# "I was wondering whether you might have ...", "would you happen to stock ...": the question
# it is.
_WONDERING = re.compile(
    r"\b(?:i|we) (?:was |were |am |are |'m |'re )?(?:just )?(?:wondering|wondered) "
    r"(?:whether|if) (?:you )?(?:might |may |could |would |still )?(?:have|stock|sell|carry)\b"
    r"|\b(?:would|do|could|might) you (?:happen to|by any chance|perhaps) "
    r"(?:have|stock|sell|carry)\b"
    r"|\b(?:tell me|let me know) (?:whether|if)\b",
    re.IGNORECASE,
)


def _plainly(match: re.Match[str]) -> str:
    return "tell me" if match.group(0).lower().startswith(("tell", "let")) else "do you have"


# Words that point back at a product named before ("something along those lines", "them").
_POINTING = re.compile(
    r"\b(?:something|anything|any|some|one)(?: (?:along|like|similar to) (?:those|these|that|this)"
    r"(?: lines)?| similar| like (?:it|them|that|this|those))\b"
    r"|\b(?:one of those|one of these|them|it|those|that one)\b",
    re.IGNORECASE,
)


def _pointed_at(match: re.Match[str], kind: str) -> str:
    """What the pointing words stand for: "it" the product named; "them", "something along
    those lines" any product of the kind ("any tea light holders")."""
    one = match.group(0).lower() in ("it", "that one")
    return kind if one or kind.startswith("the ") else f"any {kind}"


# Words before a product kind that are no part of its description.
_NOT_DESCRIBING = frozenset(
    {"a", "an", "the", "of", "those", "these", "some", "my", "her", "his", "our", "your", "their"}
)
# Describing words kept before a product kind at most.
MAX_DESCRIBING = 5


def _noun_phrase(sentence: str, vocab: CatalogVocabulary) -> str | None:
    """The first product kind ``sentence`` names with the catalog words describing it ("we had
    those white hanging heart tea light holders last year" -> "white hanging heart tea light
    holders"), if it names one."""
    norm = normalize(sentence)
    named = vocab.named_product(norm)
    if named is not None and named.coverage >= 1.0 and named.matched >= MIN_TITLE_TERMS:
        return f"the {normalize(named.title)}"  # "I have my heart set on the Regency Teapot Roses"
    words = tokens(norm)
    kinds = [
        m
        for m in vocab.scan(words)
        if any(t.kind in ("category", "brand") for t in m.terms)
        and not set(words[m.start : m.end]) & PEOPLE
    ]
    phrases = [_described(words, m, vocab) for m in kinds]
    # the kind said with the most describing words ("a girl" is who, "alarm clocks" what);
    # the earlier of two as long
    return max(phrases, key=len, default=None)


def _described(words: list[str], match: Match, vocab: CatalogVocabulary) -> str:
    start = match.start
    while (
        start > 0
        and match.start - start < MAX_DESCRIBING
        and words[start - 1] not in _NOT_DESCRIBING
        and (vocab.knows_word(words[start - 1]) or vocab.lookup((words[start - 1],)))
    ):
        start -= 1
    return " ".join(words[start : match.end])
