"""The response schemas against the documented facts, both ways, and the facts against behaviour.

documented_response.json is written from the API reference's response
example, stripe-python's typed response class and issue 12, never from the
schemas (customer-session.json, the returned Customer Session object, and
error.json, Stripe's error body).  A field, type, null, required name, enum
or const value, limit, default or secret mark that the schemas have and the
facts do not (an invention) fails here, and so does one the facts have and
the schemas lost.  Where the facts follow a decision of the project rather
than a source, the entry names the decision, and the file explains it once.

The second half checks the facts against what the validator does, with
objects built from the facts alone: documented values accepted and near
misses rejected with the README's codes, required fields required and
others not, null accepted exactly where documented, no undocumented bound,
the expanded customer, and unknown fields accepted at every level.  Each
mismatch names the field in bracket notation.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from pathlib import Path

import pytest

import validator
from documented import bracket, path_of
from test_documented import annotations, limits, same, show
from validator import loader
from validator.check import Checker
from validator.errors import (
    PARAMETER_INVALID_ENUM,
    PARAMETER_INVALID_INTEGER,
    PARAMETER_INVALID_TYPE,
    PARAMETER_MISSING,
)

FILE = Path(__file__).with_name("documented_response.json")
DATA = json.loads(FILE.read_text(encoding="utf-8"))
OBJECTS = {entry["schema"]: entry for entry in DATA["objects"]}
NAMES = [loader.RESPONSE_FILE, loader.ERROR_FILE]
FACTS = {name: {path_of(entry["field"]): entry for entry in OBJECTS[name]["fields"]} for name in NAMES}
JSON_TYPES = ("string", "integer", "boolean", "array", "object")
DECISION_STATUS = {"stated", "reading", "open"}

# Keywords whose meaning the comparison reads; any other asserting keyword constrains in a way the facts cannot say.
UNDERSTOOD = {"type", "enum", "const", "properties", "items", "required"}


def each():
    """``(root file name, path, entry)`` for every documented field."""
    for name in NAMES:
        for path, entry in FACTS[name].items():
            yield name, path, entry


def at(name, path) -> str:
    """A field in bracket notation, with the object it belongs to when that is not the Customer Session."""
    if not path:
        return name
    where = bracket(path)
    return where if name == loader.RESPONSE_FILE else f"{where} (in {name})"


def children(name, path) -> list:
    return [p for p in FACTS[name] if len(p) == len(path) + 1 and p[: len(path)] == tuple(path)]


def json_types(entry) -> set:
    """The JSON types a documented field may hold: its type, the object it expands to, null."""
    return {entry["type"]} | ({"object"} if "expandable" in entry else set()) | ({"null"} if entry["nullable"] else set())


# --- the facts file itself ---------------------------------------------------------------------

def said_in(where: str) -> bool:
    """``"FILE[, PLACE]: TEXT"``: TEXT is in the project's FILE, runs of whitespace read as one space."""
    head, _, text = where.partition(": ")
    file = FILE.parent.parent / head.split(",")[0]
    return file.is_file() and " ".join(text.split()) in " ".join(file.read_text(encoding="utf-8").split())


