"""One self-contained schema file: a JSON Schema 2020-12 compound document.

``bundle()`` embeds each schema resource whole (its own ``$id`` and
``$schema``) under the root's ``$defs``; refs stay exactly as written and
resolve against the embedded ``$id``s, so the file needs no registry and no
network in any 2020-12 engine (ajv, jsonschema-rs, python-jsonschema,
check-jsonschema; tests/test_conformance.py runs them all).

Why not a library: ``referencing`` resolves refs but has no bundler, and
jsonschema-rs's ``bundle`` (0.61) mishandles fragment refs into another file:
for ``b.json#/$defs/x`` it embeds just ``x`` as if it were the whole of
``b.json``, so that pointer no longer exists in what was embedded, a second
fragment (``b.json#/$defs/y``) is missing altogether, and the result does not
compile.  Our schemas ref ``definitions.json#/$defs/…`` throughout.
tests/test_bundle.py demonstrates it.

Keywords of our own (``x-…``, listed in EXTENSIONS) are dropped: strict
engines such as ajv reject unknown keywords.  For the same engines a ``type``
list naming more than one type besides ``null`` (the response's ``customer``:
an id, an expanded object or null) is written as an ``anyOf`` with one
branch per type, each holding the keywords that apply to its type: ajv's
default ``strictTypes`` logs a warning for such a union, and the ``anyOf``
means the same thing.  The engine compiles the schemas as written
(``portable=False``), so its errors point where the source files do.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin

from . import loader
from .errors import Unsupported

#: A schema (or a part of one) as read from JSON.
Schema = dict[str, Any]

#: The only non-standard keywords a schema file may use, with what they hold.
#: All are annotations (they never change a verdict) and none survives
#: bundling.  tests/test_schema_files.py rejects any other unknown keyword.
EXTENSIONS = {
    "x-enumDescriptions": "object mapping each value of the sibling `enum` to a sentence saying what it means",
    "x-lint": "on an object schema: list of lint rules {param, code, message, when} (see validator/linting.py)",
    "x-idPrefix": "on a string param: the prefix its ids usually carry; lint warns when a value lacks it",
    "x-secret": "true on a param whose value is a secret (a client secret): no message, report, log or generated doc shows its value",
    "x-stripeApiVersion": "on the root schema only: the Stripe API version (e.g. 2026-10-28.endive) the schemas describe",
    # What the stand-in server (`customer-session serve`, validator/answer.py) needs to build its answer.
    "x-generate": "on a response field: how the stand-in server makes its value, one of {\"random\": PREFIX, "
                  "\"length\": N} (PREFIX then N random letters and digits from the OS's secure generator), "
                  "{\"now\": SECONDS} (Unix time of the request plus SECONDS), {\"value\": V} (always V)",
    "x-unsent": "on a response field named like a request param: the value the stand-in server answers when the "
                "request does not give that param (without it: null where the field allows null)",
    "x-expandable": "on a response field that holds an object's id: the name of the property that carries the id "
                    "in the object form this field's schema describes; expand[]=FIELD makes the stand-in server "
                    "answer that object (a stub built from the schema) instead of the id",
    "x-expansions": "true on the request param whose items name response fields to expand (Stripe's expand), "
                    "dotted for nested fields",
}

# Keywords whose value maps names to schemas: their keys are not keywords.
_SCHEMA_MAPS = {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}


def strip_extensions(schema: Any) -> Any:
    """A copy of `schema` without ``x-`` keywords at any schema position."""
    if isinstance(schema, list):
        return [strip_extensions(item) for item in schema]
    if not isinstance(schema, dict):
        return copy.deepcopy(schema)
    out: Schema = {}
    for key, value in schema.items():
        if key.startswith("x-"):
            continue
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: strip_extensions(sub) for name, sub in value.items()}
        elif key in ("default", "examples", "const", "enum"):
            out[key] = copy.deepcopy(value)
        else:
            out[key] = strip_extensions(value)
    return out


# The keywords that look only at values of one type; the rest apply to every value.
_TYPE_KEYWORDS = {
    "object": {"properties", "patternProperties", "additionalProperties", "required", "dependentRequired",
               "dependentSchemas", "propertyNames", "minProperties", "maxProperties"},
    "array": {"items", "prefixItems", "contains", "minContains", "maxContains", "minItems", "maxItems",
              "uniqueItems"},
    "string": {"minLength", "maxLength", "pattern", "format", "contentEncoding", "contentMediaType",
               "contentSchema"},
    "number": {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"},
}
_TYPE_KEYWORDS["integer"] = _TYPE_KEYWORDS["number"]
# Keywords holding one subschema, a list of them, or a map of names to them.
_ONE = {"additionalProperties", "items", "contains", "propertyNames", "not", "if", "then", "else",
        "unevaluatedItems", "unevaluatedProperties", "contentSchema"}
_MANY = {"allOf", "anyOf", "oneOf", "prefixItems"}


def _split_unions(schema: Any, pointer: str, moved: list[str]) -> Any:
    """`schema` with each type union beyond "X or null" written as an anyOf; `moved` collects
    the JSON pointers of keywords that no longer sit where the source file has them."""
    if not isinstance(schema, dict):
        return schema
    out: Schema = {}
    for key, value in schema.items():
        where = f"{pointer}/{key.replace('~', '~0').replace('/', '~1')}"
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: _split_unions(sub, f"{where}/{name.replace('~', '~0').replace('/', '~1')}", moved)
                        for name, sub in value.items()}
        elif key in _ONE:
            out[key] = _split_unions(value, where, moved)
        elif key in _MANY and isinstance(value, list):
            out[key] = [_split_unions(sub, f"{where}/{index}", moved) for index, sub in enumerate(value)]
        else:
            out[key] = value
    types = out.get("type")
    if not isinstance(types, list) or len(set(types) - {"null"}) < 2:
        return out
    if {"unevaluatedProperties", "unevaluatedItems"} & set(out):
        # They see the annotations of their siblings: moved into a branch they would mean something else.
        raise Unsupported(f"{pointer or '/'}: a type union beside unevaluated* cannot be split")
    specific: set[str] = set().union(*(_TYPE_KEYWORDS.get(kind, ()) for kind in types))
    branches = [{"type": kind, **{k: v for k, v in out.items() if k in _TYPE_KEYWORDS.get(kind, ())}}
                for kind in types]
    moved += [f"{pointer}/{key}" for key in out if key in specific]
    rest = {k: v for k, v in out.items() if k != "type" and k not in specific}
    if "anyOf" in rest:
        rest["allOf"] = [*rest.get("allOf", []), {"anyOf": branches}]
    else:
        rest["anyOf"] = branches
    return rest


def _refs(schema: Schema, base: str) -> Iterator[tuple[str, str]]:
    """(resource uri, JSON pointer) of every ``$ref`` in one resource."""
    stack: list[Any] = [schema]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("$ref"), str):
                uri, fragment = urldefrag(urljoin(base, item["$ref"]))
                yield uri, unquote(fragment)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def split_unions(resources: dict[str, Schema]) -> dict[str, Schema]:
    """`resources` (``{$id: schema}``) with type unions split for strict engines, refs checked to still land."""
    moved: dict[str, list[str]] = {}
    out: dict[str, Schema] = {}
    for uri, schema in resources.items():
        found: list[str] = []
        out[uri] = _split_unions(schema, "", found)
        moved[uri] = found
    for uri, schema in resources.items():
        for target, pointer in _refs(schema, uri):
            for place in moved.get(target, ()):
                if pointer == place or pointer.startswith(place + "/"):
                    raise Unsupported(f"a $ref in {uri} points into {target}#{place}, which the bundle moves")
    return out


def bundle(name: str = loader.ROOT_FILE, *, portable: bool = True) -> Schema:
    """The root schema `name` with every other resource embedded: resolves with no registry at all.

    By default the create params are the root; every other file (the
    response and error objects too) is embedded, so one file carries them
    all.  `portable` writes type unions as ``anyOf`` for strict engines (see
    the module's docstring); the meaning is the same either way.  A new dict
    on every call; ``customer-session bundle`` prints it.
    """
    root_id = loader.root_id(name)
    resources: dict[str, Schema] = {uri: strip_extensions(schema) for uri, schema in loader.contents().items()}
    if portable:
        resources = split_unions(resources)
    document: Schema = resources.pop(root_id)
    document["$defs"] = {**document.get("$defs", {}), **resources}
    return document
