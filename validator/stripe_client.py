"""Validation inside stripe-python: an HTTP client that checks create bodies before any I/O.

stripe-python has no request hook, but it takes any `stripe.HTTPClient`.
`http_client()` wraps one (stripe-python's default unless given): for a
POST to the create endpoint it decodes the form body stripe-python encoded
(`validator.form.decode`) and validates it (`validator.validate`), so an
invalid request raises `validator.ValidationError` and the inner client is
never called.  Every other request goes to the inner client untouched.

Because the wire body is judged, what stripe-python drops (``None``
values, empty objects and arrays) is judged as it is sent: absent.  The
messages describe that encoded form too, and say so (`AS_SENT`): an
HTTPClient is handed the body stripe-python encoded, never the params the
caller passed (stripe-python's ``_api_requestor`` encodes them and keeps
the dict to itself), so ``1`` for a boolean reads ``not the string '1'``,
where `validator.validate` on the dict says ``not 1``.

A body that cannot be decoded (`validator.form.FormError`: only params no
schema allows, such as keys holding brackets, or a body beyond the
decoder's documented bounds) is not sent either: the FormError becomes the
one ParamError of a ValidationError (its code, param and message; the
FormError is kept as ``__cause__``).  So does any other ValueError met on
the way (Python's limit on the digits of an integer, when a process sets
it lower than the decoder's own): a ValidationError whose one ParamError,
code ``parameter_invalid``, is about the whole body.  Callers handle one
exception type, and nothing unchecked reaches Stripe.

stripe is an optional dependency (the ``stripe`` extra); this module
imports it only when `http_client()` is called.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .openapi import METHOD, PATH

if TYPE_CHECKING:
    from collections.abc import AsyncIterable, Awaitable, Callable, Mapping

    import stripe

    from .errors import ParamError

INSTALL = ("the extra 'stripe' (pip install 'customer-session-schema[stripe]'; or, from a checkout, "
           "pip install '.[stripe]' in the project's folder)")

#: Appended to each message the hook reports about a param: what it judged
#: is the body stripe-python encoded, not the dict the caller passed.
AS_SENT = " (as sent: stripe-python's form body, where every value is text and None, {} and [] are left out)"


def _as_sent(error: ParamError) -> ParamError:
    """`error` with its message saying that it describes the encoded body (before its full stop, if any)."""
    from .errors import ParamError

    message = error.message
    message = message[:-1] + AS_SENT + "." if message.endswith(".") else message + AS_SENT
    return ParamError(error.param, error.path, error.code, message, error.schema_path)


def _check(method: str, url: str, post_data: object) -> None:
    """Raise ValidationError if this is a create request whose body is not valid params."""
    if method.lower() != METHOD or urlsplit(url).path != PATH:
        return
    from .check import params as checker
    from .errors import PARAMETER_INVALID, ParamError, ValidationError, shorten
    from .form import FormError, decode

    body = post_data if isinstance(post_data, (str, bytes)) else "" if post_data is None else str(post_data)
    try:
        checker.validate(decode(body))
    except ValidationError as exc:
        raise ValidationError([_as_sent(error) for error in exc.errors]) from None
    except FormError as exc:
        error = ParamError(exc.param, (exc.param,) if exc.param else (), exc.code, str(exc))
        raise ValidationError([error]) from exc
    except ValueError as exc:  # not one of ours: e.g. int() refused a long digit string (sys.set_int_max_str_digits)
        error = ParamError("", (), PARAMETER_INVALID, f"The request body could not be checked ({shorten(str(exc))}).")
        raise ValidationError([error]) from exc


@functools.cache
def _client_class() -> Callable[[stripe.HTTPClient], stripe.HTTPClient]:
    import stripe

    class ValidatingHTTPClient(stripe.HTTPClient):
        """A `stripe.HTTPClient` that validates create bodies, then hands every request to ``inner``.

        stripe-python calls the ``*_with_retries`` methods; they check once and
        leave retries, telemetry and timing to the inner client, as without
        this wrapper.  The single-attempt methods check too, for callers that
        drive a client themselves.
        """

        def __init__(self, inner: stripe.HTTPClient) -> None:
            super().__init__()
            self.inner = inner

        # stripe-python declares `name` a class attribute; this one is the inner client's, read when
        # stripe-python writes its User-Agent.
        @property
        def name(self) -> str:  # type: ignore[override]
            return self.inner.name

        def request_with_retries(self, method: str, url: str, headers: Mapping[str, str], post_data: Any = None,
                                 *args: Any, **kwargs: Any) -> tuple[str, int, Mapping[str, str]]:
            _check(method, url, post_data)
            return self.inner.request_with_retries(method, url, headers, post_data, *args, **kwargs)

        def request_stream_with_retries(self, method: str, url: str, headers: Mapping[str, str],
                                        post_data: Any = None, *args: Any,
                                        **kwargs: Any) -> tuple[Any, int, Mapping[str, str]]:
            _check(method, url, post_data)
            return self.inner.request_stream_with_retries(method, url, headers, post_data, *args, **kwargs)

        def request(self, method: str, url: str, headers: Mapping[str, str] | None, post_data: Any = None,
                    *args: Any, **kwargs: Any) -> tuple[str, int, Mapping[str, str]]:
            _check(method, url, post_data)
            return self.inner.request(method, url, headers, post_data, *args, **kwargs)

        def request_stream(self, method: str, url: str, headers: Mapping[str, str] | None, post_data: Any = None,
                           *args: Any, **kwargs: Any) -> tuple[Any, int, Mapping[str, str]]:
            _check(method, url, post_data)
            return self.inner.request_stream(method, url, headers, post_data, *args, **kwargs)

        async def request_with_retries_async(self, method: str, url: str, headers: Mapping[str, str],
                                             post_data: Any = None, *args: Any,
                                             **kwargs: Any) -> tuple[Any, int, Any]:
            _check(method, url, post_data)
            return await self.inner.request_with_retries_async(method, url, headers, post_data, *args, **kwargs)

        async def request_stream_with_retries_async(
                self, method: str, url: str, headers: Mapping[str, str], post_data: Any = None, *args: Any,
                **kwargs: Any) -> tuple[AsyncIterable[bytes], int, Any]:
            _check(method, url, post_data)
            return await self.inner.request_stream_with_retries_async(method, url, headers, post_data,
                                                                      *args, **kwargs)

        async def request_async(self, method: str, url: str, headers: Mapping[str, str], post_data: Any = None,
                                *args: Any, **kwargs: Any) -> tuple[bytes, int, Mapping[str, str]]:
            _check(method, url, post_data)
            return await self.inner.request_async(method, url, headers, post_data, *args, **kwargs)

        async def request_stream_async(self, method: str, url: str, headers: Mapping[str, str],
                                       post_data: Any = None, *args: Any,
                                       **kwargs: Any) -> tuple[AsyncIterable[bytes], int, Mapping[str, str]]:
            _check(method, url, post_data)
            return await self.inner.request_stream_async(method, url, headers, post_data, *args, **kwargs)

        def sleep_async(self, secs: float) -> Awaitable[None]:
            return self.inner.sleep_async(secs)

        def close(self) -> None:
            self.inner.close()  # type: ignore[no-untyped-call]  # stripe-python leaves it unannotated

        async def close_async(self) -> None:
            await self.inner.close_async()  # type: ignore[no-untyped-call]  # as close

    return ValidatingHTTPClient


def http_client(inner: stripe.HTTPClient | None = None) -> stripe.HTTPClient:
    """A `stripe.HTTPClient` that validates create bodies before any network I/O.

    ``StripeClient("sk_test_...", http_client=validator.http_client())``.
    `inner` does the I/O; by default it is what StripeClient would build
    itself (its default sync client, with its default async fallback).
    Raises ImportError, saying what to install, when stripe is missing.
    """
    try:
        import stripe  # noqa: F401
    except ImportError as exc:
        raise ImportError(f"validator.http_client() needs stripe-python: {INSTALL}") from exc
    if inner is None:
        # What StripeClient builds when given no http_client (stripe-python 16).
        from stripe._http_client import new_default_http_client, new_http_client_async_fallback

        inner = new_default_http_client(async_fallback_client=new_http_client_async_fallback())
    return _client_class()(inner)
