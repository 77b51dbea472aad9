"""The schema files: where they live, loaded once, and how to walk them.

This is the one module that knows where ``schemas/`` is.  Everything else
reads the schemas through the functions here.
"""

from __future__ import annotations

import functools
import json
import os
from urllib.parse import unquote, urljoin

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing at start (type checkers read it so)
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping
    from pathlib import Path
    from typing import Any, TypeVar

    from referencing import Registry

    _Forget = TypeVar("_Forget", bound=Callable[[], object])
    #: A param's position: keys and array indices from the payload down (array items as 0 in the schemas).
    from .errors import Path as _Path

#: The file holding the root schema of the create params.
ROOT_FILE = "create-params.json"
#: The file holding the schema of what the endpoint returns: the Customer Session object.
RESPONSE_FILE = "customer-session.json"
#: The file holding the schema of Stripe's error body.
ERROR_FILE = "error.json"

_HERE = os.path.dirname(os.path.realpath(__file__))
# Installed wheels carry the schemas inside the package; a source checkout
# keeps them beside it, at the top of the repository.
_SCHEMAS = next(
    (path for path in (os.path.join(_HERE, "schemas"), os.path.join(os.path.dirname(_HERE), "schemas"))
     if os.path.isfile(os.path.join(path, ROOT_FILE))),
    os.path.join(_HERE, "schemas"),
)


def __getattr__(name: str) -> Path:
    # SCHEMA_DIR, the folder as a pathlib.Path, is made when asked for: importing
    # pathlib costs a process checking one payload a millisecond it need not pay.
    if name == "SCHEMA_DIR":
        from pathlib import Path

        return Path(_SCHEMAS)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_RESETS: list[Callable[[], object]] = []


def on_reset(forget: _Forget) -> _Forget:
    """Register `forget` (no arguments) to be called by `reset`: for what is derived from the schema files."""
    _RESETS.append(forget)
    return forget


def reset() -> None:
    """Forget everything read or derived from the schema files, here and in every module that registered
    with `on_reset`; the next use reads them again (tests point SCHEMA_DIR at a changed copy)."""
    for cached in (contents, root_id, api_version, registry, lookup, nodes, depth, secrets, rules):
        cached.cache_clear()
    for forget in _RESETS:
        forget()


def _folder() -> str:
    """The schema folder; a SCHEMA_DIR set on this module (tests use a copy) wins."""
    folder: str | os.PathLike[str] = globals().get("SCHEMA_DIR", _SCHEMAS)
    return os.fspath(folder)


def _read(name: str) -> dict[str, Any]:
    with open(os.path.join(_folder(), name), encoding="utf-8") as handle:
        schema: dict[str, Any] = json.load(handle)  # a schema file holds one object, with an ``$id``
    return schema


@functools.cache
def contents() -> dict[str, dict[str, Any]]:
    """Every schema resource, by its ``$id``, in file-name order.  Shared: never mutate."""
    resources: dict[str, dict[str, Any]] = {}
    for name in sorted(name for name in os.listdir(_folder()) if name.endswith(".json")):
        schema = _read(name)
        resources[schema["$id"]] = schema
    return resources


@functools.cache
def root_id(name: str = ROOT_FILE) -> str:
    """The ``$id`` of the schema file `name` (by default the create params)."""
    found: str = _read(name)["$id"]
    return found


@functools.cache
def api_version() -> str:
    """The Stripe API version the schemas describe: the root's ``x-stripeApiVersion``, stated once."""
    found: str = root()["x-stripeApiVersion"]
    return found


def root(name: str = ROOT_FILE) -> dict[str, Any]:
    """The root schema `name` as loaded (shared: never mutate)."""
    return contents()[root_id(name)]


def schema(name: str = ROOT_FILE) -> dict[str, Any]:
    """A private deep copy of the root schema `name`, for callers to keep or change."""
    import copy

    return copy.deepcopy(root(name))


@functools.cache
def registry() -> Registry[Any]:
    """A `referencing.Registry` holding every schema resource; resolves offline only.

    It keeps referencing's default retrieval, which already refuses to fetch
    anything, so that any other registry can ``combine`` with it
    (``Registry.combine`` refuses two registries with different retrieval
    functions, and lets only the default one through).
    """
    from referencing import Registry, Resource

    resources = [(uri, Resource.from_contents(schema)) for uri, schema in contents().items()]
    return Registry().with_resources(resources).crawl()


