"""Validation inside stripe-python: an HTTP client that checks create bodies before any I/O.

stripe-python has no request hook, but it takes any `stripe.HTTPClient`.
`http_client()` wraps one (stripe-python's default unless given): for a
POST to the create endpoint it decodes the form body stripe-python encoded
(`validator.form.decode`) and validates it (`validator.validate`), so an
invalid request raises `validator.ValidationError` and the inner client is
never called.  Every other request goes to the inner client untouched.

Because the wire body is judged, what stripe-python drops (``None``
values, empty objects and arrays) is judged as it is sent: absent.

A body that cannot be decoded (`validator.form.FormError`: only params no
schema allows, such as keys holding brackets, or a body beyond the
decoder's documented bounds) is not sent either: the FormError becomes the
one ParamError of a ValidationError (its code, param and message; the
FormError is kept as ``__cause__``).  Callers handle one exception type,
and nothing unchecked reaches Stripe.

stripe is an optional dependency (the ``stripe`` extra); this module
imports it only when `http_client()` is called.
"""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

from .openapi import METHOD, PATH

INSTALL = ("the extra 'stripe' (pip install 'customer-session-schema[stripe]'; or, from a checkout, "
           "pip install '.[stripe]' in the project's folder)")


def _check(method: str, url: str, post_data) -> None:
    """Raise ValidationError if this is a create request whose body is not valid params."""
    if method.lower() != METHOD or urlsplit(url).path != PATH:
        return
    from .check import params as checker
    from .errors import ParamError, ValidationError
    from .form import FormError, decode

    try:
        params = decode(post_data if post_data is not None else "")
    except FormError as exc:
        error = ParamError(exc.param, (exc.param,) if exc.param else (), exc.code, str(exc))
        raise ValidationError([error]) from exc
    checker.validate(params)


@functools.cache
def _client_class():
    import stripe

    class ValidatingHTTPClient(stripe.HTTPClient):
        """A `stripe.HTTPClient` that validates create bodies, then hands every request to ``inner``.

        stripe-python calls the ``*_with_retries`` methods; they check once and
        leave retries, telemetry and timing to the inner client, as without
        this wrapper.  The single-attempt methods check too, for callers that
        drive a client themselves.
        """

        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        @property
        def name(self) -> str:  # stripe-python reports it in its User-Agent
            return self.inner.name

        def request_with_retries(self, method, url, headers, post_data=None, *args, **kwargs):
            _check(method, url, post_data)
            return self.inner.request_with_retries(method, url, headers, post_data, *args, **kwargs)

        def request_stream_with_retries(self, method, url, headers, post_data=None, *args, **kwargs):
            _check(method, url, post_data)
            return self.inner.request_stream_with_retries(method, url, headers, post_data, *args, **kwargs)

        def request(self, method, url, headers, post_data=None, *args, **kwargs):
            _check(method, url, post_data)
            return self.inner.request(method, url, headers, post_data, *args, **kwargs)

        def request_stream(self, method, url, headers, post_data=None, *args, **kwargs):
            _check(method, url, post_data)
            return self.inner.request_stream(method, url, headers, post_data, *args, **kwargs)

        async def request_with_retries_async(self, method, url, headers, post_data=None, *args, **kwargs):
            _check(method, url, post_data)
            return await self.inner.request_with_retries_async(method, url, headers, post_data, *args, **kwargs)

        async def request_stream_with_retries_async(self, method, url, headers, post_data=None, *args, **kwargs):
            _check(method, url, post_data)
            return await self.inner.request_stream_with_retries_async(method, url, headers, post_data, *args, **kwargs)

        async def request_async(self, method, url, headers, post_data=None, *args, **kwargs):
            _check(method, url, post_data)
            return await self.inner.request_async(method, url, headers, post_data, *args, **kwargs)

        async def request_stream_async(self, method, url, headers, post_data=None, *args, **kwargs):
            _check(method, url, post_data)
            return await self.inner.request_stream_async(method, url, headers, post_data, *args, **kwargs)

        def sleep_async(self, secs):
            return self.inner.sleep_async(secs)

        def close(self):
            return self.inner.close()

        async def close_async(self):
            return await self.inner.close_async()

    return ValidatingHTTPClient


def http_client(inner=None):
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
