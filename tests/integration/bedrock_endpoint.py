"""A localhost Amazon Bedrock Runtime that replays recorded Converse responses.

It speaks the service's wire format, so the real boto3 client and ``ChatBedrockConverse``
run unmodified against it:

- ``POST /model/{modelId}/converse``: the JSON Converse response body;
- ``POST /model/{modelId}/converse-stream``: the same response cut into ConverseStream events
  (messageStart, contentBlockStart, contentBlockDelta, contentBlockStop, messageStop,
  metadata), framed as ``application/vnd.amazon.eventstream`` and sent chunked;
- a request no recorded exchange matches: HTTP 400 ``ValidationException``.

Fixtures are a JSON list of exchanges, the first whose ``match`` fits the request wins::

    {"name": "...",
     "match": {"operation": "converse" | "converse-stream",   # all keys optional
               "model_id": "...",
               "last_user_text_contains": "...",  # text blocks of the last message
               "last_block": "text" | "toolResult" | ...,  # kind of the last block sent
               "tool_result_contains": "...",     # text inside a toolResult of the last message
               "has_tools": true | false},        # whether toolConfig was sent
     "response": {...Converse response body...},
     "error": {"status": 500, "type": "InternalServerException", "message": "..."},
     "stream_error": {"after_events": 2, "type": "modelStreamErrorException", "message": "..."},
     "drop": {"after_events": 3},
     "stall": {"seconds": 5}}

``response`` or ``error`` is required; ``stream_error`` breaks a ConverseStream mid-way with an
exception event; ``drop`` closes the connection after that many events (no exception event, no
end of the chunked body: a network failure); ``stall`` sends nothing for that long (or until
the endpoint stops) before answering. ``exchanges`` may be changed while the endpoint runs.
Every request is kept in ``requests`` so tests can check what the client sent.
"""

from __future__ import annotations

import json
import re
import socket
import struct
import threading
import uuid
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import unquote

FIXTURE = Path(__file__).parent / "fixtures" / "bedrock_converse.json"

_PATH = re.compile(r"^/model/(?P<model_id>[^/]+)/(?P<operation>converse|converse-stream)$")
_STRING_HEADER = 7  # event-stream header value type: UTF-8 string


@dataclass
class RecordedRequest:
    """One request as the endpoint received it."""

    operation: str
    model_id: str
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def encode_event(headers: dict[str, str], payload: bytes) -> bytes:
    """One AWS event-stream message: prelude + CRC, string headers, payload, message CRC."""
    header_bytes = b""
    for name, value in headers.items():
        raw_name, raw_value = name.encode(), value.encode()
        header_bytes += struct.pack(">B", len(raw_name)) + raw_name
        header_bytes += struct.pack(">BH", _STRING_HEADER, len(raw_value)) + raw_value
    total_length = 12 + len(header_bytes) + len(payload) + 4
    prelude = struct.pack(">II", total_length, len(header_bytes))
    message = prelude + struct.pack(">I", zlib.crc32(prelude)) + header_bytes + payload
    return message + struct.pack(">I", zlib.crc32(message))


