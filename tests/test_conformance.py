"""The bundle, in every engine another service might use, gives our verdicts; so does the OpenAPI body.

The corpus: the example folders, the schemas' own examples, payloads
generated from the schemas and one-step mutants of each (tests/one_step.py).
Each engine sees its corpus in one batch (tests/engines.py).

The fast engines (jsonschema-rs, ajv) check the whole corpus.  The slow ones
(python-jsonschema, the check-jsonschema CLI, and openapi-schema-validator,
python-jsonschema underneath) check a deterministic sample of it: every example, and the first instance of each
label not yet covered, where an instance's labels are the one-step changes
that made it (schema site and kind of change: a wrong type, an unknown key,
a key dropped, another enum member, ...) and the errors our checker gives it
(schema site and code).  `test_sample_covers_the_corpus` holds the sample to
that: no label of the corpus is missing from it, every documented rule and
every error code the corpus produces is in it.

The response object and Stripe's error body are embedded in the same
bundle: a wrapper schema reaches each by its ``$id`` inside the bundle, and
every engine must give the verdicts of our own checker for that root
(`validator.response` for the object) on a corpus of its own (the
``response`` (valid and invalid) and ``error-bodies`` example folders, the schemas'
examples, and one-step mutants of each).
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
from mutants import rules
from one_step import labelled
from schema_data import ints, payloads
from validator import loader
from validator.bundle import bundle
from validator.check import Checker
from validator import errors

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


# A label: ("change", schema site, kind) for a one-step mutant, ("error", schema site, code)
# for each error our checker gives, ("example",) for an example.
Label = tuple


def _error_labels(checker, instance) -> set[Label]:
    return {("error", loader.generic(error.path), error.code) for error in checker(instance)}


def _collect(entries, verdict, error_labels):
    """Distinct instances from ``(labels, instance)`` entries: the instances, our verdicts, each one's labels."""
    instances, labels, index = [], [], {}
    for found, instance in entries:
        key = json.dumps(instance, sort_keys=True)
        if key not in index:
            index[key] = len(instances)
            instances.append(instance)
            labels.append(set())
        labels[index[key]] |= found
    for instance, mine in zip(instances, labels):
        mine |= error_labels(instance)
    return instances, [verdict(instance) for instance in instances], labels


def _checked(labelled, sampled: bool = False) -> tuple[list, list[bool]]:
    """Instances and verdicts of a labelled corpus: all of them, or the sample's."""
    instances, expected, labels = labelled
    chosen = _sample(labels) if sampled else range(len(instances))
    return [instances[i] for i in chosen], [expected[i] for i in chosen]


def _sample(labels) -> list[int]:
    """Every example, then each instance that carries a label the sample does not have yet (in corpus order)."""
    chosen, covered = [], set()
    for position, mine in enumerate(labels):
        if ("example",) in mine or not mine <= covered:
            chosen.append(position)
            covered |= mine
    return chosen


@functools.cache
def labelled_corpus() -> tuple[list, list[bool], list[set[Label]]]:
    """Distinct instances, the project's verdict on each, and each one's labels."""
    examples = _examples()
    entries = [({("example",)}, payload) for payload in examples]
    for payload in _generated() + examples:
        entries.append((set(), payload))
        entries.extend(({("change", *label)}, mutant) for label, mutant in labelled(payload))
    return _collect(entries, _schema_verdict, functools.partial(_error_labels, _schema_errors))


def corpus() -> tuple[list, list[bool]]:
    """Distinct instances and the project's verdict on each."""
    return _checked(labelled_corpus())


def _schema_verdict(instance) -> bool:
    """Our verdict as a JSON Schema engine can give it: a whole float at an integer param (``3.0``) is the
    one wire rule JSON Schema cannot state (GUIDE §3), so no engine is expected to reject it for that."""
    return validator.is_valid(ints(instance))


def _schema_errors(instance):
    """Our errors on the instance a JSON Schema engine judges (see `_schema_verdict`)."""
    return validator.iter_errors(ints(instance))


@functools.cache
def sample() -> tuple[list, list[bool]]:
    """The part of `corpus` the slow engines check."""
    return _checked(labelled_corpus(), sampled=True)


