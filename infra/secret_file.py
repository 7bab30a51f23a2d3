"""Secret files (signing key, session secret, checkpoint key): made once, private, never torn."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from infra.errors import ConfigError


def create_once(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` with mode 0600 unless it exists, whole or not at all.

    It goes to a private temporary file first and is then linked into place; the link fails
    when another process got there first, so of several workers starting at once exactly one
    secret wins and all of them read that one.
    """
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # made 0600
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(content)
        with contextlib.suppress(FileExistsError):  # another process's secret won: use it
            os.link(temporary, path)
    finally:
        os.unlink(temporary)


def require_private(path: Path) -> None:
    """``ConfigError`` when other users may read ``path``."""
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise ConfigError(f"{path} is readable by others (mode {mode:o}); chmod 600 it")
