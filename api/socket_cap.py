"""How many chat sockets one client holds open at once, and the cap on it.

A client is what the chat's rate limit keys on: the signed-in principal, else the client
address (``api.deps.rate_key``), so neither a new anonymous session nor a new socket buys more.
Past ``max_sockets_per_client`` a new socket is told why in an ``error`` frame
(``too_many_sockets``) and closed with 1013, "try again later". The counts live on the app, in
this process: several workers each hold their own cap.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection


class SocketSlot:
    """One open socket counted against its client; ``release`` when the socket ends."""

    def __init__(self, counts: SocketCounts, key: str) -> None:
        self._counts = counts
        self._key = key
        self._held = True

    def release(self) -> None:
        """Give the slot back (once; a second call does nothing)."""
        if self._held:
            self._held = False
            self._counts.give_back(self._key)


class SocketCounts:
    """Open sockets per client key. Claims and releases run on the event loop, with no await
    between the check and the count, so no lock is needed."""

    def __init__(self) -> None:
        self._open: dict[str, int] = {}

    def claim(self, key: str, limit: int) -> SocketSlot | None:
        """A slot for ``key``, or ``None`` when it already holds ``limit`` sockets."""
        held = self._open.get(key, 0)
        if held >= limit:
            return None
        self._open[key] = held + 1
        return SocketSlot(self, key)

    def give_back(self, key: str) -> None:
        left = self._open[key] - 1
        if left:
            self._open[key] = left
        else:
            del self._open[key]

    def held(self, key: str) -> int:
        """How many sockets ``key`` holds now."""
        return self._open.get(key, 0)


def socket_counts(connection: HTTPConnection) -> SocketCounts:
    """The counts of the app ``connection`` came to (made on first use)."""
    state = connection.app.state
    counts = getattr(state, "socket_counts", None)
    if not isinstance(counts, SocketCounts):
        counts = SocketCounts()
        state.socket_counts = counts
    return counts
