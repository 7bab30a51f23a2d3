"""The production content store: one S3 object per version, on an injected boto3 client.

Keys: ``<prefix><product id>/<language>/v000001.json`` (the local store's layout). A new
version is written with ``If-None-Match: *``, so a concurrent writer that took the same
number fails instead of overwriting, and the next number is tried.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from infra.errors import UpstreamError
from tools.content.local_store import VERSION_FILE, product_key, version_name
from tools.content.models import ContentResult

_TAKEN = {"PreconditionFailed", "ConditionalRequestConflict"}


class S3ContentStore:
    """``ContentStore`` on an S3 bucket."""

    name = "s3"

    def __init__(self, client: Any, bucket: str, prefix: str = "content/") -> None:
        self._client = client
        self.bucket = bucket
        self.prefix = prefix

    def _key(self, product_id: str, language: str, version: int) -> str:
        return f"{self.prefix}{product_key(product_id, language)}/{version_name(version)}"

    def _call(self, operation: str, **params: Any) -> Any:
        try:
            return getattr(self._client, operation)(**params)
        except ClientError as err:
            code = err.response.get("Error", {}).get("Code", "Unknown")
            if code in _TAKEN or code in ("NoSuchKey", "404"):
                raise
            raise UpstreamError(f"S3 {operation} on {self.bucket} failed ({code}): {err}") from err
        except BotoCoreError as err:
            raise UpstreamError(f"S3 {operation} unreachable or timed out: {err}") from err

    def versions(self, product_id: str, language: str) -> list[int]:
        prefix = f"{self.prefix}{product_key(product_id, language)}/"
        found: list[int] = []
        token: dict[str, str] = {}
        while True:
            page = self._call("list_objects_v2", Bucket=self.bucket, Prefix=prefix, **token)
            for item in page.get("Contents", []):
                match = VERSION_FILE.match(item["Key"].rsplit("/", 1)[-1])
                if match:
                    found.append(int(match.group(1)))
            if not page.get("IsTruncated"):
                return sorted(found)
            token = {"ContinuationToken": page["NextContinuationToken"]}

    def save(self, result: ContentResult) -> ContentResult:
        version = (self.versions(result.product_id, result.language) or [0])[-1] + 1
        while True:
            stored = result.model_copy(update={"version": version})
            try:
                self._call(
                    "put_object",
                    Bucket=self.bucket,
                    Key=self._key(result.product_id, result.language, version),
                    Body=stored.model_dump_json(indent=1).encode("utf-8"),
                    ContentType="application/json",
                    IfNoneMatch="*",
                )
                return stored
            except ClientError as err:
                if err.response.get("Error", {}).get("Code") not in _TAKEN:
                    raise
                version += 1

    def get(
        self, product_id: str, language: str, version: int | None = None
    ) -> ContentResult | None:
        if version is None:
            known = self.versions(product_id, language)
            if not known:
                return None
            version = known[-1]
        try:
            body = self._call(
                "get_object", Bucket=self.bucket, Key=self._key(product_id, language, version)
            )["Body"].read()
        except ClientError:
            return None
        return ContentResult.model_validate_json(body)
