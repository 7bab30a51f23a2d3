"""Follow-ups to a text analysis: another passage to read the same way, or another check of
the passage just read.

After a pasted review went to ``analyze_text``, the next message often leans on it:
"and this one: '…'" pastes a second passage with no request of its own (it is to be read like
the first), and "what are its key phrases?" or "is it positive overall?" asks a check of the
passage already read. Neither names a product, so the shopping rules would take "this one"
for a shown product and "key phrases" for a search. Both are recognised by their shape (a
short lead-in before a passage; a named check with nothing but a pointer to the text), never
by the passage's words.
"""

from __future__ import annotations

import re
from typing import Any

from agents.offline.acts import MIN_PASSAGE_WORDS, QUOTED, grounded, split_passage
from agents.offline.context import ToolRecord
from agents.offline.dialogue import Dialogue
from agents.offline.text import normalize, tokens
from agents.offline.text_checks import (
    KEY_PHRASE_REQUEST,
    LANGUAGE_REQUEST,
    PII_REQUEST,
    SENTIMENT_REQUEST,
    requested_features,
)
from agents.offline.vocabulary import CatalogVocabulary

ANALYZE = "analyze_text"
MAX_PASSAGE = 4000
# A lead-in this short says "the same again" ("and this one", "here's another", "next:").
MAX_LEAD_WORDS = 6
# A check asked of the text already read says little else ("what are the key phrases in it").
MAX_CHECK_WORDS = 12
# Words of a shopping request: a lead-in holding one asks something else of the passage.
_SHOPPING_LEAD = re.compile(
    r"\b(?:search|find|show|stock|price|cost|buy|order|sell|have you got|do you have|write|"
    r"description|copy|blurb|translate)\b"
)
# Pointers to the passage already read, or to the check itself with no object at all.
_POINTER = re.compile(
    r"\b(?:it|its|it's|that|this|that one|this one|the (?:review|text|passage|message|comment|"
    r"note|email|feedback|same|last one|first one|previous one)|them|those|these)\b"
)
# "overall", "really": a polarity question about the text read ("was it negative overall?").
_POLARITY = re.compile(r"\b(?:positive|negative|happy|unhappy|angry|pleased|satisfied)\b")


# A request about what customers wrote, whatever product it names ("customer feedback on the
# hot water bottles: '…' / '…'. positive or negative overall?").
_FEEDBACK = re.compile(
    r"\b(?:feedback|reviews?|comments?|testimonials?|ratings?|sentiment|mood|tone of|"
    r"positive or negative|good or bad|(?:what|how) (?:(?:do|did|does) )?(?:people|customers|"
    r"buyers|they|folks) (?:say|said|think|thought|wrote|write|feel|felt|rate|rated))\b"
)


def quoted_feedback(text: str, vocab: CatalogVocabulary) -> dict[str, Any] | None:
    """The arguments that read every quoted passage of a message asking about customers'
    words, when it quotes several or names a product kind (the product is what the words are
    about, not a search); a single passage with a plain request is the review skill's."""
    quotes = [m["d"] or m["c"] or m["s"] or "" for m in QUOTED.finditer(text)]
    quotes = [q.strip() for q in quotes if q.strip()]
    request = QUOTED.sub(" ", text)
    if not quotes or not _FEEDBACK.search(normalize(request)):
        return None
    if len(quotes) < 2 and not grounded(request, vocab):
        return None
    passage = "\n".join(quotes)
    if len(passage.split()) < MIN_PASSAGE_WORDS:
        return None
    features = requested_features(request) or ["sentiment", "key_phrases"]
    return {"text": passage[:MAX_PASSAGE], "features": features}


def _last_analysis(d: Dialogue) -> ToolRecord | None:
    """The latest ``analyze_text`` call of an earlier turn that came back."""
    for record in reversed(d.conv.history):
        if record.name == ANALYZE and record.answered:
            return record
    return None


def asked_checks(request: str) -> list[str]:
    """The analyses a short request names, sentiment and key phrases included."""
    low = request.lower()
    wanted: list[str] = []
    if PII_REQUEST.search(low):
        wanted.append("pii")
    if LANGUAGE_REQUEST.search(low):
        wanted.append("language")
    if SENTIMENT_REQUEST.search(low) or _POLARITY.search(low):
        wanted.append("sentiment")
    if KEY_PHRASE_REQUEST.search(low):
        wanted.append("key_phrases")
    return wanted


def _features(record: ToolRecord) -> list[str]:
    features = record.args.get("features")
    if isinstance(features, list) and all(isinstance(f, str) for f in features) and features:
        return list(features)
    return ["sentiment", "key_phrases"]


def another_passage(d: Dialogue) -> dict[str, Any] | None:
    """The arguments that read a second pasted passage as the last one was read, when the
    message is a short lead-in before a passage and a passage was analysed before."""
    last = _last_analysis(d)
    if last is None:
        return None
    request, passage = split_passage(d.text)
    if not passage:
        return None
    words = tokens(normalize(request))
    if len(words) > MAX_LEAD_WORDS or _SHOPPING_LEAD.search(normalize(request)):
        return None
    if grounded(request, d.vocab):
        return None  # "and the lantern: '…'" may name a product to write for
    features = asked_checks(request) or _features(last)
    return {"text": passage[:MAX_PASSAGE], "features": features}


def check_of_last(d: Dialogue) -> dict[str, Any] | None:
    """The arguments that run the check a message names on the passage read last turn ("what
    are the key phrases in it?", "and is it positive?"), when no new passage is pasted."""
    last = _last_analysis(d)
    if last is None or split_passage(d.text)[1]:
        return None
    norm = normalize(d.text)
    words = tokens(norm)
    wanted = asked_checks(norm)
    if not wanted or len(words) > MAX_CHECK_WORDS or grounded(d.text, d.vocab):
        return None
    # "key phrases?" alone, or with a pointer to the text ("in it", "of that review")
    if not (_POINTER.search(norm) or len(words) <= len(wanted) * 3):
        return None
    text = last.args.get("text")
    if not isinstance(text, str) or not text:
        return None
    return {"text": text, "features": wanted}
