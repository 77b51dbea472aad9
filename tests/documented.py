"""The documented facts (documented_params.json) in the shapes the tests use.

The file is written from the API reference, stripe-python, Stripe's OpenAPI
spec3, Stripe's API answers and its documentation, never from the schemas:
it is the oracle the schemas are compared with.  Nothing here
reads a schema.  Payloads are built from the facts alone: each holds what the
facts require and satisfies their rules, so whatever goes wrong in one is
the param a test put there.
"""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path

from validator.errors import PARAMETER_ABOVE_MAXIMUM, PARAMETER_MISSING

FILE = Path(__file__).with_name("documented_params.json")

# The error each documented limit gives when a value breaks it: Stripe's code for an empty value
# (documented_params.json: empty_value), the project's own for a value above a maximum or too long.
LIMIT_CODES = {"maximum": PARAMETER_ABOVE_MAXIMUM, "maxLength": "parameter_too_long",
               "minLength": "parameter_invalid_empty"}


@functools.cache
def data() -> dict:
    return json.loads(FILE.read_text(encoding="utf-8"))


def path_of(dotted: str) -> tuple:
    return tuple(dotted.split("."))


def bracket(path) -> str:
    """Stripe's bracket notation, for messages: ``a[b][c]``; an array's items are ``a[]``."""
    parts = ["" if part == 0 else part for part in path]
    return parts[0] + "".join(f"[{part}]" for part in parts[1:]) if parts else "the payload"


@functools.cache
def params() -> dict:
    """``{path: entry}`` for every documented param, in file order."""
    return {path_of(entry["param"]): entry for entry in data()["params"]}


def children(path) -> list:
    """The documented params directly inside the object at `path` (``()`` is the payload)."""
    return [p for p in params() if len(p) == len(path) + 1 and p[: len(path)] == tuple(path)]


def required(path) -> bool:
    """Whether the param is required outright (not only under a condition)."""
    return params()[path]["required"] is True


def condition(path):
    """``(path of the param it depends on, value)`` if the param is required under a condition, else None."""
    when = params()[path]["required"]
    return (path_of(when["if"]), when["is"]) if isinstance(when, dict) else None


def rules() -> list:
    """``(path of the object, rule)`` for every documented rule over several params."""
    return [(path, entry["rule"]) for path, entry in params().items() if "rule" in entry]


def empty_value() -> dict:
    """What Stripe answers to an empty string at any param: ``{"code", "message"}`` (P stands for the param)."""
    return data()["empty_value"]


def expandable() -> list:
    """``(path of the array's items, {"fields", "depth", "code"})`` for each documented list of fields to expand."""
    return [(path + (0,), entry["items"]["expandable"]) for path, entry in params().items()
            if "expandable" in entry.get("items", {})]


def constraints() -> list:
    """``(path, code)``: each required param, limit and rule, as the error breaking it must give.

    Array items are at index 0.
    """
    found = []
    for path, entry in params().items():
        if entry["required"] is not False:
            found.append((path, PARAMETER_MISSING))
        found += [(path, LIMIT_CODES[keyword]) for keyword in entry.get("limits", {})]
        found += [(path + (0,), LIMIT_CODES[keyword]) for keyword in entry.get("items", {}).get("limits", {})]
    found += [(path, rule["code"]) for path, rule in rules()]
    found += [(path, rule["code"]) for path, rule in expandable()]
    return found


def sample(entry):
    """A value of the documented type that the facts allow on its own."""
    if "enum" in entry:
        return copy.deepcopy(entry["enum"][0])
    if "expandable" in entry:
        return entry["expandable"]["fields"][0]
    kind = entry["type"]
    if kind == "object":
        path = path_of(entry["param"])
        return {p[-1]: sample(params()[p]) for p in children(path) if required(p)}
    if kind == "array":
        return [sample(entry["items"])]
    if kind == "integer":
        return min(1, entry.get("limits", {}).get("maximum", 1))
    return {"boolean": True, "string": "x"}[kind]


def _ensure(payload, path) -> dict:
    """The object at `path` in `payload`, created (with its required params) where absent."""
    target = payload
    for depth in range(len(path)):
        key = path[depth]
        if key not in target:
            target[key] = sample(params()[path[: depth + 1]])
        target = target[key]
    return target


def payload(near=(), **values) -> dict:
    """A payload valid by the facts that holds the objects on the way to `near`.

    Every required param is there, and each rule holds through a member
    outside `near` where there is one (so that breaking something inside
    `near` breaks nothing else).
    """
    out = {p[-1]: sample(params()[p]) for p in children(()) if required(p)}
    for _, rule in rules():
        members = [path_of(m) for m in rule["at_least_one"]]
        outside = [m for m in members if m[: len(near)] != tuple(near)] or members
        member = outside[0]
        _ensure(out, member[:-1])[member[-1]] = rule["is"]
    _ensure(out, tuple(near))
    return out


def put(params_, path, value):
    """`params_` with `value` at `path` (parents created as needed), changed in place."""
    _ensure(params_, path[:-1])[path[-1]] = value
    return params_


def get(params_, path):
    """``(value, True)`` at `path`, or ``(None, False)`` where it is absent."""
    for part in path:
        if not isinstance(params_, dict) or part not in params_:
            return None, False
        params_ = params_[part]
    return params_, True
