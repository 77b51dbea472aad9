"""The stand-in's log: one line per request on standard error, written once per turn of the event loop.

A `RequestLog` belongs to the application (and the protocol serving it):
nothing here is shared between servers.  Never the body, a key or a secret:
a line holds the time, method, path (keys cut), status, duration and
request id, and at most a list of response field names.
"""

from __future__ import annotations

import asyncio
import atexit
import sys
import threading
import time
import weakref
from typing import TextIO

from .answers import shown, shown_path

#: A turn of the loop that has logged this many lines writes them at once rather than at its end.
_BATCH = 256


class RequestLog:
    """Lines written to `stream` (standard error as it is when written, by default).

    Inside an event loop the lines of one turn of the loop are written
    together, at its end: one write for every request answered in that turn,
    rather than one each (a busy server answers many per turn).  Outside a
    loop, a line is written at once.  Safe to call from several threads.
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream
        self._stamp: tuple[int, str] = (0, "")  # the last second logged, and how it is written
        self._pending: list[str] = []  # lines logged and not yet written
        self._lock = threading.Lock()
        self._writer: asyncio.AbstractEventLoop | None = None  # the loop whose turn, at its end, writes them
        reference = weakref.ref(self)
        atexit.register(_flush_if_alive, reference)  # lines of a loop's last turn, if the loop stopped before its end

    def request(self, method: str, path: str, status: int | str, started: float, request_id: str,
                note: str = "") -> None:
        """The line of one request; `started` is its `time.perf_counter()`; `note` follows the status, as it is."""
        now = int(time.time())
        if now != self._stamp[0]:
            self._stamp = (now, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)))
        elapsed = (time.perf_counter() - started) * 1000
        self._add(f"{self._stamp[1]} {shown(method, 20)} {shown_path(path)} {status}{note} {elapsed:.2f}ms "
                  f"{request_id}\n")

    def say(self, text: str) -> None:
        """A line about the server itself (``customer-session: ...``), written at once with any pending."""
        with self._lock:
            self._pending.append(f"customer-session: {text}\n")
        self.flush()

    def _add(self, line: str) -> None:
        with self._lock:
            self._pending.append(line)
            writer = self._writer
            if writer is not None and writer.is_running() and len(self._pending) < _BATCH:
                return  # the end of that turn writes it
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if writer is not None or loop is None:  # no loop; a turn that long; or a loop that stopped mid-turn
            self.flush()
        if loop is not None:
            with self._lock:
                self._writer = loop
            loop.call_soon(self.flush)

    def flush(self) -> None:
        """Write every line pending."""
        with self._lock:
            self._writer = None
            if not self._pending:
                return
            text = "".join(self._pending)
            self._pending.clear()
            try:
                stream = self.stream or sys.stderr
                stream.write(text)
                stream.flush()
            except (OSError, ValueError, AttributeError):
                pass  # a closed stderr must not cost the client its answer


def _flush_if_alive(reference: weakref.ref[RequestLog]) -> None:
    log = reference()
    if log is not None:
        log.flush()
