"""Serving the stand-in over HTTP: uvicorn with httptools, from the optional extra ``serve``.

Importing this module imports uvicorn; `validator` and the CLI import it
only when ``customer-session serve`` runs, so a core install never pays
for it and an install without the extra says what to add.

uvicorn with httptools bounds neither the header section nor its time:
httptools buffers a header of any length.  `_Protocol` counts the bytes of
the header section as they arrive and answers 431 past MAX_HEAD, answers
408 when the section has not arrived HEAD_TIMEOUT seconds after the
connection (or the request) began, and answers uvicorn's own
protocol-level 400 (bytes that are not HTTP) in Stripe's shape, with a
Request-Id and a log line like every other answer.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import socket
import sys
import time

import uvicorn
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from . import replies, server

#: Most bytes a request's line and headers may take (nginx's default buffers hold 4 × 8 KiB).
MAX_HEAD = 32 * 1024
#: Seconds a request's line and headers may take to arrive: from the connection, or from the
#: request's first byte on a connection kept alive (uvicorn closes one that stays idle).
HEAD_TIMEOUT = 10.0


def _reject(protocol: _Protocol, status: int, message: str, code: str = "") -> None:
    """Answer at the protocol level, before (or instead of) a request the application sees, and hang up."""
    if protocol.transport.is_closing():
        return  # answered already
    started, request_id = time.perf_counter(), replies.new_request_id()
    body = replies.dumps(replies.stripe_error("invalid_request_error", message, code))
    headers = replies.base_headers(request_id, len(body)) + [(b"connection", b"close")]
    head = b"".join(name + b": " + value + b"\r\n" for name, value in headers)
    protocol.transport.write(STATUS_LINE[status] + head + b"\r\n" + body)
    protocol.transport.close()
    replies.log("-", "-", status, started, request_id)


class _Protocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a bounded header section and Stripe-shaped protocol errors.

    Two counts bound the header section: the bytes of the URL and headers
    the parser hands over (exact, once each header is whole), and the raw
    bytes received while the section is still incomplete (one header that
    never ends never reaches the first count, but fills memory all the same).
    """

    #: Connections whose header section is due, and when: one sweep a second looks at them all
    #: (a timer per request would cost more than the check).  `serve` gives each server a subclass
    #: of its own, with its own of these three.
    waiting: dict = {}
    sweeping = None
    head_timeout = HEAD_TIMEOUT

    def connection_made(self, transport) -> None:
        self.in_head, self.raw_head, self.head = True, 0, 0
        super().connection_made(transport)
        self._wait_for_head()

    def connection_lost(self, exc) -> None:
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
            _reject(self, 400, "The request is not valid HTTP/1.1.")

    def _too_large(self) -> None:
        _reject(self, 431, f"The request line and headers take more than {MAX_HEAD} bytes, the most this server reads.")


async def _sweep(kind: type, loop) -> None:
    """Answer 408 on every connection of `kind` whose header section is overdue, and hang up; look once a second."""
    waiting = kind.waiting
    while True:
        await asyncio.sleep(min(1.0, kind.head_timeout / 4))
        now = loop.time()
        for protocol, deadline in list(waiting.items()):
            if now > deadline:
                del waiting[protocol]
                if protocol.in_head:
                    _reject(protocol, 408, f"The request line and headers did not arrive within "
                                           f"{protocol.head_timeout:g} seconds.", "head_timeout")


def serve(host: str = "127.0.0.1", port: int = 12111, app=None, announce=sys.stderr,
          head_timeout: float = HEAD_TIMEOUT) -> None:
    """Serve `app` (a new `server.StandIn` by default) until SIGINT or SIGTERM.

    The socket is bound here so that port 0 works: the line announcing the
    address names the port the system picked.  `head_timeout`: seconds a
    request's line and headers may take (408 past them).
    """
    protocol = type("_Protocol", (_Protocol,), {"waiting": {}, "sweeping": None, "head_timeout": head_timeout})
    if app is None:
        app = server.StandIn()
        app.warm()
    # What is loaded by now (schemas, compiled validators, modules) lives as long as the process:
    # out of the collector's sight, full collections stay short and the tail latency with them.
    gc.collect()
    gc.freeze()
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound = sock.getsockname()[1]
    shown_host = f"[{host}]" if family == socket.AF_INET6 else host
    print(f"customer-session: stand-in for POST {server.PATH} on http://{shown_host}:{bound} "
          f"(test keys only; Ctrl-C stops it)", file=announce, flush=True)

    # uvicorn's own warnings (not its access log: StandIn logs each request) go to stderr, one line each.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("customer-session: %(message)s"))
    uvicorn_log = logging.getLogger("uvicorn.error")
    uvicorn_log.addHandler(handler)
    uvicorn_log.setLevel(logging.WARNING)
    uvicorn_log.propagate = False

    # No proxy in front of a stand-in: X-Forwarded-* headers are not trusted, and not read at all.
    config = uvicorn.Config(app, http=protocol, lifespan="off", access_log=False, log_config=None,
                            server_header=False, proxy_headers=False, timeout_keep_alive=5)
    uvicorn.Server(config).run(sockets=[sock])
