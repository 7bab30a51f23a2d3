"""The embedded content store: one JSON file per version under a folder.

Layout: ``<root>/<product id>/<language>/v000001.json``. Ids and language codes are checked
before any path is built (``product_key``): never ``.`` or ``..``, never a separator, at most
``MAX_ID_CHARS`` characters, so a key always names a folder inside the root.

A version is written whole or not at all: the JSON is serialised first, written to a hidden
temporary file in the same folder, flushed to disk, then hard-linked to its version name. The
link is atomic and fails if the name exists, so two writers of the same product never overwrite
each other (``os.replace`` would), and a failed write leaves no version file behind.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from urllib.parse import quote

from pydantic import ValidationError

from infra.errors import ToolInputError, UpstreamError
from tools.content.models import ContentResult

VERSION_FILE = re.compile(r"^v(\d{6})\.json$")
MAX_ID_CHARS = 64
# A language code as `language_code` returns it ("en", "de", "zh-TW"): a file name as it is.
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})?$")


def version_name(version: int) -> str:
    return f"v{version:06d}.json"


def product_key(product_id: str, language: str) -> str:
    """The product's folder (or key prefix); ``ToolInputError`` if an id cannot be one."""
    if not product_id or len(product_id) > MAX_ID_CHARS:
        raise ToolInputError(
            f"a product id has 1 to {MAX_ID_CHARS} characters; got {len(product_id)}"
        )
    if product_id in (".", "..") or any(c in product_id for c in "/\\") or not all(
        c.isprintable() for c in product_id
    ):
        raise ToolInputError(
            "a product id may not be '.' or '..' or hold a path separator or control character"
        )
    if not _LANGUAGE.match(language):
        raise ToolInputError(f"{language[:20]!r} is not a language code such as 'en' or 'de'")
    # Quoted, a 64-character id is at most 768 bytes; a file name may have 255.
    folder = quote(product_id, safe="")
    if len(folder) > 240:
        raise ToolInputError("a product id of that many non-ASCII characters is too long")
    return f"{folder}/{language}"


class LocalContentStore:
    """``ContentStore`` on a local folder."""

    name = "local"

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _folder(self, product_id: str, language: str) -> Path:
        return self.root / product_key(product_id, language)

    def versions(self, product_id: str, language: str) -> list[int]:
        folder = self._folder(product_id, language)
        if not folder.is_dir():
            return []
        found = (VERSION_FILE.match(p.name) for p in folder.iterdir())
        return sorted(int(m.group(1)) for m in found if m)

    def save(self, result: ContentResult) -> ContentResult:
        folder = self._folder(result.product_id, result.language)
        version = (self.versions(result.product_id, result.language) or [0])[-1] + 1
        while True:
            stored = result.model_copy(update={"version": version})
            document = stored.model_dump_json(indent=1).encode("utf-8")
            try:
                _write_new(folder, version_name(version), document)
                return stored
            except FileExistsError:
                version += 1

    def get(
        self, product_id: str, language: str, version: int | None = None
    ) -> ContentResult | None:
        known = self.versions(product_id, language)
        wanted = known[-1] if version is None and known else version
        if wanted is None or wanted not in known:
            return None
        path = self._folder(product_id, language) / version_name(wanted)
        try:
            return ContentResult.model_validate_json(path.read_bytes())
        except ValidationError as err:
            # Only a file from before writes were atomic can be half-written (issue 13).
            raise UpstreamError(
                f"stored version {wanted} of product {product_id!r} ({language}) is damaged; "
                f"remove its file {path.name} and write the copy again"
            ) from err


def _write_new(folder: Path, name: str, document: bytes) -> None:
    """Create ``folder/name`` holding ``document``, atomically; ``FileExistsError`` if taken."""
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".writing-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(document)
            out.flush()
            os.fsync(out.fileno())
        os.link(temporary, folder / name)
    finally:
        os.unlink(temporary)
