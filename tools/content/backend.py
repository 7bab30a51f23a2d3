"""The content store that settings choose."""

from __future__ import annotations

from infra.clients import s3_client
from infra.settings import Settings
from tools.content.base import ContentStore


def content_store(settings: Settings) -> ContentStore:
    """``local`` (a folder under the data directory) or ``s3`` (the content bucket)."""
    if settings.content_backend == "s3":
        from tools.content.s3_store import S3ContentStore

        return S3ContentStore(s3_client(settings), settings.content_bucket)
    from tools.content.local_store import LocalContentStore

    return LocalContentStore(settings.content_dir)
