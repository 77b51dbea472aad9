"""Mutation testing of the test suite: break the schemas on purpose, see which tests notice.

Each mutation is one deliberate edit of one schema file, of two kinds.
Removals weaken: an enum value dropped, a titled ``allOf`` rule removed,
``additionalProperties: false`` removed, a required name dropped, a
``maximum`` removed, ``null`` dropped from a type that allows it.
Inventions state what no document says, the way a careful maintainer would
(descriptions and ``x-enumDescriptions`` included): an enum value added,
``integer`` widened to ``number``, a default changed to another legal value,
a limit moved (raised and lowered) or made up (a ``minimum``, a
``minLength``), ``null`` allowed (in the type, and in the enum if there is
one), a new optional param.  A ``null`` beside other values or types is set
aside when choosing what to invent (a nullable enum gains a string value, a
nullable string a ``minLength``).  The mutations are
found by walking the schema files, so nothing here names a param.  For each
one the repository is copied to a temporary folder, the copy's schema file
is edited, and pytest runs there; the tests that fail are the ones that
caught it.  The real schema files are never touched.

    python tools/schema_mutations.py                      # the property tests
    python tools/schema_mutations.py -j 2 -- tests/       # the whole suite, two runs at a time
    python tools/schema_mutations.py -j 2 --ignore-freshness --markdown -- tests/
    python tools/schema_mutations.py -k customer-session.json -k error.json --list   # the response files' mutations

A freshness test (the checked-in docs equal the docs generated now) fails
for almost any edit, whether or not anything checks the edit's meaning:
``--ignore-freshness`` does not count it as catching anything (it is still
listed).  ``--markdown`` ends with a table for the README.

Exit 0 when every mutation was caught by at least one (counted) test, 1
otherwise, 2 when the tests fail on the unchanged schemas.
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
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from urllib.parse import urljoin

ROOT = Path(__file__).resolve().parent.parent
COPIED = ("schemas", "validator", "tests", "docs", "README.md", "CHANGELOG.md", "pyproject.toml")
_NAME_MAPS = ("properties", "patternProperties", "$defs")
_SUBSCHEMA = ("items", "not", "if", "then", "else", "additionalProperties")
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
# Tests that compare a checked-in generated file with what is generated now:
# they fail on any edit, so they show nothing about the edit's meaning.
FRESHNESS = ("tests/test_docs.py::test_reference_file_is_fresh",)
# What an invention adds: a value, a param and a limit that no document has.
_INVENTED_VALUE = "sometimes"
_INVENTED_PARAM = "invented_option"
_INVENTED_MINIMUM = 1
_INVENTED_MIN_LENGTH = 1


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


def _documents(schema_dir: Path) -> dict:
    """Every schema document by its ``$id``."""
    found = {}
    for path in sorted(schema_dir.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        found[document["$id"]] = document
    return found


def _merged(node: dict, base: str, documents: dict) -> dict:
    """`node` with its ``$ref`` chain folded in (use-site keywords win), to read what a value may be."""
    merged = dict(node)
    while "$ref" in merged:
        uri, _, fragment = urljoin(base, merged.pop("$ref")).partition("#")
        target = _resolve(documents[uri], fragment)
        merged, base = {**target, **merged}, uri
    merged["$base"] = base
    return merged


def _another_default(node: dict, base: str, documents: dict):
    """A value the param also accepts, other than its default: what a wrong documented default would look like."""
    merged = _merged(node, base, documents)
    default = merged["default"]
    if isinstance(default, bool):
        return not default
    if isinstance(default, int):
        return default - 1 if default + 1 > merged.get("maximum", float("inf")) else default + 1
    if isinstance(default, list):
        items = _merged(merged.get("items", {}), merged["$base"], documents)
        extra = [v for v in items.get("enum", ()) if v not in default]
        return default + extra[:1] if extra else default[1:] if default else None
    if isinstance(default, str):
        other = [v for v in merged.get("enum", ()) if v != default]
        return other[0] if other else default + "_" if "enum" not in merged else None
    return None


def _invent_value(values: list):
    """A value of the same JSON type as an enum's values that it does not have (a null among them aside)."""
    values = [v for v in values if v is not None]
    if not values:
        return None
    if all(isinstance(v, str) for v in values):
        value = _INVENTED_VALUE
        while value in values:
            value += "_"
        return value
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return max(values) + 1
    return None


def _add_enum_value(node: dict, value) -> None:
    node["enum"].append(value)
    if isinstance(node.get("x-enumDescriptions"), dict):
        node["x-enumDescriptions"][value] = "A value no document mentions."


def _widen(node: dict, narrow: str, wide: str) -> None:
    declared = node["type"]
    node["type"] = wide if declared == narrow else [wide if t == narrow else t for t in declared]


