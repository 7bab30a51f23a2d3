"""The bench client ends a message on the frame that ends it: ``done``, or a refusal alone."""

from __future__ import annotations

import json

from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve

from evals.chat_load import Timings, one_turn


async def _server_side(ws: ServerConnection) -> None:
    # as api/routes/chat.py: a refused message gets one error frame; a turn that fails inside
    # gets its error frame, then done
    async for raw in ws:
        text = json.loads(raw)["text"]
        if text == "too fast":
            await ws.send(json.dumps({"type": "error", "code": "rate_limited", "message": "wait"}))
        elif text == "breaks":
            await ws.send(json.dumps({"type": "error", "code": "internal", "message": "failed"}))
            await ws.send(json.dumps({"type": "done"}))
        else:
            await ws.send(json.dumps({"type": "message", "text": "hello"}))
            await ws.send(json.dumps({"type": "done"}))


async def test_a_refused_message_ends_at_its_error_and_a_failed_turn_at_done() -> None:
    async with serve(_server_side, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        async with connect(f"ws://127.0.0.1:{port}") as ws:
            timings = Timings()
            # before the fix the client waited for a done that never came: a 2 s timeout
            await one_turn(ws, "too fast", timings, timeout_s=2.0)
            await one_turn(ws, "breaks", timings, timeout_s=2.0)
            # the failed turn's done was read by its own turn, not by the next one
            await one_turn(ws, "hi", timings, timeout_s=2.0)
    assert timings.errors == 2
    assert len(timings.latencies) == 3
    assert timings.frames == 1 + 2 + 2
