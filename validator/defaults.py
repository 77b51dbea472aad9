"""The effective configuration: the payload with every documented default filled in.

What is filled comes only from the schemas' ``default`` keywords.  An object
that is absent is created only when its schema requires nothing (so creating
it cannot make the payload invalid) and it would then hold a default: a
``features`` object is created, a component (which requires ``enabled``) never.
"""

from __future__ import annotations

import copy
from typing import Any

from . import plan
from .plan import Node


def _copy(value: Any, node: Node) -> Any:
    """`value` at a described place: dicts and lists copied, defaults filled inside dicts."""
    if isinstance(value, dict):
        return _fill(value, node)
    if isinstance(value, list) and node.items is not None:
        return [_copy(item, node.items) for item in value]
    return value


def _fill(value: dict[Any, Any], node: Node) -> dict[Any, Any]:
    # Any keys: a payload's dict may hold keys that are not strings (carried over as they are).
    keys = node.properties
    out: dict[Any, Any] = {}
    for key, item in value.items():
        # Only a str key names a property (a dict may hold any key); what sits elsewhere is carried over.
        sub = keys.get(key) if key.__class__ is str or isinstance(key, str) else None
        out[key] = item if sub is None or not isinstance(item, (dict, list)) else _copy(item, sub)
    for fill in node.fills:
        if fill.key not in out:
            out[fill.key] = _fill({}, keys[fill.key]) if fill.create else _copy(copy.deepcopy(fill.default), keys[fill.key])
    return out


def fill_defaults(params: Any) -> Any:
    """A new dict: `params` with every documented default filled in; `params` is untouched.

    Given values are never changed, and filling twice gives what filling once
    gives.  The result shares no dict or list with `params` at any position
    the schemas describe; what sits under an unknown key, or is not a dict
    where a dict is expected, is carried over as it is.  Anything that is not
    a dict (the payload itself included) is returned as it is.
    """
    if not isinstance(params, dict):
        return params
    return _fill(params, plan.root())
