"""fill_defaults: cases as data (examples/defaults/*.json), properties over generated payloads,
hostile input, and the CLI's --defaults.

A case is ``{"description", "params", "effective"}``: filling ``params`` gives exactly ``effective``
(key order included).  Adding a case is adding a file.
"""

import copy
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import validator
from schema_data import payloads
from validator import cli, loader

CASES = sorted((Path(__file__).parent / "examples" / "defaults").glob("*.json"))


def _case(path):
    case = json.loads(path.read_text())
    assert set(case) == {"description", "params", "effective"} and case["description"]
    return case


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_case(path):
    case = _case(path)
    before = copy.deepcopy(case["params"])
    effective = validator.fill_defaults(case["params"])
    assert effective == case["effective"]
    assert json.dumps(effective) == json.dumps(case["effective"])  # key order too
    assert case["params"] == before
    assert validator.fill_defaults(effective) == effective
    if validator.is_valid(case["params"]):
        assert validator.is_valid(effective)


def _get(value, path):
    for part in path:
        if not isinstance(value, dict) or part not in value:
            return None, False
        value = value[part]
    return value, True


def _default_paths():
    return [(path, node["default"]) for path, node in loader.walk()
            if node.get("default") is not None and all(isinstance(part, str) for part in path)]


def test_every_default_is_covered_by_a_case():
    """Each documented default is filled, with its value, in at least one case."""
    assert len(_default_paths()) >= 7
    cases = [_case(path) for path in CASES]
    for path, default in _default_paths():
        assert any(not _get(case["params"], path)[1] and _get(case["effective"], path) == (default, True)
                   for case in cases), path


def test_nothing_without_a_default_is_filled():
    """A param with no documented default (a component, a nil default) never appears from nowhere."""
    defaulted = {path for path, _ in _default_paths()}
    for path in CASES:
        case = _case(path)
        for param, node in loader.walk():
            if all(isinstance(part, str) for part in param) and param not in defaulted \
                    and node.get("type") != "object":
                if not _get(case["params"], param)[1]:
                    assert not _get(case["effective"], param)[1], (path.stem, param)


def test_plan_rules_on_a_synthetic_schema(monkeypatch):
    """The generic rules, on schemas unlike ours: a null default fills nothing; an object that
    requires something is never created; an object holding only a null default is not created."""
    nodes = [
        ((), {"type": "object"}),
        (("a",), {"type": "object"}),
        (("a", "nil"), {"type": "string", "default": None}),
        (("b",), {"type": "object", "required": ["x"]}),
        (("b", "x"), {"type": "string", "default": "x"}),
        (("c",), {"type": "object"}),
        (("c", "d"), {"type": "object"}),
        (("c", "d", "n"), {"type": "integer", "default": 0}),
        (("c", "l"), {"type": "array", "default": [{"k": 1}]}),
        (("c", "l", 0), {"type": "object"}),
    ]
    monkeypatch.setattr(loader, "walk", lambda name=loader.ROOT_FILE: iter(nodes))
    loader.reset()
    try:
        assert validator.fill_defaults({}) == {"c": {"d": {"n": 0}, "l": [{"k": 1}]}}
        assert validator.fill_defaults({"a": {}, "b": {}}) == {"a": {}, "b": {"x": "x"},
                                                             "c": {"d": {"n": 0}, "l": [{"k": 1}]}}
        first = validator.fill_defaults({})
        first["c"]["l"][0]["k"] = 2
        assert validator.fill_defaults({})["c"]["l"] == [{"k": 1}]
    finally:
        monkeypatch.undo()
        loader.reset()


def test_defaults_are_fresh_copies():
    params = {"components": {"payment_element": {"enabled": True}}}
    first = validator.fill_defaults(params)
    [(path, default)] = [(p, d) for p, d in _default_paths() if p[:2] == ("components", "payment_element")
                         and isinstance(d, list)]
    filled, _ = _get(first, path)
    filled.append("changed")
    again, _ = _get(validator.fill_defaults(params), path)
    assert again == default and "changed" not in again
    assert "changed" not in loader.at(path)["default"]


