"""The hashed locks follow the pin list: a stale one is named, with `make locks` as the fix."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from infra import locks

PYPROJECT = '[project]\nname = "x"\ndependencies = ["fastapi>=0.1"]\n'


def _root(tmp_path: Path, pins: str = "fastapi==0.1\npytest==8.0\n") -> Path:
    (tmp_path / "requirements.lock").write_text(pins)
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    return tmp_path


def _made(root: Path) -> None:
    """Hashed locks as `make locks` heads them, for the current pins (hashes not checked)."""
    source = f"{locks.SOURCE}{locks.source_digest(root)}\n"
    for name in (locks.RUNTIME, locks.DEV):
        (root / name).write_text(f"# header\n{source}fastapi==0.1 --hash=sha256:{'0' * 64}\n")


def test_locks_made_from_the_current_pins_are_fresh(tmp_path: Path) -> None:
    root = _root(tmp_path)
    assert locks.stale(root) == [locks.RUNTIME, locks.DEV]  # none made yet
    _made(root)
    assert locks.stale(root) == []


def test_a_changed_pin_or_runtime_need_makes_both_stale(tmp_path: Path) -> None:
    root = _root(tmp_path)
    _made(root)
    (root / "requirements.lock").write_text("fastapi==0.1\npytest==8.1\n")
    assert locks.stale(root) == [locks.RUNTIME, locks.DEV]
    # Other pyproject settings (tools' configuration) do not; its dependencies do.
    _made(root)
    (root / "pyproject.toml").write_text(PYPROJECT + "[tool.ruff]\nline-length = 100\n")
    assert locks.stale(root) == []
    (root / "pyproject.toml").write_text(PYPROJECT.replace("fastapi>=0.1", "fastapi>=0.2"))
    assert locks.stale(root) == [locks.RUNTIME, locks.DEV]


def test_check_names_make_locks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _root(tmp_path)
    _made(root)
    (root / locks.DEV).write_text("# made by hand\nfastapi==0.1\n")
    monkeypatch.setattr(locks, "ROOT", root)
    assert locks.main(["check"]) == 1
    message = capsys.readouterr().err
    assert "requirements-dev.lock is not made from the current requirements.lock" in message
    assert "`make locks`" in message
    assert locks.main(["nonsense"]) == 2


def test_the_committed_locks_are_made_from_the_committed_pins() -> None:
    assert locks.stale() == []
    every = (locks.ROOT / locks.DEV).read_text().splitlines()
    pinned = [line for line in every if not line.startswith("#")]
    assert pinned and all(re.fullmatch(r"\S+==\S+ --hash=sha256:[0-9a-f]{64}", p) for p in pinned)
    pins = (locks.ROOT / locks.PINS).read_text().splitlines()
    assert len(pinned) == len([p for p in pins if "==" in p.split("#")[0]])
