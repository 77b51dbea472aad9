"""Lint: settings that are legal but have no effect, or are likely mistakes.

Nothing here is an error: a payload with warnings is still valid.  What is
known about particular params lives in the schemas, as annotations:

``x-lint`` on an object schema
    a list of ``{"param", "code", "message", "when"}``.  ``when`` is a JSON
    Schema (self-contained: no ``$ref``) evaluated against that object as
    given (defaults not filled); when it holds, a warning with ``code`` names
    ``param`` (a key of the object; the object itself when omitted).  In
    ``message``, ``{param}`` stands for that param and ``{object}`` for the
    object, both in bracket notation.
``x-idPrefix`` on a string param
    the prefix its ids usually carry (``cus_``); a non-empty value without it
    is warned about.

Two checks need no annotation: an integer param given as a float with no
fraction (stripe-python would send ``3.0``, which Stripe rejects), and a free
string param (no ``enum``) given as ``""``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from . import loader
from .errors import Finding, bracket, describe, shorten
from .plain import scrub

#: Codes of the checks that need no annotation; ``x-lint`` entries name theirs.
INTEGER_AS_FLOAT = "integer_as_float"
STRING_EMPTY = "string_empty"
ID_PREFIX_UNEXPECTED = "id_prefix_unexpected"


@dataclass(frozen=True)
class LintWarning(Finding):
    """A legal setting that is pointless or likely a mistake: the payload stays valid."""


@dataclass(frozen=True)
class _Rule:
    param: str | None
    code: str
    message: str
    when: object  # a jsonschema validator, built once


@functools.cache
def _plan() -> tuple[dict, dict]:
    """Merged node per param path (array items as 0), and the x-lint rules per object path."""
    from jsonschema.validators import Draft202012Validator, validator_for

    nodes = loader.nodes()
    rules = {}
    for path, node in nodes.items():
        entries = node.get("x-lint") or ()
        rules[path] = [
            _Rule(entry.get("param"), entry["code"], entry["message"],
                  validator_for(entry.get("when", True), default=Draft202012Validator)(entry.get("when", True)))
            for entry in entries
        ]
    return nodes, {path: found for path, found in rules.items() if found}


def _value_warnings(value, path: tuple, node: dict):
    param = bracket(path)
    types = loader.types(node)
    if isinstance(value, float) and "integer" in types and value.is_integer():
        shown = shorten(repr(value))
        yield LintWarning(param, path, INTEGER_AS_FLOAT,
                          f"{param} is an integer given as the float {shown}: stripe-python would send "
                          f"\"{shown}\", which Stripe rejects; send "
                          f"{int(value) if abs(value) < 2**63 else 'an integer'} instead.")
    elif isinstance(value, str) and "string" in types and "enum" not in node and "const" not in node:
        prefix = node.get("x-idPrefix")
        if value == "":
            yield LintWarning(param, path, STRING_EMPTY,
                              f"{param} is an empty string; give a value or leave the param out.")
        elif isinstance(prefix, str) and not value.startswith(prefix):
            yield LintWarning(param, path, ID_PREFIX_UNEXPECTED,
                              f"{param} is {describe(value)}, but its ids usually start with {shorten(prefix)}.")


def _rule_warnings(value: dict, path: tuple, rules):
    for rule in rules:
        if rule.when.is_valid(value):
            where = path if rule.param is None else path + (rule.param,)
            message = rule.message.replace("{param}", bracket(where) or "The payload")
            yield LintWarning(bracket(where), where, rule.code, message.replace("{object}", bracket(path)))


def _order(warning: LintWarning) -> tuple:
    # Keys and indices never compare with each other directly.
    return tuple((1, p) if isinstance(p, int) else (0, p) for p in warning.path), warning.code


def lint(params) -> list[LintWarning]:
    """Every warning about `params`, in a stable order.  Never raises.

    Lints what it can read: values that are not JSON data, keys that are not
    strings and anything under an unknown param are skipped (``iter_errors``
    reports them).  Lint the payload you send, not ``fill_defaults`` of it:
    a filled default is not a setting anyone gave.
    """
    nodes, rules = _plan()
    clean, _ = scrub(params)
    found: list[LintWarning] = []
    stack = [(clean, (), ())]
    while stack:
        value, path, where = stack.pop()
        node = nodes.get(where)
        if node is None:
            continue
        found.extend(_value_warnings(value, path, node))
        if isinstance(value, dict):
            found.extend(_rule_warnings(value, path, rules.get(where, ())))
            stack.extend((item, path + (key,), where + (key,)) for key, item in value.items())
        elif isinstance(value, list):
            stack.extend((item, path + (index,), where + (0,)) for index, item in enumerate(value))
    return sorted(found, key=_order)
