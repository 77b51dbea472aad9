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
    """New values for one position, each with the kind of change it is."""
    allowed = _allowed(node)
    if allowed is not None:
        yield from ((f"type:{name}", sample) for name, sample in _SAMPLES.items() if name not in allowed)
    if isinstance(value, bool):
        yield "flip", not value
        yield "bool-as-int", int(value)
    elif isinstance(value, int):
        yield "int-as-float", float(value)
        if "maximum" in node:
            yield "above-maximum", node["maximum"] + 1
            yield "at-maximum", node["maximum"]
    if "enum" in node:
        yield from (("enum-member", member) for member in node["enum"] if member != value)
        if "mutant" not in node["enum"]:
            yield "enum-outside", "mutant"
    if "const" in node and node["const"] != "mutant":
        yield "const-other", "mutant"
    if isinstance(value, dict):
        yield "unknown-key", {**value, _UNKNOWN_KEY: True}
        for key in value:
            yield f"drop:{key}", {name: item for name, item in value.items() if name != key}
        for key in node.get("properties", {}):
            if key not in value:
                for name in sorted(_allowed(loader.at(path + (key,), root)) or ()):
                    yield f"add:{key}", {**value, key: _SAMPLES[name]}
                    break
    if isinstance(value, list):
        yield "repeat-item", value + value[:1]
        item_allowed = _allowed(loader.at(path + (0,), root) or {}) or set()
        yield "wrong-item", value + [next(sample for name, sample in _SAMPLES.items() if name not in item_allowed)]


def labelled(payload, root: str = loader.ROOT_FILE) -> list[tuple[tuple, object]]:
    """Every one-step mutant of `payload`, each with its label ``(schema path, kind of change)``.

    The schema path is the position's, array indices as 0 (`loader.generic`):
    a label names a site of the schema and a way of changing it, whatever payload it came from.
    """
    out = []
    for path, value in _positions(payload):
        node = loader.at(path, root)
        if node is None:
            continue
        site = loader.generic(path)
        out.extend(((site, kind), _replace(payload, path, new)) for kind, new in _changes(path, node, value, root))
    return out


def mutants(payload, root: str = loader.ROOT_FILE) -> list:
    """Every one-step mutant of `payload` the root schema file `root` suggests, in a stable order."""
    return [mutant for _, mutant in labelled(payload, root)]
