"""Every schema file is a well-formed, self-describing 2020-12 schema (a catalogue lint, SchemaStore-style).

Each file: valid against the 2020-12 metaschema (in three engines), declares
``$schema``, an absolute versioned ``$id`` named after the file, and a
``description``; uses no keyword outside the 2020-12 vocabularies except the
documented ``x-`` annotations in ``validator.bundle.EXTENSIONS``; refers to
the other files by relative refs that all resolve offline.
"""

from __future__ import annotations

import functools
import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from jsonschema import Draft202012Validator
from referencing.jsonschema import DRAFT202012

from validator import loader
from validator.bundle import EXTENSIONS

DIALECT = "https://json-schema.org/draft/2020-12/schema"
FILES = sorted(loader.SCHEMA_DIR.glob("*.json"))
# https://host/…/v<major>/<file>.json
VERSIONED_ID = re.compile(r"^(https://[^/?#]+/(?:[^?#]*/)?)v(\d+)/([^/?#]+\.json)$")


@functools.cache
def vocabulary() -> frozenset:
    """Every keyword of the 2020-12 vocabularies, read from the metaschemas themselves.

    The top-level metaschema's own ``properties`` (``definitions``,
    ``dependencies``, ``$recursiveRef`` …) are left out: they are there only
    for compatibility with older drafts.
    """
    from jsonschema_specifications import REGISTRY

    resolver = REGISTRY.resolver(DIALECT)
    keywords = set()
    for entry in resolver.lookup(DIALECT).contents["allOf"]:
        keywords |= set(resolver.lookup(entry["$ref"]).contents.get("properties", {}))
    return frozenset(keywords)


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _subschemas(schema, pointer=""):
    """(JSON pointer, subschema) for every schema position in a file, as referencing finds them."""
    yield pointer or "/", schema
    children = {id(sub) for sub in DRAFT202012.subresources_of(schema) if isinstance(sub, dict)}
    for key, value in schema.items():
        if id(value) in children:
            yield from _subschemas(value, f"{pointer}/{key}")
        elif isinstance(value, (dict, list)):
            for name, sub in value.items() if isinstance(value, dict) else enumerate(value):
                if id(sub) in children:
                    yield from _subschemas(sub, f"{pointer}/{key}/{name}")


def test_there_are_schema_files():
    assert len(FILES) >= 2 and (loader.SCHEMA_DIR / loader.ROOT_FILE) in FILES


def test_vocabulary_is_read_from_the_metaschema():
    assert {"$ref", "properties", "allOf", "enum", "maximum", "description", "examples"} <= vocabulary()
    assert "definitions" not in vocabulary() and "x-enumDescriptions" not in vocabulary()


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_file_header(path):
    schema = _load(path)
    assert schema.get("$schema") == DIALECT
    match = VERSIONED_ID.match(schema.get("$id", ""))
    assert match, f"$id must be https://…/v<N>/<file>.json: {schema.get('$id')!r}"
    assert match.group(3) == path.name
    assert isinstance(schema.get("description"), str) and schema["description"].strip()


def test_ids_share_one_base_and_version():
    found = {VERSIONED_ID.match(_load(path)["$id"]).group(1, 2) for path in FILES}
    assert len(found) == 1, found


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_metaschema_python(path):
    Draft202012Validator.check_schema(_load(path))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_metaschema_rust(path):
    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    jsonschema_rs.meta.validate(_load(path))


