"""Making any Python value safe to check: a JSON-only copy, cut where the schemas stop looking."""

from __future__ import annotations

import math

from . import loader, plan
from .errors import PARAMETER_NOT_JSON, ParamError, bracket, describe

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing at start (type checkers read it so)
if TYPE_CHECKING:
    from typing import Any

    from .errors import Path as _Path

#: Stands in, inside the checked copy, for a value that is not JSON data.
NOT_JSON = object()

# jsonschema's messages repr the instance, and Python refuses to print an
# int of over 4300 digits: such an int is checked as a printable stand-in on
# the same side of every bound a schema could sensibly state.
_INT_BITS = 1000
_BIG_INT = 2**_INT_BITS

_PLAIN = frozenset({str, bool, int})


def unsendable(text: str) -> bool:
    """True when `text` holds a lone surrogate: it is no Unicode text, so it cannot be encoded (or sent)."""
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


@plan.derived
def _open(name: str) -> frozenset[_Path]:
    """Paths (array items as 0) of the objects under root `name` that accept fields the schemas do not describe."""
    return frozenset(node.path for node in plan.root(name).walk() if "object" in node.types and not node.closed)


def scrub(params: Any, name: str = loader.ROOT_FILE) -> tuple[object, list[ParamError]]:
    """A JSON-only copy of `params`, cut at the depth the root schema `name` looks to.

    Values that are not JSON data become a placeholder and an error each.
    A field the schemas do not describe, in an object that accepts such
    fields, is not looked into (nor is it by the compiled engine): it is
    copied as null.  Iterative, so neither deep nesting nor cycles can
    exhaust the stack.
    """
    problems: list[ParamError] = []
    limit = loader.depth(name) + 1
    described, open_objects = plan.nodes(name), _open(name)
    holder: list[object] = [None]
    # (value, the dict or list of the copy it goes in, its key or index there, its path, its path in the schemas)
    stack: list[tuple[Any, Any, str | int, _Path, _Path]] = [(params, holder, 0, (), ())]
    copy: dict[str, object]
    array: list[object]
    while stack:
        value, parent, slot, path, where_in_schema = stack.pop()
        if isinstance(value, dict):
            if len(path) >= limit:
                parent[slot] = {}
                continue
            parent[slot] = copy = {}
            skip_unknown = where_in_schema in open_objects
            for key, item in value.items():
                if skip_unknown and isinstance(key, str) and where_in_schema + (key,) not in described:
                    copy[key] = None
                elif isinstance(key, str) and unsendable(key):
                    where = path + (key,)
                    problems.append(ParamError(
                        bracket(where), where, PARAMETER_NOT_JSON,
                        f"{bracket(path) or 'The payload'} has a key that is not Unicode text "
                        f"(it holds a lone surrogate), so UTF-8 cannot encode it.",
                    ))
                elif isinstance(key, str):
                    # Plain strings, booleans and small ints (most values) are copied
                    # here: only the rest is worth a trip through the stack.
                    if item.__class__ in _PLAIN and not (item.__class__ is int and item.bit_length() > _INT_BITS) \
                            and not (item.__class__ is str and unsendable(item)):
                        copy[key] = item
                    else:
                        copy[key] = None
                        stack.append((item, copy, key, path + (key,), where_in_schema + (key,)))
                else:
                    where = path + (key,)
                    problems.append(ParamError(
                        bracket(where), where, PARAMETER_NOT_JSON,
                        f"{bracket(path) or 'The payload'} has a key that is not a string: {describe(key)}.",
                    ))
        elif isinstance(value, list):
            if len(path) >= limit:
                parent[slot] = []
                continue
            parent[slot] = array = [None] * len(value)
            stack.extend((item, array, index, path + (index,), where_in_schema + (0,))
                         for index, item in enumerate(value))
        elif isinstance(value, int) and value.bit_length() > _INT_BITS:
            parent[slot] = _BIG_INT if value > 0 else -_BIG_INT
        elif isinstance(value, str) and unsendable(value):
            parent[slot] = NOT_JSON
            problems.append(ParamError(
                bracket(path), path, PARAMETER_NOT_JSON,
                f"{bracket(path) or 'The payload'} is not Unicode text (it holds a lone surrogate), "
                f"so UTF-8 cannot encode it.",
            ))
        elif value is None or isinstance(value, (str, int)) or (isinstance(value, float) and math.isfinite(value)):
            parent[slot] = value
        else:
            parent[slot] = NOT_JSON
            problems.append(ParamError(
                bracket(path), path, PARAMETER_NOT_JSON,
                f"{bracket(path) or 'The payload'} is not JSON data: {describe(value)}.",
            ))
    return holder[0], problems
