"""The Customer Session object the stand-in server answers, built from the response schema.

Nothing here names a field.  The response schema says what the object
holds, and its annotations (listed in ``validator.bundle.EXTENSIONS``) say
where each value comes from, in this order:

1. ``x-generate``: made afresh for every answer -- random text behind a
   prefix, the request's Unix time plus an offset, or a fixed value;
2. ``const``: the one value the field can have;
3. the request: a field whose path is also a param's path gets the value
   sent (stripe-mock answers the same way), object by object, so fields
   the request does not give are still filled;
4. not sent: ``x-unsent`` if the field has it, else null where the field
   allows null, else an object built from its properties; otherwise the
   field is left out.

A field marked ``x-expandable`` holds an id; when the request's expansions
(the param marked ``x-expansions``) name it, the answer holds instead the
object form its schema describes, built by the same rules with the id in
the property ``x-expandable`` names.
"""

from __future__ import annotations

import copy
import functools
import os
import time

from . import loader

GENERATE, UNSENT, EXPANDABLE, EXPANSIONS = "x-generate", "x-unsent", "x-expandable", "x-expansions"

_ABSENT = object()  # a value the request did not send, or a field the answer leaves out

_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
# Bytes 0..247 map onto the 62 letters and digits four times over; 248..255
# are dropped, so every character is equally likely (no modulo bias).
_MAP = bytes(_ALPHABET[byte % len(_ALPHABET)] for byte in range(256))
_DROP = bytes(range(4 * len(_ALPHABET), 256))


def random_text(length: int) -> str:
    """`length` letters and digits from the OS's secure random source."""
    out = b""
    while len(out) < length:
        out += os.urandom(length + 8).translate(_MAP, _DROP)
    return out[:length].decode("ascii")


class UnknownExpansion(ValueError):
    """The request asks to expand something that is not an expandable field.  ``index`` is its place in the list."""

    def __init__(self, index: int, name: str):
        super().__init__(name)
        self.index, self.name = index, name


class _Field:
    """What the answer needs to know about one field, read once from its merged schema node."""

    __slots__ = ("path", "generate", "fixed", "unsent", "expand_key", "keys", "item")

    def __init__(self, path: tuple, node: dict):
        self.path = path
        self.generate = node.get(GENERATE)
        # The value a field has whatever the request says: its const; else _ABSENT.
        self.fixed = node["const"] if "const" in node else _ABSENT
        if UNSENT in node:
            self.unsent = node[UNSENT]
        elif "null" in loader.types(node):
            self.unsent = None
        else:
            self.unsent = _ABSENT  # an object is built from its properties; anything else is left out
        self.expand_key = node.get(EXPANDABLE)
        self.keys: list = []  # (key, _Field) of each property, in schema order
        self.item = None  # the _Field of an array's items


@functools.cache
def _root() -> _Field:
    """The response schema as a tree of _Fields, built once."""
    nodes = loader.nodes(loader.RESPONSE_FILE)
    fields = {path: _Field(path, node) for path, node in nodes.items()}
    for path, field in fields.items():
        if path:
            parent, key = fields[path[:-1]], path[-1]
            if isinstance(key, str):
                parent.keys.append((key, field))
            else:
                parent.item = field
    return fields[()]


def _fresh(value):
    """A schema value the caller may keep: containers copied, scalars as they are."""
    return copy.deepcopy(value) if isinstance(value, (dict, list)) else value


@functools.cache
def expansions_param() -> tuple | None:
    """The path of the request param that lists fields to expand (``x-expansions``), or None."""
    return next((path for path, node in loader.nodes().items() if node.get(EXPANSIONS) is True), None)


def expandable() -> frozenset:
    """The dotted names of the response fields a request may expand."""
    found, stack = [], [_root()]
    while stack:
        field = stack.pop()
        if field.expand_key is not None:
            found.append(".".join(field.path))
        stack.extend(sub for _, sub in field.keys)
    return frozenset(found)


def expansions(params: dict) -> frozenset:
    """The response paths `params` asks to expand; UnknownExpansion for a name that is not expandable.

    `params` must be valid: the expansions param is then absent or a list of strings.
    """
    where = expansions_param()
    names = params
    for key in where or ():
        names = names.get(key, ()) if isinstance(names, dict) else ()
    if where is None or not isinstance(names, list):
        return frozenset()
    allowed = expandable()
    for index, name in enumerate(names):
        if name not in allowed:
            raise UnknownExpansion(index, name)
    return frozenset(tuple(name.split(".")) for name in names)


def _generated(how: dict, now: int):
    if "random" in how:
        return how["random"] + random_text(how["length"])
    if "now" in how:
        return now + how["now"]
    return _fresh(how["value"])


def _value(field: _Field, sent, expand: frozenset, now: int):
    if field.generate is not None:
        return _generated(field.generate, now)
    if field.fixed is not _ABSENT:
        return _fresh(field.fixed)
    if sent is _ABSENT:
        if field.unsent is not _ABSENT:
            return _fresh(field.unsent)
        return _object(field, {}, expand, now) if field.keys else _ABSENT
    if field.keys:
        if sent.__class__ is dict:
            return _object(field, sent, expand, now)
        if field.expand_key is not None and field.path in expand and sent.__class__ is str:
            return _object(field, {field.expand_key: sent}, expand, now)
    if sent.__class__ is list and field.item is not None:
        return [_value(field.item, item, expand, now) for item in sent]
    return _fresh(sent)


def _object(field: _Field, sent: dict, expand: frozenset, now: int) -> dict:
    out = {}
    for key, sub in field.keys:
        value = _value(sub, sent.get(key, _ABSENT), expand, now)
        if value is not _ABSENT:
            out[key] = value
    return out


def build(params: dict, expand: frozenset = frozenset(), now: int | None = None) -> dict:
    """The object answering the valid request `params`: a new dict, in the response schema's field order.

    `params` should already have its defaults filled (``fill_defaults``), so
    that the answer shows the effective configuration.  `expand` holds the
    response paths to expand (see `expansions`); `now` is the Unix time of
    the request (default: the current time).
    """
    return _object(_root(), params, expand, int(time.time()) if now is None else now)
