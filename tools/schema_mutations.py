"""Mutation testing of the test suite: break the schemas on purpose, see which tests notice.

Each mutation is one deliberate weakening of one schema file: an enum value
dropped, a titled ``allOf`` rule removed, ``additionalProperties: false``
removed, a required name dropped, a ``maximum`` removed.  The mutations are
found by walking the schema files, so nothing here names a param.  For each
one the repository is copied to a temporary folder, the copy's schema file
is edited, and pytest runs there; the tests that fail are the ones that
caught it.  The real schema files are never touched.

    python tools/schema_mutations.py                      # the property tests
    python tools/schema_mutations.py -j 2 -- tests/       # the whole suite, two runs at a time

Exit 0 when every mutation was caught by at least one test, 1 otherwise,
2 when the tests fail on the unchanged schemas.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COPIED = ("schemas", "validator", "tests", "docs", "README.md", "CHANGELOG.md", "pyproject.toml")
_NAME_MAPS = ("properties", "patternProperties", "$defs")
_SUBSCHEMA = ("items", "not", "if", "then", "else", "additionalProperties")
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf")


def _schemas(node, pointer=""):
    """Every schema object inside `node` with its JSON pointer (property names are not keywords)."""
    if not isinstance(node, dict):
        return
    yield pointer, node
    for key, value in node.items():
        escaped = key.replace("~", "~0").replace("/", "~1")
        if key in _NAME_MAPS and isinstance(value, dict):
            for name, sub in value.items():
                yield from _schemas(sub, f"{pointer}/{escaped}/{name.replace('~', '~0').replace('/', '~1')}")
        elif key in _SUBSCHEMA:
            yield from _schemas(value, f"{pointer}/{escaped}")
        elif key in _SUBSCHEMA_LISTS and isinstance(value, list):
            for index, sub in enumerate(value):
                yield from _schemas(sub, f"{pointer}/{escaped}/{index}")


def _resolve(document, pointer):
    node = document
    for part in filter(None, pointer.split("/")):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def _remove_rule(node: dict, entry: dict) -> None:
    node["allOf"].remove(entry)
    if not node["allOf"]:
        del node["allOf"]  # an empty allOf is not a valid schema; no allOf is


def mutations(schema_dir: Path):
    """``(file name, description, edit)``: each edit changes a parsed schema document in place."""
    for path in sorted(schema_dir.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        for pointer, node in _schemas(document):
            if "/allOf/" in pointer:
                continue  # inside a rule: the rule as a whole is removed instead
            at = pointer or "/"

            def edit(change, pointer=pointer):
                return lambda doc: change(_resolve(doc, pointer))

            for value in node.get("enum", ()):
                yield path.name, f"{at}: enum value {value!r} dropped", edit(
                    lambda n, value=value: n["enum"].remove(value))
            for index, entry in enumerate(node.get("allOf", ())):
                if isinstance(entry, dict) and "title" in entry:
                    yield path.name, f"{at}: rule {entry['title']!r} removed", edit(
                        lambda n, entry=entry: _remove_rule(n, entry))
            if node.get("additionalProperties") is False:
                yield path.name, f"{at}: additionalProperties false removed", edit(
                    lambda n: n.pop("additionalProperties"))
            for name in node.get("required", ()):
                yield path.name, f"{at}: {name!r} no longer required", edit(
                    lambda n, name=name: n["required"].remove(name))
            if "maximum" in node:
                yield path.name, f"{at}: maximum removed", edit(lambda n: n.pop("maximum"))


# Loaded into each pytest run: the ci profile's examples, but a failing test
# stops at its first failure instead of shrinking it (shrinking the large
# mutant lists takes minutes, and only which tests fail matters here).
_PLUGIN = """
from hypothesis import HealthCheck, Phase, settings
settings.register_profile(
    "schema-mutation", derandomize=True, max_examples=60, database=None, deadline=None,
    suppress_health_check=[HealthCheck.too_slow], phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
"""


def _run(file_name, edit, pytest_args):
    """The tests that fail in a copy of the repository whose `file_name` schema has had `edit` applied."""
    with tempfile.TemporaryDirectory(prefix="schema-mutation-") as folder:
        work = Path(folder)
        for name in COPIED:
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(source, work / name, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy(source, work / name)
        if file_name is not None:
            target = work / "schemas" / file_name
            document = json.loads(target.read_text(encoding="utf-8"))
            edit(document)
            target.write_text(json.dumps(document, indent=2), encoding="utf-8")
        (work / "_schema_mutation_plugin.py").write_text(_PLUGIN, encoding="utf-8")
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-rfE", "-p", "no:cacheprovider",
             "-p", "_schema_mutation_plugin", *pytest_args],
            cwd=work, capture_output=True, text=True,
            env={**os.environ, "HYPOTHESIS_PROFILE": "schema-mutation"},
        )
    failed = sorted(set(re.findall(r"^(?:FAILED|ERROR) (\S+)", result.stdout, re.MULTILINE)))
    return [name.split("::", 1)[-1].split(" ")[0] for name in failed] or (
        [f"(pytest exit {result.returncode})"] if result.returncode not in (0, 5) else [])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-j", "--jobs", type=int, default=1, help="pytest runs at a time (default 1)")
    parser.add_argument("-k", "--only", default="", help="run only mutations whose description contains this text")
    parser.add_argument("pytest_args", nargs="*", default=["tests/test_properties.py"],
                        help="what pytest runs in each copy (default: tests/test_properties.py)")
    args = parser.parse_args(argv)

    # Against unchanged schemas every test must pass, or every mutation would look caught.
    baseline = _run(None, None, args.pytest_args)
    if baseline:
        print(f"the tests fail on the unchanged schemas: {', '.join(baseline)}", file=sys.stderr)
        return 2
    found = [m for m in mutations(ROOT / "schemas") if args.only in f"{m[0]} {m[1]}"]
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        outcomes = list(pool.map(lambda m: _run(m[0], m[2], args.pytest_args), found))
    survived = 0
    for (file_name, description, _), failed in zip(found, outcomes):
        survived += not failed
        print(f"{file_name} {description}\n    {'caught by: ' + ', '.join(failed) if failed else 'SURVIVED'}")
    print(f"{len(found) - survived} of {len(found)} mutations caught")
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())
