"""The stand-in endpoint as an ASGI application: ``POST /v1/customer_sessions``, answered the way Stripe does.

A request goes through, in Stripe's order: the API key (401), the route
(404), the framing (413 for a body past the form decoder's limit, 400 for
a content type that is not a form), the idempotency key (a replay or 400
``idempotency_error``), form decoding (400 with the FormError's code),
validation (400: the first error as Stripe reports it, every error in
``error.errors``), then 200 with the object `validator.answer` builds from
the response schema.  Every answer carries a ``Request-Id``.  No param or
response field is named here.

Run it with `validator.serving.serve` (uvicorn); this module imports
nothing outside the standard library and the package, so it can be tested
in-process.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import json
import re
import sys
import time
from collections import OrderedDict

from . import answer, check, defaults, form, loader
from .errors import bracket

METHOD, PATH = "POST", "/v1/customer_sessions"

#: How many Idempotency-Keys are remembered, most recently used first: the memory stays bounded.
REPLAYS = 10_000
#: Longest Idempotency-Key (Stripe's own limit).
MAX_IDEMPOTENCY_KEY = 255
#: Seconds a client may take to send its body once the headers are in.
BODY_TIMEOUT = 10.0

# Codes Stripe itself documents (https://stripe.com/docs/error-codes): only these get a doc_url.
_STRIPE_CODES = frozenset({"parameter_missing", "parameter_unknown", "parameter_invalid_integer",
                           "parameter_invalid_empty", "parameter_invalid_string_empty",
                           "parameter_invalid_string_blank", form.INVALID_UTF8})
# Test-mode secret and restricted keys, as stripe-mock accepts them; a key is a header value, so bounded.
_TEST_KEY = re.compile(r"(?:sk|rk)_test_[0-9A-Za-z_]{1,200}")
_LIVE_KEY = re.compile(r"[a-z]{2}_live_")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

def _json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


try:  # the serve extra brings orjson: ten times faster than json for an answer this size
    import orjson
except ImportError:  # pragma: no cover - the extra is what the CLI asks for
    dumps = _json
else:
    def dumps(value) -> bytes:
        try:
            return orjson.dumps(value)
        except TypeError:  # an integer past 64 bits (no minimum is documented, so a valid param may hold one)
            return _json(value)


class _Gone(Exception):
    """The client closed the connection before its request was complete: there is no one to answer."""


def stripe_error(kind: str, message: str, code: str = "", param: str = "", **extra) -> dict:
    """Stripe's error body: ``type`` always; ``code``, ``param``, ``doc_url`` when there is one."""
    error = {"type": kind}
    if code:
        error["code"] = code
    if param:
        error["param"] = param
    error["message"] = message
    if code in _STRIPE_CODES:
        error["doc_url"] = "https://stripe.com/docs/error-codes/" + code.replace("_", "-")
    error.update(extra)
    return {"error": error}


def _invalid(findings) -> dict:
    """400 for the request's params: Stripe reports the first problem; ``errors`` lists them all."""
    everything = [stripe_error("invalid_request_error", message, code, param)["error"]
                  for param, code, message in findings]
    return {"error": {**everything[0], "errors": everything}}


def shown(text: str, limit: int = 200) -> str:
    """A request's own text, fit for a message or a log line: control characters escaped, cut at `limit`."""
    if len(text) <= limit and text.isprintable():
        return text  # the common case, at no cost
    text = _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", text[: limit + 1])
    return text if len(text) <= limit else text[:limit] + "…"


_stamp = [0, ""]  # the last second logged, and how it is written


def log(method: str, path: str, status, started: float, request_id: str) -> None:
    """One line per request on standard error.  Never the body, a key or a secret: only these five things."""
    now = int(time.time())
    if now != _stamp[0]:
        _stamp[:] = now, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
    elapsed = (time.perf_counter() - started) * 1000
    try:
        sys.stderr.write(f"{_stamp[1]} {method} {shown(path)} {status} {elapsed:.2f}ms {request_id}\n")
    except (OSError, ValueError, AttributeError):
        pass  # a closed stderr must not cost the client its answer


