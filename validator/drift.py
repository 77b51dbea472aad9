"""`customer-session drift`: what moved between the schemas and Stripe's own descriptions.

Each side is reduced to the same small tree of `Param`s (JSON types, enum
values, required or not, limits, the documented rules on it), so one
comparison serves every source:

- ours, read through the loader: the create params and, for a spec3
  document, the returned object too;
- the installed stripe-python's typed create params (TypedDicts, walked with
  `typing`); its request options (``idempotency_key`` and the like) never
  reach the body and are left out, and its types cannot state a limit, so
  limits are not compared with it;
- with ``--openapi FILE``, a Stripe OpenAPI spec3 document: the form request
  body of the create operation, and the object its success response returns
  (with the schemas that object refers to).  Lines about the returned object
  start with ``response:`` and compare field names, required, types (null
  among them: OpenAPI 3.0's ``nullable``) and enum values.

Two of spec3's conventions are read as Stripe documents them.  In a form
body an empty value asks to clear a param, which a create refuses
(``parameter_invalid_empty``), so a free string there (no enum) holds at
least one character unless an alternative of the param allows ``""``
(spec3's way of saying that a param may be cleared).  A field whose
``x-expansionResources`` lists the resources it expands to holds an id or
such a resource; the resource is described elsewhere, so its fields are not
compared (on our side the field is marked ``x-expandable``).

Nothing here knows a param.  The differences that are deliberate are data:
``drift-expected.json`` beside this module lists each with its reason; they
are reported as expected, never hidden, and an expected difference that is
no longer seen is drift too (the file has gone stale).
"""

from __future__ import annotations

import importlib
import json
import types
import typing
from collections import abc
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import loader
from .answer import EXPANDABLE
from .errors import Error, bracket
from .openapi import MEDIA_TYPE, METHOD, PATH, RESPONSE_MEDIA_TYPE

#: stripe-python's TypedDict of the create params: (module, class).
STRIPE_PARAMS = ("stripe.params", "CustomerSessionCreateParams")
#: The deliberate differences, each with its reason.
EXPECTED_FILE = Path(__file__).with_name("drift-expected.json")
#: Keywords compared as limits.
LIMITS = ("maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength", "minLength", "maxItems", "minItems")
#: spec3's list of the resources an expandable field expands to.
EXPANSION_RESOURCES = "x-expansionResources"
#: What a line about the returned object starts with.
RESPONSE = "response: "

STRIPE_PYTHON, OPENAPI = "stripe-python", "openapi"

JSON = Any  # a value parsed from JSON
Schema = dict[str, Any]
#: `resolve(schema, base)`: the schema with its ``$ref`` chain folded in, and the base for refs inside it.
Resolver = Callable[[Schema, Any], tuple[Schema, Any]]


class CannotRun(Error):
    """The comparison cannot be made (stripe missing, a document without the operation): exit 2."""


@dataclass(frozen=True)
class Param:
    kinds: frozenset[str] = frozenset()  # JSON types
    enum: frozenset[str] | None = None  # JSON texts of the allowed values; None: any value of the kinds
    required: bool = False
    limits: Mapping[str, JSON] = field(default_factory=dict)
    rules: frozenset[str] = frozenset()  # codes (titles) of the documented rules on this param
    children: Mapping[str, Param] = field(default_factory=dict)
    items: Param | None = None
    expands: bool = False  # an id that expands to a resource described elsewhere: its fields are not compared


@dataclass(frozen=True)
class Source:
    """One upstream description, ready to compare with ours."""

    name: str  # STRIPE_PYTHON or OPENAPI: what drift-expected.json calls it
    label: str  # for people: "stripe-python 16.1.0", "openapi spec3.json"
    api_version: str | None
    tree: Param  # the create params
    response: Param | None = None  # the returned object, where the source describes it
    states_limits: bool = True  # False: the source cannot state a limit, so limits are not compared


# ------------------------------------------------------------ JSON Schema (ours and spec3)


@dataclass(frozen=True)
class _Reading:
    """How a tree of schemas is read: refs, which keywords are limits, and the conventions of a form body."""

    resolve: Resolver
    limits: tuple[str, ...] = LIMITS
    form: bool = False  # a form body: a free string holds at least one character (see the module's account)


def _kinds(node: Schema) -> frozenset[str]:
    """`loader.types`, with OpenAPI 3.0's ``nullable: true`` read as the type null."""
    found = loader.types(node)
    return found | {"null"} if node.get("nullable") is True else found


