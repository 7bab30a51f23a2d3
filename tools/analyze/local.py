"""The embedded analyzer: models and lexicons that ship inside installed packages.

- language: langid.py's naive Bayes model (``py3langid``), ranked over all its 97 languages
  so that text in a language we do not serve is refused rather than mislabelled;
- sentiment: the VADER lexicon and rules (``vaderSentiment``), English only;
- key phrases: YAKE (``yake``) with its stop-word list for the text's language;
- PII: the validated patterns of ``tools.analyze.pii``;
- entities: not available — no trustworthy package on PyPI ships a named-entity model (the
  spaCy models are published outside PyPI), so this feature is reported as unavailable.

Models load once, on first use, and nothing is fetched at run time.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Collection
from functools import cached_property
from pathlib import Path
from typing import Any

import anyio

from infra.errors import ConfigError, ToolInputError
from tools.analyze.base import checked_request
from tools.analyze.languages import SUPPORTED, supported_list
from tools.analyze.models import (
    ALL_FEATURES,
    Feature,
    KeyPhrase,
    LanguageScore,
    Sentiment,
    SentimentLabel,
    SentimentScores,
    TextAnalysis,
)
from tools.analyze.pii import find_pii, mask, mask_with_blanks

MAX_KEY_PHRASES = 10
# VADER's own thresholds on its compound score.
_POSITIVE, _NEGATIVE = 0.05, -0.05
# Both sides this strong make a review "mixed" ("great camera, awful battery").
_MIXED_SHARE = 0.25
# Refuse a language we do not serve only when langid is sure and the text is long enough.
_FOREIGN_CONFIDENCE = 0.9
_FOREIGN_MIN_LETTERS = 20


def vader_sentiment(scores: dict[str, float]) -> Sentiment:
    """VADER's ``pos``/``neg``/``neu``/``compound`` as the shared sentiment schema."""
    pos, neg, neu = scores["pos"], scores["neg"], scores["neu"]
    mixed = 2 * min(pos, neg)
    total = pos + neg + neu + mixed or 1.0
    label: SentimentLabel
    if pos >= _MIXED_SHARE and neg >= _MIXED_SHARE:
        label = "MIXED"
    elif scores["compound"] >= _POSITIVE:
        label = "POSITIVE"
    elif scores["compound"] <= _NEGATIVE:
        label = "NEGATIVE"
    else:
        label = "NEUTRAL"
    return Sentiment(
        label=label,
        scores=SentimentScores(
            positive=round(pos / total, 4),
            negative=round(neg / total, 4),
            neutral=round(neu / total, 4),
            mixed=round(mixed / total, 4),
        ),
    )


# Words of damaged or shoddy goods that VADER's general lexicon lacks, on its scale (-4 to +4):
# "the lantern arrived dented and the glass was cracked" is a complaint, not a neutral report.
RETAIL_LEXICON = {
    "dented": -1.5,
    "cracked": -1.6,
    "chipped": -1.3,
    "scratched": -1.3,
    "smashed": -2.0,
    "leaking": -1.5,
    "leaky": -1.5,
    "flimsy": -1.6,
    "ripped": -1.4,
    "unusable": -2.0,
    "overpriced": -1.5,
    "tacky": -1.4,
    "faded": -1.0,
    "stained": -1.3,
    "mouldy": -1.8,
    "moldy": -1.8,
    "rusty": -1.3,
    "rusted": -1.3,
    "wobbly": -1.2,
    "snapped": -1.3,
    "peeling": -1.1,
    "soaked": -1.0,
    "soggy": -1.2,
    # an emphasis, not praise: VADER scores it +2, so "honestly a waste of money" read positive
    "honestly": 0.0,
    "frankly": 0.0,
}


# The model files inside the pinned wheels, by SHA-256: a different file is refused rather than
# silently giving different answers (vaderSentiment 3.3.2, py3langid 0.4.0).
MODEL_SHA256 = {
    "vaderSentiment/vader_lexicon.txt": (
        "1ec9c6e9ee19aade328f8beb393a6afa71a5bb3acf7d3cc22d4ef568df374bf5"
    ),
    "py3langid/data/model.npz.xz": (
        "f4f4a2c3465ca1f081541037f9cac23021d68151c2f709c55ae5eedfca522963"
    ),
}


