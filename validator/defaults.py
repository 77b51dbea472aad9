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


class _Place:
    """What filling needs at one described param path: its properties' places, its items' place, what to add."""

    __slots__ = ("keys", "item", "absent")

    def __init__(self):
        self.keys: dict = {}  # property name -> _Place
        self.item = None  # the _Place of an array's items
        self.absent: list = []  # (key, default, create) to add when the key is absent, in schema order


@functools.cache
def plan() -> _Place:
    """The described params as a tree of _Places, read once from the schemas (array items under index 0)."""
    walked = list(loader.nodes().items())
    places = {path: _Place() for path, _ in walked}
    for path, place in places.items():
        if path:
            parent, key = places[path[:-1]], path[-1]
            if isinstance(key, str):
                parent.keys[key] = place
            else:
                parent.item = place
    # walk() is depth first, parents before children: reversed, every child's
    # plan is complete before its parent asks whether the child can be created.
    for path, node in reversed(walked):
        if not path or not isinstance(path[-1], str):
            continue
        parent, key = places[path[:-1]], path[-1]
        if "default" in node:
            # A null default is the reference's "no value": nothing to fill.
            if node["default"] is not None:
                parent.absent.insert(0, (key, node["default"], False))
        elif _is_object(node) and not node.get("required") and places[path].absent:
            parent.absent.insert(0, (key, None, True))
    return places[()]


def _copy(value, place: _Place):
    """`value` at a described place: dicts and lists copied, defaults filled inside dicts."""
    if isinstance(value, dict):
        return _fill(value, place)
    if isinstance(value, list) and place.item is not None:
        return [_copy(item, place.item) for item in value]
    return value


def _fill(value: dict, place: _Place) -> dict:
    keys = place.keys
    out = {}
    for key, item in value.items():
        # Only a str key names a property (a dict may hold any key); what sits elsewhere is carried over.
        sub = keys.get(key) if key.__class__ is str or isinstance(key, str) else None
        out[key] = item if sub is None or not isinstance(item, (dict, list)) else _copy(item, sub)
    for key, default, create in place.absent:
        if key not in out:
            out[key] = _fill({}, keys[key]) if create else _copy(copy.deepcopy(default), keys[key])
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
    return _fill(params, plan())
