"""The schemas against the documented facts, both ways, and the facts against behaviour.

documented_params.json is written from the API reference, stripe-python,
Stripe's OpenAPI spec3, Stripe's API answers and its documentation, never
from the schemas, so the schemas cannot bend it: a param, type,
required-ness, enum value, default, limit or rule that the schemas have and
the facts do not (an invention) fails here, and so does one the facts have
and the schemas lost.  The schemas are read through `validator.loader` (its
merged nodes, the way every other module reads them).  Each mismatch is
named in Stripe's bracket notation.

The second half checks the facts against what the validator does, with
payloads built from the facts alone: documented defaults are what
`fill_defaults` fills, documented values are accepted and near misses
rejected, limits hold exactly, required params are required, rules hold.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import documented
import validator
from documented import bracket
from validator import loader
from validator.errors import (
    PARAMETER_ABOVE_MAXIMUM,
    PARAMETER_INVALID_ENUM,
    PARAMETER_INVALID_INTEGER,
    PARAMETER_INVALID_TYPE,
    PARAMETER_MISSING,
    PARAMETER_UNKNOWN,
)

DIALECT = "https://json-schema.org/draft/2020-12/schema"
FACTS = documented.params()


def same(a, b) -> bool:
    """Equal as JSON, types included (``True`` is not ``1``, ``3`` is not ``3.0``)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def show(value) -> str:
    return json.dumps(value, ensure_ascii=False).replace('"', "'")


# --- keyword classes, read from the 2020-12 metaschemas ------------------------------------

@functools.cache
def _vocabulary(name) -> frozenset:
    from jsonschema_specifications import REGISTRY

    return frozenset(REGISTRY.resolver(DIALECT).lookup(f"https://json-schema.org/draft/2020-12/meta/{name}")
                     .contents["properties"])


@functools.cache
def annotations() -> frozenset:
    """Keywords that assert nothing: the meta-data vocabulary, ``$comment`` and the file headers."""
    return _vocabulary("meta-data") | {"$comment", "$schema", "$id", "$defs"}


@functools.cache
def limits() -> frozenset:
    """Keywords that bound a value: the validation vocabulary less what the facts state otherwise, and format."""
    return (_vocabulary("validation") | _vocabulary("format-annotation")) - {
        "type", "enum", "const", "required", "dependentRequired"}


# Keywords whose meaning the comparison below reads; anything else constrains in a way the facts cannot say.
UNDERSTOOD = {"type", "enum", "const", "properties", "items", "required", "additionalProperties", "allOf"}


# --- the schemas, in the facts' terms ------------------------------------------------------

@functools.cache
def nodes() -> dict:
    """``{path: merged node}`` for the payload, every param and every array's items."""
    return dict(loader.walk())


def schema_params() -> dict:
    return {path: node for path, node in nodes().items() if path and all(isinstance(p, str) for p in path)}


def values(node):
    """The allowed values a node names (``enum``, or a ``const``), or None when it names none."""
    if "enum" in node:
        return node["enum"]
    return [node["const"]] if "const" in node else None


def pairs():
    """``(path, schema node, facts entry)`` for each documented param and each documented array's items."""
    for path, entry in FACTS.items():
        node = schema_params().get(path)
        if node is None:
            continue  # reported by test_params_are_the_documented_ones
        yield path, node, entry
        if "items" in entry and (path + (0,)) in nodes():
            yield path + (0,), nodes()[path + (0,)], entry["items"]


def _conditional(path, body):
    """``{required path: (path it depends on, value)}`` from an if/then rule, or None for another shape."""
    if set(body) != {"if", "then"} or set(body["if"]) != {"properties", "required"} or set(body["then"]) != {"required"}:
        return None
    if len(body["if"]["properties"]) != 1:
        return None
    ((name, sub),) = body["if"]["properties"].items()
    if set(sub) != {"const"} or body["if"]["required"] != [name]:
        return None
    return {path + (wanted,): (path + (name,), sub["const"]) for wanted in body["then"]["required"]}


def _pattern(path, body):
    """The pattern of a rule that is one ``pattern`` on a string, or None for another shape."""
    return body["pattern"] if set(body) == {"pattern"} and isinstance(body["pattern"], str) else None