def base_headers(request_id: str, length: int) -> list:
    """The headers of every answer, protocol-level ones included."""
    return [(b"content-type", b"application/json"), (b"content-length", b"%d" % length),
            (b"request-id", request_id.encode("ascii")), (b"stripe-version", _version()),
            (b"cache-control", b"no-cache, no-store")]


@functools.cache
def _version() -> bytes:
    return loader.api_version().encode("ascii")


def new_request_id() -> str:
    return "req_" + answer.random_text(14)


def _api_key(authorization: bytes | None) -> str | None:
    """The key of ``Bearer KEY`` or of Basic auth's user name (``curl -u KEY:``); None without one."""
    if not authorization:
        return None
    scheme, _, credentials = authorization.strip().partition(b" ")
    scheme, credentials = scheme.lower(), credentials.strip()
    if scheme == b"basic":
        try:
            credentials = base64.b64decode(credentials, validate=True).partition(b":")[0]
        except ValueError:
            return ""
    elif scheme != b"bearer":
        return ""
    return credentials.decode("latin-1")


def _unauthorized(key: str | None) -> dict | None:
    """Stripe's 401 body for a missing or unusable key; None for a test key.  No key is ever quoted."""
    if key and _TEST_KEY.fullmatch(key):
        return None
    if not key:
        message = ("You did not provide an API key. Send a test-mode secret key in the Authorization header, as "
                   "Bearer auth (Authorization: Bearer sk_test_...) or as the user name of Basic auth "
                   "(curl -u sk_test_...:).")
    elif _LIVE_KEY.match(key):
        message = ("A live-mode API key was given and refused: this stand-in server accepts test-mode keys only "
                   "(sk_test_... or rk_test_...). Never send a live key to a test server.")
    else:
        message = "Invalid API Key provided: this stand-in server accepts test-mode keys only (sk_test_... or rk_test_...)."
    return stripe_error("invalid_request_error", message)