def test_the_facts_file_is_whole():
    assert set(OBJECTS) == set(NAMES), f"the facts describe {sorted(OBJECTS)}; the response schemas are {NAMES}"
    sources, decisions = DATA["sources"], DATA["decisions"]
    for name, decision in decisions.items():
        assert decision["status"] in DECISION_STATUS and decision["says"] and decision["reason"], name
        assert decision["where"] or decision["status"] != "stated", f"decision {name} is stated, but not where"
        for where in decision["where"]:
            assert said_in(where), f"decision {name}: not found where it says it is stated: {where[:80]}"
    for name, obj in OBJECTS.items():
        assert set(obj.get("decisions", ())) <= set(decisions), name
        assert obj["examples"] and all(example["source"] in sources for example in obj["examples"]), name
    for name, path, entry in each():
        assert entry["says"] and set(entry["says"]) <= set(sources), at(name, path)
        assert all(quotes and all(q.strip() for q in quotes) for quotes in entry["says"].values()), at(name, path)
        assert set(entry.get("decisions", ())) <= set(decisions), at(name, path)
        assert entry["type"] in JSON_TYPES and entry.get("items", {}).get("type", "string") in JSON_TYPES, at(name, path)
        assert entry["required"] in (True, False) and entry["nullable"] in (True, False), at(name, path)
        assert ("items" in entry) == (entry["type"] == "array"), at(name, path)
        assert "expandable" not in entry or entry["type"] == "string", at(name, path)
        parent = FACTS[name].get(path[:-1])
        assert len(path) == 1 or parent and (parent["type"] == "object" or "expandable" in parent), (
            f"{at(name, path)} has no documented parent object")
        assert not {"default", "limits"} & set(entry), f"{at(name, path)}: no source documents a default or a limit"
    assert sum(len(o["fields"]) for o in OBJECTS.values()) == sum(map(len, FACTS.values())), "a field is listed twice"


def test_each_departure_from_stripe_python_names_a_decision():
    """stripe-python types a field without ``Optional`` when it is always there and never null.

    A fact that says otherwise for such a field (not required, or nullable)
    is the project's decision, not a source's, and must name it; so must a
    field typed ``Optional`` that the facts make required.
    """
    found = []
    for name, path, entry in each():
        typed = [q.partition(" \"\"\"")[0] for q in entry["says"].get("stripe-python", ())
                 if re.match(rf"^(stripe/\w+\.py: )?{re.escape(path[-1])}: ", q)]
        if not typed:
            continue
        optional = ": Optional[" in typed[0]
        departs = entry["required"] if optional else not entry["required"] or entry["nullable"]
        if departs and not entry.get("decisions"):
            found.append(f"{at(name, path)}: stripe-python types it {typed[0]!r}; the facts say required "
                         f"{entry['required']}, nullable {entry['nullable']}, and name no decision")
    assert found == [], "\n".join(found)


def test_the_stripe_python_quotes_are_in_stripe_python():
    """Each quote of stripe-python is in the installed 16.1.0 sources (whitespace collapsed)."""
    stripe = pytest.importorskip("stripe")
    if stripe.VERSION != "16.1.0":
        pytest.skip(f"the facts quote stripe-python 16.1.0; {stripe.VERSION} is installed")
    folder = Path(stripe.__file__).parent

    @functools.cache
    def text(file_name):
        return re.sub(r"\s+", " ", (folder / file_name).read_text(encoding="utf-8"))

    found = []
    for name, path, entry in each():
        for quote in entry["says"].get("stripe-python", ()):
            file_name, snippet = ("_customer_session.py", quote)
            if quote.startswith("stripe/"):
                file_name, _, snippet = quote[len("stripe/"):].partition(": ")
            if snippet not in text(file_name):
                found.append(f"{at(name, path)}: {quote!r} is not in stripe/{file_name}")
    assert found == [], "\n".join(found)


def conforms(name, value, path=()) -> list:
    """What the facts alone say is wrong with `value` at `path` (the object itself at ``()``)."""
    entry = FACTS[name].get(path, {"type": "object", "nullable": False})
    if value is None:
        return [] if entry["nullable"] else [f"{at(name, path)} is null"]
    kinds = {bool: "boolean", int: "integer", str: "string", list: "array", dict: "object"}
    kind = kinds.get(type(value))
    if kind not in json_types(entry):
        return [f"{at(name, path)} is a {kind}"]
    if "enum" in entry and value not in entry["enum"]:
        return [f"{at(name, path)} is {show(value)}"]
    if kind == "array":
        item = {**entry["items"], "nullable": False}
        return [f"{at(name, path)}[{index}] is {show(v)}" for index, v in enumerate(value)
                if type(v).__name__ != {"string": "str", "integer": "int"}[item["type"]] or v not in item.get("enum", [v])]
    if kind != "object":
        return []
    found = [f"{at(name, child)} is missing" for child in children(name, path)
             if FACTS[name][child]["required"] and child[-1] not in value]
    for key, sub in value.items():
        if path + (key,) in FACTS[name]:
            found += conforms(name, sub, path + (key,))
    return found


