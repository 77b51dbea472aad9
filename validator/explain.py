"""Explaining what is wrong with a payload: the detailed, slower path.

jsonschema-rs (or, for a broken rule, stock jsonschema) finds every failing
keyword; this module translates each into a ParamError naming the param at
fault, in Stripe's terms.  The schemas decide; nothing here knows a param.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from typing import Iterator, NamedTuple

from . import engine, loader
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
    bracket,
    describe,
)
from .plain import scrub

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

# Past this many unknown keys in one object, "did you mean" is not worth its cost.
_SUGGEST_LIMIT = 10

_JSON_TYPE_NAMES = {"object": "an object", "array": "an array", "string": "a string", "integer": "an integer",
                    "number": "a number", "boolean": "a boolean", "null": "null"}


@functools.cache
def stock(name: str = loader.ROOT_FILE):
    """Stock jsonschema, built once on the root schema `name` (never per call)."""
    from jsonschema.validators import validator_for

    root = loader.root(name)
    return validator_for(root)(root, registry=loader.registry())


def _listed(values) -> str:
    """Allowed values as a message lists them: strings bare, anything else as JSON (``null``, ``true``)."""
    return ", ".join(value if isinstance(value, str) else json.dumps(value) for value in values)


@functools.lru_cache(maxsize=4096)
def _allowed(path, name: str) -> str:
    found = loader.at(path, name)
    values = found.get("enum") if found else None
    return f"; allowed values: {_listed(values)}" if values else ""


def _shown(value, path, name: str) -> str:
    """`describe(value)`, unless the param holds a secret: then its value is never quoted, whatever its type."""
    if loader.secrets(name) and tuple(0 if isinstance(p, int) else p for p in path) in loader.secrets(name):
        return "a secret value (redacted)"
    return describe(value)


class _Failure(NamedTuple):
    """A failing keyword, in the fields of jsonschema's ValidationError that `_explain` reads."""

    validator: str
    validator_value: object
    instance: object
    schema: dict
    absolute_path: tuple


# jsonschema-rs error kinds explained here, and how to read the keyword's value off each.
_KIND_VALUES = {
    "required": lambda kind: [kind.property],
    "additionalProperties": lambda kind: False,
    "type": lambda kind: kind.types,
    "enum": lambda kind: kind.options,
    "const": lambda kind: kind.expected_value,
    "maximum": lambda kind: kind.limit,
}


def _value_at(value, path):
    for part in path:
        value = value[part]
    return value


def _compiled_failures(clean, name: str) -> list | None:
    """The failing keywords as jsonschema-rs finds them; None where stock jsonschema must explain.

    jsonschema-rs is many times faster, but its errors do not carry the
    schema objects that tie a failure to a documented rule, nor the branches
    of an ``anyOf``: a payload that breaks a rule (or fails a keyword not
    mapped here) is explained by stock jsonschema instead.  Tests hold both
    paths to the same errors.
    """
    validator = engine.compiled(name)
    if validator is None:
        return None
    failures = []
    try:
        for error in validator.iter_errors(clean):
            keyword = error.kind.name
            if keyword not in _KIND_VALUES or "allOf" in error.schema_path:
                return None
            path = tuple(error.instance_path)
            node = loader.at(path, name)
            if node is None:
                return None
            failures.append(_Failure(keyword, _KIND_VALUES[keyword](error.kind), _value_at(clean, path), node, path))
    except (ValueError, TypeError, OverflowError, RecursionError, KeyError, IndexError):
        return None
    return failures


def _extras(error) -> list:
    """The keys an ``additionalProperties: false`` error is about."""
    known = error.schema.get("properties", {})
    patterns = list(error.schema.get("patternProperties", {}))
    return [key for key in error.instance if key not in known and not any(re.search(p, key) for p in patterns)]