@functools.cache
def lookup(ref: str, base: str) -> tuple[dict[str, Any], str]:
    """The schema a ``$ref`` points to, and the base URI for refs inside it.

    Resolved here rather than through `referencing` so that checking a
    payload never pays for importing it: a ref is a URI relative to `base`,
    naming a resource by its ``$id``, with an optional JSON Pointer fragment.
    The schemas use nothing more (no anchors, no ``$dynamicRef``); a test
    checks that every ref resolves here exactly as `referencing` resolves it.
    """
    uri, _, fragment = urljoin(base, ref).partition("#")
    target: Any = contents()[uri]  # a JSON value on the way; a schema (an object) at the end
    for token in unquote(fragment).split("/")[1:] if fragment else ():
        token = token.replace("~1", "/").replace("~0", "~")
        target = target[int(token)] if isinstance(target, list) else target[token]
    return target, uri


def node(schema: Mapping[str, Any], base: str) -> tuple[dict[str, Any], str]:
    """`schema` with its ``$ref`` chain folded in: use-site keywords win.

    Returns the merged keywords and the base URI for refs inside them.
    """
    merged = dict(schema)
    while "$ref" in merged:
        target, base = lookup(merged.pop("$ref"), base)
        merged = {**target, **merged}
    return merged, base


def children(schema: Mapping[str, Any], base: str) -> Iterator[tuple[str | None, dict[str, Any], str]]:
    """The params directly under a schema node: ``(key, node, base)``; key None is an array item."""
    merged, base = node(schema, base)
    for key, sub in merged.get("properties", {}).items():
        yield (key, *node(sub, base))
    if isinstance(merged.get("items"), dict):
        yield (None, *node(merged["items"], base))


def generic(path: Iterable[str | int]) -> _Path:
    """The schema's name for a payload path: every array index becomes 0 (the key `walk` gives items)."""
    return tuple(0 if isinstance(part, int) else part for part in path)


def at(path: Iterable[str | int], name: str = ROOT_FILE) -> dict[str, Any] | None:
    """The merged schema node for a param path under root `name`, or None if no schema describes it.

    Shared (cached): never mutate it.
    """
    return nodes(name).get(generic(path))


@functools.cache
def nodes(name: str = ROOT_FILE) -> dict[_Path, dict[str, Any]]:
    """``{path: merged node}`` for every param under root `name`, in `walk` order.  Shared: never mutate it."""
    return dict(walk(name))


def types(node: Mapping[str, Any]) -> frozenset[str]:
    """The JSON types a schema node allows (``type`` as a string or a list; none stated: empty)."""
    declared = node.get("type", ())
    return frozenset([declared] if isinstance(declared, str) else declared)


def walk(name: str = ROOT_FILE) -> Iterator[tuple[_Path, dict[str, Any]]]:
    """Every param the root schema `name` describes: ``(path, node)`` in schema order, depth first.

    Array items appear with the index ``0`` standing for any index.
    """
    stack: list[tuple[_Path, dict[str, Any], str]] = [((), *node(root(name), root_id(name)))]
    while stack:
        path, current, base = stack.pop()
        yield path, current
        found = [(path + (0 if key is None else key,), sub, sub_base) for key, sub, sub_base in children(current, base)]
        stack.extend(reversed(found))


@functools.cache
def depth(name: str = ROOT_FILE) -> int:
    """How deep into a payload the root schema `name` looks: the longest param path.

    Below this depth no keyword examines a value, so checks may stop there.
    The schemas are not recursive (a test holds this), so the walk ends.
    """
    return max(len(path) for path, _ in walk(name))


@functools.cache
def secrets(name: str = ROOT_FILE) -> frozenset[_Path]:
    """The param paths (array items as 0) whose values are secret (``x-secret``): never quoted."""
    return frozenset(path for path, found in walk(name) if found.get("x-secret") is True)


@functools.cache
def rules() -> dict[int, dict[str, Any]]:
    """Every titled ``allOf`` entry (a documented rule), keyed by the id() of each dict inside it.

    An error raised anywhere inside a rule finds the rule in one lookup.
    """
    found: dict[int, dict[str, Any]] = {}

    def inside(value: Any, rule: dict[str, Any]) -> None:
        stack = [value]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                found[id(item)] = rule
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)

    stack: list[Any] = list(contents().values())
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
