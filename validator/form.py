"""Stripe's wire format: ``application/x-www-form-urlencoded`` bodies with bracket keys.

`decode` turns a body into the params tree the validator checks, reading
the schemas to decide what each value is; `encode` produces the body that
stripe-python sends for a params tree.  Neither knows a param name.
"""

from __future__ import annotations

import functools
import math
import re
from itertools import islice
from urllib.parse import quote_plus, unquote_to_bytes

from . import loader
from .errors import bracket, shorten
from .plain import unsendable

__all__ = ["FormError", "decode", "encode"]

#: Codes a FormError carries.  Stripe's own for a body that is not UTF-8;
#: ours, documented in the README, for the rest.
INVALID_UTF8 = "invalid_utf8_in_post_body"
INVALID_ESCAPE = "form_invalid_escape"
INVALID_KEY = "form_invalid_key"
REPEATED_KEY = "form_repeated_key"
KEY_CONFLICT = "form_key_conflict"
TOO_DEEP = "form_too_deep"
TOO_LARGE = "form_too_large"
TOO_MANY_PARAMS = "form_too_many_params"

# Resource bounds of this decoder, not rules of the API: a real body is a
# few hundred bytes and a dozen pairs.  They keep decoding and validating a
# hostile body well under a second.  Rack, which parses such bodies for
# many Ruby services, has bounds of the same kind (32 levels, 4096 params,
# 4 MiB).
#: Most brackets one key may carry.
MAX_DEPTH = 32
#: Most ``key=value`` pairs one body may hold.
MAX_PAIRS = 1000
#: Longest body, in bytes.
MAX_BYTES = 1024 * 1024

# Longer digit strings are not turned into integers: int() on them is slow
# (and refused by Python's own default limit of 4300 digits).
_MAX_DIGITS = 4300

_KEY = re.compile(r"[^\[\]]+(?:\[[^\[\]]*\])*")
_SEGMENT = re.compile(r"\[([^\[\]]*)\]")
_PAIR = re.compile(rb"[^&]+")
_BAD_ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")
_INDEX = re.compile(r"0|[1-9][0-9]*")
_INTEGER = re.compile(r"-?[0-9]+")


class FormError(ValueError):
    """A body that is not a usable form body.  ``code`` says why; ``param`` names the key, if one is at fault."""

    def __init__(self, message: str, code: str, param: str = ""):
        super().__init__(message)
        self.code = code
        self.param = param


# ---------------------------------------------------------------- decoding


@functools.cache
def _types() -> dict[tuple, frozenset]:
    """The JSON types each param path allows, array items under index 0; read once from the schemas."""
    return {path: loader.types(node) for path, node in loader.nodes().items()}


def _text(raw: bytes, key: str | None = None) -> str:
    """A key (`key` None) or the value of `key`, unescaped and decoded."""
    if b"+" in raw:
        raw = raw.replace(b"+", b" ")
    if b"%" in raw:
        raw = unquote_to_bytes(raw)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        what = "a key" if key is None else f"the value of {shorten(key)!r}"
        prefix = raw[: exc.start].decode("utf-8")
        after = f" after {shorten(prefix)!r}" if prefix else ""
        raise FormError(f"The body is not valid UTF-8: {what} has an invalid byte{after}.", INVALID_UTF8) from None


def _pairs(body: bytes):
    """``(key, value)`` text pairs in body order; empty pairs are skipped, a pair without ``=`` has value ``""``."""
    bad = _BAD_ESCAPE.search(body) if b"%" in body else None
    if bad:
        near = repr(body[bad.start(): bad.start() + 3])[1:]  # each byte as sent: printable, or escaped once
        raise FormError(f"The body has an invalid percent-escape {near} at byte {bad.start()}: "
                        f"'%' must be followed by two hex digits.", INVALID_ESCAPE)
    # Enough separators for too many pairs: count the pairs (up to one too many) before making any.
    if body.count(b"&") >= MAX_PAIRS and sum(1 for _ in islice(_PAIR.finditer(body), MAX_PAIRS + 1)) > MAX_PAIRS:
        raise FormError(f"The body holds more than {MAX_PAIRS} key=value pairs.", TOO_MANY_PARAMS)
    for piece in body.split(b"&"):
        if not piece:
            continue
        key, _, value = piece.partition(b"=")
        if piece.isascii() and b"+" not in piece and b"%" not in piece:  # the common case: nothing to unescape
            yield key.decode("ascii"), value.decode("ascii")
        else:
            key = _text(key)
            yield key, _text(value, key)


# Keys repeat from body to body (a service sends the same params again and again): the parts of a
# short key are worked out once.  Bounded in count and in key length, so any body keeps it small.
_REMEMBERED_KEY = 128


def _segments(key: str) -> tuple:
    """The key's name and bracketed parts; ``None`` stands for ``[]``.  Read-only: it may be shared."""
    return _remembered_segments(key) if len(key) <= _REMEMBERED_KEY else _parse_segments(key)


@functools.lru_cache(maxsize=256)
def _remembered_segments(key: str) -> tuple:
    return _parse_segments(key)


