"""Reading ease of a text: the Flesch formula and its adaptations to our other languages.

Higher is easier; 60-70 is plain language for adults in every variant. Syllables are counted
as vowel groups (English drops a silent final e), which is what the formulas were fitted on.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_SENTENCE_END = re.compile(r"[.!?…]+(?:\s|$)|\n+")
_VOWELS = {
    "en": "aeiouy",
    "de": "aeiouyäöü",
    "fr": "aeiouyàâéèêëîïôûùü",
    "es": "aeiouáéíóúü",
    "it": "aeiouàèéìíòóù",
}
# Minimum reading ease a product text should reach, per language.
MIN_READING_EASE = {"en": 50.0, "de": 40.0, "fr": 50.0, "es": 50.0, "it": 40.0}


def syllables(word: str, language: str) -> int:
    vowels = _VOWELS.get(language, _VOWELS["en"])
    lowered = word.lower()
    groups = len(re.findall(f"[{vowels}]+", lowered))
    if language == "en" and lowered.endswith("e") and not lowered.endswith("le") and groups > 1:
        groups -= 1
    return max(groups, 1)


def reading_ease(text: str, language: str) -> float:
    """Flesch (en), Amstad (de), Kandel-Moles (fr), Fernández Huerta (es), Flesch-Vacca (it)."""
    words = _WORD.findall(text)
    if not words:
        return 0.0
    sentences = max(len([s for s in _SENTENCE_END.split(text) if _WORD.search(s)]), 1)
    per_sentence = len(words) / sentences
    per_word = sum(syllables(w, language) for w in words) / len(words)
    if language == "de":
        score = 180 - per_sentence - 58.5 * per_word
    elif language == "fr":
        score = 207 - 1.015 * per_sentence - 73.6 * per_word
    elif language == "es":
        score = 206.84 - 0.60 * 100 * per_word - 1.02 * per_sentence
    elif language == "it":
        score = 217 - 1.3 * per_sentence - 60 * per_word
    else:
        score = 206.835 - 1.015 * per_sentence - 84.6 * per_word
    return round(score, 1)
