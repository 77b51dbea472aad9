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

import functools
import os
import time

from . import defaults, loader

GENERATE, UNSENT, EXPANDABLE, EXPANSIONS = "x-generate", "x-unsent", "x-expandable", "x-expansions"

_ABSENT = object()  # a value the request did not send, or a field the answer leaves out
_DYNAMIC = object()  # a field whose unsent value is made afresh for every answer

_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
# Bytes 0..247 map onto the 62 letters and digits four times over; 248..255
# are dropped, so every character is equally likely (no modulo bias).
_MAP = bytes(_ALPHABET[byte % len(_ALPHABET)] for byte in range(256))
_DROP = bytes(range(4 * len(_ALPHABET), 256))


# Letters and digits drawn from the OS ahead of need (one system call per few hundred uses), and how many are used.
_pool, _used = "", 0


def random_text(length: int) -> str:
    """`length` letters and digits from the OS's secure random source (os.urandom); each character is used once."""
    global _pool, _used
    end = _used + length
    if end > len(_pool):
        fresh = b""
        while len(fresh) < length:
            fresh += os.urandom(4096).translate(_MAP, _DROP)
        _pool, _used, end = fresh.decode("ascii"), 0, length
    text = _pool[_used:end]
    _used = end
    return text


def _forget_pool() -> None:
    global _pool, _used
    _pool, _used = "", 0


if hasattr(os, "register_at_fork"):  # a forked child must not hand out its parent's characters
    os.register_at_fork(after_in_child=_forget_pool)


class UnknownExpansion(ValueError):
    """The request asks to expand something that is not an expandable field.  ``index`` is its place in the list."""

    def __init__(self, index: int, name: str):
        super().__init__(name)
        self.index, self.name = index, name


class _Field:
    """What the answer needs to know about one field, read once from its merged schema node."""

    __slots__ = ("path", "generate", "fixed", "unsent", "expand_key", "keys", "item", "static", "copied", "build")

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
        self.static = _DYNAMIC  # the value when not sent, where it is the same in every answer (set by _root)
        self.copied = False  # True where a value sent is answered as it is (set by settle)
        self.build = None  # for an object: the function answering it from what was sent (set by _compile)

    def settle(self) -> None:
        """Work out `static`, children first: most of an answer is the same every time, and is built once."""
        for _, sub in self.keys:
            sub.settle()
        self.copied = self.generate is None and self.fixed is _ABSENT and not self.keys and self.item is None
        if self.generate is not None:
            self.static = self.generate["value"] if "value" in self.generate else _DYNAMIC
        elif self.fixed is not _ABSENT:
            self.static = self.fixed
        elif self.unsent is not _ABSENT or not self.keys:
            self.static = self.unsent
        elif all(sub.static is not _DYNAMIC for _, sub in self.keys):
            self.static = {key: sub.static for key, sub in self.keys if sub.static is not _ABSENT}


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
    fields[()].settle()
    for field in fields.values():
        if field.keys:
            _compile(field, _request_place(field.path))
    return fields[()]


def _request_place(path: tuple):
    """The request's defaults plan (`validator.defaults`) at a response path, or None where the request has none."""
    place = defaults.plan()
    for part in path:
        place = place.keys.get(part) if isinstance(part, str) else place.item
        if place is None:
            return None
    return place