def _disagreements(verdicts, checked=corpus):
    instances, expected = checked()
    assert len(verdicts) == len(instances)
    return [(json.dumps(i)[:300], e, g) for i, e, g in zip(instances, expected, verdicts, strict=True) if e != g]


def test_corpus_has_both_verdicts():
    instances, expected = corpus()
    assert sum(expected) >= 20 and expected.count(False) >= 100, (sum(expected), len(expected))


def _assert_sample_covers(labels, codes_needed, kinds_needed):
    """The sample has every label of the corpus, the codes and kinds of change named, and both verdicts."""
    chosen = _sample(labels)
    full = set().union(*labels)
    covered = set().union(*(labels[i] for i in chosen))
    assert full - covered == set(), f"the sample lost labels: {sorted(full - covered)[:10]}"
    codes = {label[-1] for label in covered if label[0] == "error"}
    assert codes_needed <= codes, f"no sampled instance gives {sorted(codes_needed - codes)}"
    kinds = {label[-1].split(":")[0] for label in covered if label[0] == "change"}
    assert kinds_needed <= kinds, f"no sampled instance is a change of kind {sorted(kinds_needed - kinds)}"
    assert any(label[0] == "error" for i in chosen for label in labels[i]), "no invalid instance"
    assert any(not any(label[0] == "error" for label in labels[i]) for i in chosen), "no valid instance"
    assert len(chosen) * 3 < len(labels), f"not a sample: {len(chosen)} of {len(labels)}"


def test_sample_covers_the_corpus():
    """Every change and error of the corpus is in the slow engines' sample; so is every rule and core code."""
    needed = {rule.code for rule in rules()} | {
        errors.PARAMETER_MISSING, errors.PARAMETER_UNKNOWN, errors.PARAMETER_INVALID_INTEGER,
        errors.PARAMETER_INVALID_TYPE, errors.PARAMETER_INVALID_ENUM, errors.PARAMETER_ABOVE_MAXIMUM}
    kinds = {"type", "unknown-key", "drop", "add", "enum-outside", "enum-member", "above-maximum", "int-as-float"}
    _assert_sample_covers(labelled_corpus()[2], needed, kinds)


def test_python_jsonschema():
    assert _disagreements(engines.stock(bundle(), sample()[0]), sample) == []


def test_jsonschema_rs():
    assert _disagreements(engines.rust(bundle(), corpus()[0])) == []


def test_check_jsonschema_cli():
    assert _disagreements(engines.check_jsonschema(bundle(), sample()[0]), sample) == []


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

    assert _disagreements(engines.openapi_body(document(), sample()[0]), sample) == []


# --- The response object and the error body, reached inside the bundle ---------

# Each root of the bundle other than the params, with its example instances (the response's
# invalid examples hold theirs under "response").
OTHER_ROOTS = {loader.RESPONSE_FILE: "response", loader.ERROR_FILE: "error-bodies"}


def _root_examples(folder: str) -> list:
    found = [json.loads(path.read_text()) for path in sorted((EXAMPLES / folder).rglob("*.json"))]
    return [case["response"] if "errors" in case and "response" in case else case for case in found]


def _ours(root: str):
    return validator.response.is_valid if root == loader.RESPONSE_FILE else Checker(root).is_valid


def _other_errors(instance) -> set[Label]:
    ((root, value),) = instance.items()
    checker = validator.response if root == loader.RESPONSE_FILE else Checker(root)
    return {(label[0], root, *label[1:]) for label in _error_labels(checker.iter_errors, value)}


@functools.cache
def labelled_other_corpus() -> tuple[list, list[bool], list[set[Label]]]:
    """``{root file: instance}`` for each root's examples and their one-step mutants, our verdicts, labels.

    One instance shape for both roots lets each engine check them all in one
    run, against `wrapper()`.
    """
    entries = []
    for root, folder in OTHER_ROOTS.items():
        examples = _root_examples(folder)
        examples += loader.root(root).get("examples", [])
        entries.extend(({("example",)}, {root: example}) for example in examples)
        for example in examples:
            entries.extend(({("change", root, *label)}, {root: mutant}) for label, mutant in labelled(example, root))

    def verdict(instance):
        ((root, value),) = instance.items()
        return _ours(root)(value)

    return _collect(entries, verdict, _other_errors)


