"""The hashed locks, made from the pin list people edit.

``requirements.lock`` holds one ``name==version`` line per package (runtime and dev tools): it is
the file to edit. From it ``make locks`` (``python -m infra.locks write``) makes two files that
pip installs with ``--require-hashes``, each line carrying the SHA-256 of the file pip picks
for linux x86_64 / CPython 3.11 (this machine, and the image's ``python:3.11-slim-bookworm``):

- ``requirements-runtime.lock``: what pyproject's ``dependencies`` need
  (``infra.cdk.runtime_lock``), which the Dockerfile installs;
- ``requirements-dev.lock``: every pin, which ``make install`` installs.

Each records the digest of its source (requirements.lock and pyproject's ``dependencies``), so
``python -m infra.locks check`` (run by ``make install``, standard library only) can tell a hashed
lock made from an older pin list and name ``make locks`` as the fix.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PINS = "requirements.lock"
RUNTIME = "requirements-runtime.lock"
DEV = "requirements-dev.lock"
SOURCE = "# source: sha256:"
DEV_HEADER = (
    "# Every pin of requirements.lock (runtime and dev tools) with the SHA-256 of the linux\n"
    "# x86_64 / CPython 3.11 file; `make install` installs it with --require-hashes.\n"
    "# Made by `make locks` (infra/locks.py); do not edit by hand: edit requirements.lock.\n"
)


def source_digest(root: Path = ROOT) -> str:
    """SHA-256 of what the hashed locks are made from: the pin list and the runtime needs."""
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    digest = hashlib.sha256((root / PINS).read_bytes())
    digest.update(json.dumps(sorted(project["dependencies"])).encode())
    return digest.hexdigest()


def recorded_digest(lock: Path) -> str | None:
    """The source digest a hashed lock was made from (None: no such file or no such line)."""
    try:
        lines = lock.read_text().splitlines()
    except FileNotFoundError:
        return None
    return next((line.removeprefix(SOURCE) for line in lines if line.startswith(SOURCE)), None)


def stale(root: Path = ROOT) -> list[str]:
    """The hashed locks missing or made from another pin list than the current one."""
    current = source_digest(root)
    return [name for name in (RUNTIME, DEV) if recorded_digest(root / name) != current]


def write(root: Path = ROOT) -> None:
    """Make both hashed locks from the current pins (asks the package index for the hashes).

    The runtime set is read from the installed packages' metadata: install requirements.lock
    first (``make locks`` does)."""
    from infra.cdk import runtime_lock

    source = f"{SOURCE}{source_digest(root)}\n"
    runtime = runtime_lock.hashed(runtime_lock.runtime_pins())
    every = runtime_lock.hashed(sorted(runtime_lock.pins(root / PINS).values(), key=str.lower))
    (root / RUNTIME).write_text(runtime_lock.HEADER + source + "\n".join(runtime) + "\n")
    (root / DEV).write_text(DEV_HEADER + source + "\n".join(every) + "\n")
    print(f"wrote {RUNTIME} ({len(runtime)} packages) and {DEV} ({len(every)} packages)")


def main(argv: list[str]) -> int:
    if argv == ["write"]:
        write(ROOT)
        return 0
    if argv == ["check"]:
        old = stale(ROOT)
        if old:
            print(
                f"{' and '.join(old)} {'is' if len(old) == 1 else 'are'} not made from the "
                f"current {PINS} (or pyproject's dependencies): run `make locks` to remake the "
                "hashed locks, and commit them with the pin change",
                file=sys.stderr,
            )
            return 1
        return 0
    print("usage: python -m infra.locks write|check", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
