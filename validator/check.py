"""The verdict: is a payload valid?  Cheap when it is.

A compiled engine (jsonschema-rs, on the bundled schemas, built once on
first use) says yes or no; only a payload it rejects pays for the detailed
explanation in `explain`.  Without jsonschema-rs, stock jsonschema decides.

One `Checker` per root schema: the create params (the functions of this
module) and the returned object (`validator.response`).
"""

from __future__ import annotations

import functools
import re
from typing import Iterator

from . import engine, explain, loader
from .errors import ParamError, ValidationError
from .plain import scrub

# jsonschema-rs reads some Python values more loosely than stock jsonschema
# (and so this project): a tuple as an array, a Decimal as a number, an int
# past 64 bits by approximation, a string holding a lone surrogate as text.
# Where the schemas allow an array, a number or free text, such a value
# sends the payload down the slow path.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _sendable(text: str) -> bool:
    """True when `text` can be encoded as UTF-8 (holds no lone surrogate)."""
    return text.isascii() or not _SURROGATE.search(text)


def _watch(name: str) -> dict:
    """A tree of the params under root `name`, marking where jsonschema-rs and stock jsonschema may disagree.

    Keys are param names (the int 0 stands for every array item); the key
    None holds ``(types, watched)``: the JSON types the schemas allow there,
    and whether the value needs a look — it may be an array, a number, or
    free text (a string with no ``enum`` or ``const``: any other string the
    compiled engine accepted equals an allowed value, so it is plain text).
    """
    tree: dict = {}
    for path, node in loader.nodes(name).items():
        types = loader.types(node)
        loose = {"array", "integer", "number"} | ({"string"} if "enum" not in node and "const" not in node else set())
        branch = tree
        for part in path:
            branch = branch.setdefault(part, {})
        branch[None] = (types, bool(types & loose))
    return tree


# Each JSON type as a test of the Python values stock jsonschema reads as
# that type (2020-12 counts 3.0 as an integer; past 63 bits jsonschema-rs
# approximates).
_EXACT = {
    "array": "{0}.__class__ is list",
    "integer": "isinstance({0}, int) and {0}.bit_length() <= 63 or isinstance({0}, float)",
    "number": "isinstance({0}, int) and {0}.bit_length() <= 63 or isinstance({0}, float)",
    "string": "isinstance({0}, str) and sendable({0})",
    "boolean": "{0} is True or {0} is False",
    "object": "isinstance({0}, dict)",
    "null": "{0} is None",
}


def _watched(branch: dict) -> bool:
    """True when something at or beneath this branch needs a look."""
    return branch[None][1] or any(_watched(sub) for key, sub in branch.items() if key is not None)


def _source(branch: dict, var: str, depth: int, lines: list) -> None:
    """Python statements checking the value in `var` (accepted by the compiled engine) against one branch."""
    pad = "    " * depth
    types, watched = branch[None]
    if watched:
        tests = " or ".join(f"({_EXACT[kind].format(var)})" for kind in sorted(types))
        lines.append(f"{pad}if not ({tests}): return False")
    child = f"v{depth}"
    items = branch.get(0)
    if items is not None and _watched(items):
        # Where the schema allows nothing but an array, the accepted value is one.
        guard = types != {"array"}
        if guard:
            lines.append(f"{pad}if {var}.__class__ is list:")
        lines.append(f"{pad}{'    ' * guard}for {child} in {var}:")
        _source(items, child, depth + 1 + guard, lines)
    keys = [(key, sub) for key, sub in branch.items() if isinstance(key, str) and _watched(sub)]
    if keys:
        guard = types != {"object"}
        if guard:
            lines.append(f"{pad}if isinstance({var}, dict):")
        for key, sub in keys:
            lines.append(f"{pad}{'    ' * guard}{child} = {var}.get({key!r})")
            lines.append(f"{pad}{'    ' * guard}if {child} is not None:")
            _source(sub, child, depth + 1 + guard, lines)
    lines.append(f"{pad}pass")


def _plain_where_watched(name: str):
    """A function: True when every watched param holds what jsonschema-rs reads exactly as stock jsonschema.

    Generated once from the watch tree as straight-line code: on the fast
    path it must cost a fraction of what jsonschema-rs itself costs, which
    a generic walk of the payload does not.
    """
    lines = ["def plain(v0):"]
    _source(_watch(name), "v0", 1, lines)
    lines.append("    return True")
    namespace: dict = {"sendable": _sendable}
    exec(compile("\n".join(lines), f"<watched params of {name}>", "exec"), namespace)
    return namespace["plain"]


class Checker:
    """`is_valid`, `iter_errors` and `validate` against one root schema file."""

    def __init__(self, name: str):
        self.name = name

    @functools.cached_property
    def _engine(self):
        """``(is_valid, plain_where_watched)`` of the compiled engine, or None where it cannot be imported."""
        validator = engine.compiled(self.name)
        return None if validator is None else (validator.is_valid, _plain_where_watched(self.name))

    def _fast_verdict(self, params):
        """True or False where the compiled engine can be trusted; None where it cannot."""
        compiled = self._engine
        if compiled is None:
            return None
        try:
            verdict = compiled[0](params)
        except (ValueError, TypeError, OverflowError, RecursionError):
            # Values jsonschema-rs cannot read (bytes, sets, non-string keys, …).
            return None
        if verdict and not compiled[1](params):
            return None
        return verdict

    def is_valid(self, params) -> bool:
        """True when `params` has no error; agrees with `iter_errors`."""
        verdict = self._fast_verdict(params)
        if verdict is None:
            clean, problems = scrub(params, self.name)
            return not problems and explain.stock(self.name).is_valid(clean)
        return verdict

    def iter_errors(self, params) -> Iterator[ParamError]:
        """Every problem with `params`, one per param, in a stable order.  Never raises for bad data."""
        if self._fast_verdict(params):
            return iter(())
        return explain.iter_errors(params, name=self.name)

    def validate(self, params):
        """Return `params` unchanged if valid; raise ValidationError listing every error otherwise."""
        if self._fast_verdict(params):
            return params
        errors = list(explain.iter_errors(params, name=self.name))
        if errors:
            raise ValidationError(errors)
        return params


_PARAMS = Checker(loader.ROOT_FILE)


def is_valid(params) -> bool:
    """True when `params` has no error; agrees with `iter_errors`."""
    return _PARAMS.is_valid(params)


def iter_errors(params) -> Iterator[ParamError]:
    """Every problem with `params`, one per param, in a stable order.  Never raises for bad data."""
    return _PARAMS.iter_errors(params)


def validate(params):
    """Return `params` unchanged if valid; raise ValidationError listing every error otherwise."""
    return _PARAMS.validate(params)