def _at_least_one(path, body):
    """``(members, value)`` from an anyOf whose branches each require one member set to a const, or None."""
    if set(body) != {"anyOf"}:
        return None
    members, found = set(), set()
    for branch in body["anyOf"]:
        if set(branch) != {"required", "properties"} or len(branch["required"]) != 1:
            return None
        (child,) = branch["required"]
        sub = branch["properties"].get(child, {})
        if set(branch["properties"]) != {child} or not set(sub) <= {"type", "required", "properties"}:
            return None
        if sub.get("type", "object") != "object" or len(sub.get("required", ())) != 1:
            return None
        (key,) = sub["required"]
        if set(sub.get("properties", {})) != {key} or set(sub["properties"][key]) != {"const"}:
            return None
        members.add(path + (child, key))
        found.add(json.dumps(sub["properties"][key]["const"]))
    return (frozenset(members), json.loads(found.pop())) if len(found) == 1 else None


@functools.cache
def schema_rules():
    """What the schemas' titled ``allOf`` rules say: conditions, at-least-one rules, patterns, and what could not be read."""
    conditions, groups, patterns, unread = {}, {}, {}, []
    for path, node in nodes().items():
        for entry in node.get("allOf", ()):
            title = entry.get("title") if isinstance(entry, dict) else None
            body = {k: v for k, v in entry.items() if k not in annotations()} if title else None
            condition = _conditional(path, body) if body else None
            group = _at_least_one(path, body) if body and condition is None else None
            pattern = _pattern(path, body) if body and condition is None and group is None else None
            if condition:
                conditions.update({wanted: (*when, title) for wanted, when in condition.items()})
            elif group:
                groups[path] = (*group, title)
            elif pattern is not None:
                patterns[path] = (pattern, title)
            else:
                unread.append(f"schemas have a rule {title or '(untitled)'!r} at {bracket(path)} "
                              "that the documented facts do not describe")
    return conditions, groups, patterns, unread


# --- the comparison, both ways -------------------------------------------------------------

def test_the_facts_file_is_whole():
    """Every entry says where its facts come from, and quotes it."""
    sources = documented.data()["sources"]
    assert set(sources) == {"reference", "stripe-python", "openapi", "stripe-api", "stripe-docs"}
    empty = documented.empty_value()
    assert empty["source"] in sources and empty["message"] in empty["says"] and f'"code": "{empty["code"]}"' in empty["says"]
    for path, entry in FACTS.items():
        assert entry["source"] in sources and entry["says"] and all(q.strip() for q in entry["says"]), path
        for also in entry.get("also", ()):
            assert also["source"] in sources and also["says"] and all(q.strip() for q in also["says"]), path
        assert set(entry.get("limits", {})) <= set(documented.LIMIT_CODES), path
        assert entry["type"] in OTHER_TYPES and entry.get("items", {}).get("type", "string") in OTHER_TYPES, path
        assert entry["required"] in (True, False) or set(entry["required"]) == {"if", "is"}, path
        assert path[:-1] in FACTS or len(path) == 1, f"{bracket(path)} has no documented parent"
        assert ("items" in entry) == (entry["type"] == "array"), path
    assert len(FACTS) == len(documented.data()["params"]), "a param is listed twice"


SPEC3 = Path(__file__).parent / "drift_data" / "spec3-customer-session.json"


def _holds(document, key, value) -> bool:
    """Whether some object in `document` has `key` with exactly `value`."""
    if isinstance(document, dict):
        return (key in document and same(document[key], value)) or any(_holds(v, key, value) for v in document.values())
    return isinstance(document, list) and any(_holds(v, key, value) for v in document)


def test_the_openapi_quotes_are_stripes_spec3_text():
    """Each quote from spec3 is a ``"key": value`` member found as it is in Stripe's text of the endpoint."""
    document = json.loads(SPEC3.read_text(encoding="utf-8"))
    assert documented.data()["sources"]["openapi"].count(document["x-source"]["commit"]) == 1
    quoted = [quote for entry in FACTS.values() for also in entry.get("also", ()) if also["source"] == "openapi"
              for quote in also["says"]]
    assert len(quoted) == 4
    for quote in quoted:
        ((key, value),) = json.loads("{" + quote + "}").items()
        assert _holds(document, key, value), quote


def test_the_schemas_describe_the_api_version_stripe_python_types():
    fact = documented.data()["stripe_api_version"]
    assert loader.api_version() == fact["value"], (
        f"schemas describe API version {loader.api_version()!r}; the documented facts are of {fact['value']!r}")


