"""Merchandiser requests in the chat: "write a playful description for 22423 in German".

A message that asks to write, draft or rewrite product copy (or names copy outright: "SEO
copy for 22423", "a playful blurb for the speaker", "description for the grill, keywords: …")
becomes one ``write_product_content`` call: the product id as the catalog spells it (or the
product in focus), the tone, the language as its ISO code and the target keywords when named.
"Same again in Italian" repeats the last copy request with only the language (or tone)
changed. The tool checks the id and the language, and its answer (or its error, which lists
the supported languages) is relayed.
"""

from __future__ import annotations

import re
from difflib import get_close_matches
from typing import Any

from agents.offline.context import ToolRecord
from agents.offline.dialogue import Dialogue
from agents.offline.merchandising import (
    content_keywords,
    content_language,
    is_repeat_request,
    with_follow_up,
)
from agents.offline.siblings import version_of
from agents.offline.step import Step, answered, call, say
from agents.offline.supply import listing_subject, part_named_product_id
from agents.offline.text import normalize, tokens
from agents.offline.vocabulary import CatalogVocabulary

WRITE_CONTENT = "write_product_content"

_ASK = re.compile(
    r"\b(?:write|draft|create|generate|rewrite|compose|prepare|put together|come up with|"
    r"produce|craft)\b"
)
_COPY = re.compile(
    r"\b(?:descriptions?|titles?|copy|copywriting|content|bullets?|bullet points"
    r"|seo|meta description|product text|blurbs?|listings?|product page)\b"
    # where the copy goes stands for the copy: "write up the kettle for the website"
    r"|\b(?:for|on|to) (?:the |our |my )?(?:web ?site|site|web ?shop|online (?:shop|store)"
    r"|shop page|store page|product page|catalog(?:ue)?)\b"
)
# Copy named outright, no verb needed: "SEO copy for 22423", "a playful blurb for the speaker",
# "description for the grill, keywords: bbq" (a shopper's "description of X" is a question).
_COPY_ALONE = re.compile(
    r"\b(?:seo|copy|copywriting|blurbs?|listings?|meta description)\b"
    r"|^(?:an? |the )?(?:\w+ ){0,2}(?:product )?descriptions? for\b|\bkey ?words?\s*:"
    r"|\bproduct (?:descriptions?|text|copy)\b"
)
_QUESTION = re.compile(r"^(?:what|show|read|where|is|are|does|do|can i see)\b")
# Copy asked for in the languages the writer serves (accents folded): "Schreib eine
# Produktbeschreibung für 22467", "une description élégante pour 23173", "escribe un texto".
_FOREIGN_COPY = re.compile(
    r"\b(?:\w*beschreibung(?:en)?|produkttext|werbetext|texte? (?:produit|de vente)|"
    r"fiche produit|descripcion(?:es)?|texto (?:del producto|de venta)|descrizione|descrizioni|"
    r"testo (?:del prodotto|di vendita)|descricao|descriptions? (?:\w+ ){0,2}pour)\b"
)
# Copy nouns a hurried typist misspells ("descripton"): matched by spelling similarity.
_COPY_NOUNS = ("description", "descriptions", "copywriting", "listing", "keywords")
_MIN_TYPO_LENGTH = 6
_TYPO_CUTOFF = 0.85
_TONES = {
    "playful": "playful",
    "fun": "playful",
    "funny": "playful",
    "cheerful": "playful",
    "elegant": "elegant",
    "luxurious": "elegant",
    "luxury": "elegant",
    "classy": "elegant",
    "sophisticated": "elegant",
    "practical": "practical",
    "factual": "practical",
    # a tone asked for by comparison with the copy just written ("a punchier one")
    "punchy": "playful",
    "punchier": "playful",
    "snappy": "playful",
    "snappier": "playful",
    "catchier": "playful",
    "livelier": "playful",
    "cheeky": "playful",
    "cheekier": "playful",
    "funnier": "playful",
    "posh": "elegant",
    "posher": "elegant",
    "fancier": "elegant",
    "classier": "elegant",
    "upmarket": "elegant",
    "refined": "elegant",
    "straightforward": "practical",
    "no-nonsense": "practical",
    "informative": "practical",
    # register: "make it more formal", "less formal, more chatty"
    "formal": "elegant",
    "informal": "playful",
    "casual": "playful",
    "chatty": "playful",
    "plain": "neutral",
    "neutral": "neutral",
    # the same tones asked for in the writer's other languages (accents folded)
    "verspielt": "playful",
    "lustig": "playful",
    "ludique": "playful",
    "divertido": "playful",
    "giocoso": "playful",
    "elegante": "elegant",
    "praktisch": "practical",
    "pratique": "practical",
    "practico": "practical",
    "pratico": "practical",
}
# "in Klingon": a language the writer does not serve is still passed on, so the tool's error
# names the ones it does.
_OTHER_LANGUAGE = re.compile(
    r"\bin ([a-z]+(?:ish|ese|ian)|dutch|greek|czech|arabic|hindi|thai|korean)\b"
)
SHORT_FOLLOW_UP = 5  # words of a follow-up such as "French too please"
_PRODUCT_NAMED = re.compile(r"\b(?=\w*\d)[a-z0-9]{4,12}\b|\b(?:it|this|that)\b")
_ID_LIKE = re.compile(r"^(?=.*\d)[a-z0-9]{4,12}$")
# Where the target keywords start: "..., work in the keywords", "..., targeting 'x'".
_KEYWORD_PART = re.compile(
    r"[,;:-]?\s*\b(?:work in|weave in|include|including|use|using|targeting|target|"
    r"mention|with the (?:key ?words?|phrases?))\b|\bkey ?(?:words?|phrases?)\b|\s['\"]"
)


