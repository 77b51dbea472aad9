"""`customer-session drift`: what moved between the schemas and Stripe's own descriptions.

Each side is reduced to the same small tree of `Param`s (JSON types, enum
values, required or not, limits, the documented rules on it), so one
comparison serves every source:

- ours, read through the loader;
- the installed stripe-python's typed create params (TypedDicts, walked with
  `typing`); its request options (``idempotency_key`` and the like) never
  reach the body and are left out;
- with ``--openapi FILE``, a Stripe OpenAPI spec3 document: the form request
  body of the create operation.

Nothing here knows a param.  The differences that are deliberate are data:
``drift-expected.json`` beside this module lists each with its reason; they
are reported as expected, never hidden, and an expected difference that is
no longer seen is drift too (the file has gone stale).
"""

from __future__ import annotations

import importlib
import json
import types
from collections import abc
import typing
from dataclasses import dataclass, field
from pathlib import Path

from . import loader
from .errors import bracket
from .openapi import MEDIA_TYPE, METHOD, PATH

#: stripe-python's TypedDict of the create params: (module, class).
STRIPE_PARAMS = ("stripe.params", "CustomerSessionCreateParams")
#: The deliberate differences, each with its reason.
EXPECTED_FILE = Path(__file__).with_name("drift-expected.json")
#: Keywords compared as limits.
LIMITS = ("maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength", "minLength", "maxItems", "minItems")

STRIPE_PYTHON, OPENAPI = "stripe-python", "openapi"


class CannotRun(Exception):
    """The comparison cannot be made (stripe missing, a document without the operation): exit 2."""


@dataclass
class Param:
    kinds: frozenset = frozenset()  # JSON types
    enum: frozenset | None = None  # JSON texts of the allowed values; None: any value of the kinds
    required: bool = False
    limits: dict = field(default_factory=dict)
    rules: frozenset = frozenset()  # codes (titles) of the documented rules on this param
    children: dict = field(default_factory=dict)
    items: Param | None = None


@dataclass
class Source:
    """One upstream description, ready to compare with ours."""

    name: str  # STRIPE_PYTHON or OPENAPI: what drift-expected.json calls it
    label: str  # for people: "stripe-python 16.1.0", "openapi spec3.json"
    api_version: str | None
    tree: Param


# ------------------------------------------------------------ JSON Schema (ours and spec3)


def _from_schema(schema: dict, base, required: bool, resolve) -> Param:
    """A Param from a schema object; `resolve(schema, base)` folds in its ``$ref`` chain."""
    node, base = resolve(schema, base)
    alternatives = [resolve(alt, base)[0] for alt in node.get("anyOf", node.get("oneOf", ()))]
    param = Param(kinds=loader.types(node), enum=_enum(node), required=required,
                  limits={key: node[key] for key in LIMITS if key in node},
                  rules=frozenset(entry["title"] for entry in node.get("allOf", ())
                                  if isinstance(entry, dict) and "title" in entry))
    if alternatives:  # Stripe's spec writes some params as alternatives (one lets "" empty it): merged
        param.kinds = param.kinds.union(*map(loader.types, alternatives))
        enums = [_enum(alt) for alt in alternatives]
        param.enum = None if None in enums else frozenset().union(*enums)
        for alt in alternatives:
            param.limits = {**{key: alt[key] for key in LIMITS if key in alt}, **param.limits}
    names = set(node.get("required", ()))
    for owner in [node, *alternatives]:
        for key, sub in owner.get("properties", {}).items():
            param.children.setdefault(key, _from_schema(sub, base, key in names, resolve))
        if isinstance(owner.get("items"), dict) and param.items is None:
            param.items = _from_schema(owner["items"], base, False, resolve)
    return param


def _enum(node: dict):
    if "const" in node:
        return frozenset([json.dumps(node["const"])])
    return frozenset(map(json.dumps, node["enum"])) if "enum" in node else None


def ours() -> Param:
    return _from_schema(loader.root(), loader.root_id(), True, loader.node)


