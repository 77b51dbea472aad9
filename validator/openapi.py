"""An OpenAPI 3.1 description of the create endpoint: our schemas as its request body and responses.

The request body is the create params; the ``200`` response is the Customer
Session object, the ``401`` and ``default`` responses Stripe's error body (JSON).
Each schema resource reachable from those roots becomes a component, and so does
each entry of a resource's top-level ``$defs``; every ``$ref`` is rewritten to
``#/components/schemas/…``.  Embedding the compound bundle instead (its
``$id``s intact) is legal OpenAPI 3.1, but OpenAPI tooling resolves refs
against the document rather than against embedded ``$id``s:
openapi-spec-validator 0.9 fails on it with ``Unresolvable: components.json``,
and code generators do no better.  Components also give generated code named
types.  Keywords of our own (``x-…``) are dropped, as in the bundle.

What a tool can rely on besides the schemas:

- **Security.**  Stripe takes the secret key as HTTP Bearer auth or as the
  user name of HTTP Basic auth (empty password); the two schemes carry
  Stripe's own names (``bearerAuth``, ``basicAuth``, as in Stripe's OpenAPI
  description) and the operation requires one of them.  Without a usable key
  the answer is ``401`` with Stripe's error body.
- **The wire format.**  The body is ``application/x-www-form-urlencoded`` in
  Stripe's bracket encoding (stripe-python's encoder; `validator.form.encode`):
  an object's keys as ``a[b]=v``, an array's items by index as ``a[0]=v``,
  nested to any depth.  OpenAPI has no style for that: ``deepObject`` is
  defined for objects only, and for one level.  So object params keep
  ``deepObject`` (as Stripe's own description declares them, the nearest
  standard style), array params get no ``encoding`` entry, and the media type
  carries the extension `ENCODING_EXTENSION` stating the format; the request
  body's and each nested param's descriptions say it in words, with an
  example encoded from the schemas' own ``examples``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

from referencing.jsonschema import DRAFT202012

from . import form, loader
from .bundle import strip_extensions
from .errors import Unsupported as Unsupported  # one class for bundle and OpenAPI; this name stays

OPENAPI_VERSION = "3.1.0"
SERVER = "https://api.stripe.com"
PATH = "/v1/customer_sessions"
METHOD = "post"
OPERATION_ID = "PostCustomerSessions"
MEDIA_TYPE = "application/x-www-form-urlencoded"
#: What Stripe answers with, success or error.
RESPONSE_MEDIA_TYPE = "application/json"
#: Component names start with this, so the components can join another document.
PREFIX = "CustomerSession"


def _camel(text: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", text) if part)


#: A JSON Schema (or OpenAPI) object, and a component's key: (resource uri, top-level $defs entry or None).
Schema = dict[str, Any]
_Key = tuple[str, "str | None"]


def _name(uri: str, definition: str | None = None) -> str:
    stem = urlsplit(uri).path.rsplit("/", 1)[-1].removesuffix(".json")
    name = _camel(stem if definition is None else definition)
    # The object's own file is named after it: CustomerSession, not CustomerSessionCustomerSession.
    return name if name.startswith(PREFIX) else PREFIX + name


def _target(base: str, ref: str) -> tuple[str, str | None, str]:
    """(resource uri, top-level $defs entry or None, JSON pointer left) for a ref."""
    uri, fragment = urldefrag(urljoin(base, ref))
    if uri not in loader.contents():
        raise Unsupported(f"$ref {ref!r} leaves the schemas")
    if fragment and not fragment.startswith("/"):
        raise Unsupported(f"$ref {ref!r}: anchors are not supported")
    parts = fragment.split("/")
    if len(parts) >= 3 and parts[1] == "$defs":
        return uri, parts[2], "/".join(["", *parts[3:]]) if len(parts) > 3 else ""
    return uri, None, fragment


def _subschemas(schema: Schema) -> Iterator[Schema]:
    """Every subschema, in document order (so components come out in a readable order)."""
    stack: list[Any] = [schema]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            yield current
            stack.extend(reversed(list(DRAFT202012.subresources_of(current))))


def _component(uri: str, definition: str | None) -> tuple[Schema, list[_Key]]:
    """One component with its refs rewritten, and the (uri, definition) pairs it refers to."""
    resource: Schema = strip_extensions(loader.contents()[uri])
    schema: Schema = resource["$defs"][definition] if definition is not None else resource
    schema = copy.deepcopy(schema)
    if definition is None:
        for keyword in ("$id", "$schema", "$defs"):
            schema.pop(keyword, None)
    wanted: list[_Key] = []
    for sub in _subschemas(schema):
        for keyword in ("$id", "$anchor", "$dynamicAnchor", "$dynamicRef"):
            if keyword in sub:
                raise Unsupported(f"{keyword} inside {uri}")
        if "$ref" in sub:
            target_uri, target_def, rest = _target(uri, sub["$ref"])
            wanted.append((target_uri, target_def))
            sub["$ref"] = f"#/components/schemas/{_name(target_uri, target_def)}{rest}"
    return schema, wanted


#: The root schema files the document uses: the request body first, then the responses.
ROOTS = (loader.ROOT_FILE, loader.RESPONSE_FILE, loader.ERROR_FILE)


def component_name(name: str) -> str:
    """The component that holds the root schema file `name`."""
    return _name(loader.root_id(name))


def components() -> dict[str, Schema]:
    """``components.schemas``: each root and what it refers to, in the order first reached, root by root."""
    found: dict[str, Schema] = {}
    owner: dict[str, _Key] = {}
    for root in ROOTS:
        queue: list[_Key] = [(loader.root_id(root), None)]
        while queue:
            key = queue.pop(0)
            name = _name(*key)
            if name in found:
                if owner[name] != key:
                    raise Unsupported(f"two schemas would share the component name {name}")
                continue
            found[name], wanted = _component(*key)
            owner[name] = key
            queue.extend(wanted)
    return found


#: The security schemes, under the names Stripe's own OpenAPI description gives them
#: (so the document can join Stripe's without a clash), and the operation's requirement: either one.
BEARER = "bearerAuth"
BASIC = "basicAuth"
SECURITY_SCHEMES: dict[str, dict[str, str]] = {
    BEARER: {
        "type": "http",
        "scheme": "bearer",
        "description": "The secret API key as a bearer token: `Authorization: Bearer sk_test_...`. "
                       "The stand-in (`customer-session serve`) accepts test-mode keys only "
                       "(`sk_test_...`, `rk_test_...`) and refuses live ones.",
    },
    BASIC: {
        "type": "http",
        "scheme": "basic",
        "description": "The secret API key as HTTP Basic auth's user name, the password empty "
                       "(`curl -u sk_test_...:`). The stand-in accepts test-mode keys only.",
    },
}
SECURITY: list[dict[str, list[str]]] = [{BEARER: []}, {BASIC: []}]

#: The media type extension that states the body's wire format, which no OpenAPI style can.
ENCODING_EXTENSION = "x-stripeEncoding"
WIRE_FORMAT = (
    "Stripe's bracket encoding, as stripe-python writes it: an object's keys as `a[b]=v`, an array's items "
    "by index as `a[0]=v&a[1]=w` (`a[]=v` is read too), nested to any depth (`a[b][0][c]=v`); booleans as "
    "`true`/`false`; a null, an empty object and an empty array send nothing. OpenAPI has no style for this "
    "(`deepObject` is defined for objects only, one level deep): object params are declared `deepObject`, "
    "as in Stripe's own description, array params have no `encoding` entry."
)


def _nested() -> Iterator[tuple[str, Schema]]:
    """Each top-level param that is an object or an array, with its merged schema node."""
    for key, sub, _ in loader.children(loader.root(), loader.root_id()):
        if key is not None and loader.types(sub) & {"object", "array"}:
            yield key, sub


def _encoding() -> dict[str, dict[str, Any]]:
    """deepObject for every top-level object param, as Stripe's own description has it; none for arrays.

    OpenAPI defines deepObject for objects only; no standard style writes
    an array as ``a[0]=v``, so an array param is left to the extension.
    """
    return {key: {"style": "deepObject", "explode": True}
            for key, sub in _nested() if "array" not in loader.types(sub)}


def _wire_example(key: str, sub: Schema) -> str:
    """How `key` goes on the wire, from the param's own first example; a generic shape without one."""
    examples = sub.get("examples")
    if isinstance(examples, list) and examples:
        pairs = form.encode({key: examples[0]})
        if pairs:
            return pairs
    return f"{key}[0]=v" if "array" in loader.types(sub) else f"{key}[k]=v"


