"""The returned Customer Session object: examples as data, properties generated from its schema, no secret leaks.

Valid objects come from hypothesis-jsonschema on the response schema;
invalid ones from `mutants`, which breaks each in every way the schema
forbids.  Unknown fields are the one difference from the params: the
contract (`mutants.REJECTS_UNKNOWN`) says they are accepted.
"""

from __future__ import annotations

import functools
import json
import string
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

import mutants
import schema_data
import validator
from test_properties import exact, many_checks_each, pairs, reversed_keys
from validator import cli, explain, loader
from validator.errors import PARAMETER_NOT_JSON, bracket

EXAMPLES = Path(__file__).parent / "examples" / "response"
VALID = sorted((EXAMPLES / "valid").glob("*.json"))
INVALID = sorted((EXAMPLES / "invalid").glob("*.json"))
NAME = loader.RESPONSE_FILE
OBJECTS = schema_data.payloads(NAME)
MUTATED = mutants.mutated(OBJECTS, NAME)


@functools.cache
def stock():
    from jsonschema import Draft202012Validator

    return Draft202012Validator(loader.root(NAME), registry=loader.registry())


def everything(case):
    obj, found = case
    return [obj, *(m.payload for m in found)]


# --- examples as data ----------------------------------------------------------------------

def test_there_are_examples():
    assert len(VALID) >= 4 and len(INVALID) >= 10
    assert (EXAMPLES / "valid" / "reference-example.json").is_file()
    assert (EXAMPLES / "valid" / "openapi-shaped-full.json").is_file()


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_example(path):
    obj = json.loads(path.read_text())
    assert list(validator.response.iter_errors(obj)) == []
    assert validator.response.is_valid(obj)
    assert validator.response.validate(obj) is obj
    assert stock().is_valid(obj)


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_example(path):
    case = json.loads(path.read_text())
    assert set(case) <= {"description", "response", "errors"} and case["description"]
    errors = list(validator.response.iter_errors(case["response"]))
    assert [{"param": e.param, "code": e.code} for e in errors] == case["errors"]
    assert not validator.response.is_valid(case["response"])
    with pytest.raises(validator.ValidationError) as raised:
        validator.response.validate(case["response"])
    assert raised.value.errors == errors
    assert errors == list(explain.iter_errors(case["response"], compiled=False, name=NAME))


def test_the_full_example_has_every_component_the_params_have():
    """The OpenAPI-shaped example exercises every returned component: the two schemas list the same ones."""
    full = json.loads((EXAMPLES / "valid" / "openapi-shaped-full.json").read_text())
    params = loader.at(("components",))["properties"]
    returned = loader.at(("components",), NAME)["properties"]
    assert sorted(full["components"]) == sorted(params) == sorted(returned)


def test_schema_is_a_private_copy():
    mine = validator.response.schema()
    mine["properties"].clear()
    assert validator.response.schema()["properties"]
    assert validator.response.schema() == loader.root(NAME)


# --- properties generated from the response schema -----------------------------------------

@given(OBJECTS)
def test_generated_objects_are_valid(obj):
    assert list(validator.response.iter_errors(obj)) == []
    assert validator.response.validate(obj) is obj
    assert validator.response.is_valid(json.loads(json.dumps(obj)))


@many_checks_each
@given(MUTATED)
def test_every_mutant_gives_exactly_its_errors(case):
    obj, found = case
    assert found
    for mutant in found:
        where = f"{mutant.kind} at {bracket(mutant.site) or 'the object'}: {mutant.payload!r}"
        errors = list(validator.response.iter_errors(mutant.payload))
        assert pairs(errors) == sorted(mutant.expected, key=repr), where
        assert validator.response.is_valid(mutant.payload) is (not mutant.expected), where
        for error in errors:
            assert error.param == bracket(error.path) and error.param in error.message


@many_checks_each
@given(MUTATED)
def test_verdicts_and_both_explanations_agree(case):
    for obj in everything(case):
        assert validator.response.is_valid(obj) is stock().is_valid(obj), obj
        assert list(explain.iter_errors(obj, name=NAME)) == list(explain.iter_errors(obj, compiled=False, name=NAME))
        flipped = reversed_keys(obj)
        assert list(validator.response.iter_errors(flipped)) == list(validator.response.iter_errors(obj))


_NOT_JSON = st.one_of(st.sampled_from([float("nan"), float("inf")]), st.binary(max_size=3),
                      st.tuples(st.integers()), st.builds(object), st.just("\ud800"))


@given(OBJECTS, st.data())
def test_a_value_that_is_not_json_is_reported_where_it_is(obj, data):
    site, _ = data.draw(st.sampled_from(mutants.params(NAME)))
    base, path = mutants.place(obj, site, data.draw, NAME)
    broken = mutants.put(base, path, data.draw(_NOT_JSON))
    before = exact(broken)
    assert pairs(validator.response.iter_errors(broken)) == [(path, PARAMETER_NOT_JSON)]
    assert not validator.response.is_valid(broken)
    assert exact(broken) == before