def _enum(node: Schema) -> frozenset[str] | None:
    if "const" in node:
        values = frozenset([json.dumps(node["const"])])
    elif "enum" in node:
        values = frozenset(map(json.dumps, node["enum"]))
    else:
        return None
    return values | {"null"} if node.get("nullable") is True else values


def _expansions(node: Schema) -> frozenset[str]:
    """The refs of the resources a spec3 field expands to (``x-expansionResources``)."""
    listed = node.get(EXPANSION_RESOURCES)
    alternatives: Iterable[JSON] = (listed.get("oneOf") or listed.get("anyOf") or ()) if isinstance(listed, dict) else ()
    return frozenset(alt["$ref"] for alt in alternatives if isinstance(alt, dict) and isinstance(alt.get("$ref"), str))


def _from_schema(schema: Schema, base: Any, required: bool, reading: _Reading) -> Param:
    """A Param from a schema object, its ``$ref`` chain folded in and its alternatives merged."""
    node, base = reading.resolve(schema, base)
    resources = _expansions(node)
    alternatives: list[Schema] = []
    expands = bool(node.get(EXPANDABLE))
    given: Iterable[JSON] = node.get("anyOf") or node.get("oneOf") or ()
    for alt in given:
        if isinstance(alt, dict) and alt.get("$ref") in resources:
            alternatives.append({"type": "object"})  # an expanded resource: described elsewhere
            expands = True
        else:
            alternatives.append(reading.resolve(alt, base)[0])
    # Stripe's spec writes some params as alternatives (one lets "" clear it): merged.
    kinds = _kinds(node).union(*map(_kinds, alternatives))
    enums = [_enum(node)] if not alternatives else [_enum(alt) for alt in alternatives]
    enum = None if None in enums else frozenset[str]().union(*(e for e in enums if e is not None))
    if alternatives and node.get("nullable") is True:
        kinds, enum = kinds | {"null"}, None if enum is None else enum | {"null"}
    limits: dict[str, JSON] = {}
    for owner in [*reversed(alternatives), node]:  # the holder's own keywords win
        limits.update({key: owner[key] for key in reading.limits if key in owner})
    clearable = any(_enum(alt) == frozenset(['""']) for alt in alternatives)
    if reading.form and "string" in kinds and enum is None and not clearable and "minLength" in reading.limits:
        limits.setdefault("minLength", 1)
    rules = frozenset(entry["title"] for entry in node.get("allOf", ()) if isinstance(entry, dict) and "title" in entry)
    children: dict[str, Param] = {}
    items: Param | None = None
    if not expands:
        for owner in [node, *alternatives]:
            names = set(owner.get("required", ()))
            for key, sub in owner.get("properties", {}).items():
                if key not in children:
                    children[key] = _from_schema(sub, base, key in names, reading)
            if isinstance(owner.get("items"), dict) and items is None:
                items = _from_schema(owner["items"], base, False, reading)
    return Param(kinds=kinds, enum=enum, required=required, limits=limits, rules=rules,
                 children=children, items=items, expands=expands)


def ours() -> Param:
    """The create params as the schemas describe them."""
    return _from_schema(loader.root(), loader.root_id(), True, _Reading(loader.node))


def ours_response() -> Param:
    """The returned object as the schemas describe it (its limits left out: they are not compared)."""
    name = loader.RESPONSE_FILE
    return _from_schema(loader.root(name), loader.root_id(name), True, _Reading(loader.node, limits=()))


def _pointer(document: JSON, ref: str) -> JSON:
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


def _local_resolver(document: JSON) -> Resolver:
    def resolve(schema: Schema, base: Any) -> tuple[Schema, Any]:
        seen: set[str] = set()
        while isinstance(schema, dict) and "$ref" in schema:
            if schema["$ref"] in seen:
                raise CannotRun(f"$ref {str(schema['$ref'])[:80]!r} refers to itself")
            seen.add(schema["$ref"])
            schema = {**_pointer(document, schema["$ref"]), **{k: v for k, v in schema.items() if k != "$ref"}}
        if not isinstance(schema, dict):
            raise CannotRun("a schema in the operation is not an object")
        return schema, base

    return resolve


def _content_schema(document: JSON, holder: JSON, media_type: str) -> Schema:
    """The schema of `media_type` in a request body or response object (itself perhaps a ``$ref``)."""
    if isinstance(holder, dict) and "$ref" in holder:
        holder = _pointer(document, holder["$ref"])
    schema = holder["content"][media_type]["schema"]
    if not isinstance(schema, dict):
        raise TypeError(media_type)
    return schema


