"""Every way the schemas forbid, applied to a valid payload: mutants derived from the schemas.

Nothing here names a param.  The sites come from walking the merged schema
nodes (`validator.loader.walk`): each param's ``type``, ``enum``,
``maximum``, ``required`` keys, each object level, and each titled ``allOf``
rule, whose violation is derived from the rule's own structure.  Each
`Mutant` says which errors it must produce: exactly those, no others.

What a mutant expects comes from the public contract (GUIDE §2), not from
the keyword that happens to enforce it: every object level must reject an
unknown key, whether or not the schema says ``additionalProperties: false``
there, so a loosened schema makes the mutant pass and the test fail.
"""

from __future__ import annotations

import copy
import functools
import math
import re
from dataclasses import dataclass

from hypothesis import strategies as st

from validator import loader
from validator.errors import (
    PARAMETER_ABOVE_MAXIMUM,
    PARAMETER_INVALID_EMPTY,
    PARAMETER_INVALID_ENUM,
    PARAMETER_INVALID_INTEGER,
    PARAMETER_INVALID_TYPE,
    PARAMETER_MISSING,
    PARAMETER_TOO_LONG,
    PARAMETER_TOO_SHORT,
    PARAMETER_UNKNOWN,
)

# Any finite JSON scalar; the values a broken param gets are drawn from these.
_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12),
)
# Built, not filtered: most floats Hypothesis draws are whole.  Below 2**52, x + 0.5 is exact.
_FRACTIONS = st.floats(min_value=-1e15, max_value=1e15).map(lambda x: x + 0.5 if x.is_integer() else x)
_BY_TYPE = {
    "null": st.none(),
    "boolean": st.booleans(),
    "integer": st.integers(),
    # Draft 2020-12 counts 3.0 as an integer: only a fraction is a "number" that no integer allows.
    "number": _FRACTIONS,
    "string": st.text(max_size=12),
    "array": st.lists(_SCALARS, max_size=3),
    "object": st.dictionaries(st.text(max_size=8), _SCALARS, max_size=3),
}


#: Whether each root schema's contract rejects unknown keys at every object level.  Stripe
#: rejects unknown params; it adds fields to the objects it returns without a new API version,
#: so a response with an unknown field stays valid.  Stated here, not read from the schemas,
#: so a schema that loosens (or tightens) its additionalProperties makes a mutant fail.
REJECTS_UNKNOWN = {loader.ROOT_FILE: True, loader.RESPONSE_FILE: False}
#: The roots that describe what a client sends, where the wire rules of Stripe's API apply: an empty
#: value is an attempt to unset the param (parameter_invalid_empty, Stripe's error-code docs), and a
#: float for an integer param is sent as "3.0", which Stripe rejects (parameter_invalid_integer).
REQUESTS = {loader.ROOT_FILE}


class Unsupported(Exception):
    """The schemas use a construct this module cannot derive a violation for: extend it."""


@dataclass(frozen=True)
class Mutant:
    """A valid payload broken in one way.

    ``kind`` names the prohibition ("type", "enum", "maximum", "integer",
    "unknown", "required" or "rule:<code>"), ``site`` the schema path it is
    about (array items as 0).  ``base`` is the valid payload it was made
    from, with any absent parent filled in; ``expected`` is every error it
    must produce, as ``(path, code)`` pairs.
    """

    kind: str
    site: tuple
    base: object
    payload: object
    expected: tuple


@dataclass(frozen=True)
class Rule:
    """A titled ``allOf`` entry: the object path carrying it, its code, its schema."""

    path: tuple
    code: str
    schema: dict


def _types(node) -> set[str]:
    declared = node.get("type")
    if declared is not None:
        found = {declared} if isinstance(declared, str) else set(declared)
    else:
        values = node.get("enum", [node["const"]] if "const" in node else [])
        found = {_type_of(v) for v in values}
    if "number" in found:
        found.add("integer")
    return found


