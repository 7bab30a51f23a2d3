"""Merchandiser requests in the chat: "write a playful description for 22423 in German".

A message that asks to write, draft or rewrite product copy becomes one
``write_product_content`` call: the product id as the catalog spells it (or the product in
focus), the tone and the language when named. The tool checks the id and the language, and
its answer (or its error, which lists the supported languages) is relayed.
"""

from __future__ import annotations

import re
from typing import Any

from agents.offline.context import Conversation, ToolRecord
from agents.offline.text import normalize, tokens
from agents.offline.vocabulary import CatalogVocabulary
from tools.analyze.languages import SUPPORTED

WRITE_CONTENT = "write_product_content"

_ASK = re.compile(r"\b(?:write|draft|create|generate|rewrite|compose|prepare)\b")
_COPY = re.compile(
    r"\b(?:descriptions?|titles?|copy|copywriting|content|bullets?|bullet points"
    r"|seo|meta description|product text|blurb)\b"
)
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
    "plain": "neutral",
    "neutral": "neutral",
}
# "in German", "auf Deutsch": the word after is passed on; the tool knows which it serves.
_LANGUAGE = re.compile(r"\b(?:in|auf|en)\s+([a-z]+)\b")
_NOT_LANGUAGES = frozenset({"stock", "the", "a", "an", "it", "this", "that", "one", "my", "our"})
_LANGUAGE_NAMES = frozenset(name.lower() for name in SUPPORTED.values())
_ID_LIKE = re.compile(r"^(?=.*\d)[a-z0-9]{4,12}$")


def is_content_request(text: str) -> bool:
    """The message asks for product copy to be written."""
    norm = normalize(text)
    return bool(_ASK.search(norm) and _COPY.search(norm))


def content_args(text: str, vocab: CatalogVocabulary, focus: str | None) -> dict[str, Any]:
    """The tool's arguments: product id, and tone and language when the message names them."""
    norm = normalize(text)
    words = tokens(norm)
    product_id = next((pid for w in words if (pid := vocab.product_id(w))), None)
    if product_id is None:
        product_id = next((w.upper() for w in words if _ID_LIKE.match(w)), None)
    if product_id is None and (named := vocab.named_product(norm)) is not None:
        product_id = named.product_id  # "copy for the Pink Regency Teacup and Saucer"
    product_id = product_id or focus
    args: dict[str, Any] = {"product_id": product_id or ""}
    tone = next((_TONES[w] for w in words if w in _TONES), None)
    if tone:
        args["tone"] = tone
    for match in _LANGUAGE.finditer(norm):
        if match.group(1) not in _NOT_LANGUAGES:
            args["language"] = match.group(1)
            break
    else:  # "write French product copy": a language named anywhere
        language = next((w for w in words if w in _LANGUAGE_NAMES), None)
        if language is not None:
            args["language"] = language
    return args


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


def content_step(
    conv: Conversation, vocab: CatalogVocabulary, tool_names: frozenset[str]
) -> tuple[str, dict[str, Any] | None] | None:
    """For a content request: the call to make, or the final text once it answered.

    Returns ``None`` when the message is not a content request, ``(text, None)`` to answer and
    ``("", args)`` to call the tool.
    """
    if not is_content_request(conv.text):
        return None
    if WRITE_CONTENT not in tool_names:
        return "Sorry, I can't write product copy here: the content tool isn't available.", None
    done = [r for rnd in conv.rounds for r in rnd if r.name == WRITE_CONTENT and r.answered]
    if done:
        return content_answer(done[-1]), None
    args = content_args(conv.text, vocab, conv.focus())
    if not args["product_id"]:
        return "Which product should I write for? Give me its id, e.g. 22423.", None
    return "", args
