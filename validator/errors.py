"""Error values: what a check reports, and the exception `validate` raises."""

from __future__ import annotations

import math
import re

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing at start (type checkers read it so)
if TYPE_CHECKING:
    from collections.abc import Iterable

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
#: Stripe's code for an empty value: Stripe reads ``key=`` as an attempt to unset the param,
#: which a create cannot do (https://stripe.com/docs/error-codes/parameter-invalid-empty).
PARAMETER_INVALID_EMPTY = "parameter_invalid_empty"
#: Ours: a string longer than the ``maxLength`` Stripe's OpenAPI document states (Stripe's own code
#: for it is not documented).
PARAMETER_TOO_LONG = "parameter_too_long"
#: Ours: a string shorter than a ``minLength`` above 1 (none of the schemas states one today).
PARAMETER_TOO_SHORT = "parameter_too_short"

#: Longest stretch of a value that a message quotes.
QUOTE_LIMIT = 40
#: Longest key a param names in full (the longest documented one has 44
#: characters); only an absurd unknown key is cut.
KEY_LIMIT = 50

# Control characters in a key would let a payload forge lines of a report;
# a lone surrogate cannot be written out as UTF-8 at all.
_CONTROL = r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]"


def _printable(text: str) -> str:
    # The pattern is compiled on first use (here, on a rare path), not when a process starts.
    return re.sub(_CONTROL, lambda match: match.group().encode("unicode_escape").decode("ascii"), text)


#: A param's position: the keys and array indices from the payload down; ``()`` is the payload itself.
Path = tuple[str | int, ...]


def bracket(path: tuple[str | int | None, ...], *, whole: bool = False, appended: bool = False) -> str:
    """Stripe's bracket notation for a param path: ``a[b][0]``; ``""`` for the root.

    Keys are cut at KEY_LIMIT characters, and control characters in them are
    shown as escapes, so a param always prints on one line.  ``whole`` keeps
    every key as it is (the docs, which name only the schemas' own params,
    and the form codec, which quotes what it was given); ``appended`` writes
    a ``None`` part as ``[]``, the form codec's appended array item.
    """
    if not path:
        return ""
    if len(path) == 1:
        first = path[0]
        if type(first) is str and (whole or len(first) <= KEY_LIMIT and first.isprintable()):
            return first  # a top-level key: the cheap, common case
    plain = not whole and not appended
    if plain:
        known = _BRACKETS.get(path)  # the same params are named again and again (a batch, a server)
        if known is not None:
            return known
    if appended:
        parts = ["" if part is None else str(part) for part in path]
    else:
        parts = list(map(str, path))
    if not whole and (max(map(len, parts)) > KEY_LIMIT or not "".join(parts).isprintable()):  # rare: a long or odd key
        parts = [shorten(_printable(part[: KEY_LIMIT + 1]), KEY_LIMIT) for part in parts]
    made = parts[0] + "[" + "][".join(parts[1:]) + "]" if len(parts) > 1 else parts[0]
    if plain and sum(map(len, parts)) <= _REMEMBERED_PATH:  # only short paths: any payload keeps it small
        if len(_BRACKETS) >= _REMEMBERED_PATHS:
            _BRACKETS.clear()
        _BRACKETS[path] = made
    return made


# The bracket notation of recent short paths (bounded in count and length).
_REMEMBERED_PATH, _REMEMBERED_PATHS = 200, 2048
_BRACKETS: dict[tuple[str | int | None, ...], str] = {}


def plural(count: int, noun: str) -> str:
    """``1 error``, ``2 errors``: a count and a regular noun."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def path_order(path: Path) -> tuple[tuple[int, str | int], ...]:
    """A sort key for param paths: keys and indices never compare with each other directly."""
    return tuple((1, part) if isinstance(part, int) else (0, str(part)) for part in path)


def shorten(text: str, limit: int = QUOTE_LIMIT) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def describe(value: object) -> str:
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
        if value != value:
            return "NaN (not a number)"
        if value in (math.inf, -math.inf):
            # JSON text such as 1e400 reads as infinity: past what a float holds.
            return f"{'minus ' if value < 0 else ''}infinity (a number past what a float holds)"
        return repr(value)
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return f"a value of Python type {shorten(type(value).__name__)}"


class Error(Exception):
    """The base of every exception this library raises on purpose (each is also a ValueError where
    it is one: ValidationError, FormError, ...).  ``except validator.Error`` catches them all."""


class Unsupported(Error, ValueError):
    """A schema construct that bundling or the OpenAPI split does not handle (the result would be silently wrong)."""


_set = object.__setattr__


class Finding:
    """Something to say about one param.

    ``param`` is the param in Stripe's bracket notation, ``path`` the same
    position as a tuple of keys and indices, ``code`` a stable machine code
    and ``message`` one sentence for a person.  Immutable; equal when the
    class and all four fields are equal.

    Hand-written rather than a dataclass: ``dataclasses`` imports inspect,
    ast and dis, which a process checking one payload would pay for at start.
    The class-level annotations declare the slots' types to type checkers
    (they make no class attribute, so they cost nothing at run time);
    assignment is refused at run time by ``__setattr__``.
    """

    __slots__ = ("param", "path", "code", "message")
    __match_args__ = ("param", "path", "code", "message")

    param: str
    path: Path
    code: str
    message: str

    def __init__(self, param: str, path: Path, code: str, message: str) -> None:
        _set(self, "param", param)
        _set(self, "path", path)
        _set(self, "code", code)
        _set(self, "message", message)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}: a {type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}: a {type(self).__name__} is immutable")

    def _fields(self) -> tuple[str, Path, str, str]:
        return self.param, self.path, self.code, self.message

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self._fields() == other._fields()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(param={self.param!r}, path={self.path!r}, code={self.code!r}, "
                f"message={self.message!r})")

    def __reduce__(self) -> tuple[type[Finding], tuple[object, ...]]:
        return self.__class__, self._fields()

    def __str__(self) -> str:
        return self.message



class ParamError(Finding):
    """One problem with one param: the payload is invalid.

    ``schema_path`` says where in the schemas the failing keyword is, for
    whoever debugs a schema: the keywords from the root schema down to it,
    ``$ref`` steps left out (jsonschema's ``absolute_schema_path``), e.g.
    ``("properties", "components", "allOf", 0, "anyOf")``; ``()`` for a value
    that is not JSON data.  It is not part of equality: two engines may find
    the same error through different keywords.
    """

    __slots__ = ("schema_path",)

    schema_path: Path

    def __init__(self, param: str, path: Path, code: str, message: str, schema_path: Path = ()) -> None:
        # The four fields set here rather than through Finding.__init__: one call less on the error path.
        _set(self, "param", param)
        _set(self, "path", path)
        _set(self, "code", code)
        _set(self, "message", message)
        _set(self, "schema_path", schema_path)

    def __reduce__(self) -> tuple[type[Finding], tuple[object, ...]]:
        return self.__class__, (*self._fields(), self.schema_path)


class ValidationError(Error, ValueError):
    """Raised by `validate`; ``errors`` holds every ParamError found."""

    errors: list[ParamError]

    def __init__(self, errors: Iterable[ParamError]) -> None:
        self.errors = list(errors)
        count = len(self.errors)
        lines = [f"{plural(count, 'invalid parameter')}:"]
        lines += [f"  - {error.message} [{error.code}]" for error in self.errors]
        super().__init__("\n".join(lines))
