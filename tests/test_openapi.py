"""The OpenAPI 3.1 document: valid per openapi-spec-validator, offline, and its schemas are ours.

That its request body and response schemas give our verdicts is checked in
tests/test_conformance.py, on the conformance corpus.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from urllib.parse import parse_qsl

import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator

from offline import no_network  # noqa: F401  (a fixture)
from validator import loader
from validator.openapi import MEDIA_TYPE, METHOD, PATH, RESPONSE_MEDIA_TYPE, components, document


def _body(doc):
    return doc["paths"][PATH][METHOD]["requestBody"]["content"][MEDIA_TYPE]


@pytest.mark.usefixtures("no_network")
def test_document_is_valid_openapi_3_1():
    doc = document()
    assert doc["openapi"].startswith("3.1.")
    OpenAPIV31SpecValidator(doc).validate()


def test_validator_is_not_vacuous():
    doc = document()
    first = next(iter(doc["components"]["schemas"].values()))
    first["type"] = "no-such-type"
    assert list(OpenAPIV31SpecValidator(doc).iter_errors())


def test_form_body_refers_to_the_root_component():
    doc = document()
    assert list(doc["paths"]) == [PATH] and list(doc["paths"][PATH]) == [METHOD]
    assert MEDIA_TYPE == "application/x-www-form-urlencoded"
    body = _body(doc)
    name = body["schema"]["$ref"].removeprefix("#/components/schemas/")
    assert doc["components"]["schemas"][name]["properties"].keys() == loader.root()["properties"].keys()


def test_responses_refer_to_the_object_and_the_error_components():
    doc = document()
    responses = doc["paths"][PATH][METHOD]["responses"]
    assert set(responses) == {"200", "401", "default"}
    for status, root in (("200", loader.RESPONSE_FILE), ("401", loader.ERROR_FILE), ("default", loader.ERROR_FILE)):
        assert list(responses[status]["content"]) == [RESPONSE_MEDIA_TYPE] == ["application/json"]
        name = responses[status]["content"][RESPONSE_MEDIA_TYPE]["schema"]["$ref"].removeprefix("#/components/schemas/")
        component = doc["components"]["schemas"][name]
        assert component["properties"].keys() == loader.root(root)["properties"].keys()
        assert component["required"] == loader.root(root)["required"]
        assert name.startswith("CustomerSession") and "CustomerSessionCustomerSession" not in name
    # The request body's component comes first, as before the responses were added.
    assert next(iter(doc["components"]["schemas"])) == _body(doc)["schema"]["$ref"].rsplit("/", 1)[1]


def _nested():
    """The top-level params that are objects or arrays, read from the schema files."""
    found = {}
    for key in loader.root()["properties"]:
        kind = loader.at((key,)).get("type")
        if kind in ("object", "array"):
            found[key] = kind
    return found


def test_deep_object_only_for_object_params():
    """OpenAPI defines deepObject for objects; an array param gets no encoding entry (the extension covers it)."""
    encoding = _body(document())["encoding"]
    nested = _nested()
    assert set(nested.values()) == {"object", "array"}, "the schemas have both kinds: else this test says less"
    assert sorted(encoding) == sorted(key for key, kind in nested.items() if kind == "object")
    assert all(e == {"style": "deepObject", "explode": True} for e in encoding.values())


def test_the_wire_format_is_stated():
    doc = document()
    body = _body(doc)
    extension = body["x-stripeEncoding"]
    assert extension["object"] == "a[b]=v" and extension["array"] == "a[0]=v&a[1]=w"
    for text in (extension["description"], doc["paths"][PATH][METHOD]["requestBody"]["description"]):
        assert "`a[b]=v`" in text and "`a[0]=v&a[1]=w`" in text and "deepObject" in text
    # The whole-body example is the reference's request as stripe-python sends it (tests/test_form.py).
    example = parse_qsl(extension["example"], strict_parsing=True)
    assert ("components[pricing_table][enabled]", "true") in example
    # Each nested param says how it goes on the wire, with its own name in brackets.
    params = doc["components"]["schemas"][body["schema"]["$ref"].rsplit("/", 1)[1]]["properties"]
    for key, kind in _nested().items():
        description = params[key]["description"]
        assert description.startswith(loader.root()["properties"][key]["description"])
        assert re.search(rf"`{re.escape(key)}\[{'0' if kind == 'array' else '[a-z_]+'}\][^`]*=[^`]+`", description), \
            description


def test_security_bearer_or_basic():
    doc = document()
    schemes = doc["components"]["securitySchemes"]
    assert {(s["type"], s["scheme"]) for s in schemes.values()} == {("http", "bearer"), ("http", "basic")}
    # Stripe's own description names them so: the document can join it without a clash.
    assert set(schemes) == {"bearerAuth", "basicAuth"}
    # Either one: two requirement objects, one scheme each.
    assert sorted(doc["paths"][PATH][METHOD]["security"], key=str) == [{"basicAuth": []}, {"bearerAuth": []}]
    assert "security" not in doc  # on the operation only: the document can join another one
    # openapi-spec-validator does not check that a requirement names a declared scheme: this test does.
    assert {name for entry in doc["paths"][PATH][METHOD]["security"] for name in entry} <= set(schemes)


def test_components_are_plain_schemas_with_local_refs():
    schemas = components()
    text = json.dumps(schemas)
    assert '"$id"' not in text and '"x-' not in text
    refs = list(_refs(schemas))
    assert refs and all(ref.startswith("#/components/schemas/") for ref in refs)
    assert {ref.split("/")[3] for ref in refs} <= set(schemas)


def _refs(value):
    if isinstance(value, dict):
        if isinstance(value.get("$ref"), str):
            yield value["$ref"]
        for item in value.values():
            yield from _refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _refs(item)


def test_cli_openapi_prints_the_document():
    run = subprocess.run([sys.executable, "-m", "validator", "openapi"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == document()
