"""schemathesis hooks (load with ``SCHEMATHESIS_HOOKS=schemathesis_hooks``): form bodies as stripe-python sends them.

schemathesis' own form serializer hands a dict to requests, which writes a
nested value as its Python text (``components={'a': ...}``), not in Stripe's
bracket encoding.  This one sends what stripe-python sends, through
validator.form.encode (compared byte for byte with stripe-python in
tests/test_form.py).  A body that is not an object -- negative data only;
stripe-python never sends one -- goes out as schemathesis would send it.

It encodes the case's body as generated, not the `value` it is handed:
schemathesis has already written object params declared ``deepObject`` in
its own way by then (``a[b]=`` for an empty object, where stripe-python
sends nothing).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import schemathesis

from validator.form import encode

FORM = "application/x-www-form-urlencoded"


def stripe_form(ctx: schemathesis.SerializationContext, value: Any) -> bytes | None:
    body = ctx.case.body
    if isinstance(body, Mapping):
        return encode(dict(body)).encode("utf-8")
    if value is None or isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    return json.dumps(value).encode("utf-8")


# Registered without the decorator form: schemathesis.serializer(...)(f) returns None.
schemathesis.serializer(FORM)(stripe_form)
