"""A deadline on a request's line and headers, for the HTTP protocol ``shopagent serve`` runs.

uvicorn times out an idle keep-alive connection (``timeout_keep_alive``), but a connection that
has started a request and sends its headers a byte at a time (slowloris) is held open for as
long as the client likes. This protocol is uvicorn's httptools one with a timer: it starts when
the connection is made and again when a new request begins, stops when the headers are
complete, and closes the connection when it runs out. The body has its own deadline in
``api.body_guard``; a socket's frames are the socket route's business.
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class HeaderDeadlineProtocol(HttpToolsProtocol):
    """``HttpToolsProtocol`` that closes a connection whose headers take too long."""

    # Set from settings.header_timeout_s by whoever serves (``api.workers``, in each worker).
    header_timeout_s: float = 10.0

    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._header_timer = self.loop.call_later(self.header_timeout_s, self._headers_too_slow)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self.transport.close()
