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
cancel", "sure, make the exchange", "yes, the speaker" when the change is about the speaker):
an action verb, its object and the change's own words (never its numbers) then count for
nothing, so "cancel" there is not the refusal it is on its own.

A side topic set aside ("ok forget the headphones, yes go ahead and cancel it") counts for
nothing when its words name nothing of the change asked about ("forget the lamp, yes" about a
change to the lamp stays a request).

A question about the change itself while it waits ("wait, what's in that order?", "how much
comes back to me?"): only question words and words of the order, no yes: **unclear**, so the
change stays waiting and is put to the shopper again, with what it holds.

Replies in German, French, Spanish and Italian read the same way ("sí, adelante", "non merci",
"ja, bitte"): their yes, no and unsure phrases and courtesy words are in the lists below, and
accents are folded first ("sì" is "si"). A thumbs up or down is a yes or a no.

Only a clean yes writes; every other reading leaves the records as they are.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Literal

Reading = Literal["yes", "no", "unclear", "request"]

# Taking time to decide ("let me think about it first", "I'll sleep on it"): a pause, so
# nothing is changed and the question is not put again at once.
_THINKING = (
    "let me think about it", "let me think it over", "let me think about that",
    "i'll think about it", "ill think about it", "i will think about it",
    "i need to think about it", "i need to think", "need to think about it",
    "i want to think about it", "i'd like to think about it", "let me sleep on it",
    "i'll sleep on it", "let me decide later", "i'll decide later", "give me some time",
    "give me time", "let me get back to you", "i'll get back to you", "let me check first",
    "give me a second", "give me a sec", "give me a minute", "give me a moment", "just a moment",
    "just a sec", "just a second", "one second", "one minute", "wait a sec", "wait a second",
    "wait a minute", "hold on a sec", "hold on a second", "hang on a sec", "hang on a second",
)  # fmt: skip
THINK_IT_OVER = tuple(p + tail for p in _THINKING for tail in ("", " first"))
YES_PHRASES = (
    "yes", "y", "ya", "yeah", "yea", "yep", "yup", "yes please", "aye", "sure", "sure thing",
    "ok", "okay", "okey", "k", "kk", "alright", "all right", "of course", "certainly",
    "absolutely", "definitely", "indeed", "affirmative", "agreed", "i agree", "confirm",
    "confirmed", "i confirm", "proceed", "please proceed", "go ahead", "go on", "go for it",
    "do it", "please do", "i do", "let's do it", "lets do it", "let's go", "make it so",
    "make the change", "fine", "that's fine", "that is fine", "sounds good", "sounds great",
    "that works", "works for me", "right", "that's right", "correct", "that's correct",
    "by all means", "approved", "thats right", "thats correct", "thats fine", "yes do",
    "yes thats right", "please go ahead", "go right ahead", "carry on", "yes go ahead", "go",
    "looks good", "looks fine", "looks right", "looks correct", "all good", "i'm sure",
    "im sure", "i am sure", "fine by me", "fine with me", "ok by me", "ok with me",
    # German, French, Spanish, Italian (accents folded)
    "ja", "jawohl", "genau", "klar", "gerne", "einverstanden", "in ordnung", "mach das",
    "mach es", "mach weiter", "los", "ich bestatige", "bestatigt", "oui", "d'accord",
    "allez y", "allez", "vas y", "bien sur", "c'est bon", "je confirme", "confirme", "si",
    "claro", "vale", "dale", "adelante", "de acuerdo", "por supuesto", "hazlo", "procede",
    "confirmo", "certo", "va bene", "procedi", "vai", "vai pure", "confermo", "d'accordo",
    "fallo", "certamente",
    # a yes said as contentment or as wanting it ("yeah why not", "happy with that")
    "why not", "happy with that", "i'm happy with that", "im happy with that",
    "i am happy with that", "that's what i want", "thats what i want", "that is what i want",
    "let us do it", "let's do this", "lets do this", "mach",
)  # fmt: skip
NO_PHRASES = (
    "no", "n", "nope", "nah", "no way", "no thanks", "no thank you", "not", "not yet",
    "not now", "not really", "not at all", "of course not", "absolutely not", "definitely not",
    "certainly not", "don't", "dont", "do not", "don't do it", "do not do it", "don't do that",
    "please don't", "never mind", "nevermind", "hold on", "hold off", "hang on", "wait",
    "wait a moment", "one moment", "one sec", "stop", "cancel", "cancel that", "abort", "leave it",
    "forget it", "skip it", "changed my mind", "rather not", "negative", "later",
    "nein", "nee", "nicht", "lieber nicht", "doch nicht", "noch nicht", "warte", "non",
    "pas maintenant", "pas encore", "surtout pas", "attends", "mejor no", "todavia no",
    "aun no", "espera", "ancora no", "meglio di no", "aspetta", "per niente",
    # keeping what they have ("actually no, keep it for now", "I'll keep them")
    "keep it", "keep them", "keep the order", "keep everything", "i'll keep it",
    "i'll keep them", "i will keep it", "leave it as it is", "leave it as is",
    "leave everything as it is", "hang onto it", "hang on to it", "hold onto it",
    "hold on to it", "i'll hang onto it", "i'll hold onto it", "hang onto them", "hold onto them",
    *THINK_IT_OVER,
)  # fmt: skip
UNSURE_PHRASES = (
    "maybe", "perhaps", "not sure", "unsure", "i guess", "i suppose", "don't know", "dont know",
    "do not know", "dunno", "idk", "what", "huh", "pardon", "sorry", "which", "which one", "mean",
    "let me think", "let me see", "hmm maybe", "possibly", "probably",
    "vielleicht", "weiss nicht", "keine ahnung", "nicht sicher", "peut etre", "je sais pas",
    "je ne sais pas", "pas sur", "quizas", "quiza", "tal vez", "no se", "no estoy seguro",
    "forse", "non so", "non sono sicuro",
)  # fmt: skip
# Phrases that close what the shopper had to say and neither affirm nor refuse ("that's
# everything, yes do it"): they count for nothing, so alone they leave the answer unclear.
CLOSING_PHRASES = (
    "that's everything", "thats everything", "that is everything", "that's all", "thats all",
    "that is all", "nothing else", "that's it", "thats it", "that is it",
    "thanks for your help", "thank you for your help", "thanks for the help", "appreciate it",
    "much appreciated", "by me", "with me",
    # the change asked about is all there is ("that's the only change, yes go ahead")
    "that's the only change", "thats the only change", "that is the only change",
    "the only change", "that's the only thing", "thats the only thing", "only that change",
    "no other changes", "nothing more",
    # second thoughts framing the answer ("hmm, on second thought no")
    "on second thought", "on second thoughts", "on reflection", "thinking about it",
    "having thought about it", "now that i think about it",
)  # fmt: skip
# Words that neither affirm nor refuse: courtesy, hesitation, pronouns.
FILLER = frozenset(
    {"please", "thanks", "thank", "you", "very", "much", "so", "oh", "ah", "well", "then", "and"}
    | {"now", "just", "i", "i'm", "i've", "i'd", "me", "it", "that", "that's", "this", "is"}
    | {"a", "the", "to", "do", "have", "sir", "madam", "ma'am", "hmm", "hm", "um", "uh", "er"}
    | {"erm", "hey", "hi", "great", "good", "perfect", "cool", "actually", "really", "for", "of"}
    | {"thats", "its", "tbh", "honestly", "lol", "merci", "danke", "gracias", "grazie", "bitte"}
    | {"por", "favor", "s'il", "vous", "plait", "per", "favore", "prego", "alors", "bueno"}
    | {"pues", "allora", "dann", "que", "pure", "pls", "plz", "thx", "ty", "mate", "buddy"}
    | {"umm", "ummm", "hmmm", "uhh", "uhm", "errr", "mmm", "cheers", "ta"}
)
# The change named again after a yes: its verb and its object ("yes, cancel the order").
ECHO = frozenset(
    {"cancel", "change", "switch", "swap", "exchange", "return", "refund", "update", "modify"}
    | {"ship", "send", "make", "process", "book", "submit", "them", "order", "orders", "item"}
    | {"back", "mail", "post"}  # "yes, send it back", "yes, mail it back"
    | {"items", "address", "payment", "the", "my", "it", "that", "this", "and", "with", "please"}
    # which one it is, said again ("yes, that one", "yes, that's the only item", "yes, all")
    | {"one", "ones", "only", "those", "these", "both", "all", "is", "that's", "thats"}
    | {"cancela", "cancelar", "annule", "annuler", "annulez", "storniere", "stornieren"}
    | {"annulla", "annullare", "pedido", "commande", "bestellung", "ordine", "el", "la", "le"}
    | {"lo", "il", "die", "den", "es", "cancelalo", "annullalo"}
    # the change named as a noun, and the wish or leave to make it ("yes, I want to cancel it",
    # "yes, you can cancel it", "yes, I confirm the cancellation")
    | {"cancellation", "cancelation", "cancelling", "canceling", "exchanging", "returning"}
    | {"want", "wanna", "like", "would", "to", "can", "may", "could", "you", "i", "i'd"}
)
# A question about the waiting change ("what's actually in that order?", "how much do I get
# back?"): its question words, and the words of the change it asks about.
QUESTION_WORDS = frozenset({"what", "what's", "whats", "which", "how", "where", "who", "when"})
ABOUT_THE_CHANGE = QUESTION_WORDS | frozenset(
    {"in", "inside", "on", "order", "orders", "item", "items", "included", "exactly", "again"}
    | {"was", "were", "are", "there", "my", "much", "many", "refund", "refunded", "total"}
    | {"cost", "costs", "amount", "get", "back", "will", "would", "be", "going", "goes", "go"}
    | {"money", "come", "comes", "contains", "contain", "does", "products", "stuff", "things"}
    | {"which", "card", "account", "paid", "pay", "price", "the", "that", "this", "it", "i"}
    # "before that, ...", "remind me first, ...": the change is still to be answered
    | {"before", "first", "remind", "tell", "me", "each", "one", "ones", "again", "exactly"}
    | {"did", "do", "decide", "say", "said", "charged", "costed", "priced", "much", "about"}
    | {"with", "by", "using", "for", "from", "to", "original", "originally"}
)
# A thumbs up or down (and the tick and cross marks): a yes or a no.
_EMOJI = {"\U0001f44d": " yes ", "\U0001f44c": " yes ", "\u2705": " yes ", "\u2714": " yes "}
_EMOJI |= {"\U0001f44e": " no ", "\u274c": " no ", "\u2716": " no ", "\U0001f6ab": " no "}

# Every phrase, as words, with what it says.
_PHRASES: dict[tuple[str, ...], str] = {
    **{tuple(p.split()): "closing" for p in CLOSING_PHRASES},
    **{tuple(p.split()): "unsure" for p in UNSURE_PHRASES},
    **{tuple(p.split()): "no" for p in NO_PHRASES},
    **{tuple(p.split()): "yes" for p in YES_PHRASES},
}
_LONGEST = max(len(p) for p in _PHRASES)


def words(text: str) -> list[str]:
    """Lower-case words and numbers, accents folded; curly apostrophes read as straight ones,
    a thumbs up as "yes" and a thumbs down as "no"."""
    for mark, word in _EMOJI.items():
        text = text.replace(mark, word)
    folded = unicodedata.normalize("NFKD", text.lower().replace("\u2019", "'"))
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", plain)


def _asks_about_the_change(
    text: str, said: list[str], unmatched: list[str], change: str = ""
) -> bool:
    """A question whose words besides yes, no and courtesy are question words, words about
    a change and words of the waiting change itself ("wait, what's in that order?", "before
    that, how much was the laptop in it?" when the change holds the laptop): it is to be put
    again, not dropped."""
    asked = "?" in text or bool(said and said[0] in QUESTION_WORDS)
    own = {w for w in words(change) if w.isalpha() and len(w) > 2}
    return (
        asked
        and any(w in QUESTION_WORDS for w in said)
        and all(w in ABOUT_THE_CHANGE or w in own for w in unmatched)
    )


# "forget the headphones, yes cancel it": a side topic set aside, up to the end of its clause
# (a punctuation mark, a dash, or the yes that follows).
SET_ASIDE = re.compile(
    r"\b(?:forget|never ?mind|ignore|skip|drop)\s+(?:about\s+)?(?:the|those|these|that|my)\s+"
    r"((?:(?!\s+[-\u2013\u2014]\s|\s+(?:and\s+|but\s+)?(?:yes|yeah|yep|ok|okay|sure|go|please|"
    r"just)\b)[^,.;!?])+)",
    re.IGNORECASE,
)


# No phrases that pause rather than refuse ("hold on, do you sell bottles?").
PAUSES = frozenset(
    {("hold", "on"), ("hang", "on"), ("wait",), ("wait", "a", "moment"), ("one", "moment")}
    | {("one", "sec"), ("not", "yet"), ("not", "now"), ("later",), ("warte",), ("attends",)}
    | {("espera",), ("aspetta",)}
    | {tuple(p.split()) for p in THINK_IT_OVER}
)


def refuses(text: str) -> bool:
    """Whether a reply says no other than by pausing ("no wait, keep it", "don't"; not
    "hold on, first what mugs do you have")."""
    said = words(text)
    i = 0
    while i < len(said):
        for size in range(min(_LONGEST, len(said) - i), 0, -1):
            phrase = tuple(said[i : i + size])
            if phrase in _PHRASES:
                if _PHRASES[phrase] == "no" and phrase not in PAUSES:
                    return True
                i += size
                break
        else:
            i += 1
    return False


def _about(topic: list[str], change: list[str]) -> bool:
    """Whether words of a topic name something of the change (a shared stem of 4 letters)."""
    stems = {w[:4] for w in change if len(w) > 2}
    return any(w[:4] in stems for w in topic if len(w) > 2 and w not in FILLER)


def _without_set_aside(text: str, change: str) -> str:
    """``text`` without the side topics it sets aside that are not about the change."""
    if not change:
        return text
    of_change = words(change)
    return SET_ASIDE.sub(lambda m: m[0] if _about(words(m[1]), of_change) else " ", text)


def is_question(text: str) -> bool:
    """Whether a reply asks something with words of its own ("which card does the refund go
    to?"), not a bare "what?" nor an unsure "maybe?"."""
    said = words(text)
    return (
        "?" in text
        and any(w in QUESTION_WORDS or w in _ASKING for w in said)
        and any(w not in QUESTION_WORDS and w not in FILLER for w in said)
    )


# The verbs a yes/no question starts with ("does it include the lamp?").
_ASKING = frozenset({"is", "are", "does", "do", "did", "can", "could", "will", "would", "was"})
_ASKING |= frozenset({"were", "has", "have", "isn't", "doesn't"})


def answer_about(text: str, items: Sequence[tuple[str, str, float]]) -> str | None:
    """The answer to a question about the waiting change that names some of its items ("wait,
    how much was the laptop in it?"): each named item with its options and price, given as
    ``(name, options, price)``; ``None`` when the reply asks nothing or names none of them."""
    said = set(words(text))
    if "?" not in text and not said & QUESTION_WORDS:
        return None
    named = [
        (name, options, price)
        for name, options, price in items
        if any(w in said or w.rstrip("s") in said for w in words(name) if len(w) > 2)
    ]
    if not named:
        return None
    lines = [
        f"The {name}{f' ({options})' if options else ''} is {price:,.2f}."
        for name, options, price in named
    ]
    return " ".join(lines) + " Nothing has been changed yet."


def read_answer(text: str, change: str = "") -> Reading:
    """How a reply to a confirmation question reads (see the module's rules). ``change``, the
    change asked about, lets a side topic set aside ("forget the headphones") count for nothing
    when it names nothing of the change."""
    said = words(_without_set_aside(text, change))
    # the change's own words, said again after a yes ("yes, the speaker"), and its order
    # number ("yes, cancel #W7594624"), never a price
    echoed = ECHO | {
        w for w in words(change) if (w.isalpha() and len(w) > 2) or re.fullmatch(r"w\d+", w)
    }
    found: set[str] = set()
    unmatched: list[str] = []
    i = 0
    while i < len(said):
        after_yes = "yes" in found and "no" not in found
        longer = any(
            tuple(said[i : i + size]) in _PHRASES
            for size in range(2, min(_LONGEST, len(said) - i) + 1)
        )  # "cancel that", "that is everything": a phrase, not an echo
        if after_yes and said[i] in echoed and not longer:
            i += 1  # "yes, cancel it": the change named again ("yes, cancel that" stays unclear)
            continue
        for size in range(min(_LONGEST, len(said) - i), 0, -1):
            phrase = tuple(said[i : i + size])
            if phrase in _PHRASES:
                found |= {_PHRASES[phrase]} - {"closing"}
                i += size
                break
        else:
            if said[i] not in FILLER:
                unmatched.append(said[i])
            i += 1
    # "which card does the refund go to?": a question, whatever yes word ("go") it holds
    wh_question = "?" in text and bool(said) and said[0] in QUESTION_WORDS
    if (
        unmatched
        and ("yes" not in found or wh_question)
        and _asks_about_the_change(text, said, unmatched, change)
    ):
        return "unclear"
    if unmatched:
        return "request"
    if found == {"yes"}:
        return "yes"
    if found == {"no"}:
        return "no"
    return "unclear"