def _parse_segments(key: str) -> tuple:
    if key.count("[") > MAX_DEPTH:
        raise FormError(f"The key {shorten(key)!r} is nested more than {MAX_DEPTH} brackets deep.",
                        TOO_DEEP, shorten(key))
    if not _KEY.fullmatch(key):
        raise FormError(f"The key {shorten(key)!r} is not a name followed by bracketed parts like name[part][0].",
                        INVALID_KEY, shorten(key))
    head = key.index("[") if "[" in key else len(key)
    return (key[:head], *[part or None for part in _SEGMENT.findall(key, head)])


def _tree(body: bytes) -> dict:
    """The bracket keys as nested dicts of text; each ``[]`` becomes a fresh int key, in order."""
    root: dict = {}
    appended = 0
    for key, value in _pairs(body):
        parts = _segments(key)
        node = root
        for depth, part in enumerate(parts, 1):
            if node and isinstance(next(iter(node)), int) != (part is None):
                where = bracket(parts[: depth - 1], whole=True, appended=True)
                raise FormError(f"The body mixes [] with named or numbered parts in {shorten(where)!r}.",
                                KEY_CONFLICT, shorten(where))
            if part is None:
                part = appended = appended + 1
            child = node.get(part)
            if depth == len(parts):
                if child is not None:
                    code = REPEATED_KEY if isinstance(child, str) else KEY_CONFLICT
                    raise FormError(f"The body gives {shorten(key)!r} more than once." if code == REPEATED_KEY else
                                    f"The body gives {shorten(key)!r} both a value and bracketed parts.",
                                    code, shorten(key))
                node[part] = value
            elif child is None:
                node[part] = node = {}
            elif isinstance(child, str):
                where = bracket(parts[:depth], whole=True, appended=True)
                raise FormError(f"The body gives {shorten(where)!r} both a value and bracketed parts.",
                                KEY_CONFLICT, shorten(where))
            else:
                node = child
    return root


# The keys of the common body: plain ASCII names in brackets, none empty (``[]``) and none an index.
# Each is read once (its parts, the types its schema node allows); bounded like _remembered_segments.
_plans: dict = {}
_BOOLEANS = {"true": True, "false": False}  # the text of a boolean; any other text stays text


def _plan(key: str):
    """``(parents, last, types)`` for a plain key; None for any other (the general decoder then reads it).

    ``types`` is None where the text sent stays text, a table from text to
    value where only a boolean is allowed, else the types (see `_scalar`).
    """
    try:
        parts = _parse_segments(key)
    except FormError:
        return None
    if any(part is None or _INDEX.fullmatch(part) for part in parts):
        return None
    types = _types().get(parts)
    if not types or "string" in types:
        types = None
    elif types == {"boolean"}:
        types = _BOOLEANS
    return parts[:-1], parts[-1], types


_plan.cache_clear = _plans.clear  # like the functools caches: what it remembers comes from the schemas


def _plain(body: bytes) -> dict | None:
    """The params of a body whose pairs need no unescaping and whose keys are all plain, in one pass.

    That is the body every client sends for params without arrays.  None
    for any other body -- and for one that is wrong in any way -- which
    `_tree` and `_value` then decode, or explain.  Where it answers, it
    answers what they would: no digits and no ``[]`` mean no arrays, and a
    key's types are those of its path in the schemas.
    """
    if b"%" in body or b"+" in body or not body.isascii() or body.count(b"&") >= MAX_PAIRS:
        return None
    root: dict = {}
    plans = _plans
    for piece in body.decode("ascii").split("&"):
        if not piece:
            continue
        key, _, value = piece.partition("=")
        plan = plans.get(key)
        if plan is None:
            if len(key) > _REMEMBERED_KEY:
                return None
            if len(plans) >= 256:
                plans.clear()
            plan = plans[key] = _plan(key) or False
        if plan is False:
            return None
        parents, last, types = plan
        node = root
        for part in parents:
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            elif child.__class__ is not dict:
                return None  # a value and bracketed parts: the general decoder says so
            node = child
        if last in node:
            return None  # given twice
        if types is None:
            node[last] = value
        elif types is _BOOLEANS:
            node[last] = _BOOLEANS.get(value, value)
        else:
            node[last] = _scalar(value, types)
    return root


def _scalar(text: str, types: frozenset | None):
    """`text` as the type the schema asks for, where it can be; otherwise unchanged."""
    if not types or "string" in types:
        return text
    if "boolean" in types and text in _BOOLEANS:
        return _BOOLEANS[text]
    if "integer" in types and len(text) <= _MAX_DIGITS and _INTEGER.fullmatch(text):
        return int(text)
    return text


def _index_order(part: str) -> tuple:
    return len(part), part