def _at_fault(error) -> list[tuple]:
    """The param paths one jsonschema error is about: an unknown key, a missing param, or the value itself."""
    path = tuple(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        return [path + (key,) for key in _extras(error)]
    if error.validator == "required" and isinstance(error.instance, dict):
        return [path + (key,) for key in error.validator_value if key not in error.instance]
    return [path]


def _explain(error, name: str) -> Iterator[ParamError]:
    """The ParamErrors one jsonschema error stands for (`name`: the root schema checked against)."""
    keyword, expected, instance = error.validator, error.validator_value, error.instance
    rule = loader.rules().get(id(error.schema))

    if keyword == "additionalProperties" and isinstance(instance, dict):
        extras = _at_fault(error)
        known = list(error.schema.get("properties", {}))
        suggest = len(extras) <= _SUGGEST_LIMIT
        for where in extras:
            key, param = where[-1], bracket(where)
            hint = difflib.get_close_matches(key, known, n=1) if suggest and len(key) <= 64 else []
            yield ParamError(param, where, PARAMETER_UNKNOWN,
                             f"Received unknown parameter: {param}." + (f" Did you mean {hint[0]}?" if hint else ""))
        return
    elif keyword == "required" and isinstance(instance, dict):
        why = f" ({rule['description'].rstrip('.')})" if rule and rule.get("description") else ""
        for where in _at_fault(error):
            param = bracket(where)
            yield ParamError(param, where, rule["title"] if rule else PARAMETER_MISSING,
                             f"Missing required param: {param}{why}{_allowed(where, name)}.")
        return

    path = tuple(error.absolute_path)
    param = bracket(path)
    if rule is not None:
        yield ParamError(param, path, rule["title"],
                         f"{param or 'The payload'}: {rule.get('description') or 'breaks ' + rule['title']}")
    elif keyword == "type":
        # The schema's own order: engines report the allowed types in orders of their own.
        expected = error.schema.get("type", expected)
        types = [expected] if isinstance(expected, str) else list(expected)
        code = PARAMETER_INVALID_INTEGER if types == ["integer"] else PARAMETER_INVALID_TYPE
        names = [_JSON_TYPE_NAMES.get(t, t) for t in types]
        wanted = " or ".join([", ".join(names[:-1]), names[-1]] if len(names) > 2 else names)
        if isinstance(error.schema.get("enum"), list):
            wanted = f"one of {_listed(error.schema['enum'])}"
        yield ParamError(param, path, code,
                         f"{param or 'The payload'} must be {wanted}, not {_shown(instance, path, name)}.")
    elif keyword in ("enum", "const"):
        values = expected if keyword == "enum" else [expected]
        yield ParamError(param, path, PARAMETER_INVALID_ENUM,
                         f"{param} must be one of {_listed(values)}; got {_shown(instance, path, name)}.")
    elif keyword == "maximum":
        yield ParamError(param, path, PARAMETER_ABOVE_MAXIMUM,
                         f"{param} must be at most {expected}; got {_shown(instance, path, name)}.")
    else:
        yield ParamError(param, path, PARAMETER_INVALID,
                         f"{param or 'The payload'} does not satisfy the schema's {keyword} keyword.")


def _covered(path, blocking: set, strictly: bool = False) -> bool:
    """True when `path` is at (unless `strictly`) or beneath one of the `blocking` paths."""
    for end in range(len(path) + (0 if strictly else 1)):
        if path[:end] in blocking:
            return True
    return False


def _order(path) -> tuple:
    # Keys and indices never compare with each other directly.
    return tuple((1, part) if isinstance(part, int) else (0, str(part)) for part in path)


def iter_errors(params, *, compiled: bool = True, name: str = loader.ROOT_FILE) -> Iterator[ParamError]:
    """Every problem with `params` under the root schema `name`, one per param, in a stable order.

    Never raises for bad data.  ``compiled=False`` explains with stock
    jsonschema alone (the tests compare both ways).
    """
    clean, errors = scrub(params, name)
    failures = _compiled_failures(clean, name) if compiled and not errors else None
    rule_failures = []
    if failures is not None:
        for failure in failures:
            errors.extend(_explain(failure, name))
    else:
        rules = loader.rules()
        for error in stock(name).iter_errors(clean):
            if error.context and id(error.schema) in rules:
                rule_failures.append(error)
            else:
                errors.extend(_explain(error, name))

    # A rule that fails only because a value it reads is already reported
    # (a component whose `enabled` is not a boolean) is noise: drop it.
    reported = {e.path for e in errors} if rule_failures else set()
    for failure in rule_failures:
        branches: dict = {}
        for sub in failure.context:
            branches.setdefault(sub.relative_schema_path[0], []).extend(_at_fault(sub))
        if not any(all(_covered(p, reported) for p in paths) for paths in branches.values()):
            errors.extend(_explain(failure, name))

    if len(errors) == 1:  # the common case needs no ranking or ordering
        yield errors[0]
        return
    best: dict[tuple, ParamError] = {}
    for error in errors:
        kept = best.get(error.path)
        if kept is None or _RANK.get(error.code, 9) < _RANK.get(kept.code, 9):
            best[error.path] = error
    opaque = {path for path, error in best.items() if error.code in _OPAQUE}
    try:
        ordered = sorted(best)
    except TypeError:  # a key that is not a string beside one that is
        ordered = sorted(best, key=_order)
    for path in ordered:
        if not _covered(path, opaque, strictly=True):
            yield best[path]