def _type_of(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return "integer"
    for name, kind in (("number", float), ("string", str), ("array", list), ("object", dict)):
        if isinstance(value, kind):
            return name
    raise Unsupported(f"not a JSON value: {value!r}")


@functools.cache
def params(name: str = loader.ROOT_FILE) -> tuple:
    """``(schema path, merged node)`` for every param under root `name`, the payload itself included."""
    return tuple(loader.walk(name))


@functools.cache
def rules(name: str = loader.ROOT_FILE) -> tuple[Rule, ...]:
    """Every documented rule under root `name`, found where it sits."""
    return tuple(
        Rule(path, entry["title"], entry)
        for path, node in params(name)
        for entry in node.get("allOf", ())
        if isinstance(entry, dict) and "title" in entry
    )


@functools.lru_cache(maxsize=None)
def _at(path, name: str = loader.ROOT_FILE):
    return loader.at(path, name)


@functools.lru_cache(maxsize=None)
def _index(length):
    return st.integers(0, length - 1)


def minimal(path, name: str = loader.ROOT_FILE):
    """The smallest value the schema node at `path` accepts on its own (rules aside)."""
    node = _at(path, name)
    if node is None:
        raise Unsupported(f"no schema for {path}")
    if "const" in node:
        return copy.deepcopy(node["const"])
    if "enum" in node:
        return copy.deepcopy(node["enum"][0])
    types = _types(node) or {"object"}
    for kind in ("object", "array", "string", "boolean", "integer", "number", "null"):
        if kind in types:
            break
    if kind == "object":
        return {key: minimal(path + (key,), name) for key in node.get("required", ())}
    if kind in ("integer", "number"):
        return min(0, node.get("maximum", 0))
    if kind == "string":
        # The schema's own example passes its rules (a pattern among them); an array's example
        # lists its items'.  Else the shortest string its length allows.
        parent = _at(path[:-1], name) if path and path[-1] == 0 else None
        examples = [*node.get("examples", ()), *[item for example in (parent or {}).get("examples", ())
                                                   for item in example if isinstance(item, str)]]
        return examples[0] if examples else "x" * node.get("minLength", 0)
    return {"array": [], "boolean": False, "null": None}[kind]


def place(payload, site, draw, name: str = loader.ROOT_FILE):
    """A copy of `payload` in which the param at schema path `site` is present.

    Absent parents (and the param itself) get their minimal value; an array
    wildcard becomes a drawn index of an item (one is added to an empty
    array).  A parent that holds a value of another type the schema allows
    (a string where an object may also stand) is replaced by its minimal
    object or array.  Returns the copy and the concrete path.
    """
    out = copy.deepcopy(payload)
    concrete, current, parent = (), out, None
    for part in site:
        if parent is not None and not isinstance(current, list if isinstance(part, int) else dict):
            parent[concrete[-1]] = current = minimal(concrete, name)
        if isinstance(part, int):
            if not current:
                current.append(minimal(concrete + (0,), name))
            part = draw(_index(len(current)))
        elif part not in current:
            current[part] = minimal(concrete + (part,), name)
        concrete, parent, current = concrete + (part,), current, current[part]
    return out, concrete


def put(payload, path, value):
    """`payload` with `value` at `path`, changed in place; the new payload (`value` itself for the root)."""
    if not path:
        return value
    target = payload
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return payload


def _get(payload, path):
    for part in path:
        payload = payload[part]
    return payload


def _other(value, path, name: str = loader.ROOT_FILE):
    """A value of the same JSON type as `value` that the param at `path` accepts, but not `value`."""
    node = _at(path, name) or {}
    if isinstance(value, bool):
        return not value
    choices = [v for v in node.get("enum", ()) if v != value]
    if choices:
        return choices[0]
    if isinstance(value, str):
        return value + "_"
    if isinstance(value, int):
        return value - 1 if value + 1 > node.get("maximum", math.inf) else value + 1
    raise Unsupported(f"cannot find a value other than {value!r} for {path}")


@functools.cache
def _plans(name: str = loader.ROOT_FILE) -> tuple:
    """For each param: ``(site, [(kind, strategy of broken values, code)], unknown keys, required keys)``.

    Built once: strategies made inside a draw cost more than the draw.
    """
    plans = []
    for site, node in params(name):
        types = _types(node)
        integer = types - {"null"} == {"integer"}
        ways = []
        wrong = sorted(set(_BY_TYPE) - types - ({"number"} if "integer" in types else set()))
        if types and wrong:
            code = PARAMETER_INVALID_INTEGER if integer else PARAMETER_INVALID_TYPE
            ways.append(("type", st.one_of([_BY_TYPE[t] for t in wrong]), code))
        if integer:
            ways.append(("integer", _FRACTIONS, PARAMETER_INVALID_INTEGER))
            if name in REQUESTS:
                whole = st.integers(min_value=-(2**53), max_value=2**53).map(float)
                ways.append(("float", whole, PARAMETER_INVALID_INTEGER))
        if "maxLength" in node:
            ways.append(("maxLength", st.just("x" * (node["maxLength"] + 1)), PARAMETER_TOO_LONG))
        if node.get("minLength", 0) > 1:
            ways.append(("minLength", st.just("x" * (node["minLength"] - 1)), PARAMETER_TOO_SHORT))
        if "enum" in node or "const" in node:
            allowed = node["enum"] if "enum" in node else [node["const"]]
            # A type whose every value is allowed (null, once None is listed) has nothing outside: skip it.
            kinds = sorted({_type_of(v) for v in allowed} - ({"null"} if None in allowed else set()))
            outside = st.one_of([_BY_TYPE[t] for t in kinds]).filter(lambda v, allowed=allowed: v not in allowed)
            ways.append(("enum", outside, PARAMETER_INVALID_ENUM))
        if "maximum" in node:
            limit = node["maximum"]
            above = (st.integers(min_value=math.floor(limit) + 1) if integer
                     else st.floats(min_value=limit, exclude_min=True, allow_infinity=False))
            ways.append(("maximum", above, PARAMETER_ABOVE_MAXIMUM))
        unknown = None
        if "object" in types:
            known = set(node.get("properties", {}))
            patterns = [re.compile(p) for p in node.get("patternProperties", {})]
            unknown = st.text(max_size=12).filter(
                lambda k, known=known, patterns=patterns: k not in known and not any(p.search(k) for p in patterns))
        plans.append((site, ways, unknown, tuple(node.get("required", ())) if "object" in types else ()))
    return tuple(plans)


def _param_mutants(payload, draw, name):
    for site, ways, unknown, required in _plans(name):
        base, path = place(payload, site, draw, name)

        def broken(kind, value, code, where=path):
            if value == "" and value.__class__ is str and name in REQUESTS:
                code = PARAMETER_INVALID_EMPTY  # before any other check of the value, as Stripe answers
            return Mutant(kind, site, base, put(copy.deepcopy(base), path, value), ((where, code),))

        if "string" in _types(_at(site, name) or {}) and name in REQUESTS:
            yield broken("empty", "", PARAMETER_INVALID_EMPTY)

        for kind, values, code in ways:
            yield broken(kind, draw(values), code)
        if (unknown is not None or required) and not isinstance(_get(base, path), dict):
            # The schema allows another type here too (null, a string): the object checks need an object.
            base = put(copy.deepcopy(base), path, minimal(path, name)) if path else minimal(path, name)
        if unknown is not None:
            key = draw(unknown)
            grown = copy.deepcopy(_get(base, path))
            grown[key] = draw(_SCALARS)
            if REJECTS_UNKNOWN[name]:
                yield broken("unknown", grown, PARAMETER_UNKNOWN, path + (key,))
            else:
                yield Mutant("unknown", site, base, put(copy.deepcopy(base), path, grown), ())
        for key in required:
            shrunk = copy.deepcopy(_get(base, path))
            del shrunk[key]
            yield broken("required", shrunk, PARAMETER_MISSING, path + (key,))


def _make_hold(obj, schema, path):
    """Change `obj` (the value at `path`) so that `schema` holds: set the consts it names."""
    if not set(schema) <= {"properties", "required", "type"}:
        raise Unsupported(f"cannot make {sorted(schema)} hold at {path}")
    for name, sub in schema.get("properties", {}).items():
        if "const" in sub or "enum" in sub:
            obj[name] = copy.deepcopy(sub["const"] if "const" in sub else sub["enum"][0])
        else:
            _make_hold(obj.setdefault(name, minimal(path + (name,))), sub, path + (name,))
    for name in schema.get("required", ()):
        obj.setdefault(name, minimal(path + (name,)))


def _make_fail(obj, schema, path, optional):
    """Change `obj` (the value at `path`) so that `schema` does not hold."""
    # A "type" here is already met (the payload is valid) and is not what gets broken.
    if not set(schema) <= {"properties", "required", "const", "type"}:
        raise Unsupported(f"cannot make {sorted(schema)} fail at {path}")
    if any(name not in obj for name in schema.get("required", ())):
        return
    if "const" in schema:
        raise Unsupported(f"a const on the object itself at {path}")
    changed = False
    for name, sub in schema.get("properties", {}).items():
        if name not in obj:
            continue
        if "const" in sub:
            obj[name] = _other(sub["const"], path + (name,))
            changed = True
        elif isinstance(obj[name], dict):
            before = copy.deepcopy(obj[name])
            _make_fail(obj[name], sub, path + (name,), optional=())
            changed = changed or obj[name] != before
    if not changed:
        # No const to change: drop a key the branch requires, if the object lets us.
        droppable = [name for name in schema.get("required", ()) if name in optional]
        if not droppable:
            raise Unsupported(f"cannot make a branch fail at {path}")
        del obj[droppable[0]]


def rule_mutants(payload, draw, name: str = loader.ROOT_FILE):
    """A mutant per documented rule: the rule broken as its own structure says."""
    for rule in rules(name):
        base, path = place(payload, rule.path, draw, name)
        mutant = copy.deepcopy(base)
        obj = _get(mutant, path)
        entry = {k: v for k, v in rule.schema.items() if k not in ("title", "description")}
        if set(entry) == {"if", "then"} and set(entry["then"]) == {"required"}:
            # Make the condition hold, then take away what it requires.
            _make_hold(obj, entry["if"], path)
            missing = sorted(entry["then"]["required"])
            for key in missing:  # not `name`: that is the root this mutant is made under
                obj.pop(key, None)
            expected = tuple((path + (key,), rule.code) for key in missing)
        elif set(entry) == {"anyOf"}:
            # Make every branch fail; the rule is about the object carrying it.
            node = _at(path, name)
            optional = set(node.get("properties", {})) - set(node.get("required", ()))
            for branch in entry["anyOf"]:
                _make_fail(obj, branch, path, optional)
            expected = ((path, rule.code),)
        elif set(entry) == {"pattern"} and isinstance(obj, str):
            # A value of the right type that the pattern refuses: the rule is about the value itself.
            limit = (_at(rule.path, name) or {}).get("maxLength", math.inf)
            candidates = [obj + "!", "!", "_" + obj]
            refused = [c for c in candidates if not re.search(entry["pattern"], c) and len(c) <= limit]
            if not refused:
                raise Unsupported(f"rule {rule.code} at {path}: no value found that the pattern refuses")
            mutant = put(mutant, path, refused[0])
            expected = ((path, rule.code),)
        else:
            raise Unsupported(f"rule {rule.code} at {path}: no violation derivable from {sorted(entry)}")
        yield Mutant(f"rule:{rule.code}", rule.path, base, mutant, expected)


def break_all(payload, draw, name: str = loader.ROOT_FILE) -> list[Mutant]:
    """Every mutant of `payload`: each param broken in each way its schema forbids, each rule broken."""
    return [*_param_mutants(payload, draw, name), *rule_mutants(payload, draw, name)]


@st.composite
def mutated(draw, payloads, name: str = loader.ROOT_FILE):
    """A valid payload (under root `name`) and the list of all its mutants."""
    payload = draw(payloads)
    return payload, break_all(payload, draw, name)
