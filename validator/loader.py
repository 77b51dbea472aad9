"""The schema files: where they live, loaded once, and how to walk them.

This is the one module that knows where ``schemas/`` is.  Everything else
reads the schemas through the functions here.
"""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path

#: The file holding the root schema: the create params themselves.
ROOT_FILE = "create-params.json"

_HERE = Path(__file__).resolve().parent
# Installed wheels carry the schemas inside the package; a source checkout
# keeps them beside it, at the top of the repository.
SCHEMA_DIR = next(
    (path for path in (_HERE / "schemas", _HERE.parent / "schemas") if (path / ROOT_FILE).is_file()),
    _HERE / "schemas",
)


@functools.cache
def contents() -> dict[str, dict]:
    """Every schema resource, by its ``$id``, in file-name order.  Shared: never mutate."""
    resources = {}
    for path in sorted(SCHEMA_DIR.glob("*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        resources[schema["$id"]] = schema
    return resources


@functools.cache
def root_id() -> str:
    return json.loads((SCHEMA_DIR / ROOT_FILE).read_text(encoding="utf-8"))["$id"]


def root() -> dict:
    """The root schema as loaded (shared: never mutate)."""
    return contents()[root_id()]


def schema() -> dict:
    """A private deep copy of the root schema, for callers to keep or change."""
    return copy.deepcopy(root())


def _refuse(uri: str):
    import referencing.exceptions

    # Nothing is ever fetched: an unknown URI is an error, not a download.
    raise referencing.exceptions.NoSuchResource(ref=uri)


@functools.cache
def registry():
    """A `referencing.Registry` holding every schema resource; resolves offline only."""
    from referencing import Registry, Resource

    resources = [(uri, Resource.from_contents(schema)) for uri, schema in contents().items()]
    return Registry(retrieve=_refuse).with_resources(resources).crawl()


@functools.cache
def resolver():
    return registry().resolver(base_uri=root_id())


def node(schema: dict, resolver_) -> tuple[dict, object]:
    """`schema` with its ``$ref`` chain folded in: use-site keywords win.

    Returns the merged keywords and the resolver to use for refs inside them.
    """
    merged = dict(schema)
    while "$ref" in merged:
        resolved = resolver_.lookup(merged.pop("$ref"))
        resolver_ = resolved.resolver
        merged = {**resolved.contents, **merged}
    return merged, resolver_


def children(schema: dict, resolver_):
    """The params directly under a schema node: ``(key, node, resolver)``; key None is an array item."""
    merged, resolver_ = node(schema, resolver_)
    for key, sub in merged.get("properties", {}).items():
        yield (key, *node(sub, resolver_))
    if isinstance(merged.get("items"), dict):
        yield (None, *node(merged["items"], resolver_))


def at(path) -> dict | None:
    """The merged schema node for a param path, or None if no schema describes it."""
    current, resolver_ = node(root(), resolver())
    for part in path:
        for key, sub, sub_resolver in children(current, resolver_):
            if key == part or (key is None and isinstance(part, int)):
                current, resolver_ = sub, sub_resolver
                break
        else:
            return None
    return current


def walk():
    """Every param the schemas describe: ``(path, node)`` in schema order, depth first.

    Array items appear with the index ``0`` standing for any index.
    """
    stack = [((), *node(root(), resolver()))]
    while stack:
        path, current, resolver_ = stack.pop()
        yield path, current
        found = [(path + (0 if key is None else key,), sub, sub_resolver) for key, sub, sub_resolver in children(current, resolver_)]
        stack.extend(reversed(found))


@functools.cache
def depth() -> int:
    """How deep into a payload the schemas look: the longest param path.

    Below this depth no keyword examines a value, so checks may stop there.
    The schemas are not recursive (a test holds this), so the walk ends.
    """
    return max(len(path) for path, _ in walk())


@functools.cache
def rules() -> dict[int, dict]:
    """Every titled ``allOf`` entry (a documented rule), keyed by the id() of each dict inside it.

    An error raised anywhere inside a rule finds the rule in one lookup.
    """
    found = {}

    def inside(value, rule):
        stack = [value]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                found[id(item)] = rule
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)

    stack = list(contents().values())
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for entry in item.get("allOf", ()):
                if isinstance(entry, dict) and "title" in entry:
                    inside(entry, entry)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found
