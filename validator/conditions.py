"""The one evaluator of the small JSON Schema subset that rules and lint conditions are written in.

A documented rule's ``anyOf`` branches (explanations: which params does a
payload fail a branch at?) and an ``x-lint`` entry's ``when`` (lint: does
it hold?) are both conditions on one object.  `compile` turns a condition
into a generated function ``faults(value, path) -> list of param paths``
(empty when the condition holds), written through `validator.codegen`.

The subset: ``type``, ``required``, ``properties``, ``const``, ``enum``,
``not``, ``anyOf``, ``allOf``, and the annotations (``title``,
``description``, ``$comment``, ``examples``, ``default``).  A condition
using anything else is evaluated by jsonschema-rs (stock jsonschema where
that is missing) as a whole: it then names only the object itself.  Which
one a condition gets is decided when it is compiled, by a private
exception, so a bug in the translation fails loudly instead of falling back.
"""

from __future__ import annotations

from typing import Any, Callable

from . import loader
from .codegen import Source
from .errors import Path as _Path

#: A compiled condition: the param paths `value` (found at `path`) fails it at; empty when it holds.
Condition = Callable[[Any, _Path], list[_Path]]

#: Each JSON type as a Python test of a JSON value (2020-12: 3.0 is an integer; True is not a number).
TYPE_TESTS = {
    "object": "{0}.__class__ is dict or isinstance({0}, dict)",
    "array": "{0}.__class__ is list or isinstance({0}, list)",
    "string": "{0}.__class__ is str or isinstance({0}, str)",
    "boolean": "{0} is True or {0} is False",
    "null": "{0} is None",
    "number": "{0}.__class__ is not bool and isinstance({0}, (int, float))",
    "integer": "{0}.__class__ is not bool and (isinstance({0}, int) or isinstance({0}, float) and {0}.is_integer())",
}
_ANNOTATIONS = {"title", "description", "$comment", "examples", "default"}


class _Unsupported(Exception):
    """A keyword outside the subset: the condition is handed to a JSON Schema engine whole."""


