"""Other engines' verdicts on a schema file, batched: one process per engine, not per instance.

Each function takes a schema (a dict) and a list of instances and returns one
bool per instance.  Nothing here may reach the network: every engine is given
the schema alone, with remote retrieval off or failing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

NODE_DIR = Path(__file__).parent / "node"

# check-jsonschema takes files on its command line; stay far below ARG_MAX.
_CHUNK = 2000


def stock(schema, instances) -> list[bool]:
    """python-jsonschema, with an empty registry: a ref outside the file fails instead of fetching."""
    from jsonschema.validators import validator_for
    from referencing import Registry

    check = validator_for(schema)(schema, registry=Registry())
    return [check.is_valid(instance) for instance in instances]


def rust(schema, instances) -> list[bool]:
    import jsonschema_rs

    check = jsonschema_rs.validator_for(schema, offline=True)
    return [check.is_valid(instance) for instance in instances]


def check_jsonschema(schema, instances) -> list[bool]:
    """The check-jsonschema CLI, given ``--schemafile`` and every instance as a file."""
    here = str(Path(sys.executable).parent)
    command = shutil.which("check-jsonschema", path=here) or shutil.which("check-jsonschema")
    assert command, "check-jsonschema is a test dependency: pip install '.[test]'"
    with tempfile.TemporaryDirectory() as folder:
        schema_file = Path(folder) / "schema.json"
        schema_file.write_text(json.dumps(schema))
        names = []
        for index, instance in enumerate(instances):
            name = f"{index:06d}.json"
            (Path(folder) / name).write_text(json.dumps(instance))
            names.append(name)
        verdicts = {}
        for start in range(0, len(names), _CHUNK):
            chunk = names[start:start + _CHUNK]
            run = subprocess.run(
                [command, "--schemafile", str(schema_file), "-o", "json", "-v", *chunk],
                cwd=folder, capture_output=True, text=True, timeout=300,
            )
            assert run.returncode in (0, 1), f"check-jsonschema failed ({run.returncode}): {run.stderr[-2000:]}"
            report = json.loads(run.stdout)
            assert not report.get("parse_errors"), report["parse_errors"][:3]
            verdicts.update((name, True) for name in report.get("successes", []))
            verdicts.update((error["filename"], False) for error in report.get("errors", []))
        assert set(verdicts) == set(names), "check-jsonschema did not report on every file"
        return [verdicts[name] for name in names]


def node() -> str | None:
    return shutil.which("node")


def _pinned_ajv() -> str:
    """The exact ajv version package.json asks for (the lockfile pins the rest)."""
    return json.loads((NODE_DIR / "package.json").read_text())["dependencies"]["ajv"]


def _installed_ajv(modules: Path) -> str | None:
    manifest = modules / "ajv" / "package.json"
    return json.loads(manifest.read_text()).get("version") if manifest.is_file() else None


def ensure_ajv() -> Path:
    """The node_modules folder holding ajv, installed with ``npm ci`` on first use.

    ``npm ci`` installs exactly what package-lock.json records, so every
    machine tests against the same ajv.  The README's test command then works
    wherever node is: nothing to run by hand first.  A folder left by another
    pin is replaced.  The folder is git-ignored.
    """
    modules = NODE_DIR / "node_modules"
    if _installed_ajv(modules) != _pinned_ajv():
        npm = shutil.which("npm")
        assert npm, "node is installed but npm is not: cannot install ajv for the conformance tests"
        run = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR,
                             capture_output=True, text=True, timeout=600)
        assert run.returncode == 0 and _installed_ajv(modules) == _pinned_ajv(), (
            f"`npm ci` in {NODE_DIR} failed: {run.stderr[-2000:]}")
    return modules


def ajv(schema, instances) -> tuple[list[bool], list[str]]:
    """Ajv2020 with default options: (verdicts, strict-mode warnings)."""
    ensure_ajv()
    with tempfile.TemporaryDirectory() as folder:
        schema_file, instances_file = Path(folder) / "schema.json", Path(folder) / "instances.json"
        schema_file.write_text(json.dumps(schema))
        instances_file.write_text(json.dumps(instances))
        run = subprocess.run(
            [node(), str(NODE_DIR / "verdicts.js"), str(schema_file), str(instances_file)],
            capture_output=True, text=True, timeout=300,
        )
    assert run.returncode == 0, f"ajv refused the schema: {run.stderr[-2000:]}"
    report = json.loads(run.stdout)
    return report["verdicts"], report["warnings"]


def _operation(document) -> dict:
    (operation,) = (op for item in document["paths"].values() for op in item.values())
    return operation


def openapi_schema(document, schema, instances) -> list[bool]:
    """openapi-schema-validator (the engine of openapi-core) on one schema of an OpenAPI document.

    ``schema`` is a Schema Object taken from the document (its refs are
    ``#/…`` pointers into it); refs resolve inside the document, and nowhere else.
    """
    from openapi_schema_validator import OAS31Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    base = "urn:openapi-document"
    registry = Registry().with_resource(base, Resource(contents=document, specification=DRAFT202012))
    check = OAS31Validator({"$ref": base + schema["$ref"]}, registry=registry)
    return [check.is_valid(instance) for instance in instances]


def openapi_body(document, instances) -> list[bool]:
    """The verdicts of a one-operation document's request body schema."""
    (media,) = _operation(document)["requestBody"]["content"].values()
    return openapi_schema(document, media["schema"], instances)


def openapi_response(document, status: str, instances) -> list[bool]:
    """The verdicts of the JSON schema of one response (``"200"``, ``"default"``) of a one-operation document."""
    media = _operation(document)["responses"][status]["content"]["application/json"]
    return openapi_schema(document, media["schema"], instances)
