"""Stripe's wire format: ``application/x-www-form-urlencoded`` bodies with bracket keys.

`decode` turns a body into the params tree the validator checks, reading
the schemas to decide what each value is; `encode` produces the body that
stripe-python sends for a params tree.  Neither knows a param name.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable, Iterator
from typing import Any, Final, NamedTuple, Union
from urllib.parse import quote_plus, unquote_to_bytes

from . import loader
from .errors import Error, bracket, shorten
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

_KEY = re.compile(r"[^\[\]]+(?:\[[^\[\]]*\])*")
_SEGMENT = re.compile(r"\[([^\[\]]*)\]")
_BAD_ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")
_INDEX = re.compile(r"0|[1-9][0-9]*")
_INTEGER = re.compile(r"-?[0-9]+")


class FormError(Error, ValueError):
    """A body that is not a usable form body.  ``code`` says why; ``param`` names the key, if one is at fault."""

    def __init__(self, message: str, code: str, param: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.param = param


# ---------------------------------------------------------------- decoding

# A params tree while it is built: text keys, int keys for the items of ``[]``.
_Tree = dict[Any, Any]
#: A param path in the schemas: keys, array items as 0.
_Path = tuple[Any, ...]
_Convert = Union[frozenset[str], dict[str, bool], None]

#: The text of a boolean; any other text stays text.
_BOOLEANS: Final[dict[str, bool]] = {"true": True, "false": False}

# Python's own bound on the digits int() reads (0: none); Python before 3.10.7 has none.
_max_str_digits: Callable[[], int] = getattr(sys, "get_int_max_str_digits", lambda: 0)

# Keys repeat from body to body (a service sends the same params again and again): what a short
# key means is worked out once.  Bounded in count and in key length, so any body keeps it small.
_REMEMBERED_KEY = 128
_REMEMBERED_KEYS = 256


def _schema_types() -> dict[_Path, frozenset[str]]:
    """The JSON types each param path allows, array items under 0: the one place decoding reads the schemas."""
    return {path: loader.types(node) for path, node in loader.nodes().items()}


class _Plan(NamedTuple):
    """What one key means: where its value goes and what the value becomes."""

    #: The name, then each bracketed part; None stands for ``[]``.
    parts: tuple[str | None, ...]
    #: ``parts[:-1]``, the nodes walked to reach the value's place.
    parents: tuple[str | None, ...]
    #: ``parts[-1]``, the value's own key.
    last: str | None
    #: None: the text stays text; the boolean table: a boolean's text is one; types: see `_scalar`.
    convert: _Convert
    #: The parts before the first that may be an array index (``[]``, or digits where the schema does
    #: not say object); None when there is none.  The value then stays text until `_Decoder._arrays`.
    prefix: tuple[str, ...] | None


def _text(raw: str, key: str | None = None) -> str:
    """A key (`key` None) or the value of `key`, unescaped and decoded.

    `raw` is the text sent, with any byte that is not UTF-8 held as a surrogate escape.
    """
    if raw.isascii() and "%" not in raw:
        return raw.replace("+", " ")
    if "+" in raw:
        raw = raw.replace("+", " ")
    data = raw.encode("utf-8", "surrogateescape")
    if "%" in raw:
        data = unquote_to_bytes(data)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        what = "a key" if key is None else f"the value of {shorten(key)!r}"
        prefix = data[: exc.start].decode("utf-8")
        after = f" after {shorten(prefix)!r}" if prefix else ""
        raise FormError(f"The body is not valid UTF-8: {what} has an invalid byte{after}.", INVALID_UTF8) from None


def _pieces(body: bytes) -> tuple[list[str], bool]:
    """The body's ``key=value`` pieces as text, and whether the body is not UTF-8 throughout (then
    bytes that are not are held as surrogate escapes, for `_text` to find).

    A body with a bad escape or too many pairs is refused here, before any pair is read.
    """
    try:
        text, lossy = body.decode("utf-8"), False
    except UnicodeDecodeError:
        text, lossy = body.decode("utf-8", "surrogateescape"), True
    bad = _BAD_ESCAPE.search(body) if "%" in text else None
    if bad:
        near = repr(body[bad.start(): bad.start() + 3])[1:]  # each byte as sent: printable, or escaped once
        raise FormError(f"The body has an invalid percent-escape {near} at byte {bad.start()}: "
                        f"'%' must be followed by two hex digits.", INVALID_ESCAPE)
    pieces = text.split("&")
    if len(pieces) > MAX_PAIRS and sum(1 for piece in pieces if piece) > MAX_PAIRS:
        raise FormError(f"The body holds more than {MAX_PAIRS} key=value pairs.", TOO_MANY_PARAMS)
    return pieces, lossy or "%" in text or "+" in text


def _parse_segments(key: str) -> tuple[str | None, ...]:
    """The key's name and bracketed parts; ``None`` stands for ``[]``."""
    if key.count("[") > MAX_DEPTH:
        raise FormError(f"The key {shorten(key)!r} is nested more than {MAX_DEPTH} brackets deep.",
                        TOO_DEEP, shorten(key))
    if not _KEY.fullmatch(key):
        raise FormError(f"The key {shorten(key)!r} is not a name followed by bracketed parts like name[part][0].",
                        INVALID_KEY, shorten(key))
    head = key.index("[") if "[" in key else len(key)
    return (key[:head], *[part or None for part in _SEGMENT.findall(key, head)])