def stream_events(response: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The ConverseStream events (type, payload) that carry the same answer as ``response``."""
    message = response["output"]["message"]
    events: list[tuple[str, dict[str, Any]]] = [("messageStart", {"role": message["role"]})]
    for index, block in enumerate(message["content"]):
        if "text" in block:
            for piece in _text_pieces(block["text"]):
                delta = {"contentBlockIndex": index, "delta": {"text": piece}}
                events.append(("contentBlockDelta", delta))
        elif "toolUse" in block:
            tool_use = block["toolUse"]
            start = {"toolUse": {"toolUseId": tool_use["toolUseId"], "name": tool_use["name"]}}
            events.append(("contentBlockStart", {"contentBlockIndex": index, "start": start}))
            # The model streams the tool input as JSON text in fragments; two are enough to
            # make the client reassemble them.
            raw = json.dumps(tool_use["input"])
            for piece in (raw[: len(raw) // 2], raw[len(raw) // 2 :]):
                delta = {"contentBlockIndex": index, "delta": {"toolUse": {"input": piece}}}
                events.append(("contentBlockDelta", delta))
        else:
            raise ValueError(f"no stream form for content block {sorted(block)}")
        events.append(("contentBlockStop", {"contentBlockIndex": index}))
    events.append(("messageStop", {"stopReason": response["stopReason"]}))
    events.append(("metadata", {"usage": response["usage"], "metrics": response["metrics"]}))
    return events


def _text_pieces(text: str, words_per_piece: int = 3) -> list[str]:
    """Split text into a few pieces that join back to it exactly."""
    words = re.findall(r"\s*\S+\s*", text) or [text]
    return ["".join(words[i : i + words_per_piece]) for i in range(0, len(words), words_per_piece)]


def _last_message(body: dict[str, Any]) -> dict[str, Any]:
    messages = body.get("messages") or [{}]
    last: dict[str, Any] = messages[-1]
    return last


def _texts(blocks: list[dict[str, Any]]) -> str:
    return " ".join(str(block["text"]) for block in blocks if "text" in block)


def matches(rule: dict[str, Any], operation: str, model_id: str, body: dict[str, Any]) -> bool:
    """Whether a request fits every key of an exchange's ``match``."""
    last = _last_message(body)
    content: list[dict[str, Any]] = last.get("content", [])
    for key, expected in rule.items():
        if key == "operation":
            ok = operation == expected
        elif key == "model_id":
            ok = model_id == expected
        elif key == "last_user_text_contains":
            ok = last.get("role") == "user" and expected.lower() in _texts(content).lower()
        elif key == "last_block":
            ok = bool(content) and expected in content[-1]
        elif key == "tool_result_contains":
            results = [block["toolResult"] for block in content if "toolResult" in block]
            text = " ".join(_texts(result.get("content", [])) for result in results)
            ok = expected.lower() in text.lower()
        elif key == "has_tools":
            ok = ("toolConfig" in body) == expected
        else:
            raise ValueError(f"unknown match key {key!r}")
        if not ok:
            return False
    return True


class BedrockEndpoint:
    """The replaying server; use as a context manager, read ``url`` and ``requests``."""

    def __init__(self, exchanges: list[dict[str, Any]]) -> None:
        self.exchanges = exchanges
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()  # ends any stall when the endpoint stops
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @classmethod
    def from_fixture(cls, path: Path = FIXTURE) -> BedrockEndpoint:
        """An endpoint replaying the exchanges recorded in ``path``."""
        exchanges: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
        return cls(exchanges)

    @property
    def url(self) -> str:
        """The endpoint URL to hand to boto3 as ``endpoint_url``."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> BedrockEndpoint:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def record(self, request: RecordedRequest) -> None:
        """Keep a received request."""
        with self._lock:
            self.requests.append(request)

    def stall(self, seconds: float) -> bool:
        """Wait ``seconds`` without answering; ``True`` when the endpoint stopped meanwhile."""
        return self._closing.wait(seconds)

    def find(self, operation: str, model_id: str, body: dict[str, Any]) -> dict[str, Any] | None:
        """The first exchange that matches the request, if any."""
        for exchange in list(self.exchanges):
            if matches(exchange.get("match", {}), operation, model_id, body):
                return exchange
        return None


def _handler_for(endpoint: BedrockEndpoint) -> type[BaseHTTPRequestHandler]:
    """A request-handler class bound to ``endpoint``."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive and chunked bodies, as botocore expects
        timeout = 10  # an idle kept-alive connection ends its thread eventually

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            """Stay quiet; tests read ``endpoint.requests`` instead."""

        def handle(self) -> None:
            """Serve one connection; a client hanging up is normal, not a server error."""
            try:
                super().handle()
            except (BrokenPipeError, ConnectionResetError):
                # botocore drops a stream it stopped reading (after an exception event).
                self.close_connection = True

        def do_POST(self) -> None:
            """Converse or ConverseStream."""
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            found = _PATH.match(self.path.split("?", 1)[0])
            if found is None:
                self._error(404, "UnknownOperationException", f"no operation at {self.path}")
                return
            operation, model_id = found["operation"], unquote(found["model_id"])
            try:
                body = json.loads(raw or b"{}")
            except json.JSONDecodeError:
                self._error(400, "ValidationException", "request body is not JSON")
                return
            headers = {name.lower(): value for name, value in self.headers.items()}
            endpoint.record(RecordedRequest(operation, model_id, body, headers))
            exchange = endpoint.find(operation, model_id, body)
            stall = (exchange or {}).get("stall")
            if stall is not None and endpoint.stall(float(stall["seconds"])):
                self.close_connection = True
                return
            if exchange is None:
                message = f"no recorded exchange matches this {operation} request for {model_id}"
                self._error(400, "ValidationException", message)
            elif "error" in exchange:
                error = exchange["error"]
                self._error(int(error["status"]), str(error["type"]), str(error["message"]))
            elif operation == "converse":
                self._json(200, exchange["response"])
            else:
                self._stream(
                    exchange["response"], exchange.get("stream_error"), exchange.get("drop")
                )

        def _json(
            self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
        ) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _error(self, status: int, error_type: str, message: str) -> None:
            self._json(status, {"message": message}, {"x-amzn-ErrorType": error_type})

        def _stream(
            self,
            response: dict[str, Any],
            failure: dict[str, Any] | None,
            drop: dict[str, Any] | None,
        ) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/vnd.amazon.eventstream")
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
            self.end_headers()
            for count, (event_type, payload) in enumerate(stream_events(response)):
                if drop is not None and count == int(drop["after_events"]):
                    # The connection goes down mid-body: no exception event, no last chunk.
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                if failure is not None and count == int(failure["after_events"]):
                    headers = {
                        ":message-type": "exception",
                        ":exception-type": str(failure["type"]),
                        ":content-type": "application/json",
                    }
                    body = json.dumps({"message": failure["message"]}).encode()
                    self._chunk(encode_event(headers, body))
                    break
                headers = {
                    ":event-type": event_type,
                    ":content-type": "application/json",
                    ":message-type": "event",
                }
                self._chunk(encode_event(headers, json.dumps(payload).encode()))
            self._chunk(b"")  # the terminating zero-length chunk

        def _chunk(self, data: bytes) -> None:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

    return Handler
