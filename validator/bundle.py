"""One self-contained schema file: a JSON Schema 2020-12 compound document.

Each schema resource is embedded whole (its own ``$id`` and ``$schema``)
under the root's ``$defs``; refs stay exactly as written and resolve against
the embedded ``$id``s.  jsonschema-rs's ``bundle`` cannot be used: it embeds
only the first fragment a file is referenced by, so a second ref into the
same file dangles.  Keywords of our own (``x-…``) are dropped so that strict
engines such as ajv accept the file.
"""

from __future__ import annotations

import copy

from . import loader

# Keywords whose value maps names to schemas: their keys are not keywords.
_SCHEMA_MAPS = {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}


def strip_extensions(schema):
    """A copy of `schema` without ``x-`` keywords at any schema position."""
    if isinstance(schema, list):
        return [strip_extensions(item) for item in schema]
    if not isinstance(schema, dict):
        return copy.deepcopy(schema)
    out = {}
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


def bundle() -> dict:
    """The root schema with every other resource embedded: resolves with no registry at all."""
    root_id = loader.root_id()
    document = strip_extensions(loader.root())
    embedded = {uri: strip_extensions(schema) for uri, schema in loader.contents().items() if uri != root_id}
    document["$defs"] = {**document.get("$defs", {}), **embedded}
    return document
