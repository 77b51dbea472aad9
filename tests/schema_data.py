"""Test helpers that read the schemas: a fully inlined schema and payload strategies.

hypothesis-jsonschema resolves only local refs, so generation works from a
copy of the root schema with every ``$ref`` replaced by what it points to.
"""

from __future__ import annotations

import functools

from validator import loader
from validator.bundle import strip_extensions


def _inline(schema, resolver):
    if isinstance(schema, list):
        return [_inline(item, resolver) for item in schema]
    if not isinstance(schema, dict):
        return schema
    merged, resolver = loader.node(schema, resolver)
    out = {}
    for key, value in merged.items():
        if key in ("$id", "$schema", "$defs"):
            continue
        if key in ("properties", "patternProperties"):
            out[key] = {name: _inline(sub, resolver) for name, sub in value.items()}
        elif key in ("default", "examples", "enum", "const"):
            out[key] = value
        else:
            out[key] = _inline(value, resolver)
    return out


@functools.cache
def inlined() -> dict:
    """The root schema with no ``$ref`` left and no keyword of our own."""
    return strip_extensions(_inline(loader.root(), loader.resolver()))


def payloads():
    """A Hypothesis strategy of valid payloads, generated from the schemas."""
    from hypothesis_jsonschema import from_schema

    return from_schema(inlined())