def test_the_documented_examples_satisfy_the_facts():
    """The reference's own example (and the issue's error body) as the facts read them: nothing it omits is required."""
    for name in NAMES:
        for example in OBJECTS[name]["examples"]:
            assert conforms(name, example["value"]) == [], (name, example["source"])


# --- the schemas, in the facts' terms ------------------------------------------------------------

def fields(name) -> dict:
    """``{path: merged node}`` for every field the schema `name` describes (array items left out)."""
    return {path: node for path, node in loader.nodes(name).items()
            if path and all(isinstance(part, str) for part in path)}


def pairs():
    """``(name, path, schema node, entry)`` for each documented field the schemas have, and each array's items."""
    for name, path, entry in each():
        node = fields(name).get(path)
        if node is None:
            continue  # reported by test_fields_are_the_documented_ones
        yield name, path, node, entry
        if "items" in entry and path + (0,) in loader.nodes(name):
            yield name, path + (0,), loader.nodes(name)[path + (0,)], {**entry["items"], "nullable": False}


def values(node):
    if "enum" in node:
        return node["enum"]
    return [node["const"]] if "const" in node else None


def test_each_object_is_an_object():
    """The facts describe two objects: neither schema lets the whole be null or anything else."""
    found = [f"schemas let {name} be {kind}; it is an object"
             for name in NAMES for kind in sorted(set(loader.types(loader.nodes(name)[()])) - {"object"})]
    found += [f"schemas let {name} be no type at all; it is an object"
              for name in NAMES if not loader.types(loader.nodes(name)[()])]
    assert found == [], "\n".join(found)
    for name in NAMES:
        for kind, value in OF_TYPE.items():
            if kind != "object":
                assert errors(name, copy.deepcopy(value)) == [((), PARAMETER_INVALID_TYPE)], f"{show(value)} as {name}"


def test_fields_are_the_documented_ones():
    found = []
    for name in NAMES:
        found += [f"schemas have field {at(name, p)} that the documented facts do not"
                  for p in fields(name) if p not in FACTS[name]]
        found += [f"the documented facts have field {at(name, p)} that the schemas do not"
                  for p in FACTS[name] if p not in fields(name)]
    assert found == [], "\n".join(found)


def test_unknown_fields_stay_accepted_in_the_schemas():
    """The decision unknown_fields: no object in the response schemas limits the names it takes."""
    found = []
    for name in NAMES:
        for path, node in loader.nodes(name).items():
            for keyword in ("additionalProperties", "patternProperties", "propertyNames", "unevaluatedProperties"):
                if keyword in node and node[keyword] not in (True, {}):
                    found.append(f"schemas limit the fields of {at(name, path) if path else name} "
                                 f"with {keyword} {show(node[keyword])}")
    assert found == [], "\n".join(found)


def test_types_are_the_documented_ones():
    """JSON types, null included: null exactly where the facts (or a decision) say a field may be null."""
    found = []
    for name, path, node, entry in pairs():
        have, want = set(loader.types(node)), json_types(entry)
        found += [f"schemas let {at(name, path)} be {kind}, which the documented facts do not" for kind in sorted(have - want)]
        found += [f"the documented facts let {at(name, path)} be {kind}, which the schemas do not" for kind in sorted(want - have)]
    assert found == [], "\n".join(found)