def _wire_sentence(key: str, sub: Schema) -> str:
    return f"On the wire in Stripe's bracket encoding, e.g. `{_wire_example(key, sub)}`."


def _describe_nested(body: Schema) -> None:
    """Add the wire format, with an example, to each nested param's description in the body's component."""
    properties = body.get("properties", {})
    for key, sub in _nested():
        where = properties[key]
        text = where.get("description", "")
        where["description"] = f"{text} {_wire_sentence(key, sub)}".strip()


def _wire_format() -> dict[str, Any]:
    """The value of `ENCODING_EXTENSION`: the format named, each shape shown, and a whole body encoded."""
    examples = loader.root().get("examples")
    sample = form.encode(examples[0]) if isinstance(examples, list) and examples else None
    value: dict[str, Any] = {
        "name": "stripe-brackets",
        "encoder": "stripe-python (stripe._encode._api_encode); validator.form.encode in this package",
        "object": "a[b]=v",
        "array": "a[0]=v&a[1]=w",
        "boolean": "true, false",
        "omitted": "null, {} and []",
        "description": WIRE_FORMAT,
    }
    if sample:
        value["example"] = sample
    return value


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("customer-session-schema")
    except PackageNotFoundError:
        return "0.0.0"


def _json(name: str) -> dict[str, Any]:
    return {RESPONSE_MEDIA_TYPE: {"schema": {"$ref": f"#/components/schemas/{component_name(name)}"}}}


