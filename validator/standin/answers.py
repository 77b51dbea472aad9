"""What the stand-in server says besides the Customer Session: in Stripe's words and shapes.

Stripe's error body, the verdict on an API key, the headers of every
answer and the one log line per request.  `validator.server` (the
application) and `validator.serving` (its protocol-level answers) share
them.  Nothing here quotes an API key, a body or a secret.
"""

from __future__ import annotations

import asyncio
import atexit
import base64
import functools
import json
import re
import sys
import threading
import time

from . import answer, form, loader

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
        """`value` as compact JSON bytes."""
        try:
            return orjson.dumps(value)
        except TypeError:  # an integer past 64 bits (no minimum is documented, so a valid param may hold one)
            return _json(value)


def stripe_error(kind: str, message: str, code: str = "", param: str = "", **extra) -> dict:
    """Stripe's error body: ``type`` always; ``code``, ``param``, ``doc_url`` when there is one.

    Every body this server sends also lists its errors under ``errors`` (here, the one), so a
    client reads every 4xx answer the same way.
    """
    error = _error(kind, message, code, param, **extra)
    return {"error": {**error, "errors": [error]}}


def _error(kind: str, message: str, code: str = "", param: str = "", **extra) -> dict:
    error = {"type": kind}
    if code:
        error["code"] = code
    if param:
        error["param"] = param
    error["message"] = message
    if code in _STRIPE_CODES:
        error["doc_url"] = "https://stripe.com/docs/error-codes/" + code.replace("_", "-")
    error.update(extra)
    return error


def invalid(findings) -> dict:
    """400 for a request's params, from ``(param, code, message)`` triples: Stripe reports the first
    problem; ``errors`` lists them all, each shaped the same."""
    everything = [_error("invalid_request_error", message, code, param) for param, code, message in findings]
    return {"error": {**everything[0], "errors": everything}}


def too_large() -> dict:
    return stripe_error("invalid_request_error", f"The request body is longer than {form.MAX_BYTES} bytes, the most "
                        f"this server reads.", form.TOO_LARGE)


def conflict(key: bytes) -> dict:
    """Stripe's idempotency_error for a key reused with another body (the idempotency key is no secret)."""
    return stripe_error("idempotency_error", "Keys for idempotent requests can only be used with the same parameters "
                        f"they were first used with. Try using a key other than '{shown(key.decode('latin-1'), 60)}' "
                        f"if you meant to execute a different request.")


def api_key(authorization: bytes | None) -> str | None:
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


def unauthorized(key: str | None) -> dict | None:
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


# What an API key looks like, wherever a client puts one (a path, by mistake): never repeated.
_KEY_LIKE = re.compile(r"\b((?:sk|rk|pk)_(?:test|live)_)[0-9A-Za-z_]+")


def shown_path(path: str) -> str:
    """A request path fit for a message or a log line: `shown`, with anything shaped like an API key cut."""
    return shown(_KEY_LIKE.sub(r"\1(redacted)", path) if "_test_" in path or "_live_" in path else path)


def shown(text: str, limit: int = 200) -> str:
    """A request's own text, fit for a message or a log line: control characters escaped, cut at `limit`."""
    if len(text) <= limit and text.isprintable():
        return text  # the common case, at no cost
    text = _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", text[: limit + 1])
    return text if len(text) <= limit else text[:limit] + "…"


def new_request_id() -> str:
    return "req_" + answer.random_text(14)


def base_headers(request_id: str, length: int) -> list:
    """The headers of every answer, protocol-level ones included."""
    return [(b"content-type", b"application/json"), (b"content-length", b"%d" % length),
            (b"request-id", request_id.encode("ascii")), (b"stripe-version", _version()),
            (b"cache-control", b"no-cache, no-store")]


@functools.cache
def _version() -> bytes:
    return loader.api_version().encode("ascii")


_stamp = [0, ""]  # the last second logged, and how it is written
_pending: list = []  # lines logged and not yet written
_lock = threading.Lock()  # the server's loop, and any other thread logging too
_writer: list = [None]  # the loop whose turn, at its end, writes the lines pending


def log(method: str, path: str, status, started: float, request_id: str) -> None:
    """One line per request on standard error.  Never the body, a key or a secret: only these five things.

    Inside an event loop the lines of one turn of the loop are written
    together, at its end: one write for every request answered in that turn,
    rather than one each (a busy server answers many per turn).  Outside a
    loop, a line is written at once.
    """
    now = int(time.time())
    if now != _stamp[0]:
        _stamp[:] = now, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
    elapsed = (time.perf_counter() - started) * 1000
    line = f"{_stamp[1]} {method} {shown_path(path)} {status} {elapsed:.2f}ms {request_id}\n"
    with _lock:
        _pending.append(line)
        writer = _writer[0]
        if writer is not None and writer.is_running() and len(_pending) < 256:
            return  # the end of that turn writes it
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    if writer is not None or loop is None:  # no loop; a turn that long; or a loop that stopped before its turn ended
        _flush()
    if loop is not None:
        with _lock:
            _writer[0] = loop
        loop.call_soon(_flush)


def _flush() -> None:
    with _lock:
        _writer[0] = None
        if not _pending:
            return
        text = "".join(_pending)
        _pending.clear()
        try:
            sys.stderr.write(text)
            sys.stderr.flush()
        except (OSError, ValueError, AttributeError):
            pass  # a closed stderr must not cost the client its answer


atexit.register(_flush)  # a line logged in the loop's last turn, before the loop stopped