def _pointer(document: dict, ref: str):
    if not ref.startswith("#/"):
        raise CannotRun(f"$ref {ref[:80]!r} points outside the document")
    target = document
    for token in ref[2:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        try:
            target = target[int(token)] if isinstance(target, list) else target[token]
        except (KeyError, IndexError, ValueError, TypeError):
            raise CannotRun(f"$ref {ref[:80]!r} does not resolve") from None
    return target


def _local_resolver(document: dict):
    def resolve(schema, base):
        seen = set()
        while isinstance(schema, dict) and "$ref" in schema:
            if schema["$ref"] in seen:
                raise CannotRun(f"$ref {schema['$ref'][:80]!r} refers to itself")
            seen.add(schema["$ref"])
            schema = {**_pointer(document, schema["$ref"]), **{k: v for k, v in schema.items() if k != "$ref"}}
        if not isinstance(schema, dict):
            raise CannotRun("a schema in the request body is not an object")
        return schema, base

    return resolve


def openapi_source(document, label: str) -> Source:
    """The form request body of the create operation in a spec3 document."""
    resolve = _local_resolver(document)
    try:
        body = document["paths"][PATH][METHOD]["requestBody"]
        if "$ref" in body:
            body = _pointer(document, body["$ref"])
        schema = body["content"][MEDIA_TYPE]["schema"]
    except (KeyError, TypeError):
        raise CannotRun(f"{label} has no {MEDIA_TYPE} request body for {METHOD.upper()} {PATH}") from None
    info = document.get("info")
    version = info.get("version") if isinstance(info, dict) else None
    try:
        tree = _from_schema(schema, None, True, resolve)
    except (AttributeError, TypeError, RecursionError):
        raise CannotRun(f"{label}: the request body of {METHOD.upper()} {PATH} is not a usable schema") from None
    return Source(OPENAPI, f"{OPENAPI} {label}", version, tree)


# ------------------------------------------------------------ stripe-python


def stripe_source() -> Source:
    """The installed stripe-python's create params."""
    try:
        import stripe
    except ImportError:
        from .stripe_client import INSTALL

        raise CannotRun(f"drift needs stripe-python: {INSTALL}") from None
    module, name = STRIPE_PARAMS
    label = f"{STRIPE_PYTHON} {getattr(stripe, 'VERSION', '?')}"
    try:
        root = getattr(importlib.import_module(module), name, None)
    except ImportError:
        root = None
    if root is None:
        raise CannotRun(f"{label} has no {module}.{name}")
    # Request options share the TypedDict but never reach the body.
    options = set(getattr(getattr(stripe, "RequestOptions", None), "__annotations__", ()))
    try:
        tree = _TypedDicts().param(root, True, skip=options)
    except (NameError, TypeError, AttributeError) as exc:
        raise CannotRun(f"{label}: cannot read the types of {name}: {exc}") from None
    version = getattr(getattr(stripe, "_ApiVersion", None), "CURRENT", None) or getattr(stripe, "api_version", None)
    return Source(STRIPE_PYTHON, label, version, tree)


class _TypedDicts:
    """Turns type hints into Params.  Enums are typed ``Literal[...]|str``: the literals are the values."""

    def __init__(self):
        import typing_extensions as te  # a dependency of stripe-python

        self.te = te
        # typing_extensions' forms are typing's own where Python has them (3.11+).
        self.required = {te.Required, getattr(typing, "Required", te.Required)}
        self.wrappers = self.required | {te.NotRequired, getattr(typing, "NotRequired", te.NotRequired)}
        self.literals = {te.Literal, typing.Literal}
        self.unions = {typing.Union, types.UnionType}
        self.scalars = {bool: "boolean", int: "integer", float: "number", str: "string", type(None): "null"}
        self.active: set = set()  # TypedDicts being walked: a recursive type would never end

    def param(self, hint, required: bool, skip=frozenset()) -> Param:
        te = self.te
        origin, args = te.get_origin(hint), te.get_args(hint)
        if origin in self.wrappers:
            return self.param(args[0], origin in self.required)
        if origin is te.Annotated:
            return self.param(args[0], required)
        if te.is_typeddict(hint):
            return self._typeddict(hint, required, skip)
        members = args if origin in self.unions else (hint,)
        param = Param(required=required)
        literals, kinds = [], set()
        for member in members:
            member_origin = te.get_origin(member)
            base = member_origin or member  # List[str] and list alike
            if member_origin in self.literals:
                literals += te.get_args(member)
                kinds |= {self.scalars.get(type(value), type(value).__name__) for value in te.get_args(member)}
            elif member in self.scalars:
                kinds.add(self.scalars[member])
            elif base in (list, tuple, abc.Sequence, abc.Iterable):
                kinds.add("array")
                item_args = te.get_args(member)
                param.items = self.param(item_args[0], False) if item_args else None
            elif base in (dict, abc.Mapping):
                kinds.add("object")
            elif te.is_typeddict(member):
                nested = self._typeddict(member, required, frozenset())
                kinds.add("object")
                param.children.update(nested.children)
            else:  # a type this walk does not know: shown as it is, so it reads as a difference
                kinds.add(getattr(member, "__name__", None) or str(member))
        param.kinds = frozenset(kinds)
        if literals:
            param.enum = frozenset(json.dumps(value) for value in literals)
        return param

    def _typeddict(self, cls, required: bool, skip) -> Param:
        if cls in self.active:
            raise TypeError(f"{cls.__name__} contains itself")
        self.active.add(cls)
        try:
            annotations = {key: value for key, value in cls.__annotations__.items() if key not in skip}
            # get_type_hints on a stand-in holding only the params: stripe's request
            # options refer to names its module imports only for type checkers.
            holder = type(cls.__name__, (), {"__annotations__": annotations, "__module__": cls.__module__})
            hints = self.te.get_type_hints(holder, include_extras=True)
            total = getattr(cls, "__total__", True)
            children = {key: self.param(hint, total) for key, hint in hints.items()}
        finally:
            self.active.discard(cls)
        return Param(kinds=frozenset(["object"]), required=required, children=children)


# ------------------------------------------------------------ comparing


def _name(path) -> str:
    return bracket(path) or "(the params)"


def _kinds(kinds) -> str:
    return " or ".join(sorted(kinds)) or "no type"


def _values(values) -> str:
    return ", ".join(sorted(values))


def compare(ours_tree: Param, theirs: Param, path=()) -> list[str]:
    """One line per difference, ours against an upstream tree, parents before their params."""
    name, lines = _name(path), []
    if ours_tree.kinds != theirs.kinds:
        lines.append(f"type differs: {name}: ours {_kinds(ours_tree.kinds)}, upstream {_kinds(theirs.kinds)}")
    if ours_tree.enum != theirs.enum:
        if ours_tree.enum is None or theirs.enum is None:
            side, values = ("ours", ours_tree.enum) if theirs.enum is None else ("upstream", theirs.enum)
            lines.append(f"enum differs: {name}: only {side} has an enum: {_values(values)}")
        else:
            parts = [f"only {side} {_values(extra)}" for side, extra in
                     (("upstream", theirs.enum - ours_tree.enum), ("ours", ours_tree.enum - theirs.enum)) if extra]
            lines.append(f"enum differs: {name}: {'; '.join(parts)}")
    if path and ours_tree.required != theirs.required:
        verdict = {True: "required", False: "optional"}
        lines.append(f"required differs: {name}: ours {verdict[ours_tree.required]}, "
                     f"upstream {verdict[theirs.required]}")
    for key in LIMITS:
        mine, upstream = ours_tree.limits.get(key), theirs.limits.get(key)
        if mine != upstream:
            lines.append(f"limit differs: {name}: {key}: ours {json.dumps(mine) if mine is not None else 'none'}, "
                         f"upstream {json.dumps(upstream) if upstream is not None else 'none'}")
    lines += [f"only ours: rule {code} on {name}" for code in sorted(ours_tree.rules - theirs.rules)]
    lines += [f"only upstream: rule {code} on {name}" for code in sorted(theirs.rules - ours_tree.rules)]
    for key in sorted(set(ours_tree.children) | set(theirs.children)):
        if key not in theirs.children:
            lines.append(f"only ours: {_name(path + (key,))}")
        elif key not in ours_tree.children:
            lines.append(f"only upstream: {_name(path + (key,))}")
        else:
            lines += compare(ours_tree.children[key], theirs.children[key], path + (key,))
    if ours_tree.items is not None and theirs.items is not None:
        lines += compare(ours_tree.items, theirs.items, path + ("",))
    return lines


def expected() -> list[dict]:
    """The deliberate differences: ``{"difference", "sources", "reason"}`` each."""
    try:
        entries = json.loads(EXPECTED_FILE.read_text(encoding="utf-8"))["expected"]
        for entry in entries:
            if not (isinstance(entry["difference"], str) and isinstance(entry["reason"], str)
                    and set(entry["sources"]) <= {STRIPE_PYTHON, OPENAPI}):
                raise ValueError(f"a malformed entry: {json.dumps(entry)[:80]}")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CannotRun(f"cannot read {EXPECTED_FILE.name}: {exc}") from None
    return entries


@dataclass
class Report:
    source: Source
    drift: list  # lines: differences not expected, and expected ones no longer seen
    expected: list  # (line, reason) of the expected differences that were seen


def report(source: Source) -> Report:
    found = compare(ours(), source.tree)
    if source.api_version != loader.api_version():
        found.insert(0, f"api version differs: ours {loader.api_version()}, upstream {source.api_version}")
    reasons = {entry["difference"]: entry["reason"] for entry in expected() if source.name in entry["sources"]}
    drift = [line for line in found if line not in reasons]
    drift += [f"expected but not found (drop it from {EXPECTED_FILE.name}): {line}"
              for line in reasons if line not in found]
    return Report(source, drift, [(line, reasons[line]) for line in found if line in reasons])


def render(result: Report, verbose: bool = False) -> list[str]:
    """The lines `customer-session drift` prints for one source, the summary last."""
    prefix = f"{result.source.name}: "
    lines = [prefix + line for line in result.drift]
    if verbose:
        lines += [f"{prefix}expected: {line} ({reason})" for line, reason in result.expected]
    count = len(result.drift)
    what = "no drift" if not count else f"{count} difference{'s' if count != 1 else ''}"
    hint = "" if verbose or not result.expected else "; --verbose lists them"
    lines.append(f"{result.source.label} (Stripe API {result.source.api_version}): {what}, "
                 f"{len(result.expected)} expected{hint}")
    return lines
