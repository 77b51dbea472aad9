"""Checking a payload against the schemas and explaining what is wrong.

The schemas decide; this module only translates: each failing keyword
becomes a ParamError naming the param at fault, in Stripe's terms.
"""

from __future__ import annotations

import difflib
import functools
import math
import re
from typing import Iterator

from . import loader
from .errors import (
    PARAMETER_ABOVE_MAXIMUM,
    PARAMETER_INVALID,
    PARAMETER_INVALID_ENUM,
    PARAMETER_INVALID_INTEGER,
    PARAMETER_INVALID_TYPE,
    PARAMETER_MISSING,
    PARAMETER_NOT_JSON,
    PARAMETER_UNKNOWN,
    ParamError,
    ValidationError,
    bracket,
    shorten,
)

# Stands in, inside the checked copy, for a value that is not JSON data.
_NOT_JSON = object()

# When several errors land on one param only the most telling is kept, and
# nothing is reported beneath a param whose value is wrong as a whole (the
# schema never looks inside it).
_RANK = {
    PARAMETER_NOT_JSON: 0,
    PARAMETER_UNKNOWN: 1,
    PARAMETER_INVALID_TYPE: 2,
    PARAMETER_INVALID_INTEGER: 2,
    PARAMETER_INVALID_ENUM: 3,
    PARAMETER_ABOVE_MAXIMUM: 4,
    PARAMETER_MISSING: 5,
}
_OPAQUE = {PARAMETER_NOT_JSON, PARAMETER_UNKNOWN, PARAMETER_INVALID_TYPE, PARAMETER_INVALID_INTEGER}

_INT_BITS = 1000
_BIG_INT = 2**_INT_BITS

# Past this many unknown keys in one object, "did you mean" is not worth its cost.
_SUGGEST_LIMIT = 10

_JSON_TYPE_NAMES = {"object": "an object", "array": "an array", "string": "a string", "integer": "an integer",
                    "number": "a number", "boolean": "a boolean", "null": "null"}


@functools.cache
def _stock():
    """Stock jsonschema, built once on the root schema (never per call)."""
    from jsonschema.validators import validator_for

    return validator_for(loader.root())(loader.root(), registry=loader.registry())


