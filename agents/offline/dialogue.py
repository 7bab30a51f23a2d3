"""The one reader of a conversation: what every skill of the planner is given.

A ``Dialogue`` is read once per call of the model from the whole message list (the planner
keeps no state between calls) together with the planner's store: its catalog words, its
policy text and the tools bound. The shopping view (``conv``) is read at once; the
customer-service view, the reference context and the shopping understanding of the message
are read the first time a skill asks for them, and then shared.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from langchain_core.messages import BaseMessage

from agents.offline.context import Conversation, read_conversation
from agents.offline.courtesy import requested_part
from agents.offline.foreign import read_messages_in_english
from agents.offline.nlu import NluContext, Understanding, understand
from agents.offline.service.reading import ServiceConversation, read_service
from agents.offline.store_policy import StorePolicy
from agents.offline.vocabulary import CatalogVocabulary


@dataclass(frozen=True)
class Store:
    """What the planner knows of its store and its tools."""

    vocab: CatalogVocabulary
    policy: StorePolicy
    tool_names: frozenset[str]
    max_tool_rounds: int


class Dialogue:
    """The conversation so far, as each skill reads it."""

    def __init__(self, messages: Sequence[BaseMessage], store: Store) -> None:
        # Shopper messages in German, French, Spanish or Italian are read in English first
        # (``foreign.read_messages_in_english``): every skill then reads them as it reads English.
        messages, self.read_as, self.read_before = read_messages_in_english(messages, store.vocab)
        self.messages = messages
        self.store = store
        self.conv: Conversation = read_conversation(messages)
        # A long polite message is read as the sentence that asks (``courtesy``).
        self.conv.text = requested_part(self.conv.text, store.vocab)

    @property
    def text(self) -> str:
        """The shopper's current message."""
        return self.conv.text

    @property
    def vocab(self) -> CatalogVocabulary:
        return self.store.vocab

    @property
    def tool_names(self) -> frozenset[str]:
        return self.store.tool_names

    @cached_property
    def service(self) -> ServiceConversation:
        """The conversation as customer-service turns (who is served, the records read)."""
        return read_service(self.messages)

    @cached_property
    def ctx(self) -> NluContext:
        """What the message may refer to: the products listed, the one in focus."""
        return self.conv.nlu_context()

    @cached_property
    def understanding(self) -> Understanding:
        """The message read as a shopping request, in its context."""
        return understand(self.conv.text, self.vocab, self.ctx)
