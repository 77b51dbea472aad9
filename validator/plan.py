"""The plan: each root schema read once into a frozen tree of `Node`s.

Everything that needs to know what the schemas say about a param -- the
fast check, lint, default filling, the stand-in's answer, form decoding,
the JSON-only copy, the explanations -- reads this tree; none of them walks
the raw schema files again.  A node holds what is stated at one param
(array items under the index 0), with ``$ref`` chains folded in
(`loader.node`): its JSON types, its properties and items as nodes, what it
requires, its default, enum and const, the secret mark, the documented
rules and lint annotations on it, and the raw merged schema for whatever
else a reader needs (docs, drift).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, Callable, Iterator, Mapping, TypeVar

from . import loader

_T = TypeVar("_T")

#: Stands for "not stated" (a default or const that the schema does not give).
MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING", "__slots__": ()})()


class Fill:
    """What filling defaults adds to an object when `key` is absent: `default`, or (`create`) an
    object built by filling its own defaults."""

    __slots__ = ("key", "default", "create")

    key: str
    default: Any
    create: bool

    def __init__(self, key: str, default: Any, create: bool) -> None:
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "default", default)
        object.__setattr__(self, "create", create)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("a Fill is immutable")


class Node:
    """What the schemas state about one param (or field).  Immutable once the plan is built."""

    __slots__ = ("root", "path", "schema", "types", "properties", "items", "required", "default", "enum",
                 "const", "secret", "closed", "rules", "lint", "id_prefix", "fills", "_frozen")

    root: str
    path: tuple[str | int, ...]
    schema: Mapping[str, Any]
    types: frozenset[str]
    properties: Mapping[str, Node]
    items: Node | None
    required: tuple[str, ...]
    default: Any
    enum: tuple[Any, ...] | None
    const: Any
    secret: bool
    closed: bool
    rules: tuple[Mapping[str, Any], ...]
    lint: tuple[Mapping[str, Any], ...]
    id_prefix: str | None
    fills: tuple[Fill, ...]
    _frozen: bool

    def __init__(self, root: str, path: tuple[str | int, ...], schema: dict[str, Any]) -> None:
        put = object.__setattr__
        put(self, "_frozen", False)
        self.root, self.path, self.schema = root, path, MappingProxyType(schema)
        self.types = loader.types(schema)
        self.properties, self.items = MappingProxyType({}), None
        self.required = tuple(schema.get("required", ())) if "object" in self.types or "properties" in schema else ()
        self.default = schema.get("default", MISSING)
        self.enum = tuple(schema["enum"]) if isinstance(schema.get("enum"), list) else None
        self.const = schema.get("const", MISSING)
        self.secret = schema.get("x-secret") is True
        self.closed = schema.get("additionalProperties", True) is False
        self.rules = tuple(entry for entry in schema.get("allOf", ()) if isinstance(entry, dict) and "title" in entry)
        self.lint = tuple(schema.get("x-lint") or ())
        prefix = schema.get("x-idPrefix")
        self.id_prefix = prefix if isinstance(prefix, str) else None
        self.fills = ()

    def __setattr__(self, name: str, value: object) -> None:
        if self._frozen:
            raise AttributeError(f"cannot assign to {name!r}: the plan is immutable")
        object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        return f"Node({self.root!r}, {self.path!r})"

    @property
    def is_object(self) -> bool:
        """The value may be an object with described properties."""
        return "object" in self.types or "properties" in self.schema

    @property
    def free_text(self) -> bool:
        """A string param with no ``enum`` or ``const``: any text of the allowed length."""
        return "string" in self.types and self.enum is None and self.const is MISSING

    def children(self) -> Iterator[tuple[str | int, Node]]:
        """``(key, node)`` for each property, then ``(0, items)``."""
        yield from self.properties.items()
        if self.items is not None:
            yield 0, self.items

    def walk(self) -> Iterator[Node]:
        """This node and every node beneath it, depth first in schema order."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed([child for _, child in node.children()]))

    def at(self, path: tuple[str | int, ...]) -> Node | None:
        """The node for a payload path beneath this one (any array index reads as 0), or None."""
        node: Node | None = self
        for part in path:
            if node is None:
                return None
            node = node.items if isinstance(part, int) else node.properties.get(part)
        return node


def _fills(node: Node) -> tuple[Fill, ...]:
    """The defaults to add to the object `node` describes, in schema order (children settled first).

    A null default is the reference's "no value": nothing is filled.  An
    absent object is created only when it requires nothing (creating it
    cannot make the payload invalid) and it would then hold a default.
    """
    found = []
    for key, child in node.properties.items():
        if child.default is not MISSING:
            if child.default is not None:
                found.append(Fill(key, child.default, False))
        elif child.is_object and not child.required and child.fills:
            found.append(Fill(key, None, True))
    return tuple(found)


_PLANS: dict[str, Node] = {}


def root(name: str = loader.ROOT_FILE) -> Node:
    """The plan of the root schema file `name`: built on first use, then shared (it is immutable)."""
    found = _PLANS.get(name)
    if found is None:
        found = _PLANS[name] = _build(name)
    return found


def _build(name: str) -> Node:
    walked = list(loader.walk(name))
    made = {path: Node(name, path, schema) for path, schema in walked}
    children: dict[tuple[str | int, ...], dict[str, Node]] = {}
    for path, node in made.items():
        if not path:
            continue
        parent, key = made[path[:-1]], path[-1]
        if isinstance(key, str):
            children.setdefault(parent.path, {})[key] = node
        else:
            parent.items = node
    for path, props in children.items():
        made[path].properties = MappingProxyType(props)
    # Children before parents: whether an absent object would hold defaults is known when its parent asks.
    for path, _ in reversed(walked):
        made[path].fills = _fills(made[path])
    for node in made.values():
        object.__setattr__(node, "_frozen", True)
    return made[()]


def derived(function: Callable[[str], _T]) -> Callable[[str], _T]:
    """`function` of a root file name, computed once per root from its plan and forgotten with it."""
    made: dict[str, _T] = {}

    def cached(name: str = loader.ROOT_FILE) -> _T:
        try:
            return made[name]
        except KeyError:
            found = made[name] = function(name)
            return found

    loader.on_reset(made.clear)
    cached.__doc__, cached.__name__ = function.__doc__, function.__name__
    return cached


@derived
def nodes(name: str) -> dict[tuple[str | int, ...], Node]:
    """``{path: node}`` for every param under root `name`, in schema order (array items under 0)."""
    return {node.path: node for node in root(name).walk()}


loader.on_reset(_PLANS.clear)
