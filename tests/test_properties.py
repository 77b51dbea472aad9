"""Property tests generated from the schemas themselves.

Valid payloads come from hypothesis-jsonschema on the bundled (inlined)
root schema; invalid ones from `mutants`, which breaks each valid payload in
every way the schemas forbid.  No param name or enum value is written here:
a schema change changes the tests.  The one outside oracle is
documented_params.json (through `documented`), what the API reference and
stripe-python state: each required param, limit and rule it documents must
be among the schema-derived mutants, so that a constraint lost from the
schemas is noticed here too (test_documented.py compares the rest).
"""

from __future__ import annotations

import functools
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

import documented
import mutants
import schema_data
from schema_data import ints
import validator
from validator import explain, loader
from validator.errors import PARAMETER_NOT_JSON, bracket

HERE = Path(__file__).resolve().parent
PAYLOADS = schema_data.payloads()
MUTATED = mutants.mutated(PAYLOADS)

# One example of a test marked so checks some 70 mutants (or 70 named
# values): a third of the profile's examples covers plenty of ground at a
# cost that keeps the ci profile well under a minute, and still scales with
# the profile (thorough runs hundreds).
many_checks_each = settings(max_examples=max(5, settings().max_examples // 3))


@functools.cache
def stock():
    """Plain jsonschema on the same schemas: the reference verdict."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator(loader.root(), registry=loader.registry())


def exact(value):
    """`value` in a form that compares types, float signs and key order too (True != 1, 1 != 1.0)."""
    if isinstance(value, dict):
        return ("dict", [(exact(k), exact(v)) for k, v in value.items()])
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [exact(v) for v in value])
    return (type(value).__name__, repr(value))


def reversed_keys(value):
    """`value` with the keys of every object, at every depth, in reverse order."""
    if isinstance(value, dict):
        return {k: reversed_keys(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [reversed_keys(v) for v in value]
    return value


def pairs(errors):
    return sorted(((e.path, e.code) for e in errors), key=repr)


def everything(case):
    """The valid payload and each of its mutants."""
    payload, found = case
    return [payload, *(m.payload for m in found)]


# --- valid data from the schema ------------------------------------------------------------

@given(PAYLOADS)
def test_generated_payloads_are_valid(payload):
    assert list(validator.iter_errors(payload)) == []
    assert validator.is_valid(payload)
    assert validator.validate(payload) is payload
    copied = json.loads(json.dumps(payload))
    assert exact(copied) == exact(payload)
    assert validator.is_valid(copied)


@given(PAYLOADS)
def test_fill_defaults_keeps_generated_payloads_valid(payload):
    before = exact(payload)
    filled = validator.fill_defaults(payload)
    assert exact(payload) == before, "fill_defaults changed its input"
    assert list(validator.iter_errors(filled)) == []
    assert validator.validate(filled) is filled
    assert exact(validator.fill_defaults(filled)) == exact(filled), "filling twice adds more"

    def kept(given_value, result):
        # Every value the caller gave is still there, as given.
        if isinstance(given_value, dict):
            return isinstance(result, dict) and all(k in result and kept(v, result[k]) for k, v in given_value.items())
        return exact(given_value) == exact(result)

    assert kept(payload, filled)


@many_checks_each
@given(PAYLOADS, st.data())
def test_values_the_schemas_name_are_accepted(payload, data):
    """Every value a schema node names for its param (enum, x-enumDescriptions, default, examples) is legal there."""
    for site, node in mutants.params():
        named = [*node.get("enum", ()), *node.get("x-enumDescriptions", {}), *node.get("examples", ())]
        if "default" in node:
            named.append(node["default"])
        for value in named:
            base, path = mutants.place(payload, site, data.draw)
            changed = mutants.put(base, path, value)
            # A rule elsewhere may now apply (a switch turned on); the value itself must be fine.
            wrong = [e for e in validator.iter_errors(changed) if e.path[: len(path)] == path]
            assert wrong == [], f"{value!r} at {bracket(path) or 'the payload'}: {wrong}"


# --- schema-derived mutants ----------------------------------------------------------------

@many_checks_each
@given(MUTATED)
def test_every_mutant_is_rejected_at_its_param(case):
    payload, found = case
    assert found
    for mutant in found:
        where = f"{mutant.kind} at {bracket(mutant.site) or 'the payload'}: {mutant.payload!r}"
        if exact(mutant.base) != exact(payload):
            assert validator.is_valid(mutant.base), f"harness: the filled-in base is invalid for {where}"
        errors = list(validator.iter_errors(mutant.payload))
        assert pairs(errors) == sorted(mutant.expected, key=repr), where
        for error in errors:
            assert error.param == bracket(error.path)
            assert error.param in error.message
        assert not validator.is_valid(mutant.payload)


@given(PAYLOADS, st.data())
def test_documented_constraints_are_enforced(payload, data):
    """Each required param, limit and rule the reference states is among the schema-derived mutants."""
    derived = {}
    for mutant in mutants.break_all(payload, data.draw):
        for path, code in mutant.expected:
            derived.setdefault((loader.generic(path), code), mutant)  # an array item at any index
    for path, code in documented.constraints():
        assert (path, code) in derived, f"the schemas do not enforce {code} at {bracket(path)}"
        errors = list(validator.iter_errors(derived[path, code].payload))
        assert pairs(errors) == sorted(derived[path, code].expected, key=repr)


# --- differential: same verdict as plain jsonschema; key order never matters ---------------

@many_checks_each
@given(MUTATED)
def test_verdicts_match_stock_jsonschema(case):
    """Stock jsonschema agrees, except on the wire rule JSON Schema cannot state: a whole float for an integer."""
    for params in everything(case):
        assert validator.is_valid(ints(params)) is stock().is_valid(params), params
        if validator.is_valid(ints(params)) and ints(params) != params:
            assert [e.code for e in validator.iter_errors(params)] and not validator.is_valid(params)
            assert {e.code for e in validator.iter_errors(params)} == {"parameter_invalid_integer"}


@many_checks_each
@given(MUTATED)
def test_both_explanations_give_the_same_errors(case):
    """Errors explained from jsonschema-rs's findings equal those from stock jsonschema's, message for message."""
    for params in everything(case):
        found = list(explain.iter_errors(params))
        assert found == list(explain.iter_errors(params, compiled=False)), params
        # What a JSON parser made needs no JSON-only copy (the batch path skips it).
        assert found == list(explain.iter_errors(json.loads(json.dumps(params)), parsed=True)), params


@many_checks_each
@given(MUTATED)
def test_key_order_never_changes_the_verdict(case):
    for params in everything(case):
        flipped = reversed_keys(params)
        assert validator.is_valid(flipped) == validator.is_valid(params)
        assert list(validator.iter_errors(flipped)) == list(validator.iter_errors(params))


# --- metamorphic: consistent, pure, deterministic ------------------------------------------

def check_consistent_and_pure(params):
    before = exact(params)
    errors = list(validator.iter_errors(params))
    assert validator.is_valid(params) is (not errors)
    if errors:
        with pytest.raises(validator.ValidationError) as raised:
            validator.validate(params)
        assert raised.value.errors == errors, "a second check found other errors"
    else:
        assert validator.validate(params) is params
    assert exact(params) == before, "checking changed its input"
    return errors


@many_checks_each
@given(MUTATED)
def test_checking_is_consistent_and_pure(case):
    for params in everything(case):
        check_consistent_and_pure(params)


# Values that are not JSON data: what a careless caller may pass.
_NOT_JSON = st.one_of(
    st.sampled_from([math.nan, math.inf, -math.inf]), st.binary(max_size=3),
    st.tuples(st.integers()), st.frozensets(st.integers(), max_size=2), st.builds(object),
)


@given(PAYLOADS, st.data())
def test_a_value_that_is_not_json_is_reported_where_it_is(payload, data):
    site, _ = data.draw(st.sampled_from(mutants.params()))
    base, path = mutants.place(payload, site, data.draw)
    errors = check_consistent_and_pure(mutants.put(base, path, data.draw(_NOT_JSON)))
    assert pairs(errors) == [(path, PARAMETER_NOT_JSON)]


_CHILD = """
import json, sys
import validator
out = [[[e.param, list(e.path), e.code, e.message] for e in validator.iter_errors(p)] for p in json.load(sys.stdin)]
json.dump(out, sys.stdout)
"""


@settings(max_examples=1)
@given(st.data())
def test_errors_are_the_same_in_another_process(data):
    """Errors do not depend on string hashing (set/dict order) or anything else per process."""
    batch = [params for _ in range(10) for params in everything(data.draw(MUTATED))]
    here = json.loads(json.dumps([
        [[e.param, list(e.path), e.code, e.message] for e in validator.iter_errors(params)] for params in batch
    ]))
    assert any(here)
    for seed in ("0", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        child = subprocess.run([sys.executable, "-c", _CHILD], input=json.dumps(batch), capture_output=True,
                               text=True, cwd=HERE.parent, env=env, check=True)
        assert json.loads(child.stdout) == here
