"""lint: cases as data (examples/lint/*.json), the x-lint / x-idPrefix annotations themselves,
properties over generated payloads, hostile input, and the CLI's warnings and --strict.

A case is ``{"description", "params", "warnings": [{"param", "code"}, ...]}``: ``params`` is a
valid payload and linting it gives exactly those warnings, in that order.
"""

import copy
import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import validator
from schema_data import inlined, payloads
from validator import bundle, cli, linting, loader
from validator.errors import bracket

ROOT = Path(__file__).parent.parent
CASES = sorted((Path(__file__).parent / "examples" / "lint").glob("*.json"))
GENERIC_CODES = {linting.ID_PREFIX_UNEXPECTED}


def _case(path):
    case = json.loads(path.read_text())
    assert set(case) == {"description", "params", "warnings"} and case["description"]
    return case


def _annotated():
    """Every x-lint entry: (object path, entry), in schema order."""
    return [(path, entry) for path, node in loader.walk() for entry in node.get("x-lint", ())]


def _codes():
    return {entry["code"] for _, entry in _annotated()} | GENERIC_CODES


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_case(path):
    case = _case(path)
    assert validator.is_valid(case["params"]), "lint cases are legal payloads"
    before = copy.deepcopy(case["params"])
    warnings = validator.lint(case["params"])
    assert [{"param": w.param, "code": w.code} for w in warnings] == case["warnings"]
    assert case["params"] == before
    for warning in warnings:
        assert isinstance(warning, validator.LintWarning)
        assert warning.param == bracket(warning.path) and warning.param in warning.message
        assert warning.message.endswith(".") and "{" not in warning.message
        assert str(warning) == warning.message


def test_every_rule_and_code_has_a_case():
    fired = {(tuple(0 if isinstance(p, int) else p for p in w.path), w.code)
             for path in CASES for w in validator.lint(_case(path)["params"])}
    for path, entry in _annotated():
        where = path if entry.get("param") is None else path + (entry["param"],)
        assert (where, entry["code"]) in fired, (where, entry["code"])
    for node_path, node in loader.walk():
        if "x-idPrefix" in node:
            assert (node_path, linting.ID_PREFIX_UNEXPECTED) in fired, node_path
    assert {code for _, code in fired} == _codes()
    assert any(not _case(path)["warnings"] for path in CASES)


def test_reference_example_is_clean():
    [example] = loader.root()["examples"]
    assert validator.lint(example) == []


def test_schema_examples_are_clean():
    """Every object example in the schemas, put in place inside the reference example, lints clean."""
    [example] = loader.root()["examples"]
    checked = 0
    for path, node in loader.walk():
        if not path or any(isinstance(part, int) for part in path):
            continue
        for value in node.get("examples", ()):
            if isinstance(value, dict):
                params = copy.deepcopy(example)
                target = params
                for part in path[:-1]:
                    target = target.setdefault(part, {})
                target[path[-1]] = value
                assert validator.is_valid(params), path
                assert validator.lint(params) == [], path
                checked += 1
    assert checked >= 4


def test_annotations_are_well_formed():
    from jsonschema import Draft202012Validator

    assert _annotated()
    for path, entry in _annotated():
        node = loader.at(path)
        assert node.get("type") == "object"
        assert set(entry) <= {"param", "code", "message", "when"} and {"code", "message", "when"} <= set(entry)
        assert re.fullmatch(r"[a-z]+(_[a-z]+)*", entry["code"])
        assert entry.get("param") is None or entry["param"] in node["properties"]
        assert "{param}" in entry["message"] and entry["message"].endswith(".")
        Draft202012Validator.check_schema(entry["when"])
        assert "$ref" not in json.dumps(entry["when"])
    prefixed = [node for _, node in loader.walk() if "x-idPrefix" in node]
    assert prefixed
    for node in prefixed:
        assert node.get("type") == "string" and isinstance(node["x-idPrefix"], str) and node["x-idPrefix"]


def test_annotations_are_not_exported():
    for document in (bundle.bundle(), inlined()):
        text = json.dumps(document)
        assert '"x-lint"' not in text and '"x-idPrefix"' not in text


def test_readme_lists_every_code():
    readme = (ROOT / "docs" / "01-python-api.md").read_text()
    for code in _codes():
        assert f"`{code}`" in readme, code


@settings(max_examples=20)
@given(payloads())
def test_properties_over_generated_payloads(params):
    before = copy.deepcopy(params)
    warnings = validator.lint(params)
    assert params == before
    assert warnings == validator.lint(params)
    for warning in warnings:
        assert warning.code in _codes()
        assert warning.param == bracket(warning.path) and warning.param in warning.message
    # The effective configuration never adds a warning about something the payload did not give.
    given_paths = {w.path for w in warnings}
    for warning in validator.lint(validator.fill_defaults(params)):
        if warning.code == linting.ID_PREFIX_UNEXPECTED:
            assert warning.path in given_paths


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["components", "payment_element", "features", "enabled", "customer",
                         "payment_method_redisplay_limit", "payment_method_save_usage", "x"]),
        inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150)
@given(_json)
def test_any_json_lints_without_error(value):
    for warning in validator.lint(value):
        assert warning.code in _codes()