def _mixed(parts: tuple[str | None, ...], depth: int) -> FormError:
    where = shorten(bracket(parts[: depth - 1], whole=True, appended=True))
    return FormError(f"The body mixes [] with named or numbered parts in {where!r}.", KEY_CONFLICT, where)


def _both(parts: tuple[str | None, ...]) -> FormError:
    where = shorten(bracket(parts, whole=True, appended=True))
    return FormError(f"The body gives {where!r} both a value and bracketed parts.", KEY_CONFLICT, where)


def _scalar(text: str, types: frozenset[str] | None) -> Any:
    """`text` as the type the schema asks for, where it can be; otherwise unchanged."""
    if not types or "string" in types:
        return text
    if "boolean" in types and text in _BOOLEANS:
        return _BOOLEANS[text]
    if "integer" in types and _INTEGER.fullmatch(text):
        # Longer digit strings than Python reads stay text (and int() on them would be slow).
        limit = _max_str_digits()
        if not limit or len(text) <= limit:
            return int(text)
    return text


def _index_order(part: str) -> tuple[int, str]:
    return len(part), part


class _Decoder:
    """Decodes bodies, remembering what the keys it met mean (bounded) and the schemas' types."""

    def __init__(self) -> None:
        self._plans: dict[str, _Plan] = {}
        self._table: dict[_Path, frozenset[str]] | None = None

    def forget(self) -> None:
        """Forget everything read from the schemas (the next body reads them again): `loader.reset` calls it."""
        self._plans.clear()
        self._table = None

    def _types(self) -> dict[_Path, frozenset[str]]:
        table = self._table
        if table is None:
            table = self._table = _schema_types()
        return table

    def _plan(self, key: str) -> _Plan:
        """What `key` means; remembered for a short key."""
        parts = _parse_segments(key)
        table = self._types()
        path: _Path = parts[:1]  # the body is an object: its names are names
        prefix = None
        for index in range(1, len(parts)):
            part = parts[index]
            # Digits are indices unless the schema says this param is an object.
            if part is None or (_INDEX.fullmatch(part) and "object" not in table.get(path, ())):
                prefix = path
                break
            path += (part,)
        convert: _Convert = None
        if prefix is None:
            types = table.get(path)
            if types and "string" not in types:
                convert = _BOOLEANS if types == {"boolean"} else types
        plan = _Plan(parts, parts[:-1], parts[-1], convert, prefix)
        if len(key) <= _REMEMBERED_KEY:
            if len(self._plans) >= _REMEMBERED_KEYS:
                self._plans.clear()
            self._plans[key] = plan
        return plan

    def decode(self, body: bytes) -> dict[str, Any]:
        """The params of `body`: each pair put in its place, its value converted as the schema says, in one pass.

        Values under array parts stay text until the end, when `_arrays` knows which parts are indices.
        """
        pieces, escaped = _pieces(body)
        plans = self._plans
        root: _Tree = {}
        appended = 0  # the int keys given to ``[]`` items, in order
        arrays: dict[tuple[str, ...], None] | None = None
        for piece in pieces:
            if not piece:
                continue
            key, _, value = piece.partition("=")
            if escaped:
                key = _text(key)
                value = _text(value, key)
            parts, parents, last, convert, prefix = plans.get(key) or self._plan(key)
            node = root
            for depth, part in enumerate(parents, 1):
                if part is None:
                    if node and next(iter(node)).__class__ is not int:
                        raise _mixed(parts, depth)
                    appended += 1
                    node[appended] = node = {}
                    continue
                if appended and node and next(iter(node)).__class__ is int:
                    raise _mixed(parts, depth)
                child = node.get(part)
                if child is None:
                    node[part] = node = {}
                elif child.__class__ is dict:
                    node = child
                else:
                    raise _both(parts[:depth])
            if last is None:
                if node and next(iter(node)).__class__ is not int:
                    raise _mixed(parts, len(parts))
                appended += 1
                node[appended] = value
            else:
                if appended and node and next(iter(node)).__class__ is int:
                    raise _mixed(parts, len(parts))
                if last in node:
                    if node[last].__class__ is dict:
                        raise FormError(f"The body gives {shorten(key)!r} both a value and bracketed parts.",
                                        KEY_CONFLICT, shorten(key))
                    raise FormError(f"The body gives {shorten(key)!r} more than once.", REPEATED_KEY, shorten(key))
                if convert is None:
                    node[last] = value
                elif isinstance(convert, dict):
                    node[last] = convert.get(value, value)
                else:
                    node[last] = _scalar(value, convert)
            if prefix is not None:
                if arrays is None:
                    arrays = {}
                arrays[prefix] = None
        if arrays is not None:
            self._arrays(root, arrays)
        return root

    def _arrays(self, root: _Tree, prefixes: dict[tuple[str, ...], None]) -> None:
        """Turn the parts under each prefix into params: index-keyed nodes into lists, text into values."""
        for prefix in sorted(prefixes, key=len):
            if any(prefix[:size] in prefixes for size in range(1, len(prefix))):
                continue  # inside one turned already
            parent = root
            for part in prefix[:-1]:
                parent = parent[part]
            parent[prefix[-1]] = self._value(parent[prefix[-1]], prefix)

    def _value(self, node: Any, path: _Path | None) -> Any:
        """A text tree as params; `path` is the schema path (array items as 0), None off-schema."""
        types = None if path is None else self._types().get(path)
        if node.__class__ is not dict:
            return _scalar(node, types) if node.__class__ is str else node
        if next(iter(node)).__class__ is int:
            item = None if path is None else path + (0,)
            return [self._value(child, item) for child in node.values()]
        # Digits are indices unless the schema says this param is an object.
        if (types is None or "object" not in types) and all(_INDEX.fullmatch(part) for part in node):
            item = None if path is None else path + (0,)
            return [self._value(node[part], item) for part in sorted(node, key=_index_order)]
        return {part: self._value(child, None if path is None or types is None else path + (part,))
                for part, child in node.items()}


