"""Helpers for the customer-service tests: a private copy of the tau-retail store, its digest,
a chat turn over a test socket and its answer."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path
from typing import Any

from starlette.testclient import WebSocketTestSession

from tools.catalog.sqlite import SqliteStore

# The tau-bench retail folder of the shared data (tasks and reference outputs are not shipped).
TAU_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "tau-retail"


def copy_tau_store(tau_retail_dir: Path, target: Path) -> SqliteStore:
    """A store on a private copy of the session's tau-retail store file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(tau_retail_dir / "store.sqlite", target)
    return SqliteStore(target)


def store_digest(path: Path) -> str:
    """A digest of every row of a SQLite file (``iterdump``): equal digests, equal data."""
    with sqlite3.connect(path) as conn:
        return hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()


def turn(ws: WebSocketTestSession, text: str) -> list[dict[str, Any]]:
    """Send ``text`` on the socket; the frames it answers with, up to (not with) ``done``."""
    ws.send_json({"type": "message", "text": text})
    frames: list[dict[str, Any]] = []
    while (frame := ws.receive_json())["type"] != "done":
        frames.append(frame)
    return frames


def answer_text(frames: list[dict[str, Any]]) -> str:
    """The text of a turn's first ``message`` frame."""
    return str(next(f for f in frames if f["type"] == "message")["text"])