def _respelled(norm: str) -> str:
    """``norm`` with misspelt copy nouns put right ("descripton" -> "description")."""
    words = norm.split()
    for i, word in enumerate(words):
        if len(word) >= _MIN_TYPO_LENGTH and word not in _COPY_NOUNS:
            close = get_close_matches(word, _COPY_NOUNS, n=1, cutoff=_TYPO_CUTOFF)
            if close:
                words[i] = close[0]
    return " ".join(words)


def is_content_request(text: str) -> bool:
    """The message asks for product copy to be written (in English, misspelt or not, or in
    one of the writer's other languages)."""
    if _FOREIGN_COPY.search(normalize(text)):  # before respelling: "descripcion" is Spanish
        return True
    norm = _respelled(normalize(text))
    if _COPY.search(norm) and content_language(norm) and _PRODUCT_NAMED.search(norm):
        return True  # "the description of 22423 in German": copy in a language is written
    if _ASK.search(norm) and _COPY.search(norm):
        return True
    return bool(_COPY_ALONE.search(norm) and not _QUESTION.search(norm))


def _titled_copy_in_language(text: str, vocab: CatalogVocabulary) -> bool:
    """ "need the Spotty Bunting description in French for our FR site": copy in a language
    for a product named by its title (an id or "it" is read by ``is_content_request``)."""
    norm = _respelled(normalize(text))
    if not (_COPY.search(norm) and content_language(norm)) or _QUESTION.search(norm):
        return False
    return vocab.named_product(norm) is not None or part_named_product_id(norm, vocab) is not None


def content_args(text: str, vocab: CatalogVocabulary, focus: str | None) -> dict[str, Any]:
    """The tool's arguments: product id, and tone and language when the message names them."""
    norm = normalize(text)
    words = tokens(norm)
    product_id = next((pid for w in words if (pid := vocab.product_id(w))), None)
    if product_id is None:
        product_id = next((w.upper() for w in words if _ID_LIKE.match(w)), None)
    # the product is named before the keywords ("... for Jumbo Bag Red Retrospot, work in
    # the keywords 'reusable bag' and 'tote'"): their words would blur its title
    about = _KEYWORD_PART.split(norm, maxsplit=1)[0]
    if product_id is None and (named := vocab.named_product(about)) is not None:
        product_id = named.product_id  # "copy for the Pink Regency Teacup and Saucer"
    if product_id is None:
        product_id = part_named_product_id(about, vocab)  # "write up the regency cakestand"
    product_id = product_id or focus
    args: dict[str, Any] = {"product_id": product_id or ""}
    tone = _tone(norm)
    if tone:
        args["tone"] = tone
    language = content_language(norm)
    if language is None and (other := _OTHER_LANGUAGE.search(norm)) is not None:
        language = other.group(1)
    if language is not None:
        args["language"] = language
    keywords = content_keywords(text)
    if keywords:
        args["keywords"] = keywords
    return args


# "less formal", "too formal": the other way from the word's own tone
_LESS_FORMAL = re.compile(r"\b(?:less|not so|not as|too|over(?:ly)?) ?formal\b")


def _tone(norm: str) -> str | None:
    if _LESS_FORMAL.search(norm):
        return "playful"
    return next((_TONES[w] for w in tokens(norm) if w in _TONES), None)