def _compile(field: _Field, place) -> None:
    """Generate ``field.build(sent, expand, now, keep)``: the object `field` answers for the dict `sent`.

    One statement per property, in schema order, settled from the schema
    when the code is made: a generated value, a fixed one, the value sent
    (as it is, or through `_value`), or the value when not sent.  Where the
    request param at the same path (`place`, from `validator.defaults`) has
    a documented default, or is an object that filling would create, that
    stands in for a value not sent: the answer shows the effective
    configuration, exactly as if the params had gone through fill_defaults.
    What a statement needs (other fields, values to share) is bound by
    name; only keys and numbers from the schema appear in the code, as
    literals.
    """
    filled = {key: (default, create) for key, default, create in (place.absent if place is not None else ())}
    bound: dict = {"_ABSENT": _ABSENT, "_shared": _shared, "_copy": _copy, "_value": _value, "random_text": random_text}

    def name(value) -> str:
        bound[f"b{len(bound)}"] = value
        return f"b{len(bound) - 1}"

    lines = ["def build(sent, expand, now, keep):", "    shared = keep is _shared", "    out = {}"]
    for key, sub in field.keys:
        target, how = f"out[{key!r}]", sub.generate
        if how is not None:  # made afresh whatever was sent
            if "random" in how:
                lines.append(f"    {target} = {name(how['random'])} + random_text({int(how['length'])})")
            elif "now" in how:
                lines.append(f"    {target} = now + {int(how['now'])}")
            else:
                value = name(how["value"])
                lines.append(f"    {target} = {value} if shared else _copy({value})")
            continue
        if sub.fixed is not _ABSENT:
            value = name(sub.fixed)
            lines.append(f"    {target} = {value} if shared else keep({value})")
            continue
        # The value sent (or filled in), answered: as it is, by the object's own function, or through _value.
        if sub.copied:
            answered = [f"{target} = given if shared else keep(given)"]
        elif sub.keys and sub.item is None:
            built = name(sub)
            answered = ["if given.__class__ is dict or isinstance(given, dict):", f"    {target} = {built}.build(given, expand, now, keep)"]
            if sub.expand_key is not None:  # an id, or the object it stands for when the request expands it
                answered += [f"elif {name(sub.path)} in expand and isinstance(given, str):",
                             f"    {target} = {built}.build({{{sub.expand_key!r}: given}}, expand, now, keep)"]
            answered += ["else:", f"    {target} = given if shared else keep(given)"]
        else:
            answered = [f"{target} = _value({name(sub)}, given, expand, now, keep)"]
        lines += [f"    given = sent.get({key!r}, _ABSENT)", "    if given is _ABSENT:"]
        if key in filled:  # not sent: what fill_defaults would put there, answered as if sent
            default, create = filled[key]
            lines.append("        given = {}" if create else f"        given = {name(default)}")
            lines += [f"    {line}" for line in answered]
            continue
        if sub.static is _DYNAMIC:  # an object holding a generated field: built afresh
            lines.append(f"        {target} = {name(sub)}.build({{}}, expand, now, keep)")
        elif sub.static is _ABSENT:  # left out
            lines.append("        pass")
        else:
            value = name(sub.static)
            lines.append(f"        {target} = {value} if shared else keep({value})")
        lines.append("    else:")
        lines += [f"        {line}" for line in answered]
    lines.append("    return out")
    exec(compile("\n".join(lines) + "\n", f"<answer for {'.'.join(field.path) or 'the object'}>", "exec"), bound)
    field.build = bound["build"]


def _copy(value):
    """JSON data the caller may keep: containers copied (faster than deepcopy for data this small), scalars as they are."""
    if value.__class__ is dict or isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if value.__class__ is list or isinstance(value, list):
        return [_copy(item) for item in value]
    return value


@functools.cache
def expansions_param() -> tuple | None:
    """The path of the request param that lists fields to expand (``x-expansions``), or None."""
    return next((path for path, node in loader.nodes().items() if node.get(EXPANSIONS) is True), None)


@functools.cache
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
    return _copy(how["value"])


def _value(field: _Field, sent, expand: frozenset, now: int, keep):
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


def _shared(value):
    return value


def build(params: dict, expand: frozenset = frozenset(), now: int | None = None, *, fresh: bool = True) -> dict:
    """The object answering the valid request `params`, in the response schema's field order.

    The request's documented defaults fill what `params` leaves out, as
    ``fill_defaults`` would fill them (filled params give the same answer),
    so that the answer shows the effective configuration.  `expand` holds the
    response paths to expand (see `expansions`); `now` is the Unix time of
    the request (default: the current time).  The result shares nothing with
    `params` or with other results -- unless `fresh` is false: then parts of
    it are shared, and it must only be read (the server writes it out at once).
    """
    return _root().build(params, expand, int(time.time()) if now is None else now, _copy if fresh else _shared)
