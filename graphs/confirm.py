"""Reading the shopper's answer to "Shall I go ahead?": yes, no, unclear, or a new request.

A reply is cut into words and matched against phrase lists, the longest phrase first at each
word ("of course not" is a no before "of course" is a yes; "don't know" is unsure before
"don't" is a no). Courtesy and hesitation words ("please", "thanks", "hmm", "actually") count
for nothing. Then:

- only yes phrases matched, nothing else said: **yes** (the change is made);
- only no phrases: **no** (nothing is changed);
- words or numbers that are none of these remain ("actually, show me lanterns", "yes but to
  my gift card", "no, the wall clock", "yes, #W1080318"): a **request** (nothing is changed,
  and the message is handled as a new request);
- anything else: yes and no together, an unsure word, nothing at all: **unclear** (the question
  is asked again and the change stays waiting).

After a yes, the change named again is part of the yes ("yes cancel it", "ok yes, go ahead and
cancel", "sure, make the exchange"): an action verb and its object then count for nothing, so
"cancel" there is not the refusal it is on its own.

Only a clean yes writes; every other reading leaves the records as they are.
"""

from __future__ import annotations

import re
from typing import Literal

Reading = Literal["yes", "no", "unclear", "request"]

YES_PHRASES = (
    "yes", "y", "ya", "yeah", "yea", "yep", "yup", "yes please", "aye", "sure", "sure thing",
    "ok", "okay", "okey", "k", "kk", "alright", "all right", "of course", "certainly",
    "absolutely", "definitely", "indeed", "affirmative", "agreed", "i agree", "confirm",
    "confirmed", "i confirm", "proceed", "please proceed", "go ahead", "go on", "go for it",
    "do it", "please do", "i do", "let's do it", "lets do it", "let's go", "make it so",
    "make the change", "fine", "that's fine", "that is fine", "sounds good", "sounds great",
    "that works", "works for me", "right", "that's right", "correct", "that's correct",
    "by all means", "approved", "thats right", "thats correct", "thats fine", "yes do",
    "yes thats right", "please go ahead", "go right ahead", "carry on", "yes go ahead",
)  # fmt: skip
NO_PHRASES = (
    "no", "n", "nope", "nah", "no way", "no thanks", "no thank you", "not", "not yet",
    "not now", "not really", "not at all", "of course not", "absolutely not", "definitely not",
    "certainly not", "don't", "dont", "do not", "don't do it", "do not do it", "don't do that",
    "please don't", "never mind", "nevermind", "hold on", "hold off", "hang on", "wait",
    "wait a moment", "one moment", "one sec", "stop", "cancel", "cancel that", "abort", "leave it",
    "forget it", "skip it", "changed my mind", "rather not", "negative", "later",
)  # fmt: skip
UNSURE_PHRASES = (
    "maybe", "perhaps", "not sure", "unsure", "i guess", "i suppose", "don't know", "dont know",
    "do not know", "dunno", "idk", "what", "huh", "pardon", "sorry", "which", "which one", "mean",
    "let me think", "let me see", "hmm maybe", "possibly", "probably",
)  # fmt: skip
# Words that neither affirm nor refuse: courtesy, hesitation, pronouns.
FILLER = frozenset(
    {"please", "thanks", "thank", "you", "very", "much", "so", "oh", "ah", "well", "then", "and"}
    | {"now", "just", "i", "i'm", "i've", "i'd", "me", "it", "that", "that's", "this", "is"}
    | {"a", "the", "to", "do", "have", "sir", "madam", "ma'am", "hmm", "hm", "um", "uh", "er"}
    | {"erm", "hey", "hi", "great", "good", "perfect", "cool", "actually", "really", "for", "of"}
    | {"thats", "its"}
)
# The change named again after a yes: its verb and its object ("yes, cancel the order").
ECHO = frozenset(
    {"cancel", "change", "switch", "swap", "exchange", "return", "refund", "update", "modify"}
    | {"ship", "send", "make", "process", "book", "submit", "them", "order", "orders", "item"}
    | {"items", "address", "payment", "the", "my", "it", "that", "this", "and", "with", "please"}
)

# Every phrase, as words, with what it says.
_PHRASES: dict[tuple[str, ...], str] = {
    **{tuple(p.split()): "unsure" for p in UNSURE_PHRASES},
    **{tuple(p.split()): "no" for p in NO_PHRASES},
    **{tuple(p.split()): "yes" for p in YES_PHRASES},
}
_LONGEST = max(len(p) for p in _PHRASES)


def words(text: str) -> list[str]:
    """Lower-case words and numbers; curly apostrophes read as straight ones."""
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text.lower().replace("\u2019", "'"))


def read_answer(text: str) -> Reading:
    """How a reply to a confirmation question reads (see the module's rules)."""
    said = words(text)
    found: set[str] = set()
    other = False
    i = 0
    while i < len(said):
        after_yes = "yes" in found and "no" not in found
        pair = tuple(said[i : i + 2])
        if after_yes and said[i] in ECHO and not (len(pair) == 2 and pair in _PHRASES):
            i += 1  # "yes, cancel it": the change named again ("yes, cancel that" stays unclear)
            continue
        for size in range(min(_LONGEST, len(said) - i), 0, -1):
            phrase = tuple(said[i : i + size])
            if phrase in _PHRASES:
                found.add(_PHRASES[phrase])
                i += size
                break
        else:
            other = other or said[i] not in FILLER
            i += 1
    if other:
        return "request"
    if found == {"yes"}:
        return "yes"
    if found == {"no"}:
        return "no"
    return "unclear"
