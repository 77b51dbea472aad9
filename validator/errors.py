"""Error values: what a check reports, and the exception `validate` raises."""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Every code a ParamError can carry.  Stripe's own codes where Stripe has
#: one for the mistake; our own, documented in the README, otherwise.  A
#: rule in the schemas may name its own code in its ``title``.
PARAMETER_MISSING = "parameter_missing"
PARAMETER_UNKNOWN = "parameter_unknown"
PARAMETER_INVALID_INTEGER = "parameter_invalid_integer"
PARAMETER_INVALID_TYPE = "parameter_invalid_type"
PARAMETER_INVALID_ENUM = "parameter_invalid_enum"
PARAMETER_ABOVE_MAXIMUM = "parameter_above_maximum"
PARAMETER_NOT_JSON = "parameter_not_json"
PARAMETER_INVALID = "parameter_invalid"

#: Longest stretch of a value that a message quotes.
QUOTE_LIMIT = 40
#: Longest key a param names in full (the longest documented one has 44
#: characters); only an absurd unknown key is cut.
KEY_LIMIT = 50

# Control characters in a key would let a payload forge lines of a report;
# a lone surrogate cannot be written out as UTF-8 at all.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def _printable(text: str) -> str:
    return _CONTROL.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)


def bracket(path) -> str:
    """Stripe's bracket notation for a param path: ``a[b][0]``; ``""`` for the root.

    Keys are cut at KEY_LIMIT characters, and control characters in them are
    shown as escapes, so a param always prints on one line.
    """
    if not path:
        return ""
    if len(path) == 1 and path[0].__class__ is str and len(path[0]) <= KEY_LIMIT and path[0].isprintable():
        return path[0]  # a top-level key: the cheap, common case
    parts = list(map(str, path))
    if max(map(len, parts)) > KEY_LIMIT or not "".join(parts).isprintable():  # rare: a long or odd key
        parts = [shorten(_printable(part[: KEY_LIMIT + 1]), KEY_LIMIT) for part in parts]
    return parts[0] + "[" + "][".join(parts[1:]) + "]" if len(parts) > 1 else parts[0]


def shorten(text: str, limit: int = QUOTE_LIMIT) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def describe(value) -> str:
    """A short, safe description of a value: never the whole of it."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, str):
        # The ellipsis goes inside the quotes, so a sentence's full stop never follows a second one.
        return f"the string {value[:QUOTE_LIMIT] + '…' if len(value) > QUOTE_LIMIT else value!r}"
    if isinstance(value, int):
        return str(value) if value.bit_length() <= 64 else "a very large integer"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return f"a value of Python type {shorten(type(value).__name__)}"


@dataclass(frozen=True)
class Finding:
    """Something to say about one param.

    ``param`` is the param in Stripe's bracket notation, ``path`` the same
    position as a tuple of keys and indices, ``code`` a stable machine code
    and ``message`` one sentence for a person.
    """

    param: str
    path: tuple
    code: str
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class ParamError(Finding):
    """One problem with one param: the payload is invalid."""


class ValidationError(ValueError):
    """Raised by `validate`; ``errors`` holds every ParamError found."""

    def __init__(self, errors: list[ParamError]):
        self.errors = list(errors)
        count = len(self.errors)
        lines = [f"{count} invalid parameter{'s' if count != 1 else ''}:"]
        lines += [f"  - {error.message} [{error.code}]" for error in self.errors]
        super().__init__("\n".join(lines))
