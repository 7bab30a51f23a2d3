"""The embedded content store: one JSON file per version under a folder.

Layout: ``<root>/<product id>/<language>/v000001.json``. A version file is created with
exclusive creation, so two writers of the same product never overwrite each other.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

from tools.content.models import ContentResult

VERSION_FILE = re.compile(r"^v(\d{6})\.json$")


def version_name(version: int) -> str:
    return f"v{version:06d}.json"


def product_key(product_id: str, language: str) -> str:
    """The product's folder (or key prefix), safe for any id."""
    return f"{quote(product_id, safe='')}/{language}"


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
        folder.mkdir(parents=True, exist_ok=True)
        version = (self.versions(result.product_id, result.language) or [0])[-1] + 1
        while True:
            stored = result.model_copy(update={"version": version})
            try:
                with (folder / version_name(version)).open("x", encoding="utf-8") as out:
                    out.write(stored.model_dump_json(indent=1))
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
        return ContentResult.model_validate_json(path.read_text(encoding="utf-8"))