def _success(responses: JSON) -> JSON:
    """The operation's success response: the lowest 2xx status it lists."""
    statuses = sorted(key for key in responses if isinstance(key, str) and len(key) == 3 and key.startswith("2"))
    return responses[statuses[0]]


def _tree(schema: Schema, reading: _Reading, what: str, label: str) -> Param:
    try:
        return _from_schema(schema, None, True, reading)
    except (AttributeError, TypeError, RecursionError):
        raise CannotRun(f"{label}: the {what} of {METHOD.upper()} {PATH} is not a usable schema") from None


def openapi_source(document: JSON, label: str) -> Source:
    """The form request body of the create operation in a spec3 document, and the object it returns."""
    operation = f"{METHOD.upper()} {PATH}"
    resolve = _local_resolver(document)
    try:
        request = _content_schema(document, document["paths"][PATH][METHOD]["requestBody"], MEDIA_TYPE)
    except (KeyError, TypeError):
        raise CannotRun(f"{label} has no {MEDIA_TYPE} request body for {operation}") from None
    params = _tree(request, _Reading(resolve, form=True), "request body", label)
    try:
        response = _content_schema(document, _success(document["paths"][PATH][METHOD]["responses"]),
                                   RESPONSE_MEDIA_TYPE)
    except (KeyError, TypeError, IndexError):
        raise CannotRun(f"{label} has no {RESPONSE_MEDIA_TYPE} success response for {operation}") from None
    returned = _tree(response, _Reading(resolve, limits=()), "success response", label)
    info = document.get("info")
    version = info.get("version") if isinstance(info, dict) else None
    return Source(OPENAPI, f"{OPENAPI} {label}", version if isinstance(version, str) else None, params, returned)


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
    options = frozenset(getattr(getattr(stripe, "RequestOptions", None), "__annotations__", ()))
    try:
        tree = _TypedDicts().param(root, True, skip=options)
    except (NameError, TypeError, AttributeError) as exc:
        raise CannotRun(f"{label}: cannot read the types of {name}: {exc}") from None
    version = getattr(getattr(stripe, "_ApiVersion", None), "CURRENT", None) or getattr(stripe, "api_version", None)
    return Source(STRIPE_PYTHON, label, version, tree, states_limits=False)


class _TypedDicts:
    """Turns type hints into Params.  Enums are typed ``Literal[...]|str``: the literals are the values."""

    def __init__(self) -> None:
        import typing_extensions as te  # a dependency of stripe-python

        self.te = te
        # typing_extensions' forms are typing's own where Python has them (3.11+).
        self.required: set[Any] = {te.Required, getattr(typing, "Required", te.Required)}
        self.wrappers: set[Any] = self.required | {te.NotRequired, getattr(typing, "NotRequired", te.NotRequired)}
        self.literals: set[Any] = {te.Literal, typing.Literal}
        self.unions: set[Any] = {typing.Union, types.UnionType}
        self.scalars: dict[Any, str] = {bool: "boolean", int: "integer", float: "number", str: "string",
                                        type(None): "null"}
        self.active: set[Any] = set()  # TypedDicts being walked: a recursive type would never end

    def param(self, hint: Any, required: bool, skip: frozenset[str] = frozenset()) -> Param:
        te = self.te
        origin, args = te.get_origin(hint), te.get_args(hint)
        if origin in self.wrappers:
            return self.param(args[0], origin in self.required)
        if origin is te.Annotated:
            return self.param(args[0], required)
        if te.is_typeddict(hint):
            return self._typeddict(hint, required, skip)
        members = args if origin in self.unions else (hint,)
        literals: list[Any] = []
        kinds: set[str] = set()
        items: Param | None = None
        children: dict[str, Param] = {}
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
                items = self.param(item_args[0], False) if item_args else None
            elif base in (dict, abc.Mapping):
                kinds.add("object")
            elif te.is_typeddict(member):
                kinds.add("object")
                children.update(self._typeddict(member, required, frozenset()).children)
            else:  # a type this walk does not know: shown as it is, so it reads as a difference
                kinds.add(getattr(member, "__name__", None) or str(member))
        enum = frozenset(json.dumps(value) for value in literals) if literals else None
        return Param(kinds=frozenset(kinds), enum=enum, required=required, children=children, items=items)

    def _typeddict(self, cls: Any, required: bool, skip: frozenset[str]) -> Param:
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


