"""The image's runtime lock: ``requirements-runtime.lock``, made from ``requirements.lock``.

The runtime set is pyproject's ``dependencies`` and everything they need (markers and extras
evaluated for this interpreter, read from the installed metadata), each at the version
``requirements.lock`` pins; the dev tools are never in it. Each line carries the SHA-256 of the
file pip picks for this platform (linux x86_64, CPython 3.11, glibc 2.36: what the image's
``python:3.11-slim-bookworm`` is), taken from a ``pip install --dry-run --report`` against the
package index, so the image's ``pip wheel --require-hashes`` refuses any other file.

``make locks`` (``python -m infra.locks write``) rewrites it, with requirements-dev.lock.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import tomllib
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from infra.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements.lock"
HEADER = (
    "# The image's runtime dependencies: requirements.lock's versions of what pyproject's\n"
    "# `dependencies` need, with the SHA-256 of the linux x86_64 / CPython 3.11 file.\n"
    "# Made by `make locks` (infra/locks.py); do not edit by hand: edit requirements.lock.\n"
)


def pins(lock: Path = LOCK) -> dict[str, str]:
    """Canonical name -> ``name==version`` line of a lock file."""
    fields = (line.split("#")[0].split() for line in lock.read_text().splitlines())
    lines = [words[0] for words in fields if words and "==" in words[0]]
    return {canonicalize_name(line.split("==")[0]): line for line in lines}


def runtime_closure(pyproject: Path = ROOT / "pyproject.toml") -> set[str]:
    """Canonical names of every distribution the project's ``dependencies`` pull in."""
    project = tomllib.loads(pyproject.read_text())["project"]
    pending = [Requirement(text) for text in project["dependencies"]]
    seen: set[tuple[str, frozenset[str]]] = set()
    names: set[str] = set()
    while pending:
        requirement = pending.pop()
        name = canonicalize_name(requirement.name)
        key = (name, frozenset(requirement.extras))
        if key in seen:
            continue
        seen.add(key)
        names.add(name)
        try:
            requires = distribution(name).requires or []
        except PackageNotFoundError:
            raise ConfigError(f"{name} is not installed: pin it in requirements.lock") from None
        extras = requirement.extras or {""}
        for text in requires:
            child = Requirement(text)
            if child.marker is None or any(child.marker.evaluate({"extra": e}) for e in extras):
                pending.append(child)
    return names


def runtime_pins() -> list[str]:
    """The runtime set as ``name==version`` lines of requirements.lock, sorted by name."""
    locked = pins()
    closure = runtime_closure()
    missing = sorted(closure - set(locked))
    if missing:
        raise ConfigError(f"not pinned in requirements.lock: {', '.join(missing)}")
    return [locked[name] for name in sorted(closure)]


def hashed(lines: list[str]) -> list[str]:
    """Each pin with the SHA-256 of the file pip would install here (asks the package index)."""
    with tempfile.TemporaryDirectory() as scratch:
        wanted = Path(scratch) / "runtime.txt"
        wanted.write_text("\n".join(lines) + "\n")
        report = Path(scratch) / "report.json"
        subprocess.run(
            [
                sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed",
                "--no-deps", "--quiet", "--report", str(report), "-r", str(wanted),
            ],
            check=True,
        )  # fmt: skip
        chosen = json.loads(report.read_text())["install"]
    digests = {
        canonicalize_name(item["metadata"]["name"]): item["download_info"]["archive_info"]
        for item in chosen
    }
    hashed_lines = []
    for line in lines:
        digest = digests[canonicalize_name(line.split("==")[0])]["hashes"]["sha256"]
        hashed_lines.append(f"{line} --hash=sha256:{digest}")
    return hashed_lines

