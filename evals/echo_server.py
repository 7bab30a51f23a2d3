"""A bare WebSocket echo server: the floor that ``shopagent bench`` measures chat turns against.

It speaks just enough of the chat contract that the bench client drives it unchanged: a
``session`` frame when the socket opens, then every text frame sent straight back followed by
``{"type": "done"}``. What is left is FastAPI, uvicorn, the socket and the client's own loop.

Run it alone with ``python -m uvicorn evals.echo_server:app --port 8765``.
"""

from __future__ import annotations

import uuid

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

app = FastAPI(title="shopagent echo baseline")


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@app.websocket("/v1/chat")
async def echo(websocket: WebSocket) -> None:
    """Send each text frame back, then ``done``, as a chat turn would end."""
    await websocket.accept()
    await websocket.send_json({"type": "session", "session_id": uuid.uuid4().hex})
    try:
        while True:
            text = await websocket.receive_text()
            await websocket.send_text(text)
            await websocket.send_json({"type": "done"})
    except WebSocketDisconnect:
        return