def _shares_nothing(result, params):
    """No dict or list of the result is a dict or list of the input."""
    def containers(value, seen):
        stack = [value]
        while stack:
            item = stack.pop()
            if isinstance(item, (dict, list)) and id(item) not in seen:
                seen.add(id(item))
                stack.extend(item.values() if isinstance(item, dict) else item)
        return seen
    return not (containers(result, set()) & containers(params, set()))


def _kept(given, result) -> bool:
    """Every value given is in the result, unchanged (type included: 3 is not 3.0, 1 is not True)."""
    if isinstance(given, dict):
        return isinstance(result, dict) and all(k in result and _kept(v, result[k]) for k, v in given.items())
    if isinstance(given, list):
        return isinstance(result, list) and len(given) == len(result) and all(map(_kept, given, result))
    return type(given) is type(result) and (given is result or given == result)


@settings(max_examples=30)
@given(payloads())
def test_properties_over_generated_payloads(params):
    before = copy.deepcopy(params)
    effective = validator.fill_defaults(params)
    assert params == before                      # input untouched
    assert _kept(params, effective)              # no given value lost or changed
    assert validator.fill_defaults(effective) == effective  # idempotent
    assert validator.is_valid(effective)         # still valid
    assert _shares_nothing(effective, params)
    assert list(effective)[: len(params)] == list(params)   # given keys first, in their order


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["components", "payment_element", "customer_sheet", "features", "enabled", "x"]),
        inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150)
@given(_json)
def test_any_json_is_filled_without_error(value):
    before = copy.deepcopy(value)
    effective = validator.fill_defaults(value)
    assert _kept(value, before) and _kept(before, value)
    assert _kept(value, effective)
    again = validator.fill_defaults(effective)
    assert _kept(again, effective) and _kept(effective, again)


def test_hostile_input():
    deep = []
    for _ in range(100_000):
        deep = [deep]
    cyclic = {"enabled": True}
    cyclic["features"] = {"loop": cyclic}
    params = {1: 2, "components": {"payment_element": cyclic, "customer_sheet": {"enabled": True, "features": deep}},
              "customer": object(), "expand": [deep, {"a": deep}]}
    effective = validator.fill_defaults(params)
    assert effective[1] == 2 and effective["customer"] is params["customer"]
    assert effective["components"]["customer_sheet"]["features"] is deep  # not a dict: carried over
    assert effective["components"]["payment_element"]["features"]["loop"] is cyclic  # unknown key: carried over
    assert effective["components"]["payment_element"]["features"]["payment_method_save"] == "disabled"
    for value in (None, 3, "x", [{"components": {}}], deep):
        assert validator.fill_defaults(value) is value


def test_cli_defaults(tmp_path, capsys):
    case = _case(CASES[0])
    source = tmp_path / "p.json"
    source.write_text(json.dumps(case["params"]))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"components": {"payment_element": {"enabled": "no"}}}))

    assert cli.main(["validate", "--format", "json", "--defaults", str(source), str(bad)]) == 1
    good, wrong = map(json.loads, capsys.readouterr().out.splitlines())
    assert good["valid"] and good["effective"] == case["effective"]
    assert not wrong["valid"] and "effective" not in wrong

    assert cli.main(["validate", "--defaults", str(source)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{source}: valid\n")
    assert json.loads(out[out.index(f"{source}: effective configuration:\n"):].split("\n", 1)[1]) == case["effective"]

    assert cli.main(["validate", "--format", "json", str(source)]) == 0
    assert "effective" not in json.loads(capsys.readouterr().out)


def test_public_name_is_the_function():
    import validator.defaults  # noqa: F401  (a module import must not shadow the function)

    assert validator.fill_defaults is validator.defaults.fill_defaults
    assert "fill_defaults" in validator.__all__