def test_hostile_input():
    deep = []
    for _ in range(100_000):
        deep = [deep]
    cyclic = {"enabled": False}
    cyclic["features"] = cyclic
    params = {1: 2, "customer": b"cus_", "customer_account": float("nan"), "expand": [deep, "", None],
              "components": {"payment_element": cyclic, "customer_sheet": {"enabled": deep, "features": deep},
                             "mobile_payment_element": {"enabled": False, "features": object()}}}
    warnings = validator.lint(params)
    assert [(w.param, w.code) for w in warnings] == [
        ("components[mobile_payment_element][features]", "disabled_component_features"),
        ("components[payment_element][features]", "disabled_component_features"),
        ("customer_account", "customer_and_account_both"),  # given, though neither value is usable
    ]
    for value in (None, 3, "x", [], deep):
        assert validator.lint(value) == []
    assert [w.code for w in validator.lint({"components": "x" * 1_000_000})] == ["customer_or_account_missing"]
    long = validator.lint({"customer": "x" * 100_000, "components": {"pricing_table": {"enabled": True}}})
    assert [w.code for w in long] == ["id_prefix_unexpected"] and len(long[0].message) < 200


def _write(tmp_path, name, params):
    path = tmp_path / name
    path.write_text(json.dumps(params))
    return str(path)


def test_cli_warnings_and_strict(tmp_path, capsys):
    warned = _case(Path(__file__).parent / "examples" / "lint" / "several_at_once.json")
    noisy = _write(tmp_path, "noisy.json", warned["params"])
    clean = _write(tmp_path, "clean.json", loader.root()["examples"][0])

    assert cli.main(["validate", noisy, clean]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"{noisy}: valid"
    shown = [line for line in lines if line.startswith(f"{noisy}: warning: ")]
    assert [re.search(r"\[(\w+)\]$", line).group(1) for line in shown] == [w["code"] for w in warned["warnings"]]
    assert lines[len(shown) + 1:] == [f"{clean}: valid"]

    assert cli.main(["validate", "--format", "json", noisy, clean]) == 0
    noisy_out, clean_out = map(json.loads, capsys.readouterr().out.splitlines())
    assert [{"param": w["param"], "code": w["code"]} for w in noisy_out["warnings"]] == warned["warnings"]
    assert all(set(w) == {"param", "code", "message"} for w in noisy_out["warnings"])
    assert noisy_out["valid"] and clean_out["warnings"] == []

    assert cli.main(["validate", "--strict", clean]) == 0
    assert cli.main(["validate", "--strict", clean, noisy]) == 1
    assert cli.main(["validate", "--strict", "--format", "json", noisy]) == 1
    capsys.readouterr()

    # Invalid input still exits 1 and is linted too; unusable input still exits 2.
    invalid = _write(tmp_path, "invalid.json", {"components": {}})
    assert cli.main(["validate", invalid]) == 1
    assert "[customer_or_account_missing]" in capsys.readouterr().out
    assert cli.main(["validate", "--strict", str(tmp_path / "absent.json"), clean]) == 2


def test_public_name_is_the_function():
    import validator.linting  # noqa: F401  (a module import must not shadow the function)

    assert validator.lint is linting.lint and callable(validator.lint)
    assert {"lint", "LintWarning"} <= set(validator.__all__)


def test_a_condition_outside_the_translated_subset_is_still_evaluated(schema_copy):
    """x-lint `when` conditions are compiled to Python for the subset the schemas use; any other goes to an engine."""
    from validator import linting
    from conftest import clear_validator_caches

    path = schema_copy / "create-params.json"
    schema = json.loads(path.read_text())
    when = {"required": ["customer"], "properties": {"customer": {"maxLength": 5}}}
    schema["x-lint"].append({"param": "customer", "code": "zz_short", "message": "{param} is short.", "when": when})
    path.write_text(json.dumps(schema))
    clear_validator_caches()
    from validator import conditions

    assert not conditions.supported(when)  # maxLength: outside the subset, so an engine decides
    components = {"pricing_table": {"enabled": True}}
    assert [w.code for w in validator.lint({"customer": "cus_1", "components": components})
            if w.code == "zz_short"] == ["zz_short"]
    assert not [w for w in validator.lint({"customer": "cus_PO34b57IOUb83c", "components": components})
                if w.code == "zz_short"]


def test_translated_conditions_agree_with_jsonschema():
    """Every `when` and every rule's branch, as compiled to Python, against stock jsonschema on varied objects."""
    from jsonschema import Draft202012Validator

    from validator import conditions, loader

    values = [None, True, False, 0, 1, 1.0, "", "enabled", "disabled", [], {}, {"enabled": True}]
    found = [entry["when"] for node in loader.nodes().values() for entry in node.get("x-lint", ())]
    found += [branch for node in loader.nodes().values() for rule in node.get("allOf", ())
              if "title" in rule for branch in rule.get("anyOf", ())]
    assert len(found) > 7
    keys = sorted({key for when in found for key in json.dumps(when).split('"') if key.isidentifier()})
    for when in found:
        assert conditions.supported(when), when
        faults, holds = conditions.compile(when), conditions.holds(when)
        stock = Draft202012Validator(when)
        for key in keys:
            for value in values:
                for other in ({}, {"enabled": False}, {key: {"enabled": value}}):
                    v = {key: value, **other}
                    assert (faults(v, ()) == []) == stock.is_valid(v) == holds(v), (when, v)
