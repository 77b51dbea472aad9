"""The Customer Session object the stand-in server answers, built from the response schema.

Nothing here names a field.  The response schema says what the object
holds, and its annotations (listed in ``validator.bundle.EXTENSIONS``) say
where each value comes from, in this order:

1. ``x-generate``: made afresh for every answer -- random text behind a
   prefix, the request's Unix time plus an offset, or a fixed value;
2. ``const``: the one value the field can have;
3. the request: a field whose path is also a param's path gets the value
   sent (stripe-mock answers the same way), object by object, so fields
   the request does not give are still filled -- or, when it is not sent,
   what ``fill_defaults`` would fill there (a documented default, or an
   object that holds defaults);
4. not sent: ``x-unsent`` if the field has it, else null where the field
   allows null, else an object built from its properties; otherwise the
   field is left out.

A field marked ``x-expandable`` holds an id; when the request's expansions
(the param marked ``x-expansions``) name it, the answer holds instead the
object form its schema describes, built by the same rules with the id in
the property ``x-expandable`` names.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import threading
import time
import weakref
from typing import Any, Callable

from . import loader, plan
from .codegen import Source
from .errors import Error
from .plan import MISSING, Node

GENERATE, UNSENT, EXPANDABLE, EXPANSIONS = "x-generate", "x-unsent", "x-expandable", "x-expansions"

_ABSENT: Any = object()  # a value the request did not send, or a field the answer leaves out
_DYNAMIC: Any = object()  # a field whose unsent value is made afresh for every answer

_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
# Bytes 0..247 map onto the 62 letters and digits four times over; 248..255 are dropped,
# so every character is equally likely (no modulo bias).
_MAP = bytes(_ALPHABET[byte % len(_ALPHABET)] for byte in range(256))
_DROP = bytes(range(4 * len(_ALPHABET), 256))


class Letters:
    """Letters and digits from `secrets` (the OS's secure source), each equally likely.

    Drawn a few thousand bytes at a time (one system call costs as much as
    a whole answer would otherwise), each character handed out once, under
    a lock (any thread may ask), and forgotten in a forked child so that no
    two processes hand out the same characters.  Each instance has a pool
    of its own (the stand-in's request ids have theirs).
    """

    def __init__(self) -> None:
        self._forget()
        if hasattr(os, "register_at_fork"):  # a weak reference: the fork hook keeps no instance alive
            reference = weakref.ref(self)
            os.register_at_fork(after_in_child=lambda: _forget(reference))

    def _forget(self) -> None:
        self._lock = threading.Lock()
        self._pool, self._used = "", 0

    def __call__(self, length: int) -> str:
        with self._lock:
            end = self._used + length
            if end > len(self._pool):
                fresh = b""
                while len(fresh) < max(length, 1024):
                    fresh += secrets.token_bytes(4096).translate(_MAP, _DROP)
                self._pool, self._used, end = fresh.decode("ascii"), 0, length
            text = self._pool[self._used:end]
            self._used = end
        return text


def _forget(reference: weakref.ref[Letters]) -> None:
    letters = reference()
    if letters is not None:
        letters._forget()


#: `length` secure random letters and digits: ``random_text(24)``.
random_text = Letters()


class UnknownExpansion(Error, ValueError):
    """The request asks to expand something that is not an expandable field.  ``index`` is its place in the list."""

    def __init__(self, index: int, name: str):
        super().__init__(name)
        self.index, self.name = index, name


def _unbuilt(*args: Any) -> dict[str, Any]:
    raise AssertionError("a field that holds no object has no answer function")


class _Field:
    """What the answer needs to know about one field of the response plan, worked out once."""

    __slots__ = ("node", "path", "generate", "fixed", "unsent", "expand_key", "keys", "item", "static", "copied",
                 "build")

    def __init__(self, node: Node) -> None:
        schema = node.schema
        self.node, self.path = node, node.path
        self.generate = schema.get(GENERATE)
        self.fixed = node.const if node.const is not MISSING else _ABSENT  # the value whatever the request says
        if UNSENT in schema:
            self.unsent = schema[UNSENT]
        elif "null" in node.types:
            self.unsent = None
        else:
            self.unsent = _ABSENT  # an object is built from its properties; anything else is left out
        self.expand_key = schema.get(EXPANDABLE)
        self.keys = [(key, _Field(sub)) for key, sub in node.properties.items()]  # in schema order
        self.item = _Field(node.items) if node.items is not None else None
        self.copied = self.generate is None and self.fixed is _ABSENT and not self.keys and self.item is None
        self.static = self._static()  # the value when not sent, where it is the same in every answer
        # For an object: answers it from what was sent (made by `_compile` once the tree is whole).
        self.build: Callable[..., dict[str, Any]] = _unbuilt

    def _static(self) -> Any:
        if self.generate is not None:
            return self.generate["value"] if "value" in self.generate else _DYNAMIC
        if self.fixed is not _ABSENT:
            return self.fixed
        if self.unsent is not _ABSENT or not self.keys:
            return self.unsent
        if all(sub.static is not _DYNAMIC for _, sub in self.keys):
            return {key: sub.static for key, sub in self.keys if sub.static is not _ABSENT}
        return _DYNAMIC

    def fields(self) -> list[_Field]:
        found, stack = [], [self]
        while stack:
            field = stack.pop()
            found.append(field)
            stack.extend(sub for _, sub in field.keys)
            if field.item is not None:
                stack.append(field.item)
        return found


class _Answers:
    """The answer builder of the response schema, generated from the plans on first use."""

    def __init__(self) -> None:
        self._root: _Field | None = None

    def root(self) -> _Field:
        if self._root is None:
            root = _Field(plan.root(loader.RESPONSE_FILE))
            for field in root.fields():
                if field.keys:
                    _compile(field, plan.root().at(field.path))
            self._root = root
        return self._root

    def forget(self) -> None:
        self._root = None


_answers = _Answers()
loader.on_reset(_answers.forget)


def _compile(field: _Field, request: Node | None) -> None:
    """Generate ``field.build(sent, expand, now, keep)``: the object `field` answers for the dict `sent`.

    One statement per property, in schema order, settled from the schema
    when the code is made: a generated value, a fixed one, the value sent
    (as it is, or through `_value`), or the value when not sent.  Where the
    request param at the same path (`request`, a node of the params' plan)
    fills a default there, or creates an object that holds defaults, that
    stands in for a value not sent: the answer shows the effective
    configuration, exactly as if the params had gone through fill_defaults
    (a property test holds the two to the same answers).
    """
    filled = {fill.key: fill for fill in (request.fills if request is not None else ())}
    out = Source(f"answer for {'.'.join(map(str, field.path)) or 'the object'}")
    out.namespace.update(_ABSENT=_ABSENT, _shared=_shared, _copy=_copy, _value=_value, random_text=random_text)
    with out.block("def build(sent, expand, now, keep):"):
        out.line("shared = keep is _shared")
        out.line("out = {}")
        for key, sub in field.keys:
            target, how = f"out[{out.literal(key)}]", sub.generate
            if how is not None:  # made afresh whatever was sent
                if "random" in how:
                    out.line(f"{target} = {out.literal(how['random'])} + random_text({int(how['length'])})")
                elif "now" in how:
                    out.line(f"{target} = now + {int(how['now'])}")
                else:
                    value = out.bind(how["value"])
                    out.line(f"{target} = {value} if shared else _copy({value})")
                continue
            if sub.fixed is not _ABSENT:
                value = out.bind(sub.fixed)
                out.line(f"{target} = {value} if shared else keep({value})")
                continue
            out.line(f"given = sent.get({out.literal(key)}, _ABSENT)")
            with out.block("if given is _ABSENT:"):
                if key in filled:  # not sent: what fill_defaults would put there, answered as if sent
                    fill = filled[key]
                    out.line("given = {}" if fill.create else f"given = {out.bind(fill.default, 'default')}")
                elif sub.static is _DYNAMIC:  # an object holding a generated field: built afresh
                    out.line(f"{target} = {out.bind(sub, 'field')}.build({{}}, expand, now, keep)")
                elif sub.static is not _ABSENT:  # else: left out
                    value = out.bind(sub.static)
                    out.line(f"{target} = {value} if shared else keep({value})")
            answered = out.block("if given is not _ABSENT:") if key not in filled else contextlib.nullcontext()
            with answered:
                _answer_sent(out, sub, target)
        out.line("return out")
    field.build = out.function("build")


def _answer_sent(out: Source, sub: _Field, target: str) -> None:
    """The value sent (or filled in) for `sub`, answered: as it is, by the object's own function, or via _value."""
    if sub.copied:
        out.line(f"{target} = given if shared else keep(given)")
    elif sub.keys and sub.item is None:
        built = out.bind(sub, "field")
        with out.block("if given.__class__ is dict or isinstance(given, dict):"):
            out.line(f"{target} = {built}.build(given, expand, now, keep)")
        if sub.expand_key is not None:  # an id, or the object it stands for when the request expands it
            with out.block(f"elif {out.bind(sub.path, 'path')} in expand and isinstance(given, str):"):
                out.line(f"{target} = {built}.build({{{out.literal(sub.expand_key)}: given}}, expand, now, keep)")
        with out.block("else:"):
            out.line(f"{target} = given if shared else keep(given)")
    else:
        out.line(f"{target} = _value({out.bind(sub, 'field')}, given, expand, now, keep)")


def _copy(value: Any) -> Any:
    """JSON data the caller may keep: containers copied (faster than deepcopy for data this small), scalars as they are."""
    if value.__class__ is dict or isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if value.__class__ is list or isinstance(value, list):
        return [_copy(item) for item in value]
    return value


@plan.derived
def _expansions_param(name: str) -> tuple[str | int, ...] | None:
    return next((node.path for node in plan.root(name).walk() if node.schema.get(EXPANSIONS) is True), None)


def expansions_param() -> tuple[str | int, ...] | None:
    """The path of the request param that lists fields to expand (``x-expansions``), or None."""
    return _expansions_param(loader.ROOT_FILE)


@plan.derived
def _expandable(name: str) -> frozenset[str]:
    return frozenset(".".join(map(str, node.path)) for node in plan.root(name).walk()
                     if node.schema.get(EXPANDABLE) is not None)


def expandable() -> frozenset[str]:
    """The dotted names of the response fields a request may expand."""
    return _expandable(loader.RESPONSE_FILE)


def expansions(params: dict[str, Any]) -> frozenset[tuple[str, ...]]:
    """The response paths `params` asks to expand; UnknownExpansion for a name that names no expandable field.

    Stripe expands the returned object's expandable fields and, with a dotted
    path, fields of the expanded object beneath them: an expansion whose
    first parts name an expandable field expands that field (the stand-in's
    answer holds a stub of the object, so nothing deeper is expanded in it).
    `params` must be valid: the expansions param is then absent or a list of strings.
    """
    where = expansions_param()
    names: Any = params
    for key in where or ():
        names = names.get(key, ()) if isinstance(names, dict) else ()
    if where is None or not isinstance(names, list):
        return frozenset()
    allowed = expandable()
    found: set[tuple[str, ...]] = set()
    for index, name in enumerate(names):
        parts = name.split(".")
        field = next((parts[:end] for end in range(1, len(parts) + 1) if ".".join(parts[:end]) in allowed), None)
        if field is None:
            raise UnknownExpansion(index, name)
        found.add(tuple(field))
    return frozenset(found)


def _generated(how: dict[str, Any], now: int) -> Any:
    if "random" in how:
        return how["random"] + random_text(how["length"])
    if "now" in how:
        return now + how["now"]
    return _copy(how["value"])


def _value(field: _Field, sent: Any, expand: frozenset[tuple[str, ...]], now: int, keep: Callable[[Any], Any]) -> Any:
    """What `field` answers for the value `sent` (_ABSENT when not sent)."""
    if sent is _ABSENT:
        if field.static is not _DYNAMIC:
            return keep(field.static)
        if field.generate is not None:
            return _generated(field.generate, now)
        return field.build({}, expand, now, keep)  # only an object can hold a generated field
    if field.generate is not None:
        return _generated(field.generate, now)
    if field.fixed is not _ABSENT:
        return keep(field.fixed)
    if field.keys:
        if isinstance(sent, dict):
            return field.build(sent, expand, now, keep)
        if field.expand_key is not None and field.path in expand and isinstance(sent, str):
            return field.build({field.expand_key: sent}, expand, now, keep)
    if isinstance(sent, list) and field.item is not None:
        return [_value(field.item, item, expand, now, keep) for item in sent]
    return keep(sent)


def _shared(value: Any) -> Any:
    return value


def build(params: dict[str, Any], expand: frozenset[tuple[str, ...]] = frozenset(), now: int | None = None, *,
          fresh: bool = True) -> dict[str, Any]:
    """The object answering the valid request `params`, in the response schema's field order.

    The request's documented defaults fill what `params` leaves out, as
    ``fill_defaults`` would fill them (filled params give the same answer),
    so that the answer shows the effective configuration.  `expand` holds the
    response paths to expand (see `expansions`); `now` is the Unix time of
    the request (default: the current time).  The result shares nothing with
    `params` or with other results -- unless `fresh` is false: then parts of
    it are shared, and it must only be read (the server writes it out at once).
    """
    return _answers.root().build(params, expand, int(time.time()) if now is None else now, _copy if fresh else _shared)
