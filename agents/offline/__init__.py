"""The offline planner: the default chat model, shopping by intent + slot NLU and templates."""

from __future__ import annotations

from agents.offline.planner import OfflinePlanner
from agents.offline.vocabulary import CatalogVocabulary

__all__ = ["CatalogVocabulary", "OfflinePlanner"]