def describe(value) -> str:
    """A short, safe description of a value: never the whole of it."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, str):
        return f"the string {shorten(value)!r}" if len(value) <= 40 else f"the string {value[:40]!r}…"
    if isinstance(value, int):
        return str(value) if value.bit_length() <= 64 else "a very large integer"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return f"a value of Python type {shorten(type(value).__name__)}"


def _scrub(params) -> tuple[object, list[ParamError]]:
    """A JSON-only copy of `params`, cut at the depth the schemas look to.

    Values that are not JSON data become a placeholder and an error each.
    Iterative, so neither deep nesting nor cycles can exhaust the stack.
    """
    problems: list[ParamError] = []
    limit = loader.depth() + 1
    holder = [None]
    stack = [(params, holder, 0, ())]
    while stack:
        value, parent, slot, path = stack.pop()
        if isinstance(value, dict):
            if len(path) >= limit:
                parent[slot] = {}
                continue
            copy = parent[slot] = {}
            for key, item in value.items():
                if isinstance(key, str):
                    copy[key] = None
                    stack.append((item, copy, key, path + (key,)))
                else:
                    where = path + (key,)
                    problems.append(ParamError(
                        bracket(where), where, PARAMETER_NOT_JSON,
                        f"{bracket(path) or 'The payload'} has a key that is not a string: {describe(key)}.",
                    ))
        elif isinstance(value, list):
            if len(path) >= limit:
                parent[slot] = []
                continue
            copy = parent[slot] = [None] * len(value)
            stack.extend((item, copy, index, path + (index,)) for index, item in enumerate(value))
        elif isinstance(value, int) and value.bit_length() > _INT_BITS:
            # jsonschema's messages repr the instance, and Python refuses to
            # print an int of over 4300 digits: stand in a printable one on
            # the same side of every bound a schema could sensibly state.
            parent[slot] = _BIG_INT if value > 0 else -_BIG_INT
        elif value is None or isinstance(value, (str, int)) or (isinstance(value, float) and math.isfinite(value)):
            parent[slot] = value
        else:
            parent[slot] = _NOT_JSON
            problems.append(ParamError(
                bracket(path), path, PARAMETER_NOT_JSON,
                f"{bracket(path) or 'The payload'} is not JSON data: {describe(value)}.",
            ))
    return holder[0], problems


def _allowed(path) -> str:
    found = loader.at(path)
    values = found.get("enum") if found else None
    return f"; allowed values: {', '.join(map(str, values))}" if values else ""


def _explain(error) -> Iterator[ParamError]:
    """The ParamErrors one jsonschema error stands for."""
    path = tuple(error.absolute_path)
    param = bracket(path)
    keyword, expected, instance = error.validator, error.validator_value, error.instance
    rule = loader.rules().get(id(error.schema))

    if keyword == "additionalProperties" and isinstance(instance, dict):
        known = error.schema.get("properties", {})
        patterns = list(error.schema.get("patternProperties", {}))
        extras = [key for key in instance if key not in known and not any(re.search(p, key) for p in patterns)]
        suggest = len(extras) <= _SUGGEST_LIMIT
        for key in extras:
            where = path + (key,)
            hint = difflib.get_close_matches(key, list(known), n=1) if suggest and len(key) <= 64 else []
            yield ParamError(bracket(where), where, PARAMETER_UNKNOWN,
                             f"Received unknown parameter: {bracket(where)}."
                             + (f" Did you mean {hint[0]}?" if hint else ""))
    elif keyword == "required" and isinstance(instance, dict):
        for key in expected:
            if key not in instance:
                where = path + (key,)
                why = f" ({rule['description'].rstrip('.')})" if rule and rule.get("description") else ""
                yield ParamError(bracket(where), where, rule["title"] if rule else PARAMETER_MISSING,
                                 f"Missing required param: {bracket(where)}{why}{_allowed(where)}.")
    elif rule is not None:
        yield ParamError(param, path, rule["title"],
                         f"{param or 'The payload'}: {rule.get('description') or 'breaks ' + rule['title']}")
    elif keyword == "type":
        types = [expected] if isinstance(expected, str) else list(expected)
        code = PARAMETER_INVALID_INTEGER if types == ["integer"] else PARAMETER_INVALID_TYPE
        wanted = " or ".join(_JSON_TYPE_NAMES.get(t, t) for t in types)
        if isinstance(error.schema.get("enum"), list):
            wanted = f"one of {', '.join(map(str, error.schema['enum']))}"
        yield ParamError(param, path, code, f"{param or 'The payload'} must be {wanted}, not {describe(instance)}.")
    elif keyword in ("enum", "const"):
        values = expected if keyword == "enum" else [expected]
        yield ParamError(param, path, PARAMETER_INVALID_ENUM,
                         f"{param} must be one of {', '.join(map(str, values))}; got {describe(instance)}.")
    elif keyword == "maximum":
        yield ParamError(param, path, PARAMETER_ABOVE_MAXIMUM,
                         f"{param} must be at most {expected}; got {describe(instance)}.")
    else:
        yield ParamError(param, path, PARAMETER_INVALID,
                         f"{param or 'The payload'} does not satisfy the schema's {keyword} keyword.")


def _covered(path, blocking: set, strictly: bool = False) -> bool:
    """True when `path` is at (unless `strictly`) or beneath one of the `blocking` paths."""
    return any(path[:end] in blocking for end in range(len(path) + (0 if strictly else 1)))


def _order(path) -> tuple:
    # Keys and indices never compare with each other directly.
    return tuple((1, part) if isinstance(part, int) else (0, str(part)) for part in path)


def iter_errors(params) -> Iterator[ParamError]:
    """Every problem with `params`, one per param, in a stable order.  Never raises for bad data."""
    clean, problems = _scrub(params)
    errors = list(problems)
    rule_failures = []
    for error in _stock().iter_errors(clean):
        if error.context and loader.rules().get(id(error.schema)) is not None:
            rule_failures.append(error)
        else:
            errors.extend(_explain(error))

    # A rule that fails only because a value it reads is already reported
    # (a component whose `enabled` is not a boolean) is noise: drop it.
    reported = {e.path for e in errors}
    for failure in rule_failures:
        branches: dict = {}
        for sub in failure.context:
            branches.setdefault(sub.relative_schema_path[0], []).extend(e.path for e in _explain(sub))
        if not any(all(_covered(p, reported) for p in paths) for paths in branches.values()):
            errors.extend(_explain(failure))

    best: dict[tuple, ParamError] = {}
    for error in errors:
        kept = best.get(error.path)
        if kept is None or _RANK.get(error.code, 9) < _RANK.get(kept.code, 9):
            best[error.path] = error
    opaque = {path for path, error in best.items() if error.code in _OPAQUE}
    for path in sorted(best, key=_order):
        if not _covered(path, opaque, strictly=True):
            yield best[path]


def is_valid(params) -> bool:
    """True when `params` has no error; agrees with `iter_errors`."""
    clean, problems = _scrub(params)
    return not problems and _stock().is_valid(clean)


def validate(params):
    """Return `params` unchanged if valid; raise ValidationError listing every error otherwise."""
    errors = list(iter_errors(params))
    if errors:
        raise ValidationError(errors)
    return params