def _drop_null(node: dict) -> None:
    node["type"] = [t for t in node["type"] if t != "null"]
    if len(node["type"]) == 1:
        node["type"] = node["type"][0]


def _add_null(node: dict) -> None:
    declared = node["type"]
    node["type"] = [*([declared] if isinstance(declared, str) else declared), "null"]
    if "enum" in node:
        node["enum"].append(None)  # else the enum would still refuse the null the type lets in


def _add_param(node: dict) -> None:
    name = _INVENTED_PARAM
    while name in node["properties"]:
        name += "_"
    node["properties"][name] = {"type": "boolean", "description": "Boolean, optional. A param no document mentions."}


def _types(node: dict) -> set:
    declared = node.get("type", ())
    return {declared} if isinstance(declared, str) else set(declared)


def mutations(schema_dir: Path):
    """``(file name, kind, description, edit)``: kind is removal or invention; each edit changes a parsed document in place."""
    documents = _documents(schema_dir)
    for path in sorted(schema_dir.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        base = document["$id"]
        for pointer, node in _schemas(document):
            if "/allOf/" in pointer:
                continue  # inside a rule: the rule as a whole is removed instead
            at = pointer or "/"

            def edit(change, pointer=pointer):
                return lambda doc: change(_resolve(doc, pointer))

            def removal(description, change):
                return path.name, "removal", f"{at}: {description}", edit(change)

            def invention(description, change):
                return path.name, "invention", f"{at}: {description}", edit(change)

            for value in node.get("enum", ()):
                yield removal(f"enum value {value!r} dropped", lambda n, value=value: n["enum"].remove(value))
            for index, entry in enumerate(node.get("allOf", ())):
                if isinstance(entry, dict) and "title" in entry:
                    yield removal(f"rule {entry['title']!r} removed", lambda n, entry=entry: _remove_rule(n, entry))
            if node.get("additionalProperties") is False:
                yield removal("additionalProperties false removed", lambda n: n.pop("additionalProperties"))
            for name in node.get("required", ()):
                yield removal(f"{name!r} no longer required", lambda n, name=name: n["required"].remove(name))
            if "maximum" in node:
                yield removal("maximum removed", lambda n: n.pop("maximum"))
            if "null" in _types(node) and len(_types(node)) > 1:
                yield removal("null no longer allowed", _drop_null)

            invented = _invent_value(node["enum"]) if node.get("enum") else None
            if invented is not None:
                yield invention(f"enum value {invented!r} added", lambda n, v=invented: _add_enum_value(n, v))
            if "integer" in _types(node):
                yield invention("integer widened to number", lambda n: _widen(n, "integer", "number"))
            if "default" in node:
                other = _another_default(node, base, documents)
                if other is not None:
                    yield invention(f"default {node['default']!r} changed to {other!r}",
                                    lambda n, other=other: n.__setitem__("default", other))
            for keyword in ("maximum", "minimum", "exclusiveMaximum", "exclusiveMinimum",
                            "maxLength", "minLength", "maxItems", "minItems"):
                if isinstance(node.get(keyword), int):
                    for step, word in ((1, "raised"), (-1, "lowered")):
                        moved = node[keyword] + step
                        yield invention(f"{keyword} {word} to {moved}",
                                        lambda n, k=keyword, moved=moved: n.__setitem__(k, moved))
            if _types(node) & {"integer", "number"} and "minimum" not in node and "exclusiveMinimum" not in node:
                yield invention(f"minimum {_INVENTED_MINIMUM} added",
                                lambda n: n.__setitem__("minimum", _INVENTED_MINIMUM))
            if "type" in node and "null" not in _types(node) and "const" not in node:
                yield invention("null allowed", _add_null)
            if _types(node) - {"null"} == {"string"} and "enum" not in node and "minLength" not in node:
                yield invention(f"minLength {_INVENTED_MIN_LENGTH} added",
                                lambda n: n.__setitem__("minLength", _INVENTED_MIN_LENGTH))
            if isinstance(node.get("properties"), dict) and "object" in _types(node):
                yield invention("new optional param added", _add_param)


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
            target.write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")
        (work / "_schema_mutation_plugin.py").write_text(_PLUGIN, encoding="utf-8")
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-rfE", "-p", "no:cacheprovider",
             "-p", "_schema_mutation_plugin", *pytest_args],
            cwd=work, capture_output=True, text=True,
            env={**os.environ, "HYPOTHESIS_PROFILE": "schema-mutation"},
        )
    failed = sorted(set(re.findall(r"^(?:FAILED|ERROR) (\S+)", result.stdout, re.MULTILINE)))
    return [name.split(" ")[0] for name in failed] or (
        [f"(pytest exit {result.returncode})"] if result.returncode not in (0, 5) else [])


