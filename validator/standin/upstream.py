"""The stand-in in front of an upstream (stripe-mock, or Stripe's test mode): httpx, streamed and bounded.

Every request but the create is passed on unchanged (method, path, query,
headers but the hop-by-hop ones, body) and its answer returned as it came.  A
valid create is passed on too, and the answer, returned as it came, is checked
against the response schema: the fields that fail it are named (never their
values) in ``Stand-In-Response-Errors`` and in the log line.  An upstream that
cannot be reached is a 502, one that does not answer in time a 504, both
Stripe's ``api_error`` body; nothing hangs.
"""

from __future__ import annotations

import asyncio
import json
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import httpx

from .. import check, loader
from ..errors import Error
from .answers import DROP, Forwarded, Headers, RequestIds, base_headers, dumps, shown, stripe_error
from .log import RequestLog

Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

#: Most bytes passed on either way (a request body, an answer); past it the exchange ends.
MAX_BYTES = 16 * 1024 * 1024
#: The response header listing the fields of an upstream's create answer that fail the response schema.
RESPONSE_ERRORS = b"stand-in-response-errors"
# Headers about one connection, not the message (RFC 9110 §7.6.1), and Host, which names the upstream's own.
_HOP = frozenset({b"connection", b"keep-alive", b"proxy-authenticate", b"proxy-authorization", b"te", b"trailer",
                  b"trailers", b"transfer-encoding", b"upgrade", b"host", b"expect", b"proxy-connection"})


class UpstreamError(Error, ValueError):
    """An upstream URL this server cannot use; the message is one line."""


class _TooLarge(Exception):
    pass


