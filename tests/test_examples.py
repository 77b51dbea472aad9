"""Tests as data: every file under examples/valid passes, every file under
examples/invalid fails with exactly the errors it declares.

An invalid case is ``{"description": ..., "params": ..., "errors": [{"param", "code"}, ...]}``;
adding a case is adding a file.
"""

import json
from pathlib import Path

import pytest

import validator

EXAMPLES = Path(__file__).parent / "examples"
VALID = sorted((EXAMPLES / "valid").glob("*.json"))
INVALID = sorted((EXAMPLES / "invalid").glob("*.json"))


def test_there_are_examples():
    assert len(VALID) >= 10 and len(INVALID) >= 30


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_example(path):
    params = json.loads(path.read_text())
    assert list(validator.iter_errors(params)) == []
    assert validator.is_valid(params)
    assert validator.validate(params) is params


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_example(path):
    case = json.loads(path.read_text())
    assert set(case) <= {"description", "params", "errors"} and case["description"]
    errors = list(validator.iter_errors(case["params"]))
    got = [{"param": e.param, "code": e.code} for e in errors]
    assert got == case["errors"]
    assert not validator.is_valid(case["params"])
    with pytest.raises(validator.ValidationError) as raised:
        validator.validate(case["params"])
    assert raised.value.errors == errors
    for error in errors:
        assert error.param == "" or error.param in error.message