def verified_model(package_dir: Path, relative: str) -> Path:
    """The packaged model file ``relative``, after checking it is the pinned one."""
    path = package_dir.parent / relative
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != MODEL_SHA256[relative]:
        raise ConfigError(
            f"{path} is not the pinned model (sha256 {digest}); "
            "reinstall the versions in requirements.lock"
        )
    return path


class LocalAnalyzer:
    """``TextAnalyzer`` on packaged models; thread-safe, CPU work runs off the event loop."""

    name = "local"

    def __init__(self) -> None:
        self._lock = threading.Lock()

    @cached_property
    def _langid(self) -> Any:
        from py3langid.langid import MODEL_DIR, LanguageIdentifier

        model = verified_model(MODEL_DIR, "py3langid/data/model.npz.xz")
        with self._lock:
            return LanguageIdentifier.from_model_file(model, norm_probs=True)

    @cached_property
    def _vader(self) -> Any:
        import vaderSentiment
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        package = Path(vaderSentiment.__file__).parent
        lexicon = verified_model(package, "vaderSentiment/vader_lexicon.txt")
        analyzer = SentimentIntensityAnalyzer(lexicon_file=str(lexicon))
        analyzer.lexicon.update(RETAIL_LEXICON)
        return analyzer

    def detect_language(self, text: str) -> LanguageScore:
        """The most likely served language; ``ToolInputError`` when the text is surely another."""
        ranked: list[tuple[str, float]] = self._langid.rank(text)
        top_code, top_score = ranked[0]
        letters = sum(ch.isalpha() for ch in text)
        if (
            top_code not in SUPPORTED
            and top_score >= _FOREIGN_CONFIDENCE
            and letters >= _FOREIGN_MIN_LETTERS
        ):
            raise ToolInputError(
                f"the text looks like language {top_code!r}, which is not supported; "
                f"supported: {supported_list()}"
            )
        served = [(code, score) for code, score in ranked if code in SUPPORTED]
        total = sum(score for _, score in served) or 1.0
        code, score = served[0]
        return LanguageScore(code=code, score=round(score / total, 4))

    def key_phrases(self, text: str, language: str) -> list[KeyPhrase]:
        """YAKE's best phrases (score 1 = most relevant), with their first position."""
        import yake

        extractor = yake.KeywordExtractor(lan=language, n=3, top=MAX_KEY_PHRASES)
        lowered = text.lower()
        phrases: list[KeyPhrase] = []
        for phrase, raw in extractor.extract_keywords(text):
            begin = lowered.find(phrase.lower())
            if begin < 0:
                continue
            phrases.append(
                KeyPhrase(
                    text=text[begin : begin + len(phrase)],
                    score=round(1 / (1 + float(raw)), 4),
                    begin=begin,
                    end=begin + len(phrase),
                )
            )
        return phrases

    def analyze_sync(
        self, text: str, features: Collection[Feature] = ALL_FEATURES, language: str | None = None
    ) -> TextAnalysis:
        """``analyze`` in the calling thread."""
        wanted, code = checked_request(text, features, language)
        result = TextAnalysis(backend=self.name, characters=len(text))
        needs_language = bool(wanted & {"language", "sentiment", "key_phrases"})
        if needs_language:
            result.language = (
                LanguageScore(code=code, score=1.0) if code else self.detect_language(text)
            )
        lang = result.language.code if result.language else "en"
        pii = find_pii(text)
        # Phrases are taken from the text with its personal data blanked (offsets unchanged),
        # so a card number or an e-mail never comes back as a "key phrase".
        clean = mask_with_blanks(text, pii)
        if "sentiment" in wanted:
            if lang == "en":
                result.sentiment = vader_sentiment(self._vader.polarity_scores(text))
            else:
                result.notes.append(
                    f"sentiment: the local backend has a lexicon for English only, not {lang}"
                )
        if "key_phrases" in wanted:
            result.key_phrases = self.key_phrases(clean, lang)
        if "entities" in wanted:
            result.notes.append(
                "entities: no named-entity model ships in a trustworthy package; "
                "use the comprehend backend"
            )
        if "pii" in wanted:
            result.pii = pii
            result.masked_text = mask(text, pii)
        if "language" not in wanted:
            result.language = None
        return result

    async def analyze(
        self, text: str, features: Collection[Feature] = ALL_FEATURES, language: str | None = None
    ) -> TextAnalysis:
        """Analyse ``text`` in a worker thread (the models are CPU-bound)."""
        return await anyio.to_thread.run_sync(self.analyze_sync, text, features, language)