class Upstream:
    """Requests passed to `url` (``http[s]://HOST[:PORT][/PREFIX]``), each exchange bounded by `timeout` seconds
    per step (connect, each read, each write)."""

    def __init__(self, url: str, timeout: float = 30.0, ids: RequestIds | None = None) -> None:
        parts = urlsplit(url)
        if (parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment
                or parts.username is not None):
            quoted = repr(shown(url, 80)) if "@" not in url else "(a URL with credentials, not repeated)"
            raise UpstreamError(f"upstream {quoted}: give http://HOST[:PORT] or https://HOST[:PORT], "
                                f"with no user, query or fragment")
        self.base = url.rstrip("/")
        self.shown = f"{parts.scheme}://{parts.netloc}"
        self.timeout = timeout
        self.new_request_id = ids or RequestIds()
        self.version = loader.api_version().encode("ascii")
        self._client: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _http(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:  # a client belongs to one event loop
            # No proxy from the environment: the upstream is reached as given.
            self._client = httpx.AsyncClient(timeout=self.timeout, follow_redirects=False, trust_env=False)
            self._loop = loop
        return self._client

    async def close(self) -> None:
        if self._client is not None and self._loop is asyncio.get_running_loop():
            await self._client.aclose()
        self._client = None

    def _request(self, method: str, scope: dict[str, Any], content: bytes | AsyncIterator[bytes] | None) -> httpx.Request:
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode("utf-8")
        query: bytes = scope.get("query_string", b"")
        url = self.base + raw_path.decode("latin-1") + ("?" + query.decode("latin-1") if query else "")
        headers = [(name, value) for name, value in scope["headers"] if name.lower() not in _HOP]
        return self._http().build_request(method, url, headers=headers, content=content)

    def _failure(self, exc: Exception) -> tuple[int, dict[str, Any]]:
        if isinstance(exc, _TooLarge):
            return 502, stripe_error("api_error", f"The upstream ({self.shown}) answered with more than {MAX_BYTES} "
                                     f"bytes, the most the stand-in passes on.", "upstream_too_large")
        if isinstance(exc, httpx.TimeoutException):
            return 504, stripe_error("api_error", f"The upstream ({self.shown}) did not answer within "
                                     f"{self.timeout:g} seconds.", "upstream_timeout")
        return 502, stripe_error("api_error", f"The upstream ({self.shown}) could not be reached "
                                 f"({type(exc).__name__}).", "upstream_unreachable")

    async def create(self, scope: dict[str, Any], body: bytes) -> tuple[int, bytes, Headers, str]:
        """A valid create passed on: ``(status, body, headers, log note)``; the answer read whole (bounded) and checked."""
        try:
            response = await self._http().send(self._request(scope["method"], scope, body), stream=True)
            try:
                answer = await asyncio.wait_for(_read(response), 4 * self.timeout)
            finally:
                await response.aclose()
        except (httpx.HTTPError, _TooLarge, asyncio.TimeoutError) as exc:
            if isinstance(exc, asyncio.TimeoutError):
                exc = httpx.ReadTimeout("slow")
            status, error = self._failure(exc)
            reply = dumps(error)
            request_id = self.new_request_id()
            return status, reply, Forwarded(base_headers(request_id, len(reply), self.version), request_id), ""
        headers = Forwarded([(name, value) for name, value in response.headers.raw if name.lower() not in _HOP],
                            response.headers.get("request-id", "") or self.new_request_id())
        note = ""
        if 200 <= response.status_code < 300:
            failing = _failing_fields(answer, response.headers.get("content-encoding", ""))
            if failing:
                headers.append((RESPONSE_ERRORS, ", ".join(failing).encode("ascii", "backslashreplace")))
                note = " (response-errors: " + ", ".join(failing) + ")"
        else:
            note = " (the upstream refused a create the stand-in found valid)"
        return response.status_code, answer, headers, note

    async def pass_through(self, scope: dict[str, Any], receive: Receive, send: Send, log: RequestLog,
                           started: float) -> None:
        """Pass a request on and stream the answer back; one log line, as for every request."""
        method, path = scope["method"], scope["path"]
        names = {name.lower() for name, _ in scope["headers"]}
        content = _body(receive) if b"content-length" in names or b"transfer-encoding" in names else None
        try:
            response = await self._http().send(self._request(method, scope, content), stream=True)
        except (httpx.HTTPError, _TooLarge) as exc:
            status, error = self._failure(exc)
            reply, request_id = dumps(error), self.new_request_id()
            log.request(method, path, status, started, request_id)
            await send({"type": "http.response.start", "status": status,
                        "headers": base_headers(request_id, len(reply), self.version) + [(b"connection", b"close")]})
            await send({"type": "http.response.body", "body": reply})
            return
        request_id = response.headers.get("request-id", "-")
        try:
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > MAX_BYTES:
                raise _TooLarge
            await send({"type": "http.response.start", "status": response.status_code,
                        "headers": [(name, value) for name, value in response.headers.raw if name.lower() not in _HOP]})
            size = 0
            async for chunk in response.aiter_raw():
                size += len(chunk)
                if size > MAX_BYTES:
                    raise _TooLarge
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        except (httpx.HTTPError, _TooLarge) as exc:  # mid-answer: the connection is cut, as a proxy does
            log.request(method, path, f"{response.status_code} (cut: {type(exc).__name__})", started, request_id)
            drop = scope.get("extensions", {}).get(DROP)
            if drop is not None:
                drop()
            return
        finally:
            await response.aclose()
        log.request(method, path, response.status_code, started, request_id)


async def _body(receive: Receive) -> AsyncIterator[bytes]:
    """The request's body as it arrives, at most MAX_BYTES."""
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise httpx.ReadError("the client went away")
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BYTES:
            raise _TooLarge
        if chunk:
            yield chunk
        if not message.get("more_body", False):
            return


async def _read(response: httpx.Response) -> bytes:
    chunks, size = [], 0
    async for chunk in response.aiter_raw():
        size += len(chunk)
        if size > MAX_BYTES:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _failing_fields(raw: bytes, encoding: str) -> list[str]:
    """The fields of an answer that fail the response schema, by name only; ``(not JSON)`` for a body that is not."""
    try:
        if encoding.strip().lower() in ("gzip", "deflate"):
            inflater = zlib.decompressobj(47)  # gzip or zlib headers, found by themselves
            raw = inflater.decompress(raw, MAX_BYTES)
        elif encoding.strip().lower() not in ("", "identity"):
            return [f"(not checked: {shown(encoding, 20)} encoding)"]
        obj = json.loads(raw)
    except (ValueError, zlib.error):
        return ["(not JSON)"]
    names: list[str] = []
    for error in check.response.iter_errors(obj):
        name = shown(error.param, 80) or "(the object)"
        if name not in names:
            names.append(name)
    return names
