"""The one ``Settings`` object: read from ``SHOPAGENT_*`` environment variables (and ``.env``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

Dataset = Literal["online-retail", "tau-retail"]


class Settings(BaseSettings):
    """Everything configurable. Backends name the embedded default or a production service."""

    model_config = SettingsConfigDict(env_prefix="SHOPAGENT_", env_file=".env", extra="ignore")

    # Where the embedded default writes everything (store, checkpoints, logs, indexes).
    data_dir: Path = Path(".shopagent")
    # Which demo store `serve` loads when the data directory has none.
    dataset: Dataset = "online-retail"

    # Chat model id: "offline", "bedrock_converse:<model id>", or any init_chat_model id.
    model: str = "offline"

    # Backends per part; only the embedded ones exist so far, the others are reserved names.
    store_backend: Literal["sqlite", "dynamodb"] = "sqlite"
    search_backend: Literal["embedded", "opensearch"] = "embedded"
    checkpointer_backend: Literal["sqlite", "dynamodb", "postgres"] = "sqlite"
    cache_backend: Literal["memory", "redis"] = "memory"

    # AWS (production backends).
    aws_region: str = "eu-west-1"
    bedrock_endpoint_url: str | None = None
    bedrock_timeout_s: float = Field(default=30.0, gt=0)
    opensearch_url: str | None = None
    redis_url: SecretStr | None = None

    # Limits.
    max_message_bytes: int = Field(default=8192, gt=0)
    max_tool_rounds: int = Field(default=6, gt=0)
    # Shopper turns a conversation keeps; older ones are dropped from the saved state.
    chat_history_turns: int = Field(default=10, gt=0)
    search_max_limit: int = Field(default=50, gt=0)

    # Serving.
    host: str = "127.0.0.1"
    port: int = Field(default=8000, gt=0, lt=65536)

    @property
    def store_path(self) -> Path:
        """The SQLite store of products, users, orders and events."""
        return self.data_dir / "store.sqlite"

    @property
    def checkpoint_path(self) -> Path:
        """The SQLite file that keeps each chat session's conversation."""
        return self.data_dir / "checkpoints.sqlite"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