def _name(path: tuple[str, ...]) -> str:
    return bracket(path) or "(the params)"


def _listed_kinds(kinds: Iterable[str]) -> str:
    return " or ".join(sorted(kinds)) or "no type"


def _values(values: Iterable[str]) -> str:
    return ", ".join(sorted(values))


def _limit(value: JSON) -> str:
    return "none" if value is None else json.dumps(value)


def compare(ours_tree: Param, theirs: Param, path: tuple[str, ...] = (), limits: bool = True) -> list[str]:
    """One line per difference, ours against an upstream tree, parents before their params.

    ``limits=False`` leaves limits out (a source that cannot state them, or the returned object).
    """
    name, lines = _name(path), []
    if ours_tree.kinds != theirs.kinds:
        lines.append(f"type differs: {name}: ours {_listed_kinds(ours_tree.kinds)}, "
                     f"upstream {_listed_kinds(theirs.kinds)}")
    if ours_tree.enum != theirs.enum:
        if ours_tree.enum is None or theirs.enum is None:
            side, values = ("ours", ours_tree.enum) if theirs.enum is None else ("upstream", theirs.enum)
            lines.append(f"enum differs: {name}: only {side} has an enum: {_values(values or ())}")
        else:
            parts = [f"only {side} {_values(extra)}" for side, extra in
                     (("upstream", theirs.enum - ours_tree.enum), ("ours", ours_tree.enum - theirs.enum)) if extra]
            lines.append(f"enum differs: {name}: {'; '.join(parts)}")
    if path and ours_tree.required != theirs.required:
        verdict = {True: "required", False: "optional"}
        lines.append(f"required differs: {name}: ours {verdict[ours_tree.required]}, "
                     f"upstream {verdict[theirs.required]}")
    for key in LIMITS if limits else ():
        mine, upstream = ours_tree.limits.get(key), theirs.limits.get(key)
        if mine != upstream:
            lines.append(f"limit differs: {name}: {key}: ours {_limit(mine)}, upstream {_limit(upstream)}")
    lines += [f"only ours: rule {code} on {name}" for code in sorted(ours_tree.rules - theirs.rules)]
    lines += [f"only upstream: rule {code} on {name}" for code in sorted(theirs.rules - ours_tree.rules)]
    if ours_tree.expands != theirs.expands:
        side = "ours" if ours_tree.expands else "upstream"
        lines.append(f"expandable differs: {name}: only {side} expands it to another resource")
    if ours_tree.expands or theirs.expands:
        return lines  # the resource an id expands to is described elsewhere
    for key in sorted(set(ours_tree.children) | set(theirs.children)):
        if key not in theirs.children:
            lines.append(f"only ours: {_name(path + (key,))}")
        elif key not in ours_tree.children:
            lines.append(f"only upstream: {_name(path + (key,))}")
        else:
            lines += compare(ours_tree.children[key], theirs.children[key], path + (key,), limits)
    if ours_tree.items is not None and theirs.items is not None:
        lines += compare(ours_tree.items, theirs.items, path + ("",), limits)
    return lines


def expected() -> list[dict[str, Any]]:
    """The deliberate differences: ``{"difference", "sources", "reason"}`` each."""
    try:
        entries = json.loads(EXPECTED_FILE.read_text(encoding="utf-8"))["expected"]
        if not isinstance(entries, list):
            raise TypeError("expected is not a list")
        for entry in entries:
            if not (isinstance(entry["difference"], str) and isinstance(entry["reason"], str)
                    and set(entry["sources"]) <= {STRIPE_PYTHON, OPENAPI}):
                raise ValueError(f"a malformed entry: {json.dumps(entry)[:80]}")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CannotRun(f"cannot read {EXPECTED_FILE.name}: {exc}") from None
    return entries


@dataclass(frozen=True)
class Report:
    source: Source
    drift: list[str]  # lines: differences not expected, and expected ones no longer seen
    expected: list[tuple[str, str]]  # (line, reason) of the expected differences that were seen


def differences(source: Source) -> list[str]:
    """Every difference between ours and `source`: the API version, the params, then the returned object."""
    found = compare(ours(), source.tree, limits=source.states_limits)
    if source.api_version != loader.api_version():
        found.insert(0, f"api version differs: ours {loader.api_version()}, upstream {source.api_version}")
    if source.response is not None:
        found += [RESPONSE + line for line in compare(ours_response(), source.response, limits=False)]
    return found


def report(source: Source) -> Report:
    found = differences(source)
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
