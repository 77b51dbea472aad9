"""The compiled engine: jsonschema-rs on the bundled schemas, built once on first use."""

from __future__ import annotations

import functools

from . import loader


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
        jsonschema_rs.validator_for(_reading_text({"properties": {"s": {"type": "string"}}})).is_valid({"s": "\ud800"})
    except ValueError:  # UnicodeEncodeError
        return True
    return False


# Keywords holding values, not schemas; keywords holding a map of names to schemas.
_VALUES = {"const", "enum"}
_ANNOTATIONS = {"default", "examples"}
_COMPARES_TEXT = {"anyOf": [{"const": ""}, True]}
_MAPS = {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}


def _reading_text(schema):
    """A copy of the bundled `schema` in which every free-text position compares its text."""
    if isinstance(schema, list):
        return [_reading_text(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key in _VALUES or key in _ANNOTATIONS:
            out[key] = value
        elif key in _MAPS and isinstance(value, dict):
            out[key] = {name: _reading_text(sub) for name, sub in value.items()}
        else:
            out[key] = _reading_text(value)
    declared = schema.get("type")
    if (declared == "string" or isinstance(declared, list) and "string" in declared) and not _VALUES & schema.keys():
        out["allOf"] = [*out.get("allOf", ()), _COMPARES_TEXT]
    return out


def _any_of_as_if(schema):
    """`schema` with each self-contained ``anyOf`` written ``{"if": {"anyOf": ...}, "else": false}``.

    The same verdicts; but jsonschema-rs reports a failing ``anyOf`` with
    every branch's errors as Python objects (tens of µs for a rule with
    seven branches), and a failing ``else: false`` as one error.  `explain`
    reads such an ``else`` as the ``anyOf`` it stands for, and works out
    the branches' failures itself when it needs them.  Changed in place
    (`schema` is a fresh copy); an ``anyOf`` beside ``if``/``then``/``else``,
    or holding a ``$ref``, is left as it is.
    """
    stack = [schema]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(value for key, value in item.items() if key not in _VALUES and key not in _ANNOTATIONS)
            branches = item.get("anyOf")
            if isinstance(branches, list) and not {"if", "then", "else"} & item.keys() and "$ref" not in str(branches):
                item["if"] = {"anyOf": item.pop("anyOf")}
                item["else"] = False
    return schema


@functools.cache
def compiled(name: str = loader.ROOT_FILE):
    """A jsonschema-rs validator for the root schema `name`, or None where jsonschema-rs cannot be imported.

    Its verdicts are those of the bundled schemas, written for speed: see
    `reads_text` for the one keyword it adds, and `_any_of_as_if`.
    """
    try:
        import jsonschema_rs
    except ImportError:
        return None
    from .bundle import bundle

    schema = _any_of_as_if(bundle(name))
    return jsonschema_rs.validator_for(_reading_text(schema) if reads_text() else schema)
