"""The bundle, in every engine another service might use, gives our verdicts; so does the OpenAPI body.

The corpus: the example folders, the schemas' own examples, payloads
generated from the schemas and one-step mutants of each (tests/one_step.py).
Each engine sees the whole corpus in one batch (tests/engines.py).
"""

from __future__ import annotations

import copy
import functools
import json
import re
from pathlib import Path

import pytest
from hypothesis import Phase, given, settings

import engines
import validator
from one_step import mutants
from schema_data import payloads
from validator import loader
from validator.bundle import bundle

EXAMPLES = Path(__file__).parent / "examples"


def _examples() -> list:
    found = [json.loads(path.read_text()) for path in sorted((EXAMPLES / "valid").glob("*.json"))]
    found += [json.loads(path.read_text())["params"] for path in sorted((EXAMPLES / "invalid").glob("*.json"))]
    return found + _schema_examples()


def _schema_examples() -> list:
    """Each ``examples`` value in the schemas, put in its place inside the root's first example."""
    base = loader.root().get("examples", [{}])[0]
    found = [copy.deepcopy(base)]
    for path, node in loader.walk():
        if not path or any(isinstance(part, int) for part in path):
            continue
        for example in node.get("examples", ()):
            payload = copy.deepcopy(base)
            parent = payload
            for part in path[:-1]:
                parent = parent.setdefault(part, {})
            parent[path[-1]] = copy.deepcopy(example)
            found.append(payload)
    return found


@functools.cache
def _generated() -> list:
    seen = []

    @settings(max_examples=max(10, settings.default.max_examples // 4), phases=[Phase.generate], database=None)
    @given(payloads())
    def collect(payload):
        seen.append(payload)

    collect()
    return seen


@functools.cache
def corpus() -> tuple[list, list[bool]]:
    """Distinct instances and the project's verdict on each."""
    instances, keys = [], set()
    for payload in _examples() + [m for p in _generated() + _examples() for m in [p, *mutants(p)]]:
        key = json.dumps(payload, sort_keys=True)
        if key not in keys:
            keys.add(key)
            instances.append(payload)
    return instances, [validator.is_valid(instance) for instance in instances]


def _disagreements(verdicts):
    instances, expected = corpus()
    assert len(verdicts) == len(instances)
    return [(json.dumps(i)[:300], e, g) for i, e, g in zip(instances, expected, verdicts, strict=True) if e != g]


def test_corpus_has_both_verdicts():
    instances, expected = corpus()
    assert sum(expected) >= 20 and expected.count(False) >= 100, (sum(expected), len(expected))


def test_python_jsonschema():
    assert _disagreements(engines.stock(bundle(), corpus()[0])) == []


def test_jsonschema_rs():
    assert _disagreements(engines.rust(bundle(), corpus()[0])) == []


def test_check_jsonschema_cli():
    assert _disagreements(engines.check_jsonschema(bundle(), corpus()[0])) == []


def test_ajv_is_pinned_by_a_lockfile_that_records_no_download_address():
    """Every machine installs the same ajv (``npm ci``), from whatever registry it is configured with."""
    package = json.loads((engines.NODE_DIR / "package.json").read_text())
    lock = json.loads((engines.NODE_DIR / "package-lock.json").read_text())
    assert lock["packages"][""]["dependencies"] == package["dependencies"], "package-lock.json is stale: npm install"
    for name, spec in package["dependencies"].items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", spec), f"{name} is not pinned to one version: {spec!r}"
        assert lock["packages"][f"node_modules/{name}"]["version"] == spec
    for where, entry in lock["packages"].items():
        if where:
            assert "resolved" not in entry, f"package-lock.json records where {where} was downloaded from"
            assert entry.get("integrity", "").startswith("sha512-"), f"{where} has no integrity hash"


@pytest.mark.skipif(engines.node() is None, reason="node is not installed: ajv cannot run here")
def test_ajv_default_strict():
    verdicts, warnings = engines.ajv(bundle(), corpus()[0])
    assert warnings == []
    assert _disagreements(verdicts) == []


def test_openapi_request_body():
    from validator.openapi import document

    assert _disagreements(engines.openapi_body(document(), corpus()[0])) == []
