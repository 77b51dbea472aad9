"""The compiled fast path: same verdicts as stock jsonschema, a working fallback, lazy imports."""

import enum
import json
import subprocess
from decimal import Decimal
from fractions import Fraction
import sys
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

import validator
from validator import check, explain, loader
from validator.plain import scrub
from schema_data import ints

EXAMPLES = Path(__file__).parent / "examples"


def _cases():
    for path in sorted((EXAMPLES / "valid").glob("*.json")):
        yield json.loads(path.read_text())
    for path in sorted((EXAMPLES / "invalid").glob("*.json")):
        yield json.loads(path.read_text())["params"]


def stock_verdict(params):
    from jsonschema import Draft202012Validator

    return Draft202012Validator(loader.root(), registry=loader.registry()).is_valid(params)


def test_the_compiled_engine_is_in_use():
    assert check.params.compiled, "jsonschema-rs should be installed with the project"


@pytest.mark.parametrize("params", list(_cases()))
def test_both_explanations_agree_on_the_examples(params):
    assert list(explain.iter_errors(params)) == list(explain.iter_errors(params, compiled=False))
    assert list(explain.iter_errors(params)) == list(explain.iter_errors(params, parsed=True))


def test_both_explanations_agree_on_hostile_input():
    from test_hostile import HOSTILE

    for name, (params, _) in HOSTILE.items():
        assert list(explain.iter_errors(params)) == list(explain.iter_errors(params, compiled=False)), name


@pytest.mark.parametrize("case", ["save-enabled-without-usage", "all-components-disabled", "enum-wrong-case"])
def test_rules_are_explained_from_the_compiled_engine(case):
    """A broken rule is explained from jsonschema-rs's own findings: its keyword location ties it to the rule."""
    broken = json.loads((EXAMPLES / "invalid" / f"{case}.json").read_text())["params"]
    failures = explain._compiled_failures(scrub(broken)[0], loader.ROOT_FILE)
    assert failures
    stock = [explain._from_stock(error) for error in explain.stock().iter_errors(scrub(broken)[0])]
    def seen(found):
        return sorted((f.keyword, f.path, f.schema_path, id(f.schema), [sorted(set(b)) for b in f.branches]) for f in found)

    assert seen(failures) == seen(stock)


@pytest.mark.parametrize("params", list(_cases()))
def test_fast_verdict_agrees_with_stock(params):
    from validator import engine

    assert engine.compiled().is_valid(params) == stock_verdict(params)
    # A whole float at an integer param (3.0) is the one wire rule JSON Schema cannot state.
    assert validator.is_valid(ints(params)) == stock_verdict(params)


class IntFlagLike(enum.IntEnum):
    ONE = 1


# Values jsonschema-rs reads differently from stock jsonschema, at every kind
# of position the schemas describe.
ODD_VALUES = [(), ("customer",), ["x"], {"a": 1}, {1: 2}, 2**64, -(2**64), 10**5000, 3.0, float("nan"), float("inf"),
              b"x", {"x"}, frozenset(), None, True, "", object(), 2**63 - 1, Decimal(3), Decimal("3.5"),
              Fraction(3), IntFlagLike.ONE, bytearray(b"x")]


def _put(path, value, base: Path):
    """A valid example with `value` at the schema position `path` (None where the example has no such place)."""
    params = json.loads(base.read_text())
    target = params
    for part in path[:-1]:
        if isinstance(part, int):
            if not isinstance(target, list) or not target:
                return None
            target = target[0]
        else:
            target = target.setdefault(part, {}) if isinstance(target, dict) else None
            if target is None:
                return None
    if not path:
        return value
    if isinstance(path[-1], int):
        if not isinstance(target, list):
            return None
        target[:] = [value]
    elif isinstance(target, dict):
        target[path[-1]] = value
    return params


def _agrees(params) -> None:
    ours = validator.is_valid(params)
    assert ours == (not list(validator.iter_errors(params)))
    clean, problems = scrub(params)
    if not problems:
        assert ours == explain.stock().is_valid(clean)
    else:
        assert not ours


@given(st.sampled_from(sorted(loader.walk(), key=repr)), st.sampled_from(ODD_VALUES),
       st.sampled_from(sorted((EXAMPLES / "valid").glob("*.json"))))
def test_odd_values_anywhere_agree(where, value, base):
    """Put an odd Python value at a schema position of a valid example: our verdict is never looser than stock's."""
    params = _put(where[0], value, base)
    if params is not None:
        _agrees(params)


@pytest.mark.parametrize("path", sorted((path for path, _ in loader.walk()), key=repr))
def test_odd_values_at_every_position_of_the_fullest_example_agree(path):
    """Every position, in the example that has every param: the generated checks look at each one."""
    for value in ((), ("x",), Decimal(3), 2**64, -(2**64), "\ud800", "x\udfff", 3.5, b"x", None, True):
        params = _put(path, value, EXAMPLES / "valid" / "every-param.json")
        if params is not None:
            _agrees(params)


def test_fallback_without_the_compiled_engine():
    """With jsonschema-rs unimportable, stock jsonschema gives the same verdicts and errors."""
    code = r"""
import json, sys
sys.modules["jsonschema_rs"] = None  # makes `import jsonschema_rs` raise ImportError
import validator
from validator import check
assert not check.params.compiled
cases = json.load(sys.stdin)
print(json.dumps([[validator.is_valid(c), [[e.param, e.code] for e in validator.iter_errors(c)]] for c in cases]))
"""
    cases = list(_cases())
    done = subprocess.run([sys.executable, "-c", code], input=json.dumps(cases), capture_output=True, text=True,
                          cwd=Path(__file__).parent.parent)
    assert done.returncode == 0, done.stderr
    fallback = json.loads(done.stdout)
    assert fallback == [[validator.is_valid(c), [[e.param, e.code] for e in validator.iter_errors(c)]] for c in cases]
    assert [verdict for verdict, _ in fallback].count(True) >= 10


def test_validation_imports_neither_jsonschema_nor_referencing():
    """A valid payload is checked by the compiled engine alone: the first call stays cheap.

    Nor does it import what costs a process its start and is not needed:
    dataclasses (which imports inspect, ast and dis), pathlib, copy, difflib.
    """
    heavy = {'jsonschema', 'referencing', 'hypothesis', 'dataclasses', 'inspect', 'ast', 'pathlib', 'copy', 'difflib'}
    code = ("import sys, validator; validator.validate({'components': {'buy_button': {'enabled': True}}}); "
            f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {heavy!r}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).parent.parent)
    assert done.stdout.strip() == "[]"


def test_own_ref_resolution_agrees_with_referencing():
    """loader.lookup resolves every $ref in every file to the very object referencing finds."""
    resolver = loader.registry().resolver()
    found = 0
    for uri, schema in loader.contents().items():
        stack = [schema]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                if isinstance(item.get("$ref"), str):
                    ours, _ = loader.lookup(item["$ref"], uri)
                    assert ours is resolver.lookup(uri).resolver.lookup(item["$ref"]).contents
                    found += 1
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
    assert found >= 20
