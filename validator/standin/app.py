"""The stand-in endpoint as an ASGI application: ``POST /v1/customer_sessions``, answered the way Stripe does.

A request goes through, in Stripe's order: the API key (401; a live key is
refused before anything else, upstream or not), the route (404, or passed to
the upstream), the framing (413 for a body past the form decoder's limit, 400
for a content type that is not a form), the ``Stand-In-Fault`` header (400 when
unknown), the idempotency key (a replay, 400 ``idempotency_error`` for other
params, 409 while the first is executing), the fault if any (429 before
execution, a delay), form decoding and validation (400: the first error as
Stripe reports it, every error in ``error.errors``; nothing saved), then the
execution: 200 with the object `validator.answer` builds from the response
schema, or the upstream's answer, or the fault's 500 (saved), or a dropped
connection.  Every answer carries a ``Request-Id``; the words and shapes are
in `validator.standin.answers`.  No param or response field is named here.

Served by `validator.standin.serving.serve` (uvicorn); this module imports
nothing outside the standard library and the package (httpx only when an
upstream is set), so it can be tested in-process.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from asyncio import current_task
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from time import monotonic
from typing import Any

from .. import answer, check, form, loader
from ..errors import Error, bracket
from . import faults as _faults
from .answers import (DROP, Forwarded, Headers, api_key, base_headers, conflict, dumps, in_progress, invalid, RequestIds, shown,
                      shown_path, stripe_error, too_large, unauthorized)
from .faults import Fault, Faults
from .log import RequestLog

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
#: ``(status, body, extra headers)``
Reply = tuple[int, bytes, Headers]

METHOD, PATH = "POST", "/v1/customer_sessions"

#: How many Idempotency-Keys are remembered, most recently used first: the memory stays bounded.
REPLAYS = 10_000
#: Longest Idempotency-Key (Stripe's own limit).
MAX_IDEMPOTENCY_KEY = 255
#: Seconds a client may take to send its body once the headers are in.
BODY_TIMEOUT = 10.0

_CLOSE = (b"connection", b"close")
_FORM = b"application/x-www-form-urlencoded"
_LONG = len(str(form.MAX_BYTES))  # digits of a Content-Length that may be too long (fewer cannot)
_FORWARD: Reply = (0, b"", [])
_NONE: frozenset[str] = frozenset()  # `_screen`'s word for "pass this request to the upstream"


def _unread(fields: dict[bytes, bytes]) -> Headers:
    """The extra header of an answer given without reading the request's body, if it has one.

    A body that is not read is not drained either: the connection ends with the answer.
    """
    has_body = fields.get(b"content-length", b"0") != b"0" or b"transfer-encoding" in fields
    return [_CLOSE] if has_body else []


def fingerprint(params: object) -> bytes:
    """A digest of decoded params in a canonical form: the order of keys does not count, any value does."""
    try:
        import orjson

        text = orjson.dumps(params, option=orjson.OPT_SORT_KEYS)
    except (ImportError, TypeError):  # no orjson, or an integer past 64 bits
        text = json.dumps(params, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return hashlib.sha256(text).digest()


class _Gone(Exception):
    """The client closed the connection before its request was complete: there is no one to answer."""


class StandIn:
    """The ASGI application.  One instance holds the idempotency cache (the last `replays` keys),
    its log, its faults and its upstream.

    `faults`: ``KIND:RATE`` specs drawn at random for every request that executes (see
    `validator.standin.faults`), `seed` to repeat the draws; `upstream`: a base URL every other
    request is passed to, and valid creates too (`validator.standin.upstream`).  A bad spec or URL
    raises a `validator.Error` (also a ValueError).

    An instance serves one event loop at a time (one after another is fine): its cache, its
    body watchdog and its upstream client are not shared across threads.
    """

    def __init__(self, replays: int = REPLAYS, body_timeout: float = BODY_TIMEOUT, *,
                 faults: Iterable[str] = (), seed: int | None = None, upstream: str | None = None,
                 upstream_timeout: float = 30.0, log: RequestLog | None = None) -> None:
        # (API key, Idempotency-Key) -> (params' fingerprint, status, answer, request id)
        self.replays: OrderedDict[tuple[str, bytes], tuple[bytes, int, bytes, bytes]] = OrderedDict()
        self.size, self.body_timeout = replays, body_timeout
        self.log = log if log is not None else RequestLog()
        self.version = loader.api_version().encode("ascii")
        self.new_request_id = RequestIds()
        drawn = Faults(faults, seed)
        self.faults: Faults | None = drawn if drawn else None
        self._plain = self.faults is None and upstream is None  # every request is answered here, as it is
        self.upstream: Any = None  # an upstream.Upstream; typed loosely so that httpx stays unimported here
        if upstream is not None:
            from .upstream import Upstream

            self.upstream = Upstream(upstream, upstream_timeout, self.new_request_id)
        self._executing: set[tuple[str, bytes]] = set()  # keys whose first request has not finished
        self._reading: dict[asyncio.Task[Any], float] = {}  # task reading a body -> when it must be done
        self._late: set[asyncio.Task[Any]] = set()  # tasks the watchdog cancelled
        self._watchdog: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._accepted: dict[bytes | None, str] = {}  # Authorization header -> its test key, for the headers seen last

    def warm(self) -> None:
        """Load and compile everything a request needs, so that the first requests are as fast as the rest.

        Runs the root schema's first example through the whole path, and an
        empty payload (invalid) through the explanation.
        """
        example = loader.root()["examples"][0]
        self._create(form.encode(example).encode("utf-8"))
        self._create(b"")

    async def close(self) -> None:
        """Let go of the upstream client and the watchdog (the lifespan's shutdown calls it)."""
        if self.upstream is not None:
            await self.upstream.close()
        if self._watchdog is not None and not self._watchdog.done():
            self._watchdog.cancel()
        self.log.flush()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                await self._lifespan(receive, send)
            return  # websockets: nothing to do
        started, request_id = time.perf_counter(), self.new_request_id()
        method, path, note = scope["method"], scope["path"], ""
        fault: Fault | None = None
        try:
            pairs = scope["headers"]  # a list from uvicorn; any iterable of pairs, says ASGI
            fields = dict(reversed(pairs if pairs.__class__ is list else list(pairs)))  # the first of a name counts
            key, refusal, asked = self._screen(scope, fields)
            if refusal is _FORWARD:
                await self.upstream.pass_through(scope, receive, send, self.log, started)
                return
            if refusal is None:
                received = await self._body(receive)
                headers: Headers = []
                if self._plain and asked is None and isinstance(received, bytes) and b"idempotency-key" not in fields:
                    status, body = self._create(received)  # the common case
                else:
                    status, body, headers, fault, note = await self._answer(key, scope, fields, received, request_id,
                                                                            asked)
            else:
                status, body, headers = refusal
        except _Gone:
            self.log.request(method, path, "gone", started, request_id)
            return
        except Exception as exc:  # a bug of ours: Stripe's api_error, and a log line with no payload in it
            status, headers = 500, []
            body = dumps(stripe_error("api_error", "The stand-in server failed to handle the request."))
            self.log.request(method, path, f"500 ({type(exc).__name__})", started, request_id)
        else:
            if fault is not None and fault.kind == "drop":
                self.log.request(method, path, f"{status} (dropped)", started, request_id, note)
                await self._drop(scope, receive)
                return
            if headers.__class__ is Forwarded:
                request_id = headers.request_id
            self.log.request(method, path, status, started, request_id, note)
        if headers.__class__ is Forwarded:  # an upstream's answer, sent as it came (with its own Request-Id)
            await send({"type": "http.response.start", "status": status, "headers": headers})
        else:
            await send({"type": "http.response.start", "status": status,
                        "headers": base_headers(request_id, len(body), self.version) + headers})
        await send({"type": "http.response.body", "body": body})

    def _screen(self, scope: Scope, fields: dict[bytes, bytes]) -> tuple[str, Reply | None, Fault | None]:
        """The request's API key, the answer if it is refused before its body is read, and the fault it asks for."""
        authorization = fields.get(b"authorization")
        key = self._accepted.get(authorization)
        if key is None:
            given = api_key(authorization)
            refusal = unauthorized(given)
            if refusal is not None:
                return "", (401, dumps(refusal), [(b"www-authenticate", b'Basic realm="Stripe"'), *_unread(fields)]), None
            key = given or ""
            if len(self._accepted) >= 1000:
                self._accepted.clear()
            self._accepted[authorization] = key  # a test key: its next request skips the parsing
        if scope["method"] != METHOD or scope["path"] != PATH:
            if self.upstream is not None:
                return key, _FORWARD, None
            message = f"Unrecognized request URL ({shown(scope['method'], 20)}: {shown_path(scope['path'])})."
            return key, (404, dumps(stripe_error("invalid_request_error", message)), _unread(fields)), None
        idempotency_key = fields.get(b"idempotency-key", b"")
        if len(idempotency_key) > MAX_IDEMPOTENCY_KEY:
            message = (f"The Idempotency-Key header is {len(idempotency_key)} bytes long; "
                       f"at most {MAX_IDEMPOTENCY_KEY} are allowed.")
            return key, (400, dumps(stripe_error("invalid_request_error", message, "idempotency_key_too_long")),
                         _unread(fields)), None
        declared = fields.get(b"content-length")
        if declared is not None and len(declared) >= _LONG and declared.isdigit() and int(declared) > form.MAX_BYTES:
            return key, (413, dumps(too_large()), [_CLOSE]), None
        kind = fields.get(b"content-type", b"")
        if kind != _FORM:  # as every client sends it; else its media type, parameters and case aside
            kind = kind.partition(b";")[0].strip().lower()
            if kind != _FORM and (kind or _unread(fields)):
                message = (f"Invalid request: unsupported Content-Type {shown(kind.decode('latin-1'), 100) or '(none)'}. "
                           f"Send the params as application/x-www-form-urlencoded, as every Stripe client does.")
                return key, (400, dumps(invalid([("", "content_type_unsupported", message)])), _unread(fields)), None
        asked = fields.get(_faults.HEADER)
        if asked is None:
            return key, None, None
        try:
            return key, None, _faults.parse(asked.decode("latin-1"))
        except _faults.FaultError as exc:
            message = f"Invalid Stand-In-Fault header: {exc}."
            return key, (400, dumps(stripe_error("invalid_request_error", message, "stand_in_fault_unknown")),
                         _unread(fields)), None

    async def _answer(self, key: str, scope: Scope, fields: dict[bytes, bytes], body: bytes | None | bool, request_id: str,
                      asked: Fault | None) -> tuple[int, bytes, Headers, Fault | None, str]:
        """``(status, body, extra headers, fault applied, log note)`` for a request that passed `_screen`."""
        if body is None:
            return 413, dumps(too_large()), [_CLOSE], None, ""
        if body is False or body is True:
            message = f"The request body did not arrive within {self.body_timeout:g} seconds."
            return 408, dumps(stripe_error("invalid_request_error", message, "body_timeout")), [_CLOSE], None, ""

        idempotency_key = fields.get(b"idempotency-key")
        if not idempotency_key:
            return await self._execute(key, scope, body, None, asked, request_id)

        echo = (b"idempotency-key", idempotency_key)
        try:
            params = form.decode(body)
        except (Error, ValueError) as exc:  # a body that does not decode is answered here; nothing is saved
            status, reply = self._refused(exc)
            return status, reply, [echo], None, ""
        cache_key = (key, idempotency_key)  # Stripe keeps idempotency keys per account
        digest = fingerprint(params)
        seen = self.replays.get(cache_key)
        if seen is not None:  # a replay does not execute: no fault either
            self.replays.move_to_end(cache_key)
            if seen[0] != digest:
                return 400, dumps(conflict(idempotency_key)), [echo], None, ""
            return seen[1], seen[2], [(b"idempotent-replayed", b"true"), (b"original-request", seen[3]), echo], None, ""
        if cache_key in self._executing:
            return 409, dumps(in_progress(idempotency_key)), [echo], None, ""
        self._executing.add(cache_key)
        try:
            status, reply, headers, fault, note = await self._execute(key, scope, body, params, asked, request_id)
        finally:
            self._executing.discard(cache_key)
        # What executed is saved, 500s included; nothing is for params rejected or a request refused
        # before execution (Stripe's rules).  Upstream answers are the upstream's to save.
        if status == 500 or (status == 200 and self.upstream is None):
            # A copy of the exact size: orjson's bytes keep a 4 KiB buffer, which 10 000 entries would multiply.
            self.replays[cache_key] = (digest, status, memoryview(reply).tobytes(), request_id.encode("ascii"))
            if len(self.replays) > self.size:
                self.replays.popitem(last=False)
        return status, reply, [*headers, echo], fault, note

    async def _execute(self, key: str, scope: Scope, body: bytes, params: Any, fault: Fault | None,
                       request_id: str) -> tuple[int, bytes, Headers, Fault | None, str]:
        """A request that is not a replay: its fault, its verdict, then the session (or the upstream's answer)."""
        if fault is None and self.faults is not None:
            fault = self.faults.draw()  # one draw per request that executes, so a seed repeats a run
        if fault is not None:
            if fault.kind == "rate_limit":
                return 429, dumps(stripe_error("invalid_request_error", "Too many requests hit the API too quickly "
                                               "(a rate_limit fault of the stand-in).", "rate_limit")), [], None, ""
            if fault.kind == "delay":
                await asyncio.sleep(fault.delay_ms / 1000)
        if self.upstream is None:
            status, reply = self._create(body, params)
        else:
            refused, _, _ = self._verdict(body, params)
            if refused is not None:
                status, reply = refused
            elif fault is not None and fault.kind == "api_error":
                status, reply = 200, b""
            else:
                status, reply, headers, note = await self.upstream.create(scope, body)
                return status, reply, headers, fault, note
        if status == 200 and fault is not None and fault.kind == "api_error":
            status, reply = 500, dumps(stripe_error("api_error", "An error occurred while processing the request "
                                                    "(an api_error fault of the stand-in)."))
        return status, reply, [], fault, ""

    def _create(self, body: bytes, params: Any = None) -> tuple[int, bytes]:
        """Decode (unless `params` are given), validate, answer: ``(status, body)``."""
        refused, params, expand = self._verdict(body, params)
        if refused is not None:
            return refused
        return 200, dumps(answer.build(params, expand, fresh=False))  # the defaults filled as it goes

    @staticmethod
    def _verdict(body: bytes, params: Any) -> tuple[tuple[int, bytes] | None, Any, frozenset[tuple[str, ...]]]:
        """``(the 400 for params Stripe would reject or None, the params, the fields to expand)``."""
        try:
            if params is None:
                params = form.decode(body)
            if not check.params.is_valid(params):
                errors = list(check.params.iter_errors(params))
                return (400, dumps(invalid([(error.param, error.code, error.message) for error in errors]))), None, frozenset()
            return None, params, answer.expansions(params)
        except answer.UnknownExpansion as exc:
            param = bracket((*(answer.expansions_param() or ()), exc.index))
            message = f"This property cannot be expanded ({shown(exc.name, 40)})."
            return (400, dumps(invalid([(param, "property_not_expandable", message)]))), None, frozenset()
        except (Error, ValueError) as exc:  # a body that is not a usable form, or any refusal of ours: never a 500
            return StandIn._refused(exc), None, frozenset()

    @staticmethod
    def _refused(exc: Exception) -> tuple[int, bytes]:
        """400 for an exception raised on a request's own content, with its code and param where it has them."""
        code = getattr(exc, "code", None) or "parameter_invalid"
        param = getattr(exc, "param", None) or ""
        return 400, dumps(invalid([(str(param), str(code), shown(str(exc), 300))]))

    async def _drop(self, scope: Scope, receive: Receive) -> None:
        """Close the connection with no answer, through the server's extension (without one: no answer at all)."""
        drop = scope.get("extensions", {}).get(DROP)
        if drop is None:
            return
        drop()
        try:  # the server learns of the closed connection before the application returns
            await asyncio.wait_for(receive(), 1.0)
        except asyncio.TimeoutError:
            pass

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _body(self, receive: Receive) -> bytes | None | bool:
        """The whole body; None past form.MAX_BYTES (reading stops there), False when it is too slow."""
        # One watchdog for every request rather than a timer each: a timer costs as much as validating.
        loop = self._loop
        if loop is None or not loop.is_running() or self._watchdog is None or self._watchdog.done():
            loop = self._loop = asyncio.get_running_loop()  # the first request, or a new loop
            self._watchdog = loop.create_task(self._watch())
        task = current_task(loop)  # with its loop: Python 3.11 asks the OS for the pid to find the loop
        assert task is not None
        reading = self._reading
        reading[task] = monotonic() + self.body_timeout
        try:
            message = await receive()
            if message["type"] == "http.request" and not message.get("more_body"):
                body: bytes = message.get("body", b"")  # the common case: the whole body at once
                return body if len(body) <= form.MAX_BYTES else None
            chunks, size = [], 0
            while True:
                if message["type"] == "http.disconnect":
                    raise _Gone
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > form.MAX_BYTES:
                    return None
                chunks.append(chunk)
                if not message.get("more_body", False):
                    return b"".join(chunks)
                message = await receive()
        except asyncio.CancelledError:
            if task not in self._late:
                raise  # cancelled from outside (the server shutting down): not ours to swallow
            self._late.discard(task)
            if hasattr(task, "uncancel"):  # Python 3.11+: the task is not being cancelled after all
                task.uncancel()
            return False
        finally:
            reading.pop(task, None)

    async def _watch(self) -> None:
        """Cancel every body read that has taken longer than body_timeout; look a few times per timeout."""
        while True:
            await asyncio.sleep(min(1.0, self.body_timeout / 4))
            now = monotonic()
            for task, deadline in list(self._reading.items()):
                if now > deadline:
                    self._reading[task] = float("inf")  # _body forgets it; cancelled once
                    self._late.add(task)
                    task.cancel()
