"""Payloads one step away from a given payload, derived from the schemas.

Each mutant changes one position in one way the schema node there speaks
about: a value of a type the node does not allow, an unknown key, a key
left out, another enum member, a value other than a ``const``, a value past
a maximum, a flipped boolean, an integer written as a float.  Some mutants
stay valid (another enum member, ``3.0`` for ``3``, an unknown key where
unknown keys are accepted): the point is to compare verdicts, not to
predict them.  No param name appears here.
"""

from __future__ import annotations

import copy

from validator import loader

# One value of each JSON type, for "wrong type" mutants.
_SAMPLES = {
    "object": {},
    "array": [],
    "string": "mutant",
    "integer": 7,
    "number": 2.5,
    "boolean": True,
    "null": None,
}
_UNKNOWN_KEY = "zz_not_a_param"


def _allowed(node) -> set | None:
    types = node.get("type")
    if types is None:
        return None
    allowed = {types} if isinstance(types, str) else set(types)
    if "number" in allowed:
        allowed.add("integer")
    return allowed


def _positions(value, path=()):
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _positions(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _positions(item, path + (index,))


def _replace(payload, path, new):
    if not path:
        return copy.deepcopy(new)
    out = copy.deepcopy(payload)
    target = out
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = copy.deepcopy(new)
    return out


def _changes(path, node, value, root):
    """New values for one position."""
    allowed = _allowed(node)
    if allowed is not None:
        wrong = [sample for name, sample in _SAMPLES.items() if name not in allowed]
        yield from wrong
    if isinstance(value, bool):
        yield not value
        yield int(value)
    elif isinstance(value, int):
        yield float(value)
        if "maximum" in node:
            yield node["maximum"] + 1
            yield node["maximum"]
    if "enum" in node:
        yield from (member for member in node["enum"] if member != value)
        if "mutant" not in node["enum"]:
            yield "mutant"
    if "const" in node and node["const"] != "mutant":
        yield "mutant"
    if isinstance(value, dict):
        yield {**value, _UNKNOWN_KEY: True}
        for key in value:
            yield {name: item for name, item in value.items() if name != key}
        for key in node.get("properties", {}):
            if key not in value:
                for name in sorted(_allowed(loader.at(path + (key,), root)) or ()):
                    yield {**value, key: _SAMPLES[name]}
                    break
    if isinstance(value, list):
        yield value + value[:1]
        item_allowed = _allowed(loader.at(path + (0,), root) or {}) or set()
        yield value + [next(sample for name, sample in _SAMPLES.items() if name not in item_allowed)]


def mutants(payload, root: str = loader.ROOT_FILE) -> list:
    """Every one-step mutant of `payload` the root schema file `root` suggests, in a stable order."""
    out = []
    for path, value in _positions(payload):
        node = loader.at(path, root)
        if node is None:
            continue
        out.extend(_replace(payload, path, new) for new in _changes(path, node, value, root))
    return out
