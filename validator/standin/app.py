"""The stand-in endpoint as an ASGI application: ``POST /v1/customer_sessions``, answered the way Stripe does.

A request goes through, in Stripe's order: the API key (401), the route
(404), the framing (413 for a body past the form decoder's limit, 400 for
a content type that is not a form), the idempotency key (a replay or 400
``idempotency_error``), form decoding (400 with the FormError's code),
validation (400: the first error as Stripe reports it, every error in
``error.errors``), then 200 with the object `validator.answer` builds from
the response schema.  Every answer carries a ``Request-Id``; the words and
shapes of the answers are in `validator.replies`.  No param or response
field is named here.

Run it with `validator.serving.serve` (uvicorn); this module imports
nothing outside the standard library and the package, so it can be tested
in-process.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from asyncio import current_task
from collections import OrderedDict
from time import monotonic

from . import answer, check, form, loader
from .errors import bracket
from .replies import (api_key, base_headers, conflict, dumps, invalid, log, new_request_id, shown, shown_path,
                      stripe_error, too_large, unauthorized)

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


def _unread(fields: dict) -> list:
    """The extra header of an answer given without reading the request's body, if it has one.

    A body that is not read is not drained either: the connection ends with the answer.
    """
    has_body = fields.get(b"content-length", b"0") != b"0" or b"transfer-encoding" in fields
    return [_CLOSE] if has_body else []


class _Gone(Exception):
    """The client closed the connection before its request was complete: there is no one to answer."""


class StandIn:
    """The ASGI application.  One instance holds the idempotency cache (the last `replays` keys).

    An instance serves one event loop at a time (one after another is fine):
    its cache and its body watchdog are not shared across threads.
    """

    def __init__(self, replays: int = REPLAYS, body_timeout: float = BODY_TIMEOUT):
        self.replays: OrderedDict = OrderedDict()  # (API key, Idempotency-Key) -> (body digest, answer, request id)
        self.size, self.body_timeout = replays, body_timeout
        self._reading: dict = {}  # task reading a body -> when it must be done
        self._late: set = set()  # tasks the watchdog cancelled
        self._watchdog = self._loop = None
        self._accepted: dict = {}  # Authorization header -> its test key, for the headers seen last

    def warm(self) -> None:
        """Load and compile everything a request needs, so that the first requests are as fast as the rest.

        Runs the root schema's first example through the whole path, and an
        empty payload (invalid) through the explanation.
        """
        example = loader.root()["examples"][0]
        self._create(form.encode(example).encode("utf-8"))
        self._create(b"")

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return  # lifespan and websockets: nothing to do
        started, request_id = time.perf_counter(), new_request_id()
        method, path = scope["method"], scope["path"]
        try:
            pairs = scope["headers"]  # a list from uvicorn; any iterable of pairs, says ASGI
            fields = dict(reversed(pairs if pairs.__class__ is list else list(pairs)))  # the first of a name counts
            key, refusal = self._screen(scope, fields)
            if refusal is None:
                status, body, headers = self._answer(key, fields, await self._body(receive), request_id)
            else:
                status, body, headers = refusal
        except _Gone:
            log(method, path, "gone", started, request_id)
            return
        except Exception as exc:  # a bug of ours: Stripe's api_error, and a log line with no payload in it
            status, headers = 500, []
            body = dumps(stripe_error("api_error", "The stand-in server failed to handle the request."))
            log(method, path, f"500 ({type(exc).__name__})", started, request_id)
        else:
            log(method, path, status, started, request_id)
        await send({"type": "http.response.start", "status": status,
                    "headers": base_headers(request_id, len(body)) + headers})
        await send({"type": "http.response.body", "body": body})

    def _answer(self, key: str, fields: dict, body, request_id: str) -> tuple[int, bytes, list]:
        """``(status, body, extra headers)`` for a request that passed `_screen`, once its body is read."""
        if body is None:
            return 413, dumps(too_large()), [_CLOSE]
        if body is False:
            message = f"The request body did not arrive within {self.body_timeout:g} seconds."
            return 408, dumps(stripe_error("invalid_request_error", message, "body_timeout")), [_CLOSE]

        idempotency_key = fields.get(b"idempotency-key")
        if not idempotency_key:
            return (*self._create(body), [])
        echo = (b"idempotency-key", idempotency_key)
        cache_key = (key, idempotency_key)  # Stripe keeps idempotency keys per account
        digest = hashlib.sha256(body).digest()
        seen = self.replays.get(cache_key)
        if seen is not None:
            self.replays.move_to_end(cache_key)
            if seen[0] != digest:
                return 400, dumps(conflict(idempotency_key)), [echo]
            return 200, seen[1], [(b"idempotent-replayed", b"true"), (b"original-request", seen[2]), echo]
        status, reply = self._create(body)
        if status == 200:  # only a session that was created is remembered: Stripe saves no result for params it rejected
            # A copy of the exact size: orjson's bytes keep a 4 KiB buffer, which 10 000 entries would multiply.
            self.replays[cache_key] = (digest, memoryview(reply).tobytes(), request_id.encode("ascii"))
            if len(self.replays) > self.size:
                self.replays.popitem(last=False)
        return status, reply, [echo]

    def _screen(self, scope, fields: dict) -> tuple[str | None, tuple | None]:
        """The request's API key, and the answer if it is refused before its body is read."""
        authorization = fields.get(b"authorization")
        key = self._accepted.get(authorization)
        if key is None:
            key = api_key(authorization)
            refusal = unauthorized(key)
            if refusal is not None:
                return key, (401, dumps(refusal), [(b"www-authenticate", b'Basic realm="Stripe"'), *_unread(fields)])
            if len(self._accepted) >= 1000:
                self._accepted.clear()
            self._accepted[authorization] = key  # a test key: its next request skips the parsing
        if scope["method"] != METHOD or scope["path"] != PATH:
            message = f"Unrecognized request URL ({shown(scope['method'], 20)}: {shown_path(scope['path'])})."
            return key, (404, dumps(stripe_error("invalid_request_error", message)), _unread(fields))
        idempotency_key = fields.get(b"idempotency-key", b"")
        if len(idempotency_key) > MAX_IDEMPOTENCY_KEY:
            message = (f"The Idempotency-Key header is {len(idempotency_key)} bytes long; "
                       f"at most {MAX_IDEMPOTENCY_KEY} are allowed.")
            return key, (400, dumps(stripe_error("invalid_request_error", message, "idempotency_key_too_long")),
                         _unread(fields))
        declared = fields.get(b"content-length")
        if declared is not None and len(declared) >= _LONG and declared.isdigit() and int(declared) > form.MAX_BYTES:
            return key, (413, dumps(too_large()), [_CLOSE])
        kind = fields.get(b"content-type", b"")
        if kind != _FORM:  # as every client sends it; else its media type, parameters and case aside
            kind = kind.partition(b";")[0].strip().lower()
            if kind != _FORM and (kind or _unread(fields)):
                message = (f"Invalid request: unsupported Content-Type {shown(kind.decode('latin-1'), 100) or '(none)'}. "
                           f"Send the params as application/x-www-form-urlencoded, as every Stripe client does.")
                return key, (400, dumps(invalid([("", "content_type_unsupported", message)])), _unread(fields))
        return key, None

    async def _body(self, receive) -> bytes | None | bool:
        """The whole body; None past form.MAX_BYTES (reading stops there), False when it is too slow."""
        # One watchdog for every request rather than a timer each: a timer costs as much as validating.
        loop = self._loop
        if loop is None or not loop.is_running() or self._watchdog.done():  # the first request, or a new loop
            loop = self._loop = asyncio.get_running_loop()
            self._watchdog = loop.create_task(self._watch())
        task = current_task(loop)  # with its loop: Python 3.11 asks the OS for the pid to find the loop
        reading = self._reading
        reading[task] = monotonic() + self.body_timeout
        try:
            message = await receive()
            if message["type"] == "http.request" and not message.get("more_body"):
                body = message.get("body", b"")  # the common case: the whole body at once
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

    @staticmethod
    def _create(body: bytes) -> tuple[int, bytes]:
        """Decode, validate, answer: ``(status, body)``."""
        try:
            params = form.decode(body)
        except form.FormError as exc:
            return 400, dumps(invalid([(exc.param, exc.code, str(exc))]))
        if not check.params.is_valid(params):
            errors = list(check.params.iter_errors(params))
            return 400, dumps(invalid([(error.param, error.code, error.message) for error in errors]))
        try:
            expand = answer.expansions(params)
        except answer.UnknownExpansion as exc:
            param = bracket((*answer.expansions_param(), exc.index))
            message = f"This property cannot be expanded ({shown(exc.name, 40)})."
            return 400, dumps(invalid([(param, "property_not_expandable", message)]))
        return 200, dumps(answer.build(params, expand, fresh=False))  # the defaults filled as it goes