def _value(node, path: tuple | None):
    """Turn a text tree into params; `path` is the schema path (array items as 0), None off-schema."""
    types = _types().get(path) if path is not None else None
    if isinstance(node, str):
        return _scalar(node, types)
    if node and isinstance(next(iter(node)), int):
        item = None if path is None else path + (0,)
        return [_value(child, item) for child in node.values()]
    # Digits are indices unless the schema says this param is an object.
    if (types is None or "object" not in types) and all(_INDEX.fullmatch(part) for part in node):
        item = None if path is None else path + (0,)
        return [_value(node[part], item) for part in sorted(node, key=_index_order)]
    return {part: _value(child, None if path is None or types is None else path + (part,))
            for part, child in node.items()}


def decode(body: str | bytes) -> dict:
    """Parse a form body into params, guided by the schemas.

    Values become booleans or integers only where the schema says so and the
    text is one (``true``/``false``; optional ``-`` and digits); everything
    else stays the string sent, for validation to judge.  Arrays take
    ``a[0]=x&a[1]=y`` (ordered by index, gaps closed) or ``a[]=x&a[]=y``.
    Raises FormError for a body that cannot stand for one params tree, and
    for one beyond the decoder's bounds (MAX_BYTES, MAX_PAIRS, MAX_DEPTH).
    """
    if isinstance(body, str):
        try:
            body = body.encode("utf-8")
        except UnicodeEncodeError:
            raise FormError("The body is not valid UTF-8: it holds a lone surrogate.", INVALID_UTF8) from None
    elif isinstance(body, (bytearray, memoryview)):
        body = bytes(body)
    elif not isinstance(body, bytes):
        raise TypeError(f"decode() takes str or bytes, not {type(body).__name__}")
    if len(body) > MAX_BYTES:
        raise FormError(f"The body is {len(body)} bytes long; at most {MAX_BYTES} are accepted.", TOO_LARGE)
    params = _plain(body)
    return _value(_tree(body), ()) if params is None else params


# ---------------------------------------------------------------- encoding


def _encoded_pairs(params: dict):
    """stripe-python's ``_api_encode`` for JSON data, without recursion.

    Keys nest as ``a[b]`` and ``a[0]``; ``None`` and empty containers send
    nothing; booleans are ``true``/``false`` -- except a scalar directly in
    an array, which stripe-python sends as Python's ``str()`` (``True``,
    ``None``).
    """
    # (key, value, raw): raw marks a scalar that sits directly in an array.
    stack = [(key, value, False) for key, value in reversed(params.items())]
    while stack:
        key, value, raw = stack.pop()
        if raw:
            yield key, value
        elif value is None:
            continue
        elif isinstance(value, dict):
            stack.extend((f"{key}[{sub}]", item, False) for sub, item in reversed(value.items()))
        elif isinstance(value, (list, tuple)):
            for index in range(len(value) - 1, -1, -1):
                item, where = value[index], f"{key}[{index}]"
                if isinstance(item, dict):
                    stack.extend((f"{where}[{sub}]", inner, False) for sub, inner in reversed(item.items()))
                elif isinstance(item, (list, tuple)):
                    stack.extend((f"{where}[{sub}]", item[sub], False) for sub in range(len(item) - 1, -1, -1))
                else:
                    stack.append((where, item, True))
        elif value is True or value is False:
            yield key, "true" if value else "false"
        else:
            yield key, value


def _check_json(params) -> None:
    # Containers on the path being walked: a value inside itself would never end.
    inside: set[int] = set()
    stack = [(params, "the params", False)]
    while stack:
        value, where, leaving = stack.pop()
        if leaving:
            inside.discard(id(value))
        elif isinstance(value, (dict, list)):
            if id(value) in inside:
                raise TypeError(f"encode() takes JSON data: {where} contains itself")
            inside.add(id(value))
            stack.append((value, where, True))
            if isinstance(value, dict):
                for key, item in value.items():
                    if not isinstance(key, str):
                        raise TypeError(f"encode() takes JSON data: {where} has a key of type {type(key).__name__}")
                    if unsendable(key):
                        raise ValueError(f"encode() takes JSON data: {where} has a key that is not Unicode text "
                                         f"(a lone surrogate), which cannot be sent")
                    stack.append((item, f"{where}[{shorten(key)}]", False))
            else:
                stack.extend((item, f"{where}[{index}]", False) for index, item in enumerate(value))
        elif isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"encode() takes JSON data: {where} is {value!r}")
        elif isinstance(value, str) and unsendable(value):
            raise ValueError(f"encode() takes JSON data: {where} is not Unicode text (a lone surrogate), "
                             f"which cannot be sent")
        elif not (value is None or isinstance(value, (str, int, float))):
            raise TypeError(f"encode() takes JSON data: {where} is a {type(value).__name__}")


def encode(params: dict) -> str:
    """The body stripe-python sends for `params`: the same pairs in the same order, byte for byte."""
    if not isinstance(params, dict):
        raise TypeError(f"encode() takes a dict of params, not {type(params).__name__}")
    _check_json(params)
    body = "&".join(f"{quote_plus(key)}={quote_plus(str(value))}" for key, value in _encoded_pairs(params))
    # stripe-python puts brackets back after escaping, for readability.
    return body.replace("%5B", "[").replace("%5D", "]")