def test_required_fields_are_the_documented_ones():
    found = []
    for name, path, node, entry in pairs():
        if isinstance(path[-1], int):
            continue
        in_schema = path[-1] in fields(name).get(path[:-1], loader.nodes(name)[()]).get("required", ())
        if in_schema and not entry["required"]:
            found.append(f"schemas require {at(name, path)}, which the documented facts do not")
        if entry["required"] and not in_schema:
            found.append(f"the documented facts require {at(name, path)}, which the schemas do not")
    assert found == [], "\n".join(found)


def test_enum_and_const_values_are_the_documented_ones():
    """A value list in the schemas holds the documented values, and null only where the field may be null."""
    found = []
    for name, path, node, entry in pairs():
        have = values(node)
        if have is None and "enum" not in entry:
            continue
        want = entry.get("enum")
        if have is None:
            found.append(f"the documented facts list values {show(want)} at {at(name, path)}; the schemas list none")
            continue
        if want is None:
            found.append(f"schemas list values {show(have)} at {at(name, path)}; the documented facts list none")
            continue
        want = want + [None] * entry["nullable"]
        have_keys, want_keys = ({json.dumps(v): v for v in vs} for vs in (have, want))
        found += [f"schemas have value {show(v)} at {at(name, path)} that the documented facts do not"
                  for k, v in have_keys.items() if k not in want_keys]
        found += [f"the documented facts have value {show(v)} at {at(name, path)} that the schemas do not"
                  for k, v in want_keys.items() if k not in have_keys]
    assert found == [], "\n".join(found)


def test_no_limit_or_default_that_no_source_documents():
    """No source documents a minimum, a length, a pattern, a format, an item count or a default for any field."""
    found = []
    for name in NAMES:
        for path, node in loader.nodes(name).items():
            for keyword in sorted(limits() & set(node)):
                found.append(f"schemas have {keyword} {show(node[keyword])} at {at(name, path)} "
                             "that the documented facts do not")
            if "default" in node:
                found.append(f"schemas have default {show(node['default'])} at {at(name, path)} "
                             "that the documented facts do not")
    assert found == [], "\n".join(found)


def test_every_constraint_in_the_schemas_is_one_the_facts_describe():
    found = [f"schemas constrain {at(name, path)} with {key!r}, which the documented facts do not describe"
             for name in NAMES for path, node in loader.nodes(name).items() for key in node
             if key not in annotations() | limits() | UNDERSTOOD and not key.startswith("x-")
             and not (key in ("additionalProperties", "patternProperties", "propertyNames", "unevaluatedProperties")
                      and node[key] in (True, {}))]
    assert found == [], "\n".join(found)


def test_secret_and_expandable_marks_are_the_documented_ones():
    """x-secret marks exactly the documented secrets; x-expandable exactly the expandable ids, naming the id field."""
    found = []
    for name, path, node, entry in pairs():
        if bool(node.get("x-secret")) != bool(entry.get("secret")):
            holder = "schemas" if node.get("x-secret") else "the documented facts"
            found.append(f"{holder} mark {at(name, path)} as secret, and the other does not")
        if ("x-expandable" in node) != ("expandable" in entry):
            holder = "schemas" if "x-expandable" in node else "the documented facts"
            found.append(f"{holder} make {at(name, path)} expandable, and the other does not")
        elif "x-expandable" in node:
            id_field = FACTS[name].get(path + (node["x-expandable"],))
            if not id_field or id_field["type"] != "string" or not id_field["required"]:
                found.append(f"{at(name, path)} expands to an object whose id is {node['x-expandable']!r}, "
                             "which the documented facts do not describe as its required string id")
    assert found == [], "\n".join(found)


# --- the facts against behaviour ---------------------------------------------------------------

CHECKERS = {loader.RESPONSE_FILE: validator.response.iter_errors,
            loader.ERROR_FILE: Checker(loader.ERROR_FILE).iter_errors}


def errors(name, obj):
    return sorted(((e.path, e.code) for e in CHECKERS[name](obj)), key=repr)


