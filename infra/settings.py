"""The one ``Settings`` object: read from ``SHOPAGENT_*`` environment variables (and ``.env``)."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
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

    # Backends per part: the embedded default first.
    # The store and the conversation checkpoints: the SQLite files in data_dir, or PostgreSQL at
    # database_url (what several workers share; `make postgres` runs a local one).
    store_backend: Literal["sqlite", "postgres"] = "sqlite"
    search_backend: Literal["embedded", "opensearch"] = "embedded"
    # Lexical only, or lexical fused with sentence vectors (computed once, kept in data_dir).
    search_method: Literal["bm25", "hybrid"] = "bm25"
    checkpointer_backend: Literal["sqlite", "postgres"] = "sqlite"
    # postgresql://user:password@host:port/database, for either backend set to "postgres".
    database_url: SecretStr | None = None
    # Conversation checkpoints are encrypted at rest (AES-256-GCM, infra.conversations) with a
    # key kept outside the data directory: this value (base64 of 32 bytes, e.g. from a secrets
    # manager), else a key file made on first use (default: <data_dir>.checkpoint-key beside it).
    checkpoint_key: SecretStr | None = None
    checkpoint_key_file: Path | None = None
    # Chat sessions and socket tickets: sessions.sqlite in data_dir (every process on that data
    # directory shares it), or PostgreSQL at database_url (workers on several machines).
    sessions_backend: Literal["sqlite", "postgres"] = "sqlite"
    # The secret that signs anonymous visitors' cookies and hashes session ids for the event log:
    # this value (base64 of at least 32 bytes; the same in every worker), else the file
    # <data_dir>/sessions.key made on first use (shared only by processes on that data directory).
    session_secret: SecretStr | None = None
    cache_backend: Literal["memory", "redis"] = "memory"
    analyzer_backend: Literal["local", "comprehend"] = "local"
    content_backend: Literal["local", "s3"] = "local"
    events_backend: Literal["local", "kinesis"] = "local"
    forecaster_backend: Literal["local", "sagemaker"] = "local"
    recommender_backend: Literal["local", "sagemaker"] = "local"
    alerts_backend: Literal["local", "eventbridge"] = "local"

    # AWS (production backends).
    aws_region: str = "eu-west-1"
    bedrock_endpoint_url: str | None = None
    # Bedrock calls: seconds to connect, and seconds without a byte before a call fails (read).
    bedrock_connect_timeout_s: float = Field(default=2.0, gt=0)
    bedrock_timeout_s: float = Field(default=30.0, gt=0)
    # A remote chat model's resilience (agents.resilience). When it fails a chat turn, the
    # fallback answers: "offline" (the planner), another "bedrock_converse:<id>", or "" (none:
    # the shopper gets an error frame).
    model_fallback: str = "offline"
    # A chat turn's time for all its model calls, retries and fallback (outside a turn: one
    # call's); the last model_fallback_reserve_s of it are kept for the fallback.
    model_turn_budget_s: float = Field(default=30.0, gt=0)
    model_fallback_reserve_s: float = Field(default=5.0, ge=0)
    # Attempts per call (1: no retry), retries per turn over all its calls, and the full-jitter
    # backoff between attempts: random(0, min(max, base * 2^(retry-1))) seconds.
    model_max_attempts: int = Field(default=3, ge=1, le=10)
    model_retry_budget: int = Field(default=3, ge=0)
    model_backoff_base_s: float = Field(default=0.25, ge=0)
    model_backoff_max_s: float = Field(default=4.0, ge=0)
    # Circuit breaker per model id and process: open after this many failures within the
    # window, then refuse calls (the fallback answers at once) until one probe after the
    # cool-down succeeds.
    model_breaker_failures: int = Field(default=5, ge=1)
    model_breaker_window_s: float = Field(default=60.0, gt=0)
    model_breaker_cooldown_s: float = Field(default=30.0, gt=0)
    opensearch_url: str | None = None
    # The alias the search backend reads; each re-index builds a new index behind it.
    opensearch_index: str = "shopagent-products"
    # Per search request; bulk indexing allows ten times as long.
    opensearch_timeout_s: float = Field(default=5.0, gt=0)
    redis_url: SecretStr | None = None
    comprehend_endpoint_url: str | None = None
    s3_endpoint_url: str | None = None
    content_bucket: str = "shopagent-content"
    kinesis_endpoint_url: str | None = None
    kinesis_stream: str = "shopagent-events"
    dynamodb_endpoint_url: str | None = None
    events_lease_table: str = "shopagent-event-leases"
    # How long a processor's hold on a shard lasts unless renewed (a dead worker's lapses).
    events_lease_s: float = Field(default=30.0, gt=0)
    events_bus: str | None = None  # EventBridge bus told of each dead-lettered event
    eventbridge_endpoint_url: str | None = None
    alerts_bus: str = "default"  # EventBridge bus that receives reorder alerts
    sagemaker_endpoint_url: str | None = None
    forecaster_endpoint: str = "shopagent-forecaster"
    recommender_endpoint: str = "shopagent-recommender"
    # Per call to the recommender endpoint (botocore retries twice more at most).
    recommender_timeout_s: float = Field(default=1.0, gt=0)
    # Per Redis call; past it the cache and the rate limits answer from the process.
    redis_timeout_s: float = Field(default=0.05, gt=0)
    # The data lake: a folder, or s3://bucket/prefix (default: <data_dir>/lake).
    lake_uri: str | None = None
    dead_letter_bucket: str = "shopagent-dead-letters"

    # Limits.
    max_message_bytes: int = Field(default=8192, gt=0)
    # Any HTTP request body, chunked or not, counted as it arrives (over it: 413).
    max_body_bytes: int = Field(default=2**20, gt=0)
    # Slow clients: a request's line and headers must arrive within header_timeout_s of the
    # connection (or of the request's first byte), else `serve` closes the connection; its whole
    # body within body_timeout_s, else 408. Idle keep-alive connections close after 5 s.
    header_timeout_s: float = Field(default=10.0, gt=0)
    body_timeout_s: float = Field(default=30.0, gt=0)
    # Chat sockets open at once per signed-in principal, else per client address (one more:
    # closed with 1013 "try again later" after an error frame).
    max_sockets_per_client: int = Field(default=16, gt=0)
    max_tool_rounds: int = Field(default=6, gt=0)
    # Shopper turns a conversation keeps; older ones are dropped from the saved state.
    chat_history_turns: int = Field(default=10, gt=0)
    search_max_limit: int = Field(default=50, gt=0)
    # How long recommendations and search results stay cached (the design target: 5 minutes).
    cache_ttl_s: float = Field(default=300.0, gt=0)
    # Token buckets, on by default, keyed on the signed-in principal (staff or shopper), else on
    # the client address (an anonymous token or a new API key never buys a fresh bucket):
    # REST calls, chat messages and POST /v1/events batches. 0 per s turns that limit off.
    rate_limit_rest_per_s: float = Field(default=5.0, ge=0)
    rate_limit_rest_burst: int = Field(default=60, gt=0)
    rate_limit_chat_per_s: float = Field(default=0.5, ge=0)
    rate_limit_chat_burst: int = Field(default=10, gt=0)
    rate_limit_events_per_s: float = Field(default=5.0, ge=0)
    rate_limit_events_burst: int = Field(default=50, gt=0)
    # New chat sessions (a socket opened without ?session=), keyed like the chat messages.
    rate_limit_session_per_s: float = Field(default=0.2, ge=0)
    rate_limit_session_burst: int = Field(default=20, gt=0)
    # Peers (addresses or CIDR networks) whose X-Forwarded-For is believed; from anyone else
    # the header is ignored and the direct peer address is the client.
    trusted_proxies: list[str] = Field(default_factory=list)
    # Chat sessions: a session id lives this long after it was last opened, and only for the
    # principal that opened it. A socket ticket (POST /v1/chat/tickets) opens one socket within
    # this many seconds.
    session_ttl_s: float = Field(default=86400.0, gt=0)
    ticket_ttl_s: float = Field(default=30.0, gt=0, le=300)
    # Origins (scheme://host[:port]) whose pages may open the chat socket. Empty: the server's
    # own origin (the Host the request came to) and its localhost / 127.0.0.1 / [::1] twins.
    allowed_origins: list[str] = Field(default_factory=list)

    # Identity. Embedded default: tokens signed with a key kept in <data_dir>/identity (made on
    # first use). With a JWKS (URL or file) set, tokens come from that issuer (Cognito) instead
    # and issuer and audience must be set too. The embedded key is one data directory's: servers
    # on several machines need the issuer's JWKS (or one shared data directory).
    auth_issuer: str | None = None
    auth_audience: str | None = None
    auth_jwks_url: str | None = None
    auth_jwks_path: Path | None = None
    # How long a fetched JWKS is trusted, and the most one fetch may take.
    auth_jwks_cache_s: float = Field(default=3600.0, gt=0)
    auth_jwks_timeout_s: float = Field(default=3.0, gt=0)
    # The claim holding the issuer's groups, the group that makes a caller staff, and the claim
    # that is the shopper's store user id.
    auth_groups_claim: str = "cognito:groups"
    auth_staff_group: str = "staff"
    auth_user_id_claim: str = "sub"
    # Clock skew tolerated on exp / nbf, and the lifetime of tokens `shopagent auth token` issues.
    auth_leeway_s: int = Field(default=30, ge=0, le=300)
    auth_token_ttl_s: float = Field(default=3600.0, gt=0)
    # The longest lifetime a token may have: one whose exp lies further than this after its iat
    # (or, without iat, after now) is refused, whoever signed it; `auth token --ttl` is capped.
    auth_token_max_ttl_s: float = Field(default=86400.0, gt=0)
    # Draft → analyze → refine rounds of the content graph, at most.
    content_max_rounds: int = Field(default=3, gt=0, le=10)
    # POST /v1/events: most events per batch and bytes per body (over either: 413).
    events_max_batch: int = Field(default=500, gt=0)
    events_max_body_bytes: int = Field(default=2**20, gt=0)
    # Whether `serve` runs the event processor (profiles, lake) inside the server process.
    events_process_in_server: bool = True
    # Inventory: the default supplier lead time and the service level reorder points aim for.
    lead_time_days: int = Field(default=7, gt=0, le=365)
    service_level: float = Field(default=0.95, gt=0.5, lt=1)
    # Hours between runs of the forecast job inside `serve` (0: never; `shopagent jobs forecast`).
    forecast_job_every_h: float = Field(default=0.0, ge=0)

    # Serving.
    host: str = "127.0.0.1"
    port: int = Field(default=8000, gt=0, lt=65536)
    # /docs and /openapi.json; production turns them off (SHOPAGENT_DOCS_ENABLED=false).
    docs_enabled: bool = True
    # GET /metrics answers a staff token, or this bearer token (what a Prometheus scrape job
    # sends as its `authorization` credentials); nobody else.
    metrics_token: SecretStr | None = None
    # The folder where `serve --workers N` workers keep their metric values (one merged view);
    # `serve` sets it for its workers (prometheus-client's own variable name, no prefix).
    metrics_multiproc_dir: Path | None = Field(
        default=None, validation_alias="PROMETHEUS_MULTIPROC_DIR"
    )
    # Traces (infra.tracing), under OpenTelemetry's own variable names: none (the default), otlp
    # or console; the SDK reads the rest (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME …).
    otel_traces_exporter: str = Field(default="none", validation_alias="OTEL_TRACES_EXPORTER")
    otel_sdk_disabled: bool = Field(default=False, validation_alias="OTEL_SDK_DISABLED")
    # Which turns and requests are traced. Unset: one root in ten (parentbased_traceidratio
    # 0.1, infra.tracing.DEFAULT_SAMPLE), so that tracing costs a turn under 5 % (README
    # "What tracing costs"); set, the SDK reads it and OTEL_TRACES_SAMPLER_ARG itself.
    otel_traces_sampler: str | None = Field(default=None, validation_alias="OTEL_TRACES_SAMPLER")

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, proxies: list[str]) -> list[str]:
        for proxy in proxies:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError as err:
                raise ValueError(f"{proxy!r} is not an address or network") from err
        return proxies

    @property
    def store_path(self) -> Path:
        """The SQLite store of products, users, orders and events."""
        return self.data_dir / "store.sqlite"

    @property
    def identity_dir(self) -> Path:
        """The embedded signing key (mode 0600) of local tokens."""
        return self.data_dir / "identity"

    @property
    def forecaster_dir(self) -> Path:
        """The local forecaster model folder (what the SageMaker model archive holds)."""
        return self.data_dir / "models" / "forecaster"

    @property
    def recommender_dir(self) -> Path:
        """The local recommender model folder (what the SageMaker model archive holds)."""
        return self.data_dir / "models" / "recommender"

    @property
    def alerts_path(self) -> Path:
        """The local event log of reorder alerts."""
        return self.data_dir / "alerts" / "reorders.jsonl"

    @property
    def checkpoint_path(self) -> Path:
        """The SQLite file that keeps each chat session's conversation."""
        return self.data_dir / "checkpoints.sqlite"

    @property
    def events_dir(self) -> Path:
        """The local event log, its checkpoints, dead letters and the profile store."""
        return self.data_dir / "events"

    @property
    def lake(self) -> str:
        """Where the data lake lives."""
        return self.lake_uri or str(self.data_dir / "lake")

    @property
    def content_dir(self) -> Path:
        """The versioned product content of the local content store."""
        return self.data_dir / "content"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