_decoder = _Decoder()
loader.on_reset(_decoder.forget)


def decode(body: str | bytes) -> dict[str, Any]:
    """Parse a form body into params, guided by the schemas.

    Values become booleans or integers only where the schema says so and the
    text is one (``true``/``false``; optional ``-`` and digits, no more than
    Python's int() reads, see `sys.get_int_max_str_digits`); everything
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
    return _decoder.decode(body)


# ---------------------------------------------------------------- encoding


def _encoded_pairs(params: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """stripe-python's ``_api_encode`` for JSON data, without recursion.

    Keys nest as ``a[b]`` and ``a[0]``; ``None`` and empty containers send
    nothing; booleans are ``true``/``false`` -- except a scalar directly in
    an array, which stripe-python sends as Python's ``str()`` (``True``,
    ``None``).
    """
    # (key, value, raw): raw marks a scalar that sits directly in an array.
    stack: list[tuple[str, Any, bool]] = [(key, value, False) for key, value in reversed(params.items())]
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


def _check_json(params: object) -> None:
    # Containers on the path being walked: a value inside itself would never end.
    inside: set[int] = set()
    stack: list[tuple[Any, str, bool]] = [(params, "the params", False)]
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


def encode(params: dict[str, Any]) -> str:
    """The body stripe-python sends for `params`: the same pairs in the same order, byte for byte."""
    if not isinstance(params, dict):
        raise TypeError(f"encode() takes a dict of params, not {type(params).__name__}")
    _check_json(params)
    body = "&".join(f"{quote_plus(key)}={quote_plus(str(value))}" for key, value in _encoded_pairs(params))
    # stripe-python puts brackets back after escaping, for readability.
    return body.replace("%5B", "[").replace("%5D", "]")