def sample(name, path, expanded=False):
    """A value the facts allow at `path` on its own (an expandable field's object form when `expanded`)."""
    entry = FACTS[name][path]
    if "enum" in entry:
        return entry["enum"][0]
    if entry["type"] == "object" or expanded:
        return {child[-1]: sample(name, child) for child in children(name, path) if FACTS[name][child]["required"]}
    if entry["type"] == "array":
        item = entry["items"]
        return [item["enum"][0] if "enum" in item else {"string": "x", "integer": 1}[item["type"]]]
    return {"string": "x", "integer": 1, "boolean": True}[entry["type"]]


def build(name, near=()) -> dict:
    """An object the facts allow that holds every required field and the objects on the way to `near`."""
    out = {child[-1]: sample(name, child) for child in children(name, ()) if FACTS[name][child]["required"]}
    target = out
    for depth in range(len(near)):
        key, path = near[depth], near[: depth + 1]
        if not isinstance(target.get(key), dict):
            target[key] = sample(name, path, expanded=True)
        target = target[key]
    return out


def put(obj, path, value):
    target = obj
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return obj


def full(name, nulls=False) -> dict:
    """Every documented field at once (an expandable field in its object form); with `nulls`, null in each field that may be null and holds no fields."""
    def fill(path):
        out = {}
        for child in children(name, path):
            entry = FACTS[name][child]
            if children(name, child):
                out[child[-1]] = fill(child)
            elif nulls and entry["nullable"]:
                out[child[-1]] = None
            else:
                out[child[-1]] = sample(name, child)
        return out

    return fill(())


def test_documented_examples_and_full_objects_are_accepted():
    for name in NAMES:
        for example in OBJECTS[name]["examples"]:
            assert errors(name, copy.deepcopy(example["value"])) == [], f"{name}: the {example['source']} example"
        for nulls in (False, True):
            obj = full(name, nulls)
            assert conforms(name, obj) == []
            assert errors(name, obj) == [], f"{name}: every documented field{', null where allowed' if nulls else ''}"


# One value of each JSON type; a field rejects those of types it does not allow.
OF_TYPE = {"string": "x", "integer": 7, "number": 2.5, "boolean": True, "null": None, "array": ["x"], "object": {"k": "x"}}


def wrong_type_code(entry) -> str:
    """The README's codes: an integer field given anything else is parameter_invalid_integer.

    A field that may be an integer or null is an integer field too: null is
    accepted, anything else gets the integer code.
    """
    return PARAMETER_INVALID_INTEGER if json_types(entry) - {"null"} == {"integer"} else PARAMETER_INVALID_TYPE


def test_documented_types_are_accepted_and_other_types_rejected():
    """Null is one of the types: accepted exactly where documented, rejected with the type's code elsewhere."""
    for name, path, entry in each():
        allowed = json_types(entry)
        accepted = put(build(name, path[:-1]), path, sample(name, path))
        assert errors(name, accepted) == [], f"{show(sample(name, path))} at {at(name, path)} (documented: {sorted(allowed)})"
        for value in [v for kind, v in OF_TYPE.items() if kind not in allowed]:
            obj = put(build(name, path[:-1]), path, copy.deepcopy(value))
            assert errors(name, obj) == [(path, wrong_type_code(entry))], (
                f"{show(value)} at {at(name, path)} (documented: {sorted(allowed)})")
        if "null" in allowed:
            assert errors(name, put(build(name, path[:-1]), path, None)) == [], f"null at {at(name, path)} is documented"
        if "items" in entry:
            for kind, value in OF_TYPE.items():
                if kind != entry["items"]["type"]:
                    obj = put(build(name, path[:-1]), path, [copy.deepcopy(value)])
                    assert errors(name, obj) == [(path + (0,), PARAMETER_INVALID_TYPE)], f"[{show(value)}] at {at(name, path)}"


