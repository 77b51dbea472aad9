"""What the stand-in says besides the Customer Session: in Stripe's words and shapes.

Stripe's error body, the verdict on an API key, the headers of every answer,
request ids, and how a request's own text (a path, a method) is shown in a
message or a log line.  Pure functions: no state.  Nothing here quotes an API
key, a body or a secret.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote

from .. import form
from ..answer import Letters

#: The scope extension (under ``scope["extensions"]``) through which the server lets the application
#: close a connection with no answer; `validator.standin.protocol` provides it.
DROP = "customer-session.drop"

#: A header list as ASGI carries it.
Headers = list[tuple[bytes, bytes]]


class Forwarded(Headers):
    """The headers of an upstream's answer, to send as they are (no headers of ours added but flags)."""

    def __init__(self, headers: Iterable[tuple[bytes, bytes]], request_id: str) -> None:
        super().__init__(headers)
        self.request_id = request_id  # the upstream's, for the log line

# Codes Stripe itself documents (https://stripe.com/docs/error-codes): only these get a doc_url.
_STRIPE_CODES = frozenset({"parameter_missing", "parameter_unknown", "parameter_invalid_integer",
                           "parameter_invalid_empty", "parameter_invalid_string_empty",
                           "parameter_invalid_string_blank", "rate_limit", form.INVALID_UTF8})
# Test-mode secret and restricted keys, as stripe-mock accepts them; a key is a header value, so bounded.
_TEST_KEY = re.compile(r"(?:sk|rk)_test_[0-9A-Za-z_]{1,200}")
_LIVE_KEY = re.compile(r"[a-z]{2}_live_")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# What an API key looks like wherever a client puts one (a path, by mistake), after any letter,
# digit or underscore (no word boundary is assumed): never repeated.
_KEY_LIKE = re.compile(r"(?i)(sk|rk|pk)_(test|live)_[0-9a-z_]*")
_KEY_HINT = re.compile(r"(?i)_(?:test|live)_")
# Rounds of %-unescaping before a path is searched for keys: an escape of an escape is undone too.
_UNESCAPE_ROUNDS = 8


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


try:  # the serve extra brings orjson: ten times faster than json for an answer this size
    import orjson
except ImportError:  # pragma: no cover - the extra is what the CLI asks for
    dumps = _json
else:
    def dumps(value: object) -> bytes:
        """`value` as compact JSON bytes."""
        try:
            return orjson.dumps(value)
        except TypeError:  # an integer past 64 bits (no minimum is documented, so a valid param may hold one)
            return _json(value)


def stripe_error(kind: str, message: str, code: str = "", param: str = "") -> dict[str, Any]:
    """Stripe's error body: ``type`` always; ``code``, ``param``, ``doc_url`` when there is one.

    Every body this server sends also lists its errors under ``errors`` (here, the one), so a
    client reads every 4xx answer the same way.
    """
    error = _error(kind, message, code, param)
    return {"error": {**error, "errors": [error]}}


def _error(kind: str, message: str, code: str = "", param: str = "") -> dict[str, str]:
    error = {"type": kind}
    if code:
        error["code"] = code
    if param:
        error["param"] = param
    error["message"] = message
    if code in _STRIPE_CODES:
        error["doc_url"] = "https://stripe.com/docs/error-codes/" + code.replace("_", "-")
    return error


def invalid(findings: Iterable[tuple[str, str, str]]) -> dict[str, Any]:
    """400 for a request's params, from ``(param, code, message)`` triples: Stripe reports the first
    problem; ``errors`` lists them all, each shaped the same."""
    everything = [_error("invalid_request_error", message, code, param) for param, code, message in findings]
    return {"error": {**everything[0], "errors": everything}}


def too_large() -> dict[str, Any]:
    return stripe_error("invalid_request_error", f"The request body is longer than {form.MAX_BYTES} bytes, the most "
                        f"this server reads.", form.TOO_LARGE)


def conflict(key: bytes) -> dict[str, Any]:
    """Stripe's idempotency_error for a key reused with other params (the idempotency key is no secret)."""
    return stripe_error("idempotency_error", "Keys for idempotent requests can only be used with the same parameters "
                        f"they were first used with. Try using a key other than '{shown(key.decode('latin-1'), 60)}' "
                        f"if you meant to execute a different request.")


def in_progress(key: bytes) -> dict[str, Any]:
    """409 for a key whose first request is still executing (Stripe saves nothing for the second)."""
    return stripe_error("idempotency_error", "There is currently another in-progress request using this "
                        f"Idempotency-Key ('{shown(key.decode('latin-1'), 60)}'); retry after it completes.")


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


def unauthorized(key: str | None) -> dict[str, Any] | None:
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


def shown_path(path: str) -> str:
    """A request path fit for a message or a log line: `shown`, with anything shaped like an API key cut.

    A path that may hold a key is searched with its %-escapes undone (an escape of an escape
    too), so neither an escaped key nor a key glued to a word escapes the cut; such a path is
    then shown unescaped.
    """
    if "%" in path:
        text = path
        for _ in range(_UNESCAPE_ROUNDS):
            plain = unquote(text, errors="replace")
            if plain == text:
                break
            text = plain
        if _KEY_HINT.search(text):
            path = text
    if _KEY_HINT.search(path):
        path = _KEY_LIKE.sub(r"\1_\2_(redacted)", path)
    return shown(path)


def shown(text: str, limit: int = 200) -> str:
    """A request's own text, fit for a message or a log line: control characters escaped, cut at `limit`."""
    if len(text) <= limit and text.isprintable():
        return text  # the common case, at no cost
    text = _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", text[: limit + 1])
    return text if len(text) <= limit else text[:limit] + "…"


class RequestIds:
    """``req_`` and 14 letters and digits from the OS's secure generator (`secrets`), each character used once:
    a pool of this object's own (`validator.answer.Letters`), under a lock; a forked child starts afresh."""

    def __init__(self) -> None:
        self._letters = Letters()

    def __call__(self) -> str:
        return "req_" + self._letters(14)


def base_headers(request_id: str, length: int, version: bytes) -> Headers:
    """The headers of every answer, protocol-level ones included; `version` is the Stripe API version."""
    return [(b"content-type", b"application/json"), (b"content-length", b"%d" % length),
            (b"request-id", request_id.encode("ascii")), (b"stripe-version", version),
            (b"cache-control", b"no-cache, no-store")]