def test_params_are_the_documented_ones():
    found = [f"schemas have param {bracket(p)} that the documented facts do not"
             for p in schema_params() if p not in FACTS]
    found += [f"the documented facts have param {bracket(p)} that the schemas do not"
              for p in FACTS if p not in schema_params()]
    # The facts list every param of each object: an object taking more has params they do not.
    found += [f"schemas let {bracket(p)} take params that the documented facts do not list"
              for p, node in nodes().items()
              if (p in FACTS and FACTS[p]["type"] == "object" or p == ()) and node.get("additionalProperties") is not False]
    assert found == [], "\n".join(found)


def test_types_are_the_documented_ones():
    found = []
    for path, node, entry in pairs():
        if loader.types(node) != {entry["type"]}:
            have = "/".join(sorted(loader.types(node))) or "no type"
            found.append(f"schemas type {bracket(path)} as {have}; the documented facts say {entry['type']}")
    assert found == [], "\n".join(found)


def test_required_params_are_the_documented_ones():
    found = []
    for path, node, entry in pairs():
        if isinstance(path[-1], int):
            continue
        in_schema = path[-1] in nodes()[path[:-1]].get("required", ())
        if in_schema and entry["required"] is not True:
            found.append(f"schemas require {bracket(path)}, which the documented facts do not")
        if entry["required"] is True and not in_schema:
            found.append(f"the documented facts require {bracket(path)}, which the schemas do not")
    assert found == [], "\n".join(found)


def test_enum_values_are_the_documented_ones():
    found = []
    for path, node, entry in pairs():
        have, want = values(node), entry.get("enum")
        have_keys = {json.dumps(v): v for v in have or ()}
        want_keys = {json.dumps(v): v for v in want or ()}
        found += [f"schemas have enum value {show(v)} at {bracket(path)} that the documented facts do not"
                  for k, v in have_keys.items() if k not in want_keys]
        found += [f"the documented facts have enum value {show(v)} at {bracket(path)} that the schemas do not"
                  for k, v in want_keys.items() if k not in have_keys]
        if have is not None and want is None and not have_keys:
            found.append(f"schemas allow no value at all at {bracket(path)}")
    assert found == [], "\n".join(found)


def test_defaults_are_the_documented_ones():
    found = []
    for path, node, entry in pairs():
        if "default" in node and "default" not in entry:
            found.append(f"schemas have default {show(node['default'])} at {bracket(path)} that the documented facts do not")
        elif "default" in entry and "default" not in node:
            found.append(f"the documented facts have default {show(entry['default'])} at {bracket(path)} that the schemas do not")
        elif "default" in entry and not same(node["default"], entry["default"]):
            found.append(f"schemas have default {show(node['default'])} at {bracket(path)}; "
                         f"the documented facts say {show(entry['default'])}")
    assert found == [], "\n".join(found)


def test_limits_are_the_documented_ones():
    found = []
    for path, node, entry in pairs():
        want = entry.get("limits", {})
        for keyword in sorted(limits() & (set(node) | set(want))):
            if keyword not in want:
                found.append(f"schemas have {keyword} {show(node[keyword])} at {bracket(path)} that the documented facts do not")
            elif keyword not in node:
                found.append(f"the documented facts have {keyword} {show(want[keyword])} at {bracket(path)} that the schemas do not")
            elif not same(node[keyword], want[keyword]):
                found.append(f"schemas have {keyword} {show(node[keyword])} at {bracket(path)}; "
                             f"the documented facts say {show(want[keyword])}")
    assert found == [], "\n".join(found)