def _near_misses(value, allowed):
    keys = {json.dumps(v) for v in allowed}
    return [v for v in dict.fromkeys([value.upper(), value[:-1], value + " ", value.title(), value + "_"])
            if json.dumps(v) not in keys]


def test_documented_values_are_accepted_and_near_misses_rejected():
    checked = 0
    for name, path, entry in each():
        allowed = entry.get("enum") or entry.get("items", {}).get("enum")
        if not allowed:
            continue
        wrap, where = ((lambda v: [v]), path + (0,)) if "items" in entry else ((lambda v: v), path)
        for value in allowed:
            checked += 1
            assert errors(name, put(build(name, path[:-1]), path, wrap(value))) == [], (
                f"documented value {show(value)} at {at(name, path)} is rejected")
            for miss in _near_misses(value, allowed):
                assert errors(name, put(build(name, path[:-1]), path, wrap(miss))) == [(where, PARAMETER_INVALID_ENUM)], (
                    f"{show(miss)} at {at(name, path)} (documented: {show(allowed)})")
        if "items" in entry:
            every = put(build(name, path[:-1]), path, list(allowed) * 2)
            assert errors(name, every) == [], f"every documented value, twice, at {at(name, path)}"
    assert checked >= 30


def test_required_fields_are_required_and_others_are_not():
    for name, path, entry in each():
        obj = build(name, path[:-1])
        parent = obj
        for key in path[:-1]:
            parent = parent[key]
        parent.setdefault(path[-1], sample(name, path))
        assert errors(name, obj) == [], f"{at(name, path)} given"
        del parent[path[-1]]
        want = [(path, PARAMETER_MISSING)] if entry["required"] else []
        assert errors(name, obj) == want, f"{at(name, path)} left out ({'required' if entry['required'] else 'optional'})"


def test_no_bound_that_no_source_documents():
    """Empty and long strings, zero, negative and large integers, empty and repetitive arrays: all accepted."""
    by_type = {"string": ["", "x" * 6000], "integer": [0, -1, 2 ** 53], "array": [[]]}
    for name, path, entry in each():
        if "enum" in entry:
            continue
        for value in by_type.get(entry["type"], ()):
            obj = put(build(name, path[:-1]), path, value)
            assert errors(name, obj) == [], f"{show(value)[:40]} at {at(name, path)}: no source documents a bound"


def test_the_expanded_customer():
    """An expandable field takes its id or the expanded object, which carries its documented fields and any others."""
    checked = 0
    for name, path, entry in each():
        if "expandable" not in entry:
            continue
        checked += 1
        expanded = sample(name, path, expanded=True)
        assert expanded and errors(name, put(build(name, path[:-1]), path, expanded)) == [], at(name, path)
        crowded = {**expanded, "email": None, "metadata": {"k": "v"}, "livemode": False}
        assert errors(name, put(build(name, path[:-1]), path, crowded)) == [], f"{at(name, path)} with more fields"
        assert errors(name, put(build(name, path[:-1]), path, "cus_" + "x" * 14)) == [], f"{at(name, path)} as an id"
    assert checked == 1


@pytest.mark.slow
def test_unknown_fields_are_accepted_at_every_level():
    """The decision unknown_fields: any name no entry lists for an object (a field of another object too) is accepted."""
    for name in NAMES:
        names = sorted({path[-1] for path in FACTS[name]} | {"invented_field"})
        objects = [()] + [p for p, e in FACTS[name].items() if e["type"] == "object" or "expandable" in e]
        for path in objects:
            own = {child[-1] for child in children(name, path)}
            for key in names:
                if key in own:
                    continue
                for value in (True, "x", None, {"k": 1}, [1]):
                    obj = build(name, path)
                    target = obj
                    for part in path:
                        target = target[part]
                    target[key] = copy.deepcopy(value)
                    assert errors(name, obj) == [], f"{show(value)} at {at(name, path + (key,))}, a field no entry lists"
