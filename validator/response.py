"""The returned Customer Session object, checked like the params.

The same contract as the package's top-level functions, against the
response schema (``schemas/customer-session.json``): errors are ParamErrors
naming the field in bracket notation, `validate` raises ValidationError.
Fields the schema does not describe are accepted (its description says
why).  The client secret is marked ``x-secret`` in the schema, and no
message quotes it.
"""

from __future__ import annotations

from typing import Iterator

from . import loader
from .check import Checker
from .errors import ParamError

__all__ = ["is_valid", "iter_errors", "schema", "validate"]

_RESPONSE = Checker(loader.RESPONSE_FILE)


def validate(obj):
    """Return `obj` unchanged if it is a valid Customer Session object; raise ValidationError otherwise."""
    return _RESPONSE.validate(obj)


def iter_errors(obj) -> Iterator[ParamError]:
    """Every problem with `obj`, one per field, in a stable order.  Never raises for bad data."""
    return _RESPONSE.iter_errors(obj)


def is_valid(obj) -> bool:
    """True when `obj` has no error; agrees with `iter_errors`."""
    return _RESPONSE.is_valid(obj)


def schema() -> dict:
    """The Customer Session object's schema as a fresh dict (yours to change; the cache is not affected)."""
    return loader.schema(loader.RESPONSE_FILE)
