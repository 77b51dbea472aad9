"""The verdict: is a payload valid?  Cheap when it is.

A compiled engine (jsonschema-rs, on the bundled schemas, built once on
first use) says yes or no; only a payload it rejects pays for the detailed
explanation in `explain`.  Without jsonschema-rs, stock jsonschema decides.
"""

from __future__ import annotations

import functools
from typing import Iterator

from . import engine, explain, loader
from .errors import ParamError, ValidationError
from .plain import scrub

# jsonschema-rs reads some Python values more loosely than stock jsonschema
# (and so this project): a tuple as an array, a Decimal as a number, an int
# past 64 bits by approximation.  Where the schemas allow an array or a
# number, such a value sends the payload down the slow path.
_ARRAY, _NUMBER = "array", "number"


@functools.cache
def _compiled():
    """jsonschema-rs's ``is_valid`` on the bundle, or None where it cannot be imported."""
    validator = engine.compiled()
    return None if validator is None else validator.is_valid


@functools.cache
def _watch() -> dict:
    """A tree of the params where jsonschema-rs and stock jsonschema may disagree.

    Keys are param names (the int 0 stands for every array item); the key
    None holds the JSON type the schemas give the param at that point.
    """
    tree: dict = {}
    for path, node in loader.nodes().items():
        types = loader.types(node)
        for kind, names in ((_ARRAY, {"array"}), (_NUMBER, {"integer", "number"})):
            if types & names:
                branch = tree
                for part in path:
                    branch = branch.setdefault(part, {})
                branch[None] = kind
    return tree


def _source(branch: dict, var: str, depth: int, lines: list) -> None:
    """Python statements checking the value in `var` against one branch of the watch tree."""
    pad = "    " * depth
    kind = branch.get(None)
    if kind == _ARRAY:
        lines.append(f"{pad}if not isinstance({var}, list): return False")
    elif kind == _NUMBER:
        lines.append(f"{pad}if not (isinstance({var}, int) and {var}.bit_length() <= 63 or isinstance({var}, float)):"
                     " return False")
    child = f"v{depth}"
    if 0 in branch:
        lines.append(f"{pad}for {child} in {var}:")
        _source(branch[0], child, depth + 1, lines)
    for key, sub in branch.items():
        if isinstance(key, str):
            # The compiled engine accepted the payload, so every object on
            # the way is a dict and null never stands where a value is watched.
            lines.append(f"{pad}{child} = {var}.get({key!r})")
            lines.append(f"{pad}if {child} is not None:")
            _source(sub, child, depth + 1, lines)
    lines.append(f"{pad}pass")


@functools.cache
def _plain_where_watched():
    """A function: True when every watched param holds a list, an int of up to 64 bits or a float.

    Generated once from the watch tree as straight-line code: on the fast
    path it must cost a fraction of what jsonschema-rs itself costs, which
    a generic walk of the payload does not.
    """
    lines = ["def plain(v0):"]
    _source(_watch(), "v0", 1, lines)
    lines.append("    return True")
    namespace: dict = {}
    exec(compile("\n".join(lines), "<watched params>", "exec"), namespace)
    return namespace["plain"]


def _fast_verdict(params):
    """True or False where the compiled engine can be trusted; None where it cannot."""
    compiled = _compiled()
    if compiled is None:
        return None
    try:
        verdict = compiled(params)
    except (ValueError, TypeError, OverflowError, RecursionError):
        # Values jsonschema-rs cannot read (bytes, sets, non-string keys, …).
        return None
    if verdict and not _plain_where_watched()(params):
        return None
    return verdict


def is_valid(params) -> bool:
    """True when `params` has no error; agrees with `iter_errors`."""
    verdict = _fast_verdict(params)
    if verdict is None:
        clean, problems = scrub(params)
        return not problems and explain.stock().is_valid(clean)
    return verdict


def iter_errors(params) -> Iterator[ParamError]:
    """Every problem with `params`, one per param, in a stable order.  Never raises for bad data."""
    if _fast_verdict(params):
        return iter(())
    return explain.iter_errors(params)


def validate(params):
    """Return `params` unchanged if valid; raise ValidationError listing every error otherwise."""
    if _fast_verdict(params):
        return params
    errors = list(explain.iter_errors(params))
    if errors:
        raise ValidationError(errors)
    return params
