"""The one place the stand-in leans on uvicorn's insides: its httptools protocol and its Server.

uvicorn with httptools bounds neither the header section nor its time:
httptools buffers a header of any length.  `Protocol` counts the bytes of the
header section as they arrive and answers 431 past MAX_HEAD, answers 408 when
the section has not arrived in time, answers uvicorn's own protocol-level 400
(bytes that are not HTTP) in Stripe's shape, and gives the application a way
to close a connection with no answer (the ``drop`` fault).  `Server` says one
line when a signal stops it and writes the log out before the process ends.

None of this is uvicorn's public API.  RELIES_ON lists every method this
module overrides or calls, with its parameters; tests/test_server_protocol.py
checks the installed uvicorn against it, and the ``serve`` extra's pin in
pyproject.toml names this module.  A uvicorn release that changes any of it
fails that test rather than the server.
"""

from __future__ import annotations

import asyncio
import http
import logging
import signal
import time
from types import FrameType
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .answers import DROP, RequestIds, base_headers, dumps, stripe_error
from .log import RequestLog

#: Most bytes a request's line and headers may take (nginx's default buffers hold 4 × 8 KiB).
MAX_HEAD = 32 * 1024
#: Seconds a request's line and headers may take to arrive: from the connection, or from the
#: request's first byte on a connection kept alive (uvicorn closes one that stays idle).
HEAD_TIMEOUT = 10.0
#: The warning uvicorn logs for bytes its parser refuses; the stand-in logs its own line instead.
PARSER_WARNING = "Invalid HTTP request received."

#: What this module relies on: ``{class: {method: parameter names}}``, and the attributes it reads.
RELIES_ON: dict[str, Any] = {
    "HttpToolsProtocol": {
        "connection_made": ("self", "transport"), "connection_lost": ("self", "exc"),
        "data_received": ("self", "data"), "on_message_begin": ("self",), "on_url": ("self", "url"),
        "on_header": ("self", "name", "value"), "on_headers_complete": ("self",),
        "on_message_complete": ("self",), "send_400_response": ("self", "msg"),
    },
    "Server": {"handle_exit": ("self", "sig", "frame"), "shutdown": ("self", "sockets")},
    # data_received logs PARSER_WARNING, then calls send_400_response, when the parser refuses the
    # bytes (an exception raised in on_header counts); on_message_begin makes self.scope, a dict;
    # connection_made sets self.transport; the constructor sets self.loop.
    "attributes": ("transport", "loop", "scope"),
}


def status_line(status: int) -> bytes:
    return b"HTTP/1.1 %d %s\r\n" % (status, http.HTTPStatus(status).phrase.encode("ascii"))


class QuietParser(logging.Filter):
    """Drops uvicorn's PARSER_WARNING: the protocol logs the request's own line for it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != PARSER_WARNING


class Protocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a bounded header section, Stripe-shaped protocol errors and drops.

    Two counts bound the header section: the bytes of the URL and headers
    the parser hands over (exact, once each header is whole), and the raw
    bytes received while the section is still incomplete (one header that
    never ends never reaches the first count, but fills memory all the same).
    `protocol_class` makes a subclass for each server, with its own log,
    timeout and set of connections waiting for their header section.
    """

    waiting: dict[Protocol, float] = {}
    sweeping: asyncio.Task[None] | None = None
    head_timeout = HEAD_TIMEOUT
    log = RequestLog()
    version = b""
    new_request_id = RequestIds()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self.in_head, self.raw_head, self.head = True, 0, 0
        super().connection_made(transport)
        self._wait_for_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self.waiting.pop(self, None)
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.in_head:
            self.raw_head += len(data)
        super().data_received(data)
        if self.in_head and self.raw_head > MAX_HEAD:
            self._too_large()

    def _wait_for_head(self) -> None:
        """The header section is due: by the deadline set when the connection or request began, if one was."""
        if self not in self.waiting:
            self.waiting[self] = self.loop.time() + self.head_timeout
            kind = type(self)
            if kind.sweeping is None or kind.sweeping.done():
                kind.sweeping = self.loop.create_task(_sweep(kind, self.loop))

    def on_message_begin(self) -> None:
        self.head = 0
        self._wait_for_head()
        super().on_message_begin()
        scope: dict[str, Any] = self.scope  # type: ignore[assignment]
        scope.setdefault("extensions", {})[DROP] = self.transport.abort

    def on_url(self, url: bytes) -> None:
        self.head += len(url)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self.head += len(name) + len(value) + 4
        if self.head > MAX_HEAD:
            raise OverflowError  # stops the parser; uvicorn then calls send_400_response
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self.in_head, self.raw_head = False, 0
        self.waiting.pop(self, None)
        if self.head > MAX_HEAD:  # the URL alone
            raise OverflowError
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self.in_head = True

    def send_400_response(self, msg: str) -> None:
        if self.head > MAX_HEAD:
            self._too_large()
        else:
            self.reject(400, "The request is not valid HTTP/1.1.")

    def _too_large(self) -> None:
        self.reject(431, f"The request line and headers take more than {MAX_HEAD} bytes, the most this server reads.")

    def reject(self, status: int, message: str, code: str = "") -> None:
        """Answer at the protocol level, before (or instead of) a request the application sees, and hang up."""
        if self.transport.is_closing():
            return  # answered already
        started, request_id = time.perf_counter(), self.new_request_id()
        body = dumps(stripe_error("invalid_request_error", message, code))
        headers = base_headers(request_id, len(body), self.version) + [(b"connection", b"close")]
        head = b"".join(name + b": " + value + b"\r\n" for name, value in headers)
        self.transport.write(status_line(status) + head + b"\r\n" + body)
        self.transport.close()
        self.log.request("-", "-", status, started, request_id)


async def _sweep(kind: type[Protocol], loop: asyncio.AbstractEventLoop) -> None:
    """Answer 408 on every connection of `kind` whose header section is overdue, and hang up; look once a second."""
    waiting = kind.waiting
    while True:
        await asyncio.sleep(min(1.0, kind.head_timeout / 4))
        now = loop.time()
        for protocol, deadline in list(waiting.items()):
            if now > deadline:
                del waiting[protocol]
                if protocol.in_head:
                    protocol.reject(408, f"The request line and headers did not arrive within "
                                         f"{protocol.head_timeout:g} seconds.", "head_timeout")


def protocol_class(log: RequestLog, version: bytes, head_timeout: float = HEAD_TIMEOUT,
                   ids: RequestIds | None = None) -> type[Protocol]:
    """A `Protocol` of one server's own: its log, API version, request ids, timeout and waiting connections."""
    return type("Protocol", (Protocol,), {"waiting": {}, "sweeping": None, "head_timeout": head_timeout,
                                          "log": log, "version": version, "new_request_id": ids or RequestIds()})


class Server(uvicorn.Server):
    """uvicorn's Server, saying one line when a signal stops it and writing out the log before it ends."""

    def __init__(self, config: uvicorn.Config, log: RequestLog) -> None:
        super().__init__(config)
        self.log = log
        self.stop_signal: int | None = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.stop_signal is None:
            self.stop_signal = sig  # the line is said from the loop: a signal handler must not take the log's lock
        super().handle_exit(sig, frame)

    async def shutdown(self, sockets: Any = None) -> None:
        name = signal.Signals(self.stop_signal).name if self.stop_signal is not None else "a request to stop"
        self.log.say(f"{name}: stopping; the requests in flight are answered first")
        try:
            await super().shutdown(sockets)
        finally:
            self.log.flush()
