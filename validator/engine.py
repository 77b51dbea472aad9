"""The compiled engine: jsonschema-rs on the bundled schemas, built once on first use."""

from __future__ import annotations

import functools

from . import loader

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing at start (type checkers read it so)
if TYPE_CHECKING:
    from typing import Any

    import jsonschema_rs


@functools.cache
def reads_text() -> bool:
    """True when jsonschema-rs refuses (raises on) a string holding a lone surrogate wherever it reads the text.

    Where a schema only asks for a string (or its length), jsonschema-rs
    checks the type and never reads the text, so a lone surrogate passes; a
    keyword that compares the text makes its conversion to UTF-8 fail.  The
    compiled schemas give each free-text position (a string with no ``enum``
    or ``const``, which compare already) ``anyOf: [{const: ""}, true]``:
    true of any value, and the cheapest such keyword measured (``pattern``
    costs five times as much).  So the fast path need not look at those
    strings itself.  Probed, not assumed: if a release of jsonschema-rs reads
    such strings leniently, or skips the comparison, the fast path checks
    them in Python again (`check`).
    """
    try:
        import jsonschema_rs
    except ImportError:
        return False
    try:
        jsonschema_rs.validator_for(_compiled_form({"properties": {"s": {"type": "string"}}})).is_valid({"s": "\ud800"})
    except ValueError:  # UnicodeEncodeError
        return True
    return False


# Keywords holding values, not schemas; keywords holding a map of names to schemas.
_VALUES = {"const", "enum"}
_ANNOTATIONS = {"default", "examples"}
_COMPARES_TEXT = {"anyOf": [{"const": ""}, True]}
_MAPS = {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}


def _compiled_form(schema: Any, text: bool = True) -> Any:
    """The compiled engine's copy of `schema`: the same verdicts, written for speed.

    Our ``x-`` keywords are left out; each self-contained ``anyOf`` is
    written ``{"if": {"anyOf": ...}, "else": false}``; and (if `text`) every
    free-text position also compares its text (`reads_text`).

    jsonschema-rs reports a failing ``anyOf`` with every branch's errors as
    Python objects (tens of µs for a rule with seven branches), a failing
    ``else: false`` as one error.  `explain` reads such an ``else`` as the
    ``anyOf`` it stands for, and works out the branches' failures itself
    when it needs them.  An ``anyOf`` beside ``if``/``then``/``else``, or
    holding a ``$ref``, is left as it is.
    """
    if isinstance(schema, list):
        return [_compiled_form(item, text) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _VALUES or key in _ANNOTATIONS:
            out[key] = value
        elif key in _MAPS and isinstance(value, dict):
            out[key] = {name: _compiled_form(sub, text) for name, sub in value.items()}
        elif not key.startswith("x-"):
            out[key] = _compiled_form(value, text)
    branches = out.get("anyOf")
    if isinstance(branches, list) and not {"if", "then", "else"} & out.keys() and "$ref" not in str(branches):
        out["if"] = {"anyOf": out.pop("anyOf")}
        out["else"] = False
    declared = schema.get("type")
    if text and (declared == "string" or isinstance(declared, list) and "string" in declared) \
            and not _VALUES & schema.keys():
        out["allOf"] = [*out.get("allOf", ()), _COMPARES_TEXT]
    return out


@functools.cache
def compiled(name: str = loader.ROOT_FILE) -> jsonschema_rs.Validator | None:
    """A jsonschema-rs validator for the root schema `name`, or None where jsonschema-rs cannot be imported.

    Its verdicts are those of the bundled schemas, written for speed (`_compiled_form`).
    """
    try:
        import jsonschema_rs
    except ImportError:
        return None
    return jsonschema_rs.validator_for(_compiled_form(_compound(name), reads_text()))


def _compound(name: str) -> dict[str, Any]:
    """What `bundle.bundle` gives (the root with every other resource embedded), as one dict sharing
    the loaded schemas' objects: `_compiled_form` copies it, and unknown keywords do not matter to
    jsonschema-rs (nor do ours: they are dropped in the copy).  Made here so that building the engine
    needs neither `copy` nor the bundle's stripping pass."""
    root_id = loader.root_id(name)
    root = loader.root(name)
    embedded = {uri: schema for uri, schema in loader.contents().items() if uri != root_id}
    return {**root, "$defs": {**root.get("$defs", {}), **embedded}}


loader.on_reset(compiled.cache_clear)