# --- secrets: never in any output -----------------------------------------------------------

_SECRET_TEXT = st.text(string.ascii_letters + string.digits, min_size=20, max_size=40)


@st.composite
def secret_cases(draw):
    """A broken object holding a random secret where the schema marks one, and the text to search for."""
    obj = draw(OBJECTS)
    # Break one other param in one way its schema forbids, so that the object gets errors to report.
    plans = [plan for plan in mutants._plans(NAME) if plan[1] and plan[0] and plan[0] not in loader.secrets(NAME)]
    site, ways, _, _ = draw(st.sampled_from(plans))
    _, values, _ = draw(st.sampled_from(ways))
    base, path = mutants.place(obj, site, draw, NAME)
    target = mutants.put(base, path, draw(values))
    text = draw(_SECRET_TEXT)
    shape = draw(st.sampled_from(["string", "prefixed", "list", "object", "number"]))
    value = {"string": text, "prefixed": "cuss_secret_" + text, "list": [text], "object": {"secret": text},
             "number": int("9" + "".join(c for c in text if c.isdigit()).ljust(19, "7"))}[shape]
    for secret in loader.secrets(NAME):
        target = mutants.put(target, secret, value)
    return target, str(value) if shape == "number" else text


def _outputs(obj, tmp_path, capsys) -> list[str]:
    """Every text the project produces about `obj`: messages, str/repr of errors and exceptions, CLI output."""
    texts = []
    errors = list(validator.response.iter_errors(obj))
    for error in errors:
        texts += [str(error), repr(error), error.message, error.param]
    try:
        validator.response.validate(obj)
    except validator.ValidationError as exc:
        chain, seen = exc, 0
        while chain is not None and seen < 10:
            texts += [str(chain), repr(chain), repr(chain.args)]
            chain, seen = chain.__cause__ or chain.__context__, seen + 1
    path = tmp_path / "session.json"
    path.write_text(json.dumps(obj))
    for form in ("text", "json"):
        cli.main(["validate", "--response", "--format", form, str(path)])
        out, err = capsys.readouterr()
        texts += [out, err]
    return texts


@many_checks_each
@given(secret_cases())
def test_no_output_ever_contains_a_secret(tmp_path_factory, case):
    obj, secret = case
    tmp_path = tmp_path_factory.mktemp("secret")
    with _Capture() as capture:
        texts = _outputs(obj, tmp_path, capture)
    leaked = [text for text in texts if secret in text]
    assert leaked == [], f"the secret appears in {leaked[0][:200]!r}"


class _Capture:
    """Standard output and error of in-process CLI runs (pytest's capsys does not mix with @given)."""

    def __enter__(self):
        import io
        import sys

        self._saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = io.TextIOWrapper(io.BytesIO(), encoding="utf-8"), io.StringIO()
        return self

    def readouterr(self):
        import io
        import sys

        sys.stdout.flush()
        out = sys.stdout.buffer.getvalue().decode("utf-8")
        err = sys.stderr.getvalue()
        sys.stdout, sys.stderr = io.TextIOWrapper(io.BytesIO(), encoding="utf-8"), io.StringIO()
        return out, err

    def __exit__(self, *exc):
        import sys

        sys.stdout, sys.stderr = self._saved


def test_a_wrongly_typed_secret_is_named_but_not_shown():
    ref = json.loads((EXAMPLES / "valid" / "reference-example.json").read_text())
    for value in (424242424242424242, ["cuss_secret_abcdefghijklmnop"], {"v": "cuss_secret_abcdefghijklmnop"}, True):
        (error,) = validator.response.iter_errors({**ref, "client_secret": value})
        assert error.param == "client_secret" and error.code == "parameter_invalid_type"
        assert "redacted" in error.message, error.message
        assert "abcdefghijklmnop" not in error.message and "424242" not in error.message


@pytest.mark.parametrize("value", [b"x", {1: 2}, float("nan"), object(), ("a",), "\ud800"], ids=repr)
def test_a_field_the_schema_does_not_describe_is_not_looked_into(value):
    """Unknown fields are accepted whatever they hold, by the compiled engine and the stock fallback alike."""
    ref = json.loads((EXAMPLES / "valid" / "reference-example.json").read_text())
    for obj in ({**ref, "zz_new_field": value}, {**ref, "components": {"pricing_table": {"enabled": True, "zz": value}}}):
        assert validator.response.is_valid(obj)
        assert list(validator.response.iter_errors(obj)) == []
        assert list(explain.iter_errors(obj, compiled=False, name=NAME)) == []
    # A key that is not a string is no field name at all: still reported.
    assert pairs(validator.response.iter_errors({**ref, 7: "x"})) == [((7,), PARAMETER_NOT_JSON)]
