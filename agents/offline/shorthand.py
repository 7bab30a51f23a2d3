"""Chat shorthand read as the words it stands for: "what else do ppl buy with it" is "what else
do people buy with it", "whats popular rn" is "whats popular right now".

Only the shopper's current message is rewritten (``context.read_conversation``), never a
product title nor what customer service reads (names, addresses, e-mails keep their letters).
A token is replaced only when it stands alone ("rn" inside "barn" stays), and a capital
single letter is a letter ("Letter U", "12 N Main St").
"""

from __future__ import annotations

import re

SHORTHAND: dict[str, str] = {
    "ppl": "people",
    "peeps": "people",
    "rn": "right now",
    "atm": "at the moment",
    "pls": "please",
    "plz": "please",
    "pleez": "please",
    "thx": "thanks",
    "thnx": "thanks",
    "tx": "thanks",
    "u": "you",
    "ya": "you",
    "ur": "your",
    "abt": "about",
    "smth": "something",
    "sth": "something",
    "smthg": "something",
    "w/": "with",
    "w/o": "without",
    "wo/": "without",
    "tho": "though",
    "cuz": "because",
    "coz": "because",
    "bc": "because",
    "wanna": "want to",
    "gonna": "going to",
    "gotta": "have to",
    "lemme": "let me",
    "gimme": "give me",
    "dunno": "don't know",
    "idk": "i don't know",
    "wat": "what",
    "wot": "what",
    "hw": "how",
    "hv": "have",
    "bday": "birthday",
    "b-day": "birthday",
    "nvm": "never mind",
    "n": "and",
    "tmrw": "tomorrow",
    "tmr": "tomorrow",
    "2day": "today",
    "b4": "before",
    "gf": "girlfriend",
    "bf": "boyfriend",
    "bro": "brother",
    "sis": "sister",
}
# "r u" (and only then "r"): "r u open sunday"
_ARE_YOU = re.compile(r"(?<![\w'])r (?=u\b|you\b)", re.IGNORECASE)
_TOKEN = re.compile(
    r"(?<![\w'/-])("
    + "|".join(re.escape(k) for k in sorted(SHORTHAND, key=len, reverse=True))
    + r")(?![\w'/-])",
    re.IGNORECASE,
)


# An interjection before a question or a follow-up ("cool how much", "nice, is it in stock?",
# "lovely. and the blue one?", "great, now the green one") says nothing about a product:
# "cool" is no search word there.
_INTERJECTION = re.compile(
    r"^\s*(?:cool|nice|great|lovely|awesome|perfect|brilliant|sweet|fab|ace|wow|ooh|oh|ah|"
    r"hmm+|ok(?:ay)?|alright|right|good|neat|super|amazing)(?:\s+(?:thanks|thx|ty))?[\s,.!-]+"
    r"(?=(?:how|what|whats|which|is|are|any|where|when|do you|does it|can (?:i|you)|"
    r"could (?:i|you)|and (?:the|that|this|what|how|is|are|do)|now (?:the|a|an|do|make|write))\b)",
    re.IGNORECASE,
)


# Thanks said before a question ("Thank you so much dear. And how much would that be?"): the
# question is the message, not the thanks.
_THANKS_FIRST = re.compile(
    r"^\s*(?:thanks|thank you|thx|ta|cheers|many thanks)(?: (?:so|very) much)?"
    r"(?: (?:dear|love|mate|again|a lot))?\s*[.!,]+\s*"
    r"(?=(?:and |also |so |now |oh |but )?(?:how|what|whats|which|is|are|do|does|can|could|"
    r"would|will|have|has)\b)",
    re.IGNORECASE,
)


def expand_shorthand(text: str) -> str:
    """``text`` with chat shorthand written out and a leading interjection or thanks before a
    question left out; everything else as it was."""
    text = _THANKS_FIRST.sub("", _INTERJECTION.sub("", text))
    text = _ARE_YOU.sub("are ", text)
    return _TOKEN.sub(_written_out, text)


def _written_out(match: re.Match[str]) -> str:
    word = match.group(1)
    if len(word) == 1 and word.isupper():
        return word  # "Letter U", "12 N Main St": a letter, not "you" or "and"
    return SHORTHAND[word.lower()]
