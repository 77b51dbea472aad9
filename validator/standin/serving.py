"""Serving the stand-in over HTTP: uvicorn with httptools, from the optional extra ``serve``.

Importing this module imports uvicorn; `validator` and the CLI import it
only when ``customer-session serve`` runs, so a core install never pays for
it and an install without the extra says what to add.  What the server needs
from uvicorn beyond its public API is in `validator.standin.protocol`.
"""

from __future__ import annotations

import gc
import ipaddress
import logging
import socket
import sys
from collections.abc import Iterable
from typing import Any, TextIO

import uvicorn

from .app import PATH, StandIn
from .log import RequestLog
from .protocol import HEAD_TIMEOUT, QuietParser, Server, protocol_class


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve(host: str = "127.0.0.1", port: int = 12111, app: Any = None, announce: TextIO | None = None,
          head_timeout: float = HEAD_TIMEOUT, *, faults: Iterable[str] = (), seed: int | None = None,
          upstream: str | None = None) -> None:
    """Serve `app` (a new `StandIn` with `faults`, `seed` and `upstream`, by default) until SIGINT or SIGTERM.

    A bad fault spec or upstream URL raises a `validator.Error` (a ValueError)
    before anything is bound.  The socket is bound here so that port 0 works:
    the line announcing the address names the port the system picked.
    `head_timeout`: seconds a request's line and headers may take (408 past them).
    """
    announce = announce or sys.stderr
    if app is None:
        app = StandIn(faults=faults, seed=seed, upstream=upstream)
        app.warm()
    log = app.log if isinstance(app, StandIn) else RequestLog()
    version = app.version if isinstance(app, StandIn) else b""
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
    extra = ""
    if isinstance(app, StandIn) and app.upstream is not None:
        extra += f"; every other request passed to {app.upstream.shown}"
    if isinstance(app, StandIn) and app.faults is not None:
        extra += "; faults " + ", ".join(f"{fault.kind}{'=%d' % fault.delay_ms if fault.kind == 'delay' else ''}:"
                                         f"{rate:g}" for fault, rate in app.faults.chances)
        extra += f" (seed {app.faults.seed})" if app.faults.seed is not None else " (no seed)"
    print(f"customer-session: stand-in for POST {PATH} on http://{shown_host}:{bound} "
          f"(test keys only; Ctrl-C stops it){extra}", file=announce, flush=True)
    if not _loopback(host):
        print(f"customer-session: warning: listening on {shown_host}, not a loopback address: anyone who can reach "
              f"this machine can use the stand-in", file=announce, flush=True)

    # uvicorn's own warnings (not its access log: the application logs each request) go to stderr, one line each.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("customer-session: %(message)s"))
    handler.addFilter(QuietParser())
    uvicorn_log = logging.getLogger("uvicorn.error")
    uvicorn_log.addHandler(handler)
    uvicorn_log.setLevel(logging.WARNING)
    uvicorn_log.propagate = False

    # No proxy in front of a stand-in: X-Forwarded-* headers are not trusted, and not read at all.
    ids = app.new_request_id if isinstance(app, StandIn) else None
    config = uvicorn.Config(app, http=protocol_class(log, version, head_timeout, ids),
                            lifespan="on" if isinstance(app, StandIn) else "off", access_log=False, log_config=None,
                            server_header=False, proxy_headers=False, timeout_keep_alive=5)
    Server(config, log).run(sockets=[sock])