def test_metaschema_check_jsonschema_cli():
    bindir = Path(sys.executable).parent
    run = subprocess.run([str(bindir / "check-jsonschema"), "--check-metaschema", *map(str, FILES)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_no_unknown_keywords(path):
    unknown = [f"{pointer}: {key}" for pointer, sub in _subschemas(_load(path)) for key in sub
               if key not in vocabulary() and key not in EXTENSIONS]
    assert unknown == [], "not a 2020-12 keyword nor listed in validator.bundle.EXTENSIONS"


def test_extensions_are_documented_x_keywords():
    assert EXTENSIONS and all(key.startswith("x-") and text.strip() for key, text in EXTENSIONS.items())


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_refs_are_relative_and_resolve_offline(path):
    schema = _load(path)
    refs = [sub["$ref"] for _, sub in _subschemas(schema) if "$ref" in sub]
    assert not [ref for ref in refs if urlsplit(ref).scheme], "refs between our files are relative"
    resolver = loader.registry().resolver(schema["$id"])
    for ref in refs:
        resolver.lookup(ref)
        assert urldefrag(urljoin(schema["$id"], ref)).url in loader.contents()


# --- `loader.node` folds a ``$ref`` and its siblings into one dict, use-site keywords winning.
# That is right only while the siblings annotate: a sibling ``enum`` or ``maximum`` would
# replace the target's instead of adding to it, so the merged node (which mutants, docs,
# defaults and lint read) would say something other than what every engine enforces.


@functools.cache
def annotations() -> frozenset:
    """Keywords that only annotate: the 2020-12 meta-data vocabulary (read from its metaschema) and ``$comment``."""
    from jsonschema_specifications import REGISTRY

    meta_data = REGISTRY.resolver(DIALECT).lookup("https://json-schema.org/draft/2020-12/meta/meta-data")
    return frozenset(meta_data.contents["properties"]) | {"$comment"}


def ref_siblings(schema) -> list[tuple[str, str]]:
    """``(pointer, keyword)`` for every keyword beside a ``$ref`` that is neither an annotation nor ``x-``."""
    return [(pointer, key) for pointer, sub in _subschemas(schema) if "$ref" in sub
            for key in sub if key != "$ref" and key not in annotations() and not key.startswith("x-")]


def test_annotations_are_read_from_the_metaschema():
    assert {"title", "description", "default", "examples"} <= annotations()
    assert not {"enum", "type", "maximum", "required", "properties", "$ref"} & annotations()


def test_a_constraint_beside_a_ref_is_found():
    schema = {"$defs": {"t": {"type": "string"}}, "properties": {
        "fine": {"$ref": "#/$defs/t", "description": "d", "default": "a", "examples": ["b"], "x-idPrefix": "c"},
        "not_fine": {"$ref": "#/$defs/t", "title": "t", "enum": ["a"]},
        "nested": {"type": "array", "items": {"$ref": "#/$defs/t", "maxLength": 3}},
    }}
    assert ref_siblings(schema) == [("/properties/not_fine", "enum"), ("/properties/nested/items", "maxLength")]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_only_annotations_stand_beside_a_ref(path):
    found = ref_siblings(_load(path))
    assert found == [], "; ".join(
        f"{path.name}#{pointer}: {key!r} beside $ref (loader.node would let it replace the target's "
        f"{key!r}; only annotations may stand there: put it in the target)" for pointer, key in found)


# --- the expand entries and the response's expandable fields ------------------------------------
# The request's list of fields to expand (the param marked x-expansions) takes what Stripe expands
# (its expansion docs: an expandable field, or a dotted path under it, four levels at most); the
# response schema marks each expandable field x-expandable.  The rule's pattern is data in the
# request schema: it must agree with those marks.


def _expandable_fields() -> list[str]:
    """The dotted names of the response fields marked x-expandable."""
    return [".".join(path) for path, node in loader.walk(loader.RESPONSE_FILE) if "x-expandable" in node]


def _expansion_patterns() -> list[str]:
    """The patterns of the documented rules on the items of the param marked x-expansions."""
    [(path, _)] = [(path, node) for path, node in loader.walk() if node.get("x-expansions") is True]
    items = loader.at(path + (0,))
    return [rule["pattern"] for rule in items.get("allOf", ()) if "pattern" in rule]


def test_the_expand_pattern_takes_exactly_the_expandable_fields_and_paths_under_them():
    fields, [pattern] = _expandable_fields(), _expansion_patterns()
    assert fields, "the response marks no field x-expandable"
    for field in fields:
        for below in ([], ["a"], ["a", "b"], ["invoice_settings", "default_payment_method", "customer"]):
            name = ".".join([field, *below])
            assert re.search(pattern, name), name
        for name in (f"{field}.a.b.c.d", f"{field}.", f"{field}..a", f".{field}", f"{field}x", f"x{field}", ""):
            assert not re.search(pattern, name), name
    others = [key for key in loader.root(loader.RESPONSE_FILE)["properties"] if key not in fields]
    assert others and not [key for key in others if re.search(pattern, key)]


def test_the_expand_pattern_anchors_the_whole_entry_in_every_engine():
    """ECMA-262 (ajv), Rust (jsonschema-rs) and Python's re read the pattern alike on these entries."""
    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    [pattern] = _expansion_patterns()
    check = jsonschema_rs.validator_for({"type": "string", "pattern": pattern})
    for name in ("customer", "customer.a.b.c", "customer.a.b.c.d", " customer", "customer ", "a customer"):
        assert check.is_valid(name) is bool(re.search(pattern, name)), name
    # A final newline is where Python's `$` differs (it matches before it); ECMA-262 and Rust do not.
    assert not check.is_valid("customer\n")