def test_rules_are_the_documented_ones():
    conditions, groups, patterns, found = schema_rules()
    found = list(found)
    for path in FACTS.keys() | conditions.keys():
        have = conditions.get(path)
        want = documented.condition(path) if path in FACTS else None
        said = lambda when: f"{bracket(path)} required when {bracket(when[0])} is {show(when[1])}"
        if have and (want is None or have[:2] != want):
            found.append(f"schemas make {said(have)}, which the documented facts do not")
        if want and (have is None or have[:2] != want):
            found.append(f"the documented facts make {said(want)}, which the schemas do not")
        if have and have[2] != PARAMETER_MISSING:
            found.append(f"schemas report {bracket(path)} missing as {have[2]!r}, not {PARAMETER_MISSING!r}")
    facts_groups = {path: (frozenset(map(documented.path_of, rule["at_least_one"])), rule["is"], rule["code"])
                    for path, rule in documented.rules()}
    for path in facts_groups.keys() | groups.keys():
        have, want = groups.get(path), facts_groups.get(path)
        if have is None or want is None:
            holder, group = ("schemas", have) if want is None else ("the documented facts", want)
            found.append(f"{holder} have a rule {group[2]!r} at {bracket(path)} that the "
                         f"{'documented facts' if want is None else 'schemas'} do not")
            continue
        found += [f"schemas' rule {have[2]!r} at {bracket(path)} counts {bracket(m)}, which the documented facts do not"
                  for m in sorted(have[0] - want[0])]
        found += [f"the documented facts' rule {want[2]!r} at {bracket(path)} counts {bracket(m)}, which the schemas do not"
                  for m in sorted(want[0] - have[0])]
        if not same(have[1:], want[1:]):
            found.append(f"schemas' rule at {bracket(path)} wants {show(have[1])} with code {have[2]!r}; "
                         f"the documented facts say {show(want[1])} with code {want[2]!r}")
    facts_patterns = dict(documented.expandable())
    for path in facts_patterns.keys() | patterns.keys():
        have, want = patterns.get(path), facts_patterns.get(path)
        if want is None:
            found.append(f"schemas have a pattern rule {have[1]!r} at {bracket(path)} that the documented facts do not")
        elif have is None:
            found.append(f"the documented facts restrict {bracket(path)} to expandable fields, which the schemas do not")
        else:
            if have[1] != want["code"]:
                found.append(f"schemas report a bad {bracket(path)} as {have[1]!r}, not {want['code']!r}")
            found += [f"schemas' pattern at {bracket(path)} {'accepts' if ok else 'refuses'} {show(name)}, "
                      f"which the documented facts {'do not allow' if ok else 'allow'}"
                      for name, allowed in expansion_cases(want) if (ok := re.search(have[0], name) is not None) != allowed]
    assert found == [], "\n".join(found)


def expansion_cases(expandable) -> list:
    """``(name, allowed)`` by the documented expansion facts: each field and paths under it up to the depth, and near misses."""
    cases = []
    for field in expandable["fields"]:
        for levels in range(1, expandable["depth"] + 2):
            path = ".".join([field] + ["invoice_settings", "default_payment_method", "customer", "address"][: levels - 1])
            cases.append((path, levels <= expandable["depth"]))
        cases += [(field + ".", False), (field + "..a", False), ("." + field, False), (field.upper(), False),
                  (field + "_account", False), (field + " ", False), ("x" + field, False)]
    return cases + [("", False), ("components", False), ("foo", False)]


def test_every_constraint_in_the_schemas_is_one_the_facts_describe():
    """No keyword constrains a param in a way the comparison above cannot see."""
    found = [f"schemas constrain {bracket(path)} with {key!r}, which the documented facts do not describe"
             for path, node in nodes().items() for key in node
             if key not in annotations() | limits() | UNDERSTOOD and not key.startswith("x-")]
    assert found == [], "\n".join(found)


# --- the facts against behaviour -------------------------------------------------------------

def errors(params):
    return sorted(((e.path, e.code) for e in validator.iter_errors(params)), key=repr)


def errors_at(params, path):
    """The errors at `path` or inside it: a value placed there is fine when this is empty."""
    return [(p, code) for p, code in errors(params) if p[: len(path)] == path]


def test_documented_defaults_are_what_fill_defaults_fills():
    """A documented default is filled where its param is absent; where none is documented, nothing is."""
    checked = 0
    for path, entry in FACTS.items():
        if entry["type"] == "object" or entry["required"] is True:
            continue
        base = documented.payload(near=path[:-1])
        value, filled = documented.get(validator.fill_defaults(base), path)
        if "default" in entry:
            checked += 1
            assert filled and same(value, entry["default"]), (
                f"fill_defaults gives {show(value) if filled else 'nothing'} for {bracket(path)}; "
                f"documented default {show(entry['default'])}")
        else:
            assert not filled, f"fill_defaults fills {show(value)} at {bracket(path)}, which has no documented default"
    assert checked >= 7


def _near_misses(value, allowed):
    keys = {json.dumps(v) for v in allowed}
    return [v for v in dict.fromkeys([value.upper(), value[:-1], value + " ", value.title()]) if json.dumps(v) not in keys]


