"""The bundle: one self-contained file, our schemas unchanged but for ``x-`` keywords and type unions."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import version
from urllib.parse import urljoin

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

import validator
from validator import loader, openapi
from validator.bundle import EXTENSIONS, bundle, split_unions, strip_extensions
from validator.errors import Unsupported


def _subschemas(schema, base=""):
    """Every subschema with the base URI its refs resolve against."""
    stack = [(schema, base)]
    while stack:
        current, base = stack.pop()
        if isinstance(current, dict):
            base = urljoin(base, current.get("$id", ""))
            yield current, base
            stack.extend((sub, base) for sub in DRAFT202012.subresources_of(current))


def test_bundle_is_a_valid_2020_12_schema():
    Draft202012Validator.check_schema(bundle())


def test_every_ref_resolves_inside_the_bundle_alone():
    document = bundle()
    # The default retrieve function refuses: nothing outside the document exists.
    registry = Registry().with_resource(document["$id"], Resource.from_contents(document)).crawl()
    refs = [(base, sub["$ref"]) for sub, base in _subschemas(document) if "$ref" in sub]
    assert len(refs) >= 10
    for base, ref in refs:
        registry.resolver(base).lookup(ref)


def test_bundle_embeds_every_resource_whole_without_extensions():
    root_id = loader.root_id()
    stripped = {uri: strip_extensions(s) for uri, s in loader.contents().items()}
    for document, expected in ((bundle(portable=False), stripped), (bundle(), split_unions(stripped))):
        assert document["$id"] == root_id
        embedded = {uri: schema for uri, schema in document["$defs"].items() if uri != root_id}
        assert embedded == {uri: schema for uri, schema in expected.items() if uri != root_id}
        assert {k: v for k, v in document.items() if k != "$defs"} == {
            k: v for k, v in expected[root_id].items() if k != "$defs"}
    document = bundle()
    keywords = {key for sub, _ in _subschemas(document) for key in sub}
    assert not [key for key in keywords if key.startswith("x-")]
    # ...while the sources do use them, so stripping is tested, not vacuous.
    used = {key for s in loader.contents().values() for sub, _ in _subschemas(s) for key in sub}
    assert used & set(EXTENSIONS)


def _unions(schema):
    return [sub for sub, _ in _subschemas(schema)
            if isinstance(sub.get("type"), list) and len(set(sub["type"]) - {"null"}) > 1]


def test_type_unions_are_written_as_any_of_in_the_bundle():
    # The sources have one (an id, an expanded object or null), so the split is exercised.
    sources = [sub for schema in loader.contents().values() for sub in _unions(schema)]
    assert sources
    assert _unions(bundle()) == [] and _unions(bundle(portable=False))
    for source in sources:
        split = split_unions({"urn:x": source})["urn:x"]
        assert "type" not in split
        assert [branch["type"] for branch in split["anyOf"]] == source["type"]
        # Keywords about one type go into that type's branch; annotations stay put.
        for branch in split["anyOf"]:
            if branch["type"] == "object":
                assert branch["properties"] == source["properties"]
                assert branch["required"] == source.get("required", branch.get("required"))
            else:
                assert set(branch) == {"type"}
        assert split["description"] == source["description"]


def test_split_keeps_an_existing_any_of_and_refuses_to_move_a_ref_target():
    split = split_unions({"urn:x": {"type": ["string", "integer"], "maximum": 3, "anyOf": [{"const": "a"}, {"const": 1}]}})
    assert split["urn:x"] == {"anyOf": [{"const": "a"}, {"const": 1}],
                              "allOf": [{"anyOf": [{"type": "string"}, {"type": "integer", "maximum": 3}]}]}
    resources = {"urn:a": {"properties": {"v": {"type": ["string", "object"], "properties": {"w": {}}}}},
                 "urn:b": {"$ref": "urn:a#/properties/v/properties/w"}}
    with pytest.raises(Unsupported, match="moves") as moved:
        split_unions(resources)
    with pytest.raises(Unsupported, match="unevaluated") as beside:
        split_unions({"urn:x": {"type": ["string", "object"], "unevaluatedProperties": False}})
    # One class for what bundling and the OpenAPI split refuse: the library's base, still a ValueError.
    for raised in (moved, beside):
        assert isinstance(raised.value, validator.Error) and isinstance(raised.value, ValueError)
    assert openapi.Unsupported is Unsupported


def test_bundle_calls_do_not_share_state():
    first = bundle()
    first["$defs"].clear()
    assert bundle()["$defs"]


def test_cli_bundle_prints_the_bundle():
    run = subprocess.run([sys.executable, "-m", "validator", "bundle"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == bundle()


def test_why_not_jsonschema_rs_bundle():
    """jsonschema-rs's bundle loses fragment refs into another file (validator/bundle.py says why it matters).

    If a release fixes it, this test skips with a note instead of failing.
    """
    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    other = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "https://example.test/b.json",
             "$defs": {"x": {"type": "string"}, "y": {"type": "integer"}}}
    root = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "https://example.test/a.json",
            "type": "object",
            "properties": {"x": {"$ref": "b.json#/$defs/x"}, "y": {"$ref": "b.json#/$defs/y"}}}
    bundled = jsonschema_rs.bundle(root, registry=jsonschema_rs.Registry([(other["$id"], other)]))
    try:
        engine = jsonschema_rs.validator_for(bundled, offline=True)
    except ValueError as exc:
        assert "/$defs/" in str(exc)
        return
    # It compiled: then it must at least be right before we would switch to it.
    assert engine.is_valid({"x": "a", "y": 1})
    assert not engine.is_valid({"x": 1}) and not engine.is_valid({"y": "a"})
    pytest.skip(f"jsonschema-rs {version('jsonschema-rs')} bundles fragment refs correctly now: "
                "validator/bundle.py could use it")
