"""Explaining what is wrong with a payload: the detailed, slower path.

An engine finds every failing keyword — jsonschema-rs, the compiled engine,
or stock jsonschema where jsonschema-rs is missing or cannot read the
payload (a value that is not JSON data) — and this module translates each
into a ParamError naming the param at fault, in Stripe's terms.  Both
engines' findings become the same `Failure`s, so one translation serves
both, and tests hold them to the same errors.

The translation is shaped like python-jsonschema's ``_keywords.py``: one
small function per keyword, found through `KEYWORDS`; a keyword with no
function of its own gets `_unmapped`.  A failure inside a documented rule
(a titled ``allOf`` entry) speaks in the rule's words.  The schemas decide;
nothing here knows a param.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any, Iterable, Iterator, Sequence

from . import conditions, engine, loader, plan
from .errors import (
    PARAMETER_ABOVE_MAXIMUM,
    PARAMETER_INVALID,
    PARAMETER_INVALID_EMPTY,
    PARAMETER_INVALID_ENUM,
    PARAMETER_INVALID_INTEGER,
    PARAMETER_INVALID_TYPE,
    PARAMETER_MISSING,
    PARAMETER_NOT_JSON,
    PARAMETER_TOO_LONG,
    PARAMETER_TOO_SHORT,
    PARAMETER_UNKNOWN,
    ParamError,
    bracket,
    describe,
    path_order,
)
from .plain import scrub

#: A param's place in a payload: keys and indices.
Path = tuple[Any, ...]

# When several errors land on one param only the most telling is kept, and
# nothing is reported beneath a param whose value is wrong as a whole (the
# schema never looks inside it).
_RANK = {
    PARAMETER_NOT_JSON: 0,
    PARAMETER_UNKNOWN: 1,
    PARAMETER_INVALID_EMPTY: 2,
    PARAMETER_INVALID_TYPE: 2,
    PARAMETER_INVALID_INTEGER: 2,
    PARAMETER_INVALID_ENUM: 3,
    PARAMETER_ABOVE_MAXIMUM: 4,
    PARAMETER_TOO_LONG: 4,
    PARAMETER_TOO_SHORT: 4,
    PARAMETER_MISSING: 5,
}
_OPAQUE = {PARAMETER_NOT_JSON, PARAMETER_UNKNOWN, PARAMETER_INVALID_EMPTY, PARAMETER_INVALID_TYPE,
           PARAMETER_INVALID_INTEGER}

# Past this many unknown keys in one object, "did you mean" is not worth its cost.
_SUGGEST_LIMIT = 10

_JSON_TYPE_NAMES = {"object": "an object", "array": "an array", "string": "a string", "integer": "an integer",
                    "number": "a number", "boolean": "a boolean", "null": "null"}

# What jsonschema-rs cannot read, or where its findings cannot be placed: stock jsonschema explains.
_UNREADABLE = (ValueError, TypeError, OverflowError, RecursionError)


class _Untranslatable(Exception):
    """A finding of jsonschema-rs that its translation deliberately leaves to stock jsonschema.

    Private and raised on purpose only: any other exception while reading
    jsonschema-rs's findings is a bug, and fails loudly.
    """


@functools.cache
def stock(name: str = loader.ROOT_FILE) -> Any:
    """Stock jsonschema, built once on the root schema `name` (never per call)."""
    from jsonschema.validators import validator_for

    root = loader.root(name)
    return validator_for(root)(root, registry=loader.registry())


class Failure:
    """One failing keyword, as either engine finds it.

    ``keyword`` fails with its value ``expected`` (as the schema states it)
    in ``schema``, the schema object holding it; ``instance`` is the value
    at ``path`` in the payload; ``schema_path`` the keywords from the root
    down to it (``$ref`` steps left out); ``rule`` the documented rule
    (titled ``allOf`` entry) the keyword belongs to, or None.  For an
    ``anyOf``, ``branches`` holds the params each branch's failures are
    about (`_at_fault`), in branch order; where the compiled engine did not
    list them, they are worked out when first asked for (`validator.conditions`).
    """

    __slots__ = ("keyword", "expected", "instance", "schema", "path", "schema_path", "rule", "_branches")

    def __init__(self, keyword: str, expected: Any, instance: Any, schema: dict[str, Any], path: Path,
                 schema_path: tuple[Any, ...] = (), branches: Any = ()) -> None:
        self.keyword, self.expected, self.instance, self.schema = keyword, expected, instance, schema
        self.path, self.schema_path, self._branches = path, schema_path, branches
        self.rule: dict[str, Any] | None = loader.rules().get(id(schema))

    @property
    def branches(self) -> list[list[Path]]:
        if self._branches is _LAZY:
            self._branches = [conditions.compile(branch)(self.instance, self.path) for branch in self.expected]
        found: list[list[Path]] = self._branches
        return found

    def fails_only_at(self, reported: set[Path]) -> bool:
        """True when some branch of this ``anyOf`` fails only at params at or beneath `reported` ones."""
        return any(all(_covered(path, reported) for path in branch) for branch in self.branches)


_LAZY = object()  # an anyOf's branches, not listed by the compiled engine: worked out when asked for


# ---- reading each engine's findings ------------------------------------------------------------


def _from_stock(error: Any) -> Failure:
    branches: dict[Any, list[Path]] = {}
    for sub in error.context or ():
        branches.setdefault(sub.relative_schema_path[0], []).extend(
            _at_fault(sub.validator, sub.validator_value, sub.instance, sub.schema, tuple(sub.absolute_path)))
    return Failure(error.validator, error.validator_value, error.instance, error.schema,
                   tuple(error.absolute_path), tuple(error.absolute_schema_path), [branches[k] for k in sorted(branches)])


@functools.lru_cache(maxsize=1024)
def _keyword_at(location: str) -> tuple[dict[str, Any], str, str]:
    """The schema object and keyword an absolute keyword location (``uri#/json/pointer``) names.

    Also the keyword as jsonschema-rs names the failure: an ``anyOf`` the
    compiled engine checks as ``if``/``else: false`` (`engine._compiled_form`)
    fails at ``.../else``, as a false schema.
    """
    uri, _, pointer = location.partition("#")
    parent, _, keyword = pointer.rpartition("/")
    schema, _ = loader.lookup(f"{uri}#{parent}", uri)
    keyword = keyword.replace("~1", "/").replace("~0", "~")
    if isinstance(schema, dict) and keyword == "else" and "else" not in schema and "anyOf" in schema:
        return schema, "anyOf", "falseSchema"
    if not isinstance(schema, dict) or keyword not in schema:
        raise LookupError(f"jsonschema-rs reports a keyword the schemas do not hold: {location}")
    return schema, keyword, keyword


# Keys under which a schema keeps a map of names: a "$ref" there is a name, not a step through a reference.
_NAME_MAPS = {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}


def _evaluated(steps: Sequence[Any]) -> tuple[Any, ...]:
    """jsonschema-rs's evaluation path without its ``$ref`` steps: stock jsonschema's absolute schema path."""
    if "$ref" not in steps:
        return tuple(steps)
    if "$ref" not in _names():
        return tuple([step for step in steps if step != "$ref"])
    return tuple(step for step, before in zip(steps, [None, *steps]) if step != "$ref" or before in _NAME_MAPS)


@functools.cache
def _names() -> frozenset[str]:
    """Every name a schema gives a property or definition (a "$ref" among them would be a name, not a step)."""
    found: set[str] = set()
    stack: list[Any] = list(loader.contents().values())
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if key in _NAME_MAPS and isinstance(value, dict):
                    found.update(value)
                stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)
    return frozenset(found)


def _value_at(value: Any, path: Path) -> Any:
    for part in path:
        value = value[part]
    return value


def _from_compiled(error: Any, clean: Any) -> Failure:
    schema, keyword, reported = _keyword_at(error.absolute_keyword_location)
    kind = error.kind
    if kind.name != reported:  # a false schema of our own, or a keyword reported under another name
        raise _Untranslatable(kind.name)
    path = tuple(error.instance_path)
    schema_path = _evaluated(error.evaluation_path)
    instance = _value_at(clean, path)
    branches: Any
    if keyword != "anyOf":
        branches = ()
    elif reported == "anyOf":
        branches = [_branch_faults(found, clean) for found in kind.context]
    else:
        schema_path = schema_path[:-1] + ("anyOf",)
        branches = _LAZY
    return Failure(keyword, schema[keyword], instance, schema, path, schema_path, branches)


def _branch_faults(errors: Any, clean: Any) -> list[Path]:
    """The params one ``anyOf`` branch's jsonschema-rs errors are about."""
    faults = []
    for error in errors:
        schema, keyword, _ = _keyword_at(error.absolute_keyword_location)
        path = tuple(error.instance_path)
        if keyword in _NAMING:
            faults.extend(_at_fault(keyword, schema[keyword], _value_at(clean, path), schema, path))
        else:
            faults.append(path)
    return faults


def _compiled_failures(clean: Any, name: str) -> list[Failure] | None:
    """The failing keywords as jsonschema-rs finds them; None where it is missing or cannot read `clean`
    (or a finding is one its translation leaves to stock jsonschema)."""
    validator = engine.compiled(name)
    if validator is None:
        return None
    try:
        found = list(validator.iter_errors(clean))
    except _UNREADABLE:  # a value jsonschema-rs cannot read
        return None
    try:
        return [_from_compiled(error, clean) for error in found]
    except _Untranslatable:
        return None


# ---- one function per keyword ------------------------------------------------------------------


def _error(failure: Failure, code: str, message: str) -> ParamError:
    """The error a failure stands for, at the param it is about."""
    return ParamError(bracket(failure.path), failure.path, code, message, failure.schema_path)


def _listed(values: Iterable[Any]) -> str:
    """Allowed values as a message lists them: strings bare, anything else as JSON (``null``, ``true``)."""
    return ", ".join(value if isinstance(value, str) else json.dumps(value) for value in values)


@functools.lru_cache(maxsize=4096)
def _allowed(path: Path, name: str) -> str:
    found = plan.root(name).at(path)
    values = found.enum if found is not None else None
    return f"; allowed values: {_listed(values)}" if values else ""


@functools.lru_cache(maxsize=4096)
def _secret(path: Path, name: str) -> bool:
    found = plan.root(name).at(path)
    return found is not None and found.secret


def _shown(value: Any, path: Path, name: str) -> str:
    """`describe(value)`, unless the param holds a secret: then its value is never quoted, whatever its type."""
    return "a secret value (redacted)" if _secret(path, name) else describe(value)


def _extras(schema: dict[str, Any], instance: dict[Any, Any]) -> list[Any]:
    """The keys of `instance` that an ``additionalProperties: false`` in `schema` refuses."""
    known = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    return [key for key in instance if key not in known and not any(re.search(p, key) for p in patterns)]


def _at_fault(keyword: str, expected: Any, instance: Any, schema: dict[str, Any], path: Path) -> list[Path]:
    """The param paths one failing keyword is about: an unknown key, a missing param, or the value itself."""
    if keyword == "additionalProperties" and isinstance(instance, dict):
        return [path + (key,) for key in _extras(schema, instance)]
    if keyword == "required" and isinstance(instance, dict):
        return [path + (key,) for key in expected if key not in instance]
    return [path]


def _additional_properties(failure: Failure, name: str) -> Iterator[ParamError]:
    if not isinstance(failure.instance, dict):
        yield from _unmapped(failure, name)
        return
    extras = [failure.path + (key,) for key in _extras(failure.schema, failure.instance)]
    known = list(failure.schema.get("properties", {}))
    suggest = len(extras) <= _SUGGEST_LIMIT
    for where in extras:
        key, param = where[-1], bracket(where)
        hint = _close_match(key, tuple(known)) if suggest and len(key) <= 64 else None
        yield ParamError(param, where, PARAMETER_UNKNOWN,
                         f"Received unknown parameter: {param}." + (f" Did you mean {hint}?" if hint else ""),
                         failure.schema_path)


@functools.lru_cache(maxsize=4096)
def _close_match(key: str, known: tuple[str, ...]) -> str | None:
    """The known name closest to a mistyped `key`, if one is close enough.

    Cached: difflib takes tens of µs per name, and a batch meets the same
    mistake again and again.
    """
    import difflib

    found = difflib.get_close_matches(key, known, n=1)
    return found[0] if found else None


# What a message calls a key: a request has params (Stripe's word), what comes back has fields.
_NOUN = {loader.ROOT_FILE: "param"}


def _required(failure: Failure, name: str) -> Iterator[ParamError]:
    if not isinstance(failure.instance, dict):
        yield from _unmapped(failure, name)
        return
    rule = failure.rule
    why = f" ({rule['description'].rstrip('.')})" if rule and rule.get("description") else ""
    for key in failure.expected:
        if key in failure.instance:
            continue
        where = failure.path + (key,)
        param = bracket(where)
        yield ParamError(param, where, rule["title"] if rule else PARAMETER_MISSING,
                         f"Missing required {_NOUN.get(name, 'field')}: {param}{why}{_allowed(where, name)}.",
                         failure.schema_path)


def _type(failure: Failure, name: str) -> Iterator[ParamError]:
    # The schema's own order: engines report the allowed types in orders of their own.
    expected, path = failure.schema.get("type", failure.expected), failure.path
    param = bracket(path)
    types = [expected] if isinstance(expected, str) else list(expected)
    # An integer that may also be null is still Stripe's integer param.
    code = PARAMETER_INVALID_INTEGER if [t for t in types if t != "null"] == ["integer"] else PARAMETER_INVALID_TYPE
    names = [_JSON_TYPE_NAMES.get(t, t) for t in types]
    wanted = " or ".join([", ".join(names[:-1]), names[-1]] if len(names) > 2 else names)
    if isinstance(failure.schema.get("enum"), list):
        wanted = f"one of {_listed(failure.schema['enum'])}"
    yield ParamError(param, path, code,
                     f"{param or 'The payload'} must be {wanted}, not {_shown(failure.instance, path, name)}.",
                     failure.schema_path)


def _enum(failure: Failure, name: str) -> Iterator[ParamError]:
    param, got = bracket(failure.path), _shown(failure.instance, failure.path, name)
    values = failure.expected if failure.keyword == "enum" else [failure.expected]
    yield _error(failure, PARAMETER_INVALID_ENUM, f"{param} must be one of {_listed(values)}; got {got}.")


def _maximum(failure: Failure, name: str) -> Iterator[ParamError]:
    param, got = bracket(failure.path), _shown(failure.instance, failure.path, name)
    yield _error(failure, PARAMETER_ABOVE_MAXIMUM, f"{param} must be at most {failure.expected}; got {got}.")


def _length(failure: Failure, name: str) -> Iterator[ParamError]:
    param = bracket(failure.path)
    length = len(failure.instance) if isinstance(failure.instance, str) else 0
    code, bound = (PARAMETER_TOO_LONG, "most") if failure.keyword == "maxLength" else (PARAMETER_TOO_SHORT, "least")
    yield _error(failure, code, f"{param} must be at {bound} {failure.expected} characters long; got {length}.")


def _empty(failure: Failure, name: str) -> Iterator[ParamError]:
    """An empty string sent for a param: Stripe's answer, word for word, whatever keyword failed.

    Stripe reads ``key=`` as an attempt to unset the param, which a create
    cannot do, so it answers this before looking at what the value should be.
    """
    param = bracket(failure.path)
    yield _error(failure, PARAMETER_INVALID_EMPTY,
                 f"You passed an empty string for '{param}'. We assume empty values are an attempt to unset a "
                 f"parameter; however '{param}' cannot be unset. You should remove '{param}' from your request "
                 f"or supply a non-empty value.")


def _unmapped(failure: Failure, name: str) -> Iterator[ParamError]:
    param = bracket(failure.path) or "The payload"
    yield _error(failure, PARAMETER_INVALID, f"{param} does not satisfy the schema's {failure.keyword} keyword.")


def _broken_rule(failure: Failure, name: str) -> Iterator[ParamError]:
    """A failure of a documented rule as a whole (its ``anyOf``, say): the rule's code and message."""
    rule, param = failure.rule, bracket(failure.path) or "The payload"
    assert rule is not None  # only a failure inside a documented rule comes here
    yield _error(failure, rule["title"], f"{param}: {rule.get('description') or 'breaks ' + rule['title']}")


#: keyword -> function(failure, root name) yielding ParamErrors.
KEYWORDS = {
    "additionalProperties": _additional_properties,
    "required": _required,
    "type": _type,
    "enum": _enum,
    "const": _enum,
    "maximum": _maximum,
    "maxLength": _length,
    "minLength": _length,
}
# These name the param at fault themselves, inside a rule too (a rule's missing param, an unknown key).
_NAMING = {"additionalProperties", "required"}


for _cached in (stock, _keyword_at, _names, _allowed, _secret):  # derived from the schema files
    loader.on_reset(_cached.cache_clear)


# The roots that describe a request: an empty value there is Stripe's parameter_invalid_empty.
_REQUESTS = {loader.ROOT_FILE}


def _explain(failure: Failure, name: str) -> Iterator[ParamError]:
    """The ParamErrors one failure stands for (`name`: the root schema checked against)."""
    if failure.instance == "" and failure.instance.__class__ is str and name in _REQUESTS \
            and failure.keyword not in _NAMING:
        return _empty(failure, name)
    if failure.rule is not None and not (failure.keyword in _NAMING and isinstance(failure.instance, dict)):
        return _broken_rule(failure, name)
    return KEYWORDS.get(failure.keyword, _unmapped)(failure, name)


# ---- integers sent as floats: the one wire rule JSON Schema cannot state ---------------------------


@plan.derived
def integer_paths(name: str) -> tuple[Path, ...]:
    """The params (array items as 0) that take integers and no other numbers, under root `name`."""
    return tuple(node.path for node in plan.root(name).walk() if "integer" in node.types and "number" not in node.types)


def _found(value: Any, path: Path, where: Path = ()) -> Iterator[tuple[Path, Any]]:
    """``(actual path, value)`` of every value `path` (array items as 0) reaches in `value`."""
    if not path:
        yield where, value
        return
    step, rest = path[0], path[1:]
    if step == 0 and isinstance(value, list):
        for index, item in enumerate(value):
            yield from _found(item, rest, where + (index,))
    elif isinstance(value, dict) and step in value:
        yield from _found(value[step], rest, where + (step,))


def integer_floats(clean: Any, name: str) -> list[ParamError]:
    """For a request root: a float (``3.0``) where an integer param is: JSON Schema counts it as an integer, but
    stripe-python sends ``3.0`` and Stripe answers parameter_invalid_integer.  `clean` is JSON data."""
    errors: list[ParamError] = []
    if name not in _REQUESTS:
        return errors
    for path in integer_paths(name):
        for where, value in _found(clean, path):
            if value.__class__ is float:
                param = bracket(where)
                errors.append(ParamError(param, where, PARAMETER_INVALID_INTEGER,
                                         f"{param} must be an integer, not {describe(value)}."))
    return errors


# ---- the whole report --------------------------------------------------------------------------


def _covered(path: Path, blocking: set[Path] | dict[Path, Any], strictly: bool = False) -> bool:
    """True when `path` is at (unless `strictly`) or beneath one of the `blocking` paths."""
    for end in range(len(path) + (0 if strictly else 1)):
        if path[:end] in blocking:
            return True
    return False


def iter_errors(params: Any, *, compiled: bool = True, name: str = loader.ROOT_FILE,
                parsed: bool = False) -> Iterator[ParamError]:
    """Every problem with `params` under the root schema `name`, one per param, in a stable order.

    Never raises for bad data.  ``compiled=False`` explains with stock
    jsonschema alone (the tests compare both ways).  ``parsed=True``: the
    caller vouches that `params` came from a JSON parser that yields only
    JSON data (strings that are Unicode text, integers within 64 bits, no
    cycles), so the JSON-only copy (`scrub`) would equal it: it is skipped.
    """
    clean, errors = (params, []) if parsed and compiled else scrub(params, name)
    failures = _compiled_failures(clean, name) if compiled and not errors else None
    if failures is None:
        failures = [_from_stock(error) for error in stock(name).iter_errors(clean)]

    errors.extend(integer_floats(clean, name))
    rule_failures = []
    for failure in failures:
        if failure.keyword == "anyOf" and failure.rule is not None:
            rule_failures.append(failure)
        else:
            errors.extend(_explain(failure, name))

    # A rule that fails only because a value it reads is already reported
    # (a component whose `enabled` is not a boolean) is noise: drop it.
    reported = {e.path for e in errors} if rule_failures else set()
    for failure in rule_failures:
        if not reported or not failure.fails_only_at(reported):
            errors.extend(_explain(failure, name))

    if len(errors) == 1:  # the common case needs no ranking or ordering
        yield errors[0]
        return
    best: dict[Path, ParamError] = {}
    for error in errors:
        kept = best.get(error.path)
        if kept is None or _RANK.get(error.code, 9) < _RANK.get(kept.code, 9):
            best[error.path] = error
    opaque = {path for path, error in best.items() if error.code in _OPAQUE}
    try:
        ordered = sorted(best)
    except TypeError:  # a key that is not a string beside one that is
        ordered = sorted(best, key=path_order)
    # Stripe rejects unknown params before it looks at any value: they come first, so the first
    # error is the one Stripe would answer with; then every other error, by param path.
    shown = [best[path] for path in ordered if not _covered(path, opaque, strictly=True)]
    yield from (error for error in shown if error.code == PARAMETER_UNKNOWN)
    yield from (error for error in shown if error.code != PARAMETER_UNKNOWN)
