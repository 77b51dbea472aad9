"""The compiled engine: jsonschema-rs on the bundled schemas, built once on first use."""

from __future__ import annotations

import functools


@functools.cache
def compiled():
    """A jsonschema-rs validator for the root schema, or None where jsonschema-rs cannot be imported."""
    try:
        import jsonschema_rs
    except ImportError:
        return None
    from .bundle import bundle

    return jsonschema_rs.validator_for(bundle())
