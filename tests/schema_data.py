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
def inlined(name: str = loader.ROOT_FILE) -> dict:
    """The root schema `name` with no ``$ref`` left and no keyword of our own."""
    return strip_extensions(_inline(loader.root(name), loader.root_id(name)))


def _memoize_nested_strategies() -> bool:
    """Make hypothesis-jsonschema build each nested strategy once, not once per draw.

    Its object strategy canonicalises and merges the schema of every property
    value inside each draw.  For our `components` object that means merging
    the seven-branch "at least one enabled" anyOf with all seven component
    schemas on every example: ~0.09 s an example, of which the anyOf is ~85 %
    (measured: 0.089 s with every rule, 0.014 s without the anyOf, 0.082 s
    without the if/then).  The function is pure in its arguments and
    strategies are immutable, so caching it changes no example, only the
    cost (~3 ms an example).  It is private API: if it is gone, generation
    is merely slow again.
    """
    try:
        from hypothesis_jsonschema import _from_schema
        from hypothesis_jsonschema._encode import encode_canonical_json
    except ImportError:
        return False
    original = getattr(_from_schema, "merged_as_strategies", None)
    if original is None:
        return False
    if getattr(original, "memoized", False):
        return True
    cache: dict = {}

    def merged_as_strategies(schemas, **options):
        # Option values (alphabet, custom formats) are keyed by identity;
        # the cached entry keeps them alive, so an id is never reused.
        key = (encode_canonical_json(schemas), tuple((name, id(value)) for name, value in sorted(options.items())))
        entry = cache.get(key)
        if entry is None:
            entry = cache[key] = (original(schemas, **options), options)
        return entry[0]

    merged_as_strategies.memoized = True
    _from_schema.merged_as_strategies = merged_as_strategies
    return True


@functools.cache
def payloads(name: str = loader.ROOT_FILE):
    """A Hypothesis strategy of valid payloads under root `name`, generated from the schemas (built once)."""
    from hypothesis_jsonschema import from_schema

    _memoize_nested_strategies()
    return from_schema(inlined(name))


def ints(value):
    """`value` with every whole float written as an int: the same JSON value to a JSON Schema engine."""
    if isinstance(value, dict):
        return {key: ints(item) for key, item in value.items()}
    if isinstance(value, list):
        return [ints(item) for item in value]
    return int(value) if isinstance(value, float) and value.is_integer() else value