def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document: the one operation, its request body, its responses and their components."""
    root = loader.root()
    schemas = components()
    body = component_name(loader.ROOT_FILE)
    _describe_nested(schemas[body])
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": root.get("title", body),
            "version": _version(),
            "summary": f"Stripe API version {loader.api_version()}",
            "description": root.get("description", ""),
        },
        "servers": [{"url": SERVER}],
        "paths": {
            PATH: {
                METHOD: {
                    "operationId": OPERATION_ID,
                    "summary": root.get("title", body),
                    "security": copy.deepcopy(SECURITY),
                    "requestBody": {
                        "required": True,
                        "description": f"The params, form-encoded. {WIRE_FORMAT}",
                        "content": {
                            MEDIA_TYPE: {
                                "schema": {"$ref": f"#/components/schemas/{body}"},
                                "encoding": _encoding(),
                                ENCODING_EXTENSION: _wire_format(),
                            },
                        },
                    },
                    "responses": {
                        "200": {"description": "The Customer Session that was created.",
                                "content": _json(loader.RESPONSE_FILE)},
                        "401": {"description": "No API key, or one that cannot be used (the stand-in takes "
                                               "test-mode keys only). No key is ever quoted back.",
                                "headers": {"WWW-Authenticate": {
                                    "description": "The scheme to authenticate with: `Basic realm=\"Stripe\"`.",
                                    "schema": {"type": "string"}}},
                                "content": _json(loader.ERROR_FILE)},
                        "default": {"description": "An error: the params were rejected, or the request failed.",
                                    "content": _json(loader.ERROR_FILE)},
                    },
                },
            },
        },
        "components": {"schemas": schemas, "securitySchemes": copy.deepcopy(SECURITY_SCHEMES)},
    }
