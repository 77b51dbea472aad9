"""An OpenAPI 3.1 description of the create endpoint: our schemas as its request body and responses.

The request body is the create params; the ``200`` response is the Customer
Session object and the ``default`` response Stripe's error body (JSON).
Each schema resource reachable from those roots becomes a component, and so does
each entry of a resource's top-level ``$defs``; every ``$ref`` is rewritten to
``#/components/schemas/…``.  Embedding the compound bundle instead (its
``$id``s intact) is legal OpenAPI 3.1, but OpenAPI tooling resolves refs
against the document rather than against embedded ``$id``s:
openapi-spec-validator 0.9 fails on it with ``Unresolvable: components.json``,
and code generators do no better.  Components also give generated code named
types.  Keywords of our own (``x-…``) are dropped, as in the bundle.

The body is ``application/x-www-form-urlencoded`` with ``deepObject``
encoding for nested params, as Stripe's own OpenAPI description has it.
"""

from __future__ import annotations

import copy
import re
from urllib.parse import urldefrag, urljoin, urlsplit

from referencing.jsonschema import DRAFT202012

from . import loader
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


def _subschemas(schema):
    """Every subschema, in document order (so components come out in a readable order)."""
    stack = [schema]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            yield current
            stack.extend(reversed(list(DRAFT202012.subresources_of(current))))


def _component(uri: str, definition: str | None) -> tuple[dict, list]:
    """One component with its refs rewritten, and the (uri, definition) pairs it refers to."""
    resource = strip_extensions(loader.contents()[uri])
    schema = resource["$defs"][definition] if definition is not None else resource
    schema = copy.deepcopy(schema)
    if definition is None:
        for keyword in ("$id", "$schema", "$defs"):
            schema.pop(keyword, None)
    wanted = []
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


def components() -> dict:
    """``components.schemas``: each root and what it refers to, in the order first reached, root by root."""
    found: dict[str, dict] = {}
    owner: dict[str, tuple] = {}
    for root in ROOTS:
        queue = [(loader.root_id(root), None)]
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


def _encoding() -> dict:
    """deepObject for every top-level param that is an object or array, as Stripe's spec lists them."""
    encoding = {}
    for key, sub, _ in loader.children(loader.root(), loader.root_id()):
        if key is not None and loader.types(sub) & {"object", "array"}:
            encoding[key] = {"style": "deepObject", "explode": True}
    return encoding


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("customer-session-schema")
    except PackageNotFoundError:
        return "0.0.0"


def _json(name: str) -> dict:
    return {RESPONSE_MEDIA_TYPE: {"schema": {"$ref": f"#/components/schemas/{component_name(name)}"}}}


def document() -> dict:
    """The OpenAPI 3.1 document: the one operation, its request body, its responses and their components."""
    root = loader.root()
    schemas = components()
    body = component_name(loader.ROOT_FILE)
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
                    "requestBody": {
                        "required": True,
                        "content": {
                            MEDIA_TYPE: {
                                "schema": {"$ref": f"#/components/schemas/{body}"},
                                "encoding": _encoding(),
                            },
                        },
                    },
                    "responses": {
                        "200": {"description": "The Customer Session that was created.",
                                "content": _json(loader.RESPONSE_FILE)},
                        "default": {"description": "An error: the params were rejected, or the request failed.",
                                    "content": _json(loader.ERROR_FILE)},
                    },
                },
            },
        },
        "components": {"schemas": schemas},
    }