def equal(one: Any, two: Any) -> bool:
    """JSON Schema's equality: ``1`` is not ``true``, ``1.0`` is ``1``, containers compare item by item."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, list) and isinstance(two, list):
        return len(one) == len(two) and all(map(equal, one, two))
    if isinstance(one, dict) and isinstance(two, dict):
        return one.keys() == two.keys() and all(equal(one[key], two[key]) for key in one)
    if isinstance(one, bool) or isinstance(two, bool):
        return False
    return bool(one == two)


def _equals(source: Source, var: str, value: Any) -> str:
    """A Python expression: `var` equals the JSON value `value`."""
    if value is None or value is True or value is False:
        return f"{var} is {value!r}"
    if value.__class__ is str:
        return f"({var}.__class__ is str and {var} == {source.literal(value)})"
    return f"_equal({var}, {source.bind(value, 'const')})"


def _type_test(kinds: Any, var: str) -> str:
    names = [kinds] if isinstance(kinds, str) else list(kinds)
    if not all(kind in TYPE_TESTS for kind in names):
        raise _Unsupported(f"type {names!r}")
    return " or ".join(f"({TYPE_TESTS[kind].format(var)})" for kind in names) or "False"


def _emit(source: Source, schema: Any, var: str, path: str, mode: str) -> None:
    """Statements checking the value in `var` (found at `path`) against `schema`.

    `mode` "faults": each failure appends the param it is about to ``found``;
    "holds": the first failure returns False.
    """
    def fail(where: str) -> None:
        source.line(f"found.append({where})" if mode == "faults" else "return False")

    if schema is True:
        return
    if schema is False or not isinstance(schema, dict):
        if schema is not False:
            raise _Unsupported("a schema that is not an object")
        fail(path)
        return
    unknown = set(schema) - _ANNOTATIONS - {"type", "required", "properties", "const", "enum", "not", "anyOf", "allOf"}
    if unknown:
        raise _Unsupported(", ".join(sorted(unknown)))
    is_dict = TYPE_TESTS["object"].format(var)
    if "type" in schema:
        with source.block(f"if not ({_type_test(schema['type'], var)}):"):
            fail(path)
    if "const" in schema:
        with source.block(f"if not {_equals(source, var, schema['const'])}:"):
            fail(path)
    if "enum" in schema:
        allowed = " or ".join(_equals(source, var, value) for value in schema["enum"]) or "False"
        with source.block(f"if not ({allowed}):"):
            fail(path)
    required = schema.get("required", ())
    properties = schema.get("properties", {})
    if required or properties:
        with source.block(f"if {is_dict}:"):
            for key in required:
                with source.block(f"if {source.literal(key)} not in {var}:"):
                    fail(f"{path} + ({source.literal(key)},)")
            for key, sub in properties.items():
                inner = source.variable()
                with source.block(f"if {source.literal(key)} in {var}:"):
                    source.line(f"{inner} = {var}[{source.literal(key)}]")
                    _emit(source, sub, inner, f"{path} + ({source.literal(key)},)", mode)
    for keyword in ("not", "anyOf", "allOf"):
        if keyword not in schema:
            continue
        branches = [schema[keyword]] if keyword == "not" else schema[keyword]
        if not isinstance(branches, list) or not branches:
            raise _Unsupported(keyword)
        # Sub-conditions are asked whether they hold; only this one's own param is named.
        names = [source.bind(_made(branch, "holds"), "branch") for branch in branches]  # _Unsupported goes up
        if keyword == "allOf":
            test = " and ".join(f"{name}({var})" for name in names)
        elif keyword == "not":
            test = f"not {names[0]}({var})"
        else:
            test = " or ".join(f"{name}({var})" for name in names)
        with source.block(f"if not ({test}):"):
            fail(path)


def _made(schema: Any, mode: str) -> Callable[..., Any]:
    source = Source(f"condition ({mode})")
    source.namespace["_equal"] = equal
    with source.block("def faults(value, path):" if mode == "faults" else "def holds(value):"):
        if mode == "faults":
            source.line("found = []")
        _emit(source, schema, "value", "path" if mode == "faults" else "()", mode)
        source.line("return found" if mode == "faults" else "return True")
    return source.function(mode)


def _by_engine(schema: Any) -> Condition:
    """A condition outside the subset, as a whole: jsonschema-rs decides (stock jsonschema where it cannot)."""
    checks: list[Callable[[Any], bool]] = []

    def holds(value: Any) -> bool:
        if not checks:
            try:
                import jsonschema_rs

                checks.append(jsonschema_rs.validator_for(schema).is_valid)
            except ImportError:
                pass
            from jsonschema.validators import Draft202012Validator, validator_for

            checks.append(validator_for(schema, default=Draft202012Validator)(schema).is_valid)
        for check in checks:
            try:
                return bool(check(value))
            except (ValueError, TypeError, OverflowError, RecursionError):  # a value jsonschema-rs cannot read
                continue
        return False

    def faults(value: Any, path: _Path) -> list[_Path]:
        return [] if holds(value) else [path]

    return faults


# (schema, mode) -> the function, and whether the schema is in the subset.  Conditions are parts of
# the loaded schemas, which live as long as the process: they are remembered by identity.
_MADE: dict[tuple[int, str], tuple[Any, Callable[..., Any], bool]] = {}


def _remembered(schema: Any, mode: str) -> tuple[Callable[..., Any], bool]:
    """The condition `schema` made in `mode` ("faults" or "holds"), once; and whether it is in the subset."""
    known = _MADE.get((id(schema), mode))
    if known is not None and known[0] is schema:
        return known[1], known[2]
    try:
        made, inside = _made(schema, mode), True
    except _Unsupported:
        by_engine, inside = _by_engine(schema), False
        made = by_engine if mode == "faults" else lambda value: not by_engine(value, ())
    _MADE[(id(schema), mode)] = (schema, made, inside)
    return made, inside


def compile(schema: Any) -> Condition:  # noqa: A001 - the word for what it does
    """The condition `schema` as a function ``faults(value, path)``; one per schema object, made once."""
    faults: Condition = _remembered(schema, "faults")[0]
    return faults


def holds(schema: Any) -> Callable[[Any], bool]:
    """The condition `schema` as a function ``holds(value) -> bool`` (what lint asks); made once."""
    check: Callable[[Any], bool] = _remembered(schema, "holds")[0]
    return check


def supported(schema: Any) -> bool:
    """True when `schema` is in the subset (its faults name params, not just the object)."""
    return _remembered(schema, "faults")[1]


loader.on_reset(_MADE.clear)