def _short(test_id: str) -> str:
    """``tests/test_x.py::test_y[param]`` as ``test_x.py::test_y``: one name per test function.

    (pytest's summary line cuts a parametrized id at its first space, so the
    closing bracket may be missing.)
    """
    file_part, sep, name = test_id.partition("::")
    return file_part.rsplit("/", 1)[-1] + sep + re.sub(r"\[.*$", "", name)


def _names(tests) -> list:
    return sorted(dict.fromkeys(map(_short, tests)))


def _markdown(found, outcomes, ignored) -> str:
    """The README table: each invention and each required name dropped get a row; other removals a count."""
    rows = ["| mutation | caught by |", "|---|---|"]
    others = {}
    for (file_name, kind, description, _), failed in zip(found, outcomes):
        counted = [t for t in failed if t not in ignored]
        if kind == "invention" or "no longer required" in description:
            caught = ", ".join(f"`{name}`" for name in _names(counted)) or "**survived**"
            rows.append(f"| `{file_name}` {description.replace('|', '/')} | {caught} |")
        else:
            what = re.sub(r"^.*?: ", "", description)
            what = re.sub(r"'[^']*'", "…", what)
            total, caught = others.get(what, (0, 0))
            others[what] = (total + 1, caught + bool(counted))
    for what, (total, caught) in sorted(others.items()):
        rows.append(f"| {what} (each of {total}) | {caught} of {total} caught |")
    return "\n".join(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-j", "--jobs", type=int, default=1, help="pytest runs at a time (default 1)")
    parser.add_argument("-k", "--only", action="append", default=[],
                        help="run only mutations whose file name and description contain this text "
                             "(repeat it: a mutation matching any of them runs)")
    parser.add_argument("--kind", choices=("removal", "invention"), help="run only mutations of this kind")
    parser.add_argument("--ignore-freshness", action="store_true",
                        help=f"a failure of {', '.join(FRESHNESS)} does not count as catching a mutation")
    parser.add_argument("--markdown", action="store_true", help="end with a Markdown table of the results")
    parser.add_argument("--list", action="store_true", help="list the mutations and run nothing")
    parser.add_argument("pytest_args", nargs="*", default=["tests/test_properties.py"],
                        help="what pytest runs in each copy (default: tests/test_properties.py)")
    args = parser.parse_args(argv)

    found = [m for m in mutations(ROOT / "schemas")
             if (not args.only or any(text in f"{m[0]} {m[2]}" for text in args.only)) and args.kind in (None, m[1])]
    if args.list:
        for file_name, kind, description, _ in found:
            print(f"{kind:9} {file_name} {description}")
        return 0
    started = time.monotonic()
    # Against unchanged schemas every test must pass, or every mutation would look caught.
    baseline = _run(None, None, args.pytest_args)
    if baseline:
        print(f"the tests fail on the unchanged schemas: {', '.join(baseline)}", file=sys.stderr)
        return 2
    ignored = set(FRESHNESS) if args.ignore_freshness else set()
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = {pool.submit(_run, m[0], m[3], args.pytest_args): m for m in found}
        for done, future in enumerate(as_completed(futures), 1):
            # Progress on stderr: a whole-suite run takes a while.
            file_name, kind, description, _ = futures[future]
            counted = [t for t in future.result() if t not in ignored]
            print(f"[{done}/{len(found)} {time.monotonic() - started:.0f} s] {file_name} {description}: "
                  f"{'caught' if counted else 'SURVIVED'}", file=sys.stderr, flush=True)
        outcomes = [future.result() for future in futures]
    survived = {"removal": 0, "invention": 0}
    totals = {"removal": 0, "invention": 0}
    for (file_name, kind, description, _), failed in zip(found, outcomes):
        counted = [t for t in failed if t not in ignored]
        totals[kind] += 1
        survived[kind] += not counted
        line = "caught by: " + ", ".join(_names(counted)) if counted else "SURVIVED"
        if len(counted) < len(failed):
            line += f" (not counted: {', '.join(_names(t for t in failed if t in ignored))})"
        print(f"{kind} {file_name} {description}\n    {line}")
    for kind in ("invention", "removal"):
        if totals[kind]:
            print(f"{kind}s: {totals[kind] - survived[kind]} of {totals[kind]} caught")
    print(f"{len(found) - sum(survived.values())} of {len(found)} mutations caught"
          f"{' (freshness tests not counted)' if ignored else ''} in {time.monotonic() - started:.0f} s")
    if args.markdown:
        print()
        print(_markdown(found, outcomes, ignored))
    return 1 if any(survived.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