class StandIn:
    """The ASGI application.  One instance holds the idempotency cache (the last REPLAYS keys)."""

    def __init__(self, replays: int = REPLAYS, body_timeout: float = BODY_TIMEOUT):
        self.replays: OrderedDict = OrderedDict()
        self.size, self.body_timeout = replays, body_timeout
        self._reading: dict = {}  # task reading a body -> when it must be done
        self._late: set = set()  # tasks the watchdog cancelled
        self._watchdog = None
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
            status, body, headers = await self._answer(scope, receive, request_id)
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

    async def _answer(self, scope, receive, request_id: str) -> tuple[int, bytes, list]:
        """``(status, body, extra headers)`` for one request."""
        fields: dict = {}
        for name, value in scope["headers"]:
            fields.setdefault(name, value)  # the first of a repeated header counts
        # A body we do not read is not drained either: the connection ends with the answer.
        has_body = fields.get(b"content-length", b"0") != b"0" or b"transfer-encoding" in fields
        unread = [(b"connection", b"close")] if has_body else []

        authorization = fields.get(b"authorization")
        key = self._accepted.get(authorization)
        refusal = None
        if key is None:
            key = _api_key(authorization)
            refusal = _unauthorized(key)
            if refusal is None:  # a test key: remembered, so that its next request skips the parsing
                if len(self._accepted) >= 1000:
                    self._accepted.clear()
                self._accepted[authorization] = key
        if refusal is not None:
            return 401, dumps(refusal), [(b"www-authenticate", b'Basic realm="Stripe"'), *unread]
        if scope["method"] != METHOD or scope["path"] != PATH:
            message = f"Unrecognized request URL ({shown(scope['method'], 20)}: {shown(scope['path'])})."
            return 404, dumps(stripe_error("invalid_request_error", message)), unread

        idempotency_key = fields.get(b"idempotency-key", b"")
        if len(idempotency_key) > MAX_IDEMPOTENCY_KEY:
            message = (f"The Idempotency-Key header is {len(idempotency_key)} bytes long; "
                       f"at most {MAX_IDEMPOTENCY_KEY} are allowed.")
            return 400, dumps(stripe_error("invalid_request_error", message, "idempotency_key_too_long")), unread
        declared = fields.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > form.MAX_BYTES:
            return 413, dumps(_too_large()), [(b"connection", b"close")]
        kind = fields.get(b"content-type", b"").partition(b";")[0].strip().lower()
        if kind != b"application/x-www-form-urlencoded" and (kind or has_body):
            message = (f"Invalid request: unsupported Content-Type {shown(kind.decode('latin-1'), 100) or '(none)'}. "
                       f"Send the params as application/x-www-form-urlencoded, as every Stripe client does.")
            return 400, dumps(_invalid([("", "content_type_unsupported", message)])), unread

        body = await self._body(receive)
        if body is None:
            return 413, dumps(_too_large()), [(b"connection", b"close")]
        if body is False:
            message = f"The request body did not arrive within {self.body_timeout:g} seconds."
            return 408, dumps(stripe_error("invalid_request_error", message, "body_timeout")), [(b"connection", b"close")]

        if idempotency_key:
            cache_key = (key, idempotency_key)  # Stripe keeps idempotency keys per account
            digest = hashlib.sha256(body).digest()
            seen = self.replays.get(cache_key)
            if seen is not None:
                self.replays.move_to_end(cache_key)
                if seen[0] != digest:
                    return 400, dumps(stripe_error("idempotency_error", _conflict(idempotency_key))), []
                return 200, seen[1], [(b"idempotent-replayed", b"true"), (b"original-request", seen[2]),
                                      (b"idempotency-key", idempotency_key)]
        status, reply = self._create(body)
        if status == 200 and idempotency_key:
            # Only a session that was created is remembered: Stripe saves no result for params it rejected.
            self.replays[cache_key] = (digest, reply, request_id.encode("ascii"))
            if len(self.replays) > self.size:
                self.replays.popitem(last=False)
        return status, reply, [(b"idempotency-key", idempotency_key)] if idempotency_key else []

    async def _body(self, receive) -> bytes | None | bool:
        """The whole body; None past form.MAX_BYTES (reading stops there), False when it is too slow."""
        task = asyncio.current_task()
        # One watchdog for every request rather than a timer each: a timer costs as much as validating.
        if self._watchdog is None or self._watchdog.done():
            self._watchdog = asyncio.get_running_loop().create_task(self._watch())
        self._reading[task] = time.monotonic() + self.body_timeout
        chunks, size = [], 0
        try:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    raise _Gone
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > form.MAX_BYTES:
                    return None
                chunks.append(chunk)
                if not message.get("more_body", False):
                    return b"".join(chunks)
        except asyncio.CancelledError:
            if task not in self._late:
                raise  # cancelled from outside (the server shutting down): not ours to swallow
            self._late.discard(task)
            if hasattr(task, "uncancel"):  # Python 3.11+: the task is not being cancelled after all
                task.uncancel()
            return False
        finally:
            self._reading.pop(task, None)

    async def _watch(self) -> None:
        """Cancel every body read that has taken longer than body_timeout; look a few times per timeout."""
        while True:
            await asyncio.sleep(min(1.0, self.body_timeout / 4))
            now = time.monotonic()
            for task, deadline in list(self._reading.items()):
                if now > deadline:
                    del self._reading[task]
                    self._late.add(task)
                    task.cancel()

    @staticmethod
    def _create(body: bytes) -> tuple[int, bytes]:
        """Decode, validate, answer: ``(status, body)``."""
        try:
            params = form.decode(body)
        except form.FormError as exc:
            return 400, dumps(_invalid([(exc.param, exc.code, str(exc))]))
        errors = list(check.iter_errors(params))
        if errors:
            return 400, dumps(_invalid([(error.param, error.code, error.message) for error in errors]))
        try:
            expand = answer.expansions(params)
        except answer.UnknownExpansion as exc:
            param = bracket((*answer.expansions_param(), exc.index))
            message = f"This property cannot be expanded ({shown(exc.name, 40)})."
            return 400, dumps(_invalid([(param, "property_not_expandable", message)]))
        return 200, dumps(answer.build(defaults.fill_defaults(params), expand, fresh=False))


def _too_large() -> dict:
    return stripe_error("invalid_request_error", f"The request body is longer than {form.MAX_BYTES} bytes, the most "
                        f"this server reads.", form.TOO_LARGE)


def _conflict(key: bytes) -> str:
    return ("Keys for idempotent requests can only be used with the same parameters they were first used with. "
            f"Try using a key other than '{shown(key.decode('latin-1'), 60)}' if you meant to execute a different request.")
