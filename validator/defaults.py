"""The effective configuration: the payload with every documented default filled in.

What is filled comes only from the schemas' ``default`` keywords.  An object
that is absent is created only when its schema requires nothing (so creating
it cannot make the payload invalid) and it would then hold a default: a
``features`` object is created, a component (which requires ``enabled``) never.
"""

from __future__ import annotations

import copy
import functools

from . import loader


def _is_object(node: dict) -> bool:
    return node.get("type") == "object" or "properties" in node


@functools.cache
def _plan() -> tuple[frozenset, dict]:
    """Every described param path (array items as index 0), and for each object
    path what to add when a key is absent: ``(key, default, create)`` in schema order.
    """
    walked = list(loader.nodes().items())
    paths = frozenset(path for path, _ in walked)
    absent: dict[tuple, list] = {}
    # walk() is depth first, parents before children: reversed, every child's
    # plan is complete before its parent asks whether the child can be created.
    for path, node in reversed(walked):
        if not path or not isinstance(path[-1], str):
            continue
        parent, key = path[:-1], path[-1]
        if "default" in node:
            # A null default is the reference's "no value": nothing to fill.
            if node["default"] is not None:
                absent.setdefault(parent, []).insert(0, (key, node["default"], False))
        elif _is_object(node) and not node.get("required") and absent.get(path):
            absent.setdefault(parent, []).insert(0, (key, None, True))
    return paths, absent


def _copy(value, path: tuple):
    """`value` at a described `path`: dicts and lists copied, defaults filled inside dicts."""
    paths, _ = _plan()
    if isinstance(value, dict):
        return _fill(value, path)
    if isinstance(value, list) and path + (0,) in paths:
        return [_copy(item, path + (0,)) for item in value]
    return value


def _fill(value: dict, path: tuple) -> dict:
    paths, absent = _plan()
    out = {}
    for key, item in value.items():
        out[key] = _copy(item, path + (key,)) if isinstance(key, str) and path + (key,) in paths else item
    for key, default, create in absent.get(path, ()):
        if key not in out:
            out[key] = _fill({}, path + (key,)) if create else _copy(copy.deepcopy(default), path + (key,))
    return out


def fill_defaults(params):
    """A new dict: `params` with every documented default filled in; `params` is untouched.

    Given values are never changed, and filling twice gives what filling once
    gives.  The result shares no dict or list with `params` at any position
    the schemas describe; what sits under an unknown key, or is not a dict
    where a dict is expected, is carried over as it is.  Anything that is not
    a dict (the payload itself included) is returned as it is.
    """
    if not isinstance(params, dict):
        return params
    return _fill(params, ())
