"""The compiled engine: jsonschema-rs on the bundled schemas, built once on first use."""

from __future__ import annotations

import functools

from . import loader


@functools.cache
def compiled(name: str = loader.ROOT_FILE):
    """A jsonschema-rs validator for the root schema `name`, or None where jsonschema-rs cannot be imported."""
    try:
        import jsonschema_rs
    except ImportError:
        return None
    from .bundle import bundle

    # The schemas as written (no type union split): errors point where the source files do.
    return jsonschema_rs.validator_for(bundle(name, portable=False))