def repeat_args(d: Dialogue) -> dict[str, Any] | None:
    """For "same again in Italian" after copy was written: the last request's arguments with
    the language or tone changed; right after copy was written, another take on it ("now a
    shorter, punchier version", "and the green one, same deal") with the tone or the product
    the message names; ``None`` when the message is not such a follow-up."""
    conv = d.conv
    norm = normalize(conv.text)
    tone = _tone(norm)
    last = next((r for r in reversed(conv.history) if r.name == WRITE_CONTENT), None)
    if last is None:
        return None
    # Right after copy was written, a short "French too please" or "Spanish?" asks again.
    just_written = bool(conv.turns) and any(r.name == WRITE_CONTENT for r in conv.turns[-1])
    if just_written and _NEXT_PRODUCT.search(norm) and len(norm.split()) <= MAX_TAKE_WORDS:
        # "and one for the paper chain kit, playful tone": the same brief, another product
        other = _named_other(d, norm, str(last.args.get("product_id", "")))
        if other is not None:
            base = {k: v for k, v in last.args.items() if k != "keywords"}
            return with_follow_up({**base, "product_id": other}, norm, tone)
    if just_written and _ANOTHER_TAKE.search(norm) and len(norm.split()) <= MAX_TAKE_WORDS:
        return _another_take(d, dict(last.args), norm, tone)
    keywords = content_keywords(conv.text)
    short = len(norm.split()) <= MAX_TAKE_WORDS or bool(keywords)
    if just_written and (tone or content_language(norm)) and short:
        # "now a practical english one, keywords garden party": the same product again, in
        # the tone, language and keywords named
        args = with_follow_up(dict(last.args), norm, tone)
        return {**args, "keywords": keywords} if keywords else args
    if content_language(norm) is None and tone is None:
        return None
    if not (is_repeat_request(norm) or (just_written and len(norm.split()) <= SHORT_FOLLOW_UP)):
        return None
    return with_follow_up(dict(last.args), norm, tone)


# Another take on the copy just written: "a posher version", "same deal for the blue one".
_ANOTHER_TAKE = re.compile(
    r"\b(?:version|take|attempt|draft|variant|rewrite|redo|rework)\b"
    r"|\bsame (?:deal|treatment|again|thing|for|please|with)\b|\bsame$"
)
MAX_TAKE_WORDS = 12
# The same again for a product the message names: "and one for the …", "same for …", "now do
# the …", "next: …".
_NEXT_PRODUCT = re.compile(
    r"\b(?:one|another|same|ditto|likewise|copy|blurb|description)(?: (?:again|too|please))?"
    r" (?:for|on|about)\b|^(?:(?:and|ok|okay|now|then|great|good|lovely|perfect)[,.!]? )*"
    r"(?:do|next|now)\b|\bnext (?:up|one)\b"
)


def _named_other(d: Dialogue, norm: str, last_id: str) -> str | None:
    """The product a follow-up names by its title (or enough of it), when not the last one."""
    about = _KEYWORD_PART.split(norm, maxsplit=1)[0]
    named = d.vocab.named_product(about)
    product_id = named.product_id if named is not None else part_named_product_id(about, d.vocab)
    return product_id if product_id and product_id != last_id else None


def _another_take(d: Dialogue, args: dict[str, Any], norm: str, tone: str | None) -> dict[str, Any]:
    """The last copy request again: for the other version of its product the message names
    ("the green one"), in the tone or language it names."""
    title = d.vocab.title_of(str(args.get("product_id", "")))
    other = version_of(d, title, str(args["product_id"])) if title else None
    if other is not None:
        args["product_id"] = other
    return with_follow_up(args, norm, tone)


def content_answer(record: ToolRecord) -> str:
    """The written copy, or why it could not be written."""
    if record.output is None:
        return f"I could not write that copy: {record.error or 'the writer failed'}"
    out = record.output
    copy = out.get("content", {})
    report = out.get("report", {})
    lines = [
        f"Here is the {out.get('language', '')} copy for product {out.get('product_id')} "
        f"(version {out.get('version')}, {out.get('tone')} tone):",
        "",
        f"Title: {copy.get('title', '')}",
        "",
        str(copy.get("description", "")),
        "",
        *[f"- {b}" for b in copy.get("bullets", [])],
        "",
        f"Meta description: {copy.get('meta_description', '')}",
        f"Keywords: {', '.join(copy.get('keywords', []))}",
    ]
    problems = report.get("problems") or []
    if problems:
        lines.append(f"Needs review: {len(problems)} check(s) still failing.")
    return "\n".join(lines)


def content_step(d: Dialogue) -> Step | None:
    """For a content request, the call to make or the final text once it answered; ``None``
    when the message is not a content request."""
    conv = d.conv
    asked = is_content_request(conv.text) or _titled_copy_in_language(conv.text, d.vocab)
    repeat = None if asked else repeat_args(d)
    if repeat is None and not asked:
        return None
    if WRITE_CONTENT not in d.tool_names:
        return say("Sorry, I can't write product copy here: the content tool isn't available.")
    if done := answered(conv, WRITE_CONTENT):
        return say(content_answer(done[-1]))
    # "write a description for it" right after "what's it bought with?": the listing's product
    focus = conv.focus() or listing_subject(conv)
    args = repeat or content_args(conv.text, d.vocab, focus)
    if not args["product_id"]:
        return say("Which product should I write for? Give me its id, e.g. 22423.")
    return call(WRITE_CONTENT, args)