def other_corpus() -> tuple[list, list[bool]]:
    return _checked(labelled_other_corpus())


@functools.cache
def other_sample() -> tuple[list, list[bool]]:
    """The part of `other_corpus` the slow engines check."""
    return _checked(labelled_other_corpus(), sampled=True)


def wrapper() -> dict:
    """A schema holding the bundle as it is, whose one property per root ``$ref``s that root's ``$id``."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {root: {"$ref": loader.root_id(root)} for root in OTHER_ROOTS},
        "additionalProperties": False,
        "minProperties": 1,
        "maxProperties": 1,
        "$defs": {"bundle": bundle()},
    }


def _other_disagreements(verdicts, checked=other_corpus):
    instances, expected = checked()
    assert len(verdicts) == len(instances)
    return [(json.dumps(i)[:300], e, g) for i, e, g in zip(instances, expected, verdicts, strict=True) if e != g]


def test_other_corpus_covers_each_root_with_both_verdicts():
    instances, expected = other_corpus()
    for root, folder in OTHER_ROOTS.items():
        mine = [verdict for instance, verdict in zip(instances, expected) if root in instance]
        assert sum(mine) >= 4 and mine.count(False) >= 20, (root, sum(mine), len(mine))
    # The documented shapes are there, valid: the reference's example and Stripe's full object.
    valid = EXAMPLES / OTHER_ROOTS[loader.RESPONSE_FILE] / "valid"
    assert {"reference-example", "openapi-shaped-full"} <= {path.stem for path in valid.glob("*.json")}
    assert all(validator.response.is_valid(json.loads(path.read_text())) for path in valid.glob("*.json"))


def test_bundle_embeds_each_root_by_its_id():
    embedded = bundle()["$defs"]
    for root in OTHER_ROOTS:
        assert embedded[loader.root_id(root)]["$id"] == loader.root_id(root)


def test_other_sample_covers_the_other_corpus():
    needed = {errors.PARAMETER_MISSING, errors.PARAMETER_INVALID_TYPE, errors.PARAMETER_INVALID_ENUM,
              errors.PARAMETER_INVALID_INTEGER}
    kinds = {"type", "unknown-key", "drop", "enum-outside", "const-other", "int-as-float"}
    _assert_sample_covers(labelled_other_corpus()[2], needed, kinds)
    assert {root for instance in other_sample()[0] for root in instance} == set(OTHER_ROOTS)


def test_other_roots_python_jsonschema():
    assert _other_disagreements(engines.stock(wrapper(), other_sample()[0]), other_sample) == []


def test_other_roots_jsonschema_rs():
    assert _other_disagreements(engines.rust(wrapper(), other_corpus()[0])) == []


def test_other_roots_check_jsonschema_cli():
    assert _other_disagreements(engines.check_jsonschema(wrapper(), other_sample()[0]), other_sample) == []


@pytest.mark.skipif(engines.node() is None, reason="node is not installed: ajv cannot run here")
def test_other_roots_ajv_default_strict():
    verdicts, warnings = engines.ajv(wrapper(), other_corpus()[0])
    assert warnings == []
    assert _other_disagreements(verdicts) == []


@pytest.mark.skipif(engines.node() is None, reason="node is not installed: ajv cannot run here")
def test_ajv_strict_warns_about_the_union_the_bundle_splits():
    """Not vacuous: with the response's type union left as written, strict ajv logs a warning."""
    as_written = {**wrapper(), "$defs": {"bundle": bundle(portable=False)}}
    _, warnings = engines.ajv(as_written, other_corpus()[0][:1])
    assert warnings and all("allowUnionTypes" in warning for warning in warnings)


def test_openapi_responses():
    """The OpenAPI document's ``200`` schema gives validator.response's verdicts; ``default``, the error body's."""
    from validator.openapi import document

    doc = document()
    instances, expected = other_sample()
    for root, status in ((loader.RESPONSE_FILE, "200"), (loader.ERROR_FILE, "default")):
        mine = [(instance[root], verdict) for instance, verdict in zip(instances, expected) if root in instance]
        verdicts = engines.openapi_response(doc, status, [instance for instance, _ in mine])
        assert [(json.dumps(i)[:300], e, g) for (i, e), g in zip(mine, verdicts, strict=True) if e != g] == []