def test_documented_enum_values_are_accepted_and_near_misses_rejected():
    checked = 0
    for path, entry in FACTS.items():
        allowed = entry.get("enum") or entry.get("items", {}).get("enum")
        if not allowed:
            continue
        wrap = (lambda v: [v]) if "items" in entry else (lambda v: v)
        where = path + (0,) if "items" in entry else path
        for value in allowed:
            checked += 1
            base = documented.payload(near=path[:-1])
            accepted = documented.put(base, path, wrap(value))
            assert errors_at(accepted, path) == [], f"documented value {show(value)} at {bracket(path)} is rejected"
            for miss in _near_misses(value, allowed):
                rejected = documented.put(documented.payload(near=path[:-1]), path, wrap(miss))
                assert errors(rejected) == [(where, PARAMETER_INVALID_ENUM)], (
                    f"{show(miss)} at {bracket(path)} (documented: {show(allowed)})")
        if "items" in entry:
            every = documented.put(documented.payload(near=path[:-1]), path, list(allowed))
            assert errors_at(every, path) == [], f"every documented value at once at {bracket(path)}"
    assert checked >= 20


# Values of another JSON type than the documented one, and the code each must give (README: error codes).
OTHER_TYPES = {
    "boolean": ["true", 1, None, {}],
    "string": [1, True, None, ["x"]],
    # 3.0 is an integer to JSON Schema, but stripe-python sends it as "3.0", which Stripe refuses as an integer.
    "integer": [2.5, 3.0, "3", True, None],
    "array": ["x", True, {"0": "x"}],
    "object": ["x", True, []],
}


def test_documented_types_are_accepted_and_other_types_rejected():
    for path, entry in FACTS.items():
        # An object as the facts build it (a rule may need more than its required params); else a sample.
        given = (documented.payload(near=path) if entry["type"] == "object"
                 else documented.put(documented.payload(near=path[:-1]), path, documented.sample(entry)))
        assert errors(given) == [], (
            f"{show(documented.get(given, path)[0])}, of the documented type {entry['type']}, is rejected at {bracket(path)}")
        code = PARAMETER_INVALID_INTEGER if entry["type"] == "integer" else PARAMETER_INVALID_TYPE
        for wrong in OTHER_TYPES[entry["type"]]:
            payload = documented.put(documented.payload(near=path[:-1]), path, wrong)
            assert errors(payload) == [(path, code)], f"{show(wrong)} at {bracket(path)} (documented: {entry['type']})"
        if "items" in entry:
            for wrong in OTHER_TYPES[entry["items"]["type"]]:
                payload = documented.put(documented.payload(near=path[:-1]), path, [wrong])
                assert errors(payload) == [(path + (0,), PARAMETER_INVALID_TYPE)], f"[{show(wrong)}] at {bracket(path)}"


def _string_of(entry, length):
    """A string of `length` characters that the facts allow on its own where `length` is within its limits."""
    if "expandable" in entry:
        field = entry["expandable"]["fields"][0]
        return field if length == len(field) else (field + "." + "a" * length)[:length]
    return "c" * length


def _limit_cases(entry, keyword, limit):
    """``(value at the limit, value past it)`` for one documented limit."""
    if keyword == "maximum":
        return limit, limit + 1
    if keyword == "maxLength":
        return _string_of(entry, limit), _string_of(entry, limit + 1)
    if keyword == "minLength":
        return documented.sample(entry), _string_of(entry, limit - 1)
    raise AssertionError(f"no check written for the documented {keyword}")


def test_documented_limits_hold_exactly():
    checked = []
    for path, entry in FACTS.items():
        places = [(path, entry, lambda v: v)]
        if "items" in entry:
            places.append((path + (0,), entry["items"], lambda v: [v]))
        for where, facts, wrap in places:
            for keyword, limit in facts.get("limits", {}).items():
                checked.append(keyword)
                at_limit, past = _limit_cases(facts, keyword, limit)
                accepted = documented.put(documented.payload(near=path[:-1]), path, wrap(at_limit))
                assert errors_at(accepted, path) == [], f"{show(at_limit)[:60]} at {bracket(where)} is rejected ({keyword} {limit})"
                rejected = documented.put(documented.payload(near=path[:-1]), path, wrap(past))
                assert errors(rejected) == [(where, documented.LIMIT_CODES[keyword])], (
                    f"{show(past)[:60]} ({len(past) if isinstance(past, str) else past}) at {bracket(where)}: {keyword} {limit}")
    # The documented maximum of the redisplay limit; Stripe's spec3 lengths (customer, customer_account, expand
    # entries); and an empty value refused (minLength 1) where the value is a free string.
    assert sorted(checked) == ["maxLength"] * 3 + ["maximum"] + ["minLength"] * 3


