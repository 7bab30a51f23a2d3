"""Store questions ("how long do refunds take?") answered from the store's own policy text.

A dataset may ship a policy (``tools/catalog/data/<dataset>/policy.md``: tau-retail does, the
gift shop does not). Its rules (the bullet points, each with its section heading) are encoded
once with the sentence encoder; a question gets the rules closest in meaning, quoted as they
are written, or, when no rule is close enough, a plain "I can't help with that here".
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import tools.catalog
from infra.errors import ConfigError
from tools.search.vectors import Embedder, Vectors

DATA = Path(tools.catalog.__file__).parent / "data"
MIN_SIMILARITY = 0.40
# Rules nearly as close as the first are quoted too (a question often spans two or three).
WITHIN = 0.05
MAX_RULES = 3


def store_policy(dataset: str) -> str:
    """The policy text shipped with ``dataset`` ("" when it has none)."""
    if not re.fullmatch(r"[a-z0-9-]+", dataset):
        return ""
    path = DATA / dataset / "policy.md"
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def policy_rules(text: str) -> list[tuple[str, str]]:
    """(section heading, rule) for every bullet point of a Markdown policy."""
    rules: list[tuple[str, str]] = []
    heading = ""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            heading = stripped.lstrip("#").strip()
        elif stripped.startswith(("- ", "* ")):
            rules.append((heading, stripped[2:].strip()))
    return rules


class StorePolicy:
    """A store's policy rules and, once asked, their vectors."""

    def __init__(self, text: str = "") -> None:
        self.rules = policy_rules(text)
        self._vectors: Vectors | None = None
        self._lock = threading.Lock()

    def _encoded(self) -> Vectors:
        with self._lock:
            if self._vectors is None:
                self._vectors = Embedder().embed([f"{h}: {r}" for h, r in self.rules])
            return self._vectors

    def answer(self, question: str) -> list[str]:
        """The rules that answer ``question``, closest first (none when nothing is close)."""
        if not self.rules:
            return []
        try:
            sims = self._encoded() @ Embedder().embed_query(question)
        except ConfigError:
            return []
        order = sims.argsort()[::-1]
        best = float(sims[order[0]])
        if best < MIN_SIMILARITY:
            return []
        picked = [i for i in order[:MAX_RULES] if best - float(sims[i]) <= WITHIN]
        return [self.rules[i][1] for i in picked]
