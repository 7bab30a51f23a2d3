"""The analyze step of the content graph: every check a draft must pass, in one report.

SEO key phrases come from the text analyzer (the same backend the ``analyze_text`` tool
uses); the rest are local rules: length limits, invented facts against the product's data,
banned claims, personal data, keyword coverage and reading ease.
"""

from __future__ import annotations

import re

from tools.analyze.base import TextAnalyzer
from tools.analyze.pii import find_pii
from tools.content.facts import SourceFacts
from tools.content.models import (
    BULLET_MAX,
    BULLETS_MAX,
    DESCRIPTION_MAX_WORDS,
    DESCRIPTION_MIN_WORDS,
    META_MAX,
    META_MIN,
    TITLE_MAX,
    ContentReport,
    Problem,
    ProductContent,
)
from tools.content.readability import MIN_READING_EASE, reading_ease

# Share of the target keywords the copy should contain.
MIN_KEYWORD_COVERAGE = 0.5

# Claims a shop may not make without proof it does not have: guarantees, health and
# environmental claims, superlatives, delivery promises.
_BANNED = {
    "en": r"guarantee[ds]?|world'?s best|best in the world|number one|#1|cures?|clinically"
    r"|100% safe|risk[- ]free|free (?:shipping|delivery)|eco[- ]friendly|sustainabl[ey]"
    r"|organic|non[- ]toxic|award[- ]winning|lifetime warranty|limited time|miracle",
    "de": r"garantiert|garantie|beste der welt|nummer (?:1|eins)|heilt|klinisch"
    r"|kostenlose[rn]? (?:versand|lieferung)|umweltfreundlich|nachhaltig|bio\b|wunder",
    "fr": r"garanti[es]*|meilleur au monde|numéro (?:1|un)|guérit|cliniquement"
    r"|livraison gratuite|écologique|durable|\bbio\b|miracle",
    "es": r"garantizad[oa]s?|garantía|el mejor del mundo|número (?:1|uno)|cura\b|clínicamente"
    r"|envío gratis|ecológic[oa]|sostenible|orgánic[oa]|milagro",
    "it": r"garantit[oaie]|garanzia|il migliore al mondo|numero (?:1|uno)|cura\b|clinicamente"
    r"|spedizione gratuita|ecologic[oa]|sostenibile|biologic[oa]|miracol",
}
_BANNED_RE = {lang: re.compile(rf"(?<!\w)(?:{rx})", re.IGNORECASE) for lang, rx in _BANNED.items()}
_WORD = re.compile(r"\w+")


def fields(content: ProductContent) -> dict[str, str]:
    """Every text field of the copy, by name (bullets and keywords numbered)."""
    out = {
        "title": content.title,
        "description": content.description,
        "meta_description": content.meta_description,
    }
    out.update({f"bullets[{i}]": b for i, b in enumerate(content.bullets)})
    out.update({f"keywords[{i}]": k for i, k in enumerate(content.keywords)})
    return out


def keyword_covered(keyword: str, text: str) -> bool:
    """Every word of ``keyword`` appears in ``text`` (case-insensitive)."""
    words = set(_WORD.findall(text.lower()))
    wanted = _WORD.findall(keyword.lower())
    return bool(wanted) and all(w in words for w in wanted)


def text_problems(name: str, text: str, facts: SourceFacts, language: str) -> list[Problem]:
    """Invented facts, banned claims and personal data in one field's ``text``."""
    problems = [
        Problem(kind="invented_fact", field=name, detail=fact)
        for fact in facts.unsupported(text, language)
    ]
    problems += [
        Problem(kind="banned_claim", field=name, detail=match.group())
        for match in _BANNED_RE[language].finditer(text)
    ]
    problems += [
        Problem(kind="pii", field=name, detail=f"{entity.type} at {entity.begin}")
        for entity in find_pii(text)
    ]
    return problems


def _length_problems(content: ProductContent) -> list[Problem]:
    problems: list[Problem] = []

    def add(field: str, detail: str) -> None:
        problems.append(Problem(kind="length", field=field, detail=detail))

    if len(content.title) > TITLE_MAX:
        add("title", f"{len(content.title)} characters; at most {TITLE_MAX}")
    if not META_MIN <= len(content.meta_description) <= META_MAX:
        add(
            "meta_description",
            f"{len(content.meta_description)} characters; {META_MIN}-{META_MAX} wanted",
        )
    words = len(_WORD.findall(content.description))
    if not DESCRIPTION_MIN_WORDS <= words <= DESCRIPTION_MAX_WORDS:
        add(
            "description",
            f"{words} words; {DESCRIPTION_MIN_WORDS}-{DESCRIPTION_MAX_WORDS} wanted",
        )
    if len(content.bullets) > BULLETS_MAX:
        add("bullets", f"{len(content.bullets)} bullets; at most {BULLETS_MAX}")
    for i, bullet in enumerate(content.bullets):
        if len(bullet) > BULLET_MAX:
            add(f"bullets[{i}]", f"{len(bullet)} characters; at most {BULLET_MAX}")
    return problems


async def check_content(
    content: ProductContent,
    facts: SourceFacts,
    language: str,
    keywords: list[str],
    analyzer: TextAnalyzer,
) -> ContentReport:
    """Run every check on ``content``; ``report.problems`` is empty when it may be published."""
    report = ContentReport()
    texts = fields(content)
    for name in ("title", "description", "meta_description"):
        if not texts[name].strip():
            report.problems.append(Problem(kind="empty", field=name, detail="empty"))
    report.problems += _length_problems(content)
    for name, text in texts.items():
        found = text_problems(name, text, facts, language)
        report.problems += found
        report.invented_facts += [p.detail for p in found if p.kind == "invented_fact"]
    searchable = " ".join([content.title, content.description, content.meta_description])
    if keywords:
        covered = [k for k in keywords if keyword_covered(k, searchable)]
        report.keyword_coverage = round(len(covered) / len(keywords), 3)
        if report.keyword_coverage < MIN_KEYWORD_COVERAGE:
            missing = ", ".join(k for k in keywords if k not in covered)
            report.problems.append(
                Problem(kind="keywords", field="description", detail=f"missing: {missing}")
            )
    else:
        report.keyword_coverage = 1.0
    report.reading_ease = reading_ease(content.description, language)
    if content.description and report.reading_ease < MIN_READING_EASE[language]:
        report.problems.append(
            Problem(
                kind="readability",
                field="description",
                detail=f"reading ease {report.reading_ease}; at least "
                f"{MIN_READING_EASE[language]} wanted",
            )
        )
    if content.description.strip():
        analysis = await analyzer.analyze(
            content.description, features=["key_phrases"], language=language
        )
        report.key_phrases = [p.text for p in analysis.key_phrases or []]
    return report