def _named(path) -> str:
    """The param as Stripe names it in an error: bracket notation, array items by their index."""
    parts = [str(part) for part in path]
    return parts[0] + "".join(f"[{part}]" for part in parts[1:])


def test_an_empty_string_at_any_param_is_stripes_parameter_invalid_empty():
    """Stripe reads an empty value as unsetting the param, which a create refuses: its code and its message, exactly."""
    fact = documented.empty_value()
    checked = 0
    for path, entry in FACTS.items():
        places = [(path, "")] + ([(path + (0,), [""])] if "items" in entry else [])
        for where, value in places:
            checked += 1
            payload = documented.put(documented.payload(near=path[:-1]), path, value)
            found = [(e.path, e.code, e.message) for e in validator.iter_errors(payload)]
            name = _named(where)
            assert found == [(where, fact["code"], fact["message"].replace("'P'", f"'{name}'"))], f"'' at {name}"
    assert checked == len(FACTS) + sum("items" in entry for entry in FACTS.values())


def test_documented_expansions_are_accepted_and_others_refused():
    cases = documented.expandable()
    assert cases
    for where, fact in cases:
        path = where[:-1]
        for name, allowed in expansion_cases(fact):
            if name == "":
                continue  # an empty value: Stripe's own code, above
            payload = documented.put(documented.payload(near=path[:-1]), path, [name])
            assert errors(payload) == ([] if allowed else [(where, fact["code"])]), f"{show(name)} at {bracket(where)}"
        every = [name for name, allowed in expansion_cases(fact) if allowed]
        assert errors(documented.put(documented.payload(near=path[:-1]), path, every)) == []


def test_required_params_are_required_and_optional_ones_are_not():
    for path, entry in FACTS.items():
        base = documented.payload(near=path)
        value, present = documented.get(base, path)
        assert present
        parent = documented.get(base, path[:-1])[0]
        del parent[path[-1]]
        if entry["required"] is True:
            assert errors(base) == [(path, PARAMETER_MISSING)], f"{bracket(path)} left out"
        else:
            assert errors(base) == [], f"{bracket(path)} is optional, yet leaving it out is an error"


def test_documented_conditions_make_a_param_required():
    checked = 0
    for path in FACTS:
        when = documented.condition(path)
        if when is None:
            continue
        checked += 1
        switch, value = when
        base = documented.put(documented.payload(near=path[:-1]), switch, value)
        assert errors(base) == [(path, PARAMETER_MISSING)], f"{bracket(switch)} is {show(value)}, {bracket(path)} left out"
        assert errors(documented.put(base, path, documented.sample(FACTS[path]))) == []
        for other in FACTS[switch].get("enum", ()):
            if other != value:
                assert errors(documented.put(documented.payload(near=path[:-1]), switch, other)) == [], (
                    f"{bracket(switch)} is {show(other)}: {bracket(path)} is not required then")
    assert checked == 1


def test_documented_at_least_one_rules_hold():
    rules = documented.rules()
    assert rules
    for path, rule in rules:
        members = [documented.path_of(m) for m in rule["at_least_one"]]
        assert isinstance(rule["is"], bool)
        bare = {p[-1]: documented.sample(FACTS[p]) for p in documented.children(()) if documented.required(p)}
        for member in members:
            alone = documented.put(json.loads(json.dumps(bare)), member, rule["is"])
            assert errors(alone) == [], f"only {bracket(member)} is {show(rule['is'])}"
        none = json.loads(json.dumps(bare))
        assert errors(documented.put(none, path, {})) == [(path, rule["code"])], f"{bracket(path)} is empty"
        for member in members:
            documented.put(none, member, not rule["is"])
        assert errors(none) == [(path, rule["code"])], f"every member of {bracket(path)} is {show(not rule['is'])}"


def test_each_object_takes_only_its_documented_params():
    """A documented name used where it is not documented (a feature of another component, say) is unknown."""
    names = sorted({path[-1] for path in FACTS})
    for path in [(), *(p for p, e in FACTS.items() if e["type"] == "object")]:
        own = {child[-1] for child in documented.children(path)}
        for name in names:
            if name not in own:
                payload = documented.put(documented.payload(near=path), path + (name,), True)
                assert errors(payload) == [(path + (name,), PARAMETER_UNKNOWN)], f"{name} at {bracket(path)}"
