"""Another service's schema reuses ours by ``$id`` through `validator.registry()`, offline only.

The envelope below is the README's example: a service request that carries
the create params under one of its own keys.
"""

from __future__ import annotations

import pytest
import referencing.exceptions
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

import validator
from offline import no_network  # noqa: F401  (a fixture)
from validator import loader

pytestmark = pytest.mark.usefixtures("no_network")

ENVELOPE = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://schemas.billing.example/v3/start-checkout.json",
    "description": "Another service's request: its own fields plus our create params.",
    "type": "object",
    "properties": {
        "request_id": {"type": "string"},
        "session": {"$ref": loader.root_id()},
    },
    "required": ["request_id", "session"],
    "additionalProperties": False,
}


def _params():
    return next(iter(loader.root()["examples"]))


def _verdicts(check):
    good = {"request_id": "r-1", "session": _params()}
    assert check.is_valid(good)
    bad = {"request_id": "r-1", "session": {**_params(), "zz_not_a_param": 1}}
    errors = list(check.iter_errors(bad))
    assert errors and all(list(e.absolute_path)[:1] == ["session"] for e in errors)
    assert not check.is_valid({"request_id": "r-1", "session": {}})
    assert not check.is_valid({"request_id": "r-1"})


def test_envelope_with_resource_added_to_our_registry():
    registry = validator.registry().with_resource(ENVELOPE["$id"], Resource.from_contents(ENVELOPE))
    _verdicts(Draft202012Validator(ENVELOPE, registry=registry))


def test_envelope_registry_combined_with_ours():
    theirs = Registry().with_resource(ENVELOPE["$id"], Resource.from_contents(ENVELOPE))
    _verdicts(Draft202012Validator(ENVELOPE, registry=theirs.combine(validator.registry())))


def test_registry_with_its_own_retrieve_combines_with_ours():
    """A service whose registry loads its own schemas lazily (a retrieve function) combines with ours."""
    fetched = []

    def retrieve(uri):
        # Their schemas, loaded on first use: only the envelope exists.
        if uri != ENVELOPE["$id"]:
            raise referencing.exceptions.NoSuchResource(ref=uri)
        fetched.append(uri)
        return Resource.from_contents(ENVELOPE)

    theirs = Registry(retrieve=retrieve)
    for combined in (theirs.combine(validator.registry()), validator.registry().combine(theirs)):
        fetched.clear()
        # Their lazy loading still works in the combined registry, and our refs resolve in it.
        _verdicts(Draft202012Validator({"$ref": ENVELOPE["$id"]}, registry=combined))
        assert set(fetched) == {ENVELOPE["$id"]}
    # Adding our resources to theirs works too.
    _verdicts(Draft202012Validator(ENVELOPE, registry=theirs.with_resources(validator.registry().items())))


@pytest.mark.parametrize("uri", [
    "https://schemas.customer-session.example/v1/no-such-file.json",
    "https://schemas.customer-session.example/v2/create-params.json",
    "https://elsewhere.example/schema.json",
])
def test_unknown_uri_fails_clearly_without_fetching(uri):
    schema = {**ENVELOPE, "$id": "https://schemas.billing.example/v3/broken.json",
              "properties": {"session": {"$ref": uri}}}
    registry = validator.registry().with_resource(schema["$id"], Resource.from_contents(schema))
    check = Draft202012Validator(schema, registry=registry)
    with pytest.raises(referencing.exceptions.Unresolvable) as raised:
        check.is_valid({"session": {}})
    assert uri in str(raised.value)
    with pytest.raises(referencing.exceptions.NoSuchResource):
        validator.registry().get_or_retrieve(uri)


def test_pointer_to_nowhere_in_our_file_fails_clearly():
    schema = {**ENVELOPE, "$id": "https://schemas.billing.example/v3/broken.json",
              "properties": {"session": {"$ref": loader.root_id() + "#/$defs/nothing"}}}
    check = Draft202012Validator(schema, registry=validator.registry())
    with pytest.raises(referencing.exceptions.Unresolvable):
        check.is_valid({"session": {}})
