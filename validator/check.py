"""The verdict: is a payload valid?  Cheap when it is.

A compiled engine (jsonschema-rs, on the bundled schemas, built once on
first use) says yes or no; only a payload it rejects pays for the detailed
explanation in `explain`.  Without jsonschema-rs, stock jsonschema decides.

One `Checker` per root schema: the create params (the functions of this
module) and the returned object (`validator.response`).
"""

from __future__ import annotations

import re
from typing import Iterator

from . import engine, loader
from .errors import ParamError, ValidationError

# jsonschema-rs reads some Python values more loosely than stock jsonschema
# (and so this project): a tuple as an array, a Decimal as a number, an int
# past 63 bits (outside the signed 64-bit range) by approximation, a string
# holding a lone surrogate as text.  Where the schemas allow an array, a
# number or free text, such a value sends the payload down the slow path.
_SURROGATE = "[\ud800-\udfff]"


def _sendable(text: str) -> bool:
    """True when `text` can be encoded as UTF-8 (holds no lone surrogate)."""
    return text.isascii() or not re.search(_SURROGATE, text)


def _watch(name: str) -> dict:
    """A tree of the params under root `name`, marking where jsonschema-rs and stock jsonschema may disagree.

    Keys are param names (the int 0 stands for every array item); the key
    None holds ``(types, watched, required)``: the JSON types the schemas
    allow there, whether the value needs a look — it may be an array, a number, or
    free text (a string with no ``enum`` or ``const``: any other string the
    compiled engine accepted equals an allowed value, so it is plain text;
    and where the engine reads every string, it refuses a lone surrogate
    itself: see `engine.reads_text`), and the keys an object there requires.
    """
    tree: dict = {}
    for path, node in loader.nodes(name).items():
        types = loader.types(node)
        free_text = "enum" not in node and "const" not in node and not engine.reads_text()
        loose = {"array", "integer", "number"} | ({"string"} if free_text else set())
        branch = tree
        for part in path:
            branch = branch.setdefault(part, {})
        branch[None] = (types, bool(types & loose), frozenset(node.get("required", ())))
    return tree


# Each JSON type as a test of the Python values stock jsonschema reads as
# that type (2020-12 counts 3.0 as an integer), cheapest test first.  Past
# 63 bits jsonschema-rs approximates an int, so a bigger one takes the slow
# path.
_LIMIT = 2**63 - 1
_EXACT = {
    "array": "{0}.__class__ is list",
    # A float is never an integer here: stripe-python sends 3.0, which Stripe rejects (`explain.integer_floats`).
    "integer": f"({{0}}.__class__ is int or isinstance({{0}}, int)) and -{_LIMIT} <= {{0}} <= {_LIMIT}",
    "number": f"({{0}}.__class__ is int or isinstance({{0}}, int)) and -{_LIMIT} <= {{0}} <= {_LIMIT} or isinstance({{0}}, float)",
    "string": "{0}.__class__ is str and {0}.isascii() or isinstance({0}, str) and sendable({0})",
    "boolean": "{0} is True or {0} is False",
    "object": "isinstance({0}, dict)",
    "null": "{0} is None",
}


def _watched(branch: dict) -> bool:
    """True when something at or beneath this branch needs a look."""
    return branch[None][1] or any(_watched(sub) for key, sub in branch.items() if key is not None)


def _source(branch: dict, var: str, depth: int, lines: list) -> None:
    """Statements checking the value in `var` (accepted by the compiled engine) against one branch.

    A value the compiled engine may have read loosely sets ``ok = False``.
    """
    pad = "    " * depth
    types, watched, required = branch[None]
    if watched:
        tests = " or ".join(f"({_EXACT[kind].format(var)})" for kind in sorted(types))
        lines.append(f"{pad}if not ({tests}): ok = False")
    child = f"v{int(var[1:]) + 1}"  # one name per level of the payload, whatever the indentation
    items = branch.get(0)
    if items is not None and _watched(items):
        # Where the schema allows nothing but an array, the accepted value is one.
        guard = types != {"array"}
        if guard:
            lines.append(f"{pad}if {var}.__class__ is list:")
        lines.append(f"{pad}{'    ' * guard}for {child} in {var}:")
        _source(items, child, depth + 1 + guard, lines)
    keys = [(key, sub) for key, sub in branch.items() if isinstance(key, str) and _watched(sub)]
    if keys:
        guard = types != {"object"}
        if guard:
            lines.append(f"{pad}if isinstance({var}, dict):")
        inner = pad + "    " * guard
        for key, sub in keys:
            if key in required and not guard:
                # The engine accepted an object that requires this key: it is there.
                lines.append(f"{inner}{child} = {var}[{key!r}]")
                _source(sub, child, depth, lines)
                continue
            # `in` first: most params are usually absent, and a miss costs less than `.get`.
            lines.append(f"{inner}if {key!r} in {var}:")
            lines.append(f"{inner}    {child} = {var}[{key!r}]")
            _source(sub, child, depth + 1 + guard, lines)
    lines.append(f"{pad}pass")


# The three checks of a root, once the compiled engine is built.  WATCHED
# stands for the watched-values statements (`_source`), which may set ok to
# False: the compiled engine said yes, but may have read a value loosely.
# A valid payload runs one frame: jsonschema-rs, then a few dict lookups.
# Each function is generated when it is first called.
_FAST = {"validate": """
def validate(v0):
    try:
        ok = verdict(v0)
        if ok:
WATCHED
    except Exception:  # a value jsonschema-rs cannot read (bytes, sets, non-string keys, ...)
        ok = False
    if ok:
        return v0
    return validate_slowly(v0)
""", "is_valid": """
def is_valid(v0):
    try:
        ok = verdict(v0)
        if ok:
WATCHED
            if not ok:
                ok = None
        elif ok is not None:
            return False  # rejected: jsonschema-rs is never looser than stock jsonschema
    except Exception:
        ok = None
    if ok:
        return True
    return is_valid_slowly(v0)
""", "iter_errors": """
def iter_errors(v0):
    try:
        ok = verdict(v0)
        if ok:
WATCHED
    except Exception:
        ok = False
    if ok:
        return iter(())
    return iter_errors_slowly(v0)
"""}

_DOCS = {
    "validate": "Return `params` unchanged if valid; raise ValidationError listing every error otherwise.",
    "is_valid": "True when `params` has no error; agrees with `iter_errors`.",
    "iter_errors": "Every problem with `params`, one per param, in a stable order.  Never raises for bad data.",
}


def _undecided(params):
    return None


class Checker:
    """The checks of one root schema file: `validate`, `iter_errors`, `is_valid`, `schema`.

    ``validator.params`` (the create params) and ``validator.response`` (the
    returned Customer Session object) are the two instances the package
    exports; ``Checker("error.json")`` checks Stripe's error body the same way.

    The three checks are generated from the schemas on the first call: a
    valid payload then costs one Python frame around jsonschema-rs (the
    watched-values checks inlined, what they need bound by name).  Anything
    else -- a rejection, a value jsonschema-rs may have read loosely or cannot
    read, no jsonschema-rs at all -- goes the slow way, where stock
    jsonschema's verdict and `explain`'s errors rule.  Once built, the
    generated functions are the instance's own attributes, so
    ``validator.params.validate`` is the generated function itself.
    """

    def __init__(self, name: str, noun: str = "field"):
        #: The root schema file this checker reads.
        self.name = name
        #: What a message calls a key: a request has params, what comes back has fields.
        self.noun = noun

    def __repr__(self) -> str:
        return f"Checker({self.name!r})"

    def validate(self, obj):
        """Return `obj` unchanged if valid; raise ValidationError listing every error otherwise."""
        return self._build()["validate"](obj)

    def is_valid(self, obj) -> bool:
        """True when `obj` has no error; agrees with `iter_errors`."""
        return self._build()["is_valid"](obj)

    def iter_errors(self, obj) -> Iterator[ParamError]:
        """Every problem with `obj`, one per param, in a stable order.  Never raises for bad data."""
        return self._build()["iter_errors"](obj)

    def explain(self, obj, *, parsed: bool = False) -> list[ParamError]:
        """The errors of `obj`, worked out in full (no yes/no verdict first).

        ``parsed=True``: the caller vouches that `obj` came from a JSON parser
        (only JSON data, integers within 64 bits, no cycles), so no JSON-only
        copy of it is made first.
        """
        from . import explain

        return list(explain.iter_errors(obj, name=self.name, parsed=parsed))

    def schema(self) -> dict:
        """The root schema as a fresh dict (yours to change; the cache is not affected)."""
        return loader.schema(self.name)

    def _build(self) -> dict:
        """Generate the three checks and make them this instance's own attributes."""
        namespace = {
            "validate_slowly": self._validate_slowly,
            "is_valid_slowly": self._is_valid_slowly,
            "iter_errors_slowly": self._iter_errors_slowly,
            "sendable": _sendable,
        }
        validator = engine.compiled(self.name)
        if validator is None:
            namespace["verdict"], watched = _undecided, "            pass"
        else:
            lines: list = []
            _source(_watch(self.name), "v0", 3, lines)
            namespace["verdict"], watched = validator.is_valid, "\n".join(lines)
        made = {}
        for function, template in _FAST.items():
            exec(compile(template.replace("WATCHED", watched), f"<checks of {self.name}>", "exec"), namespace)
            made[function] = namespace[function]
            made[function].__doc__ = _DOCS[function]
            self.__dict__[function] = made[function]
        return made

    def cache_clear(self) -> None:
        """Forget the generated checks: the next call builds them again (after the schema files changed, in tests)."""
        for function in _FAST:
            self.__dict__.pop(function, None)

    @property
    def compiled(self) -> bool:
        """True when the compiled engine (jsonschema-rs) gives this root's verdicts."""
        return engine.compiled(self.name) is not None

    def _validate_slowly(self, params):
        errors = list(self._iter_errors_slowly(params))
        if errors:
            raise ValidationError(errors)
        return params

    def _is_valid_slowly(self, params) -> bool:
        from . import explain
        from .plain import scrub

        clean, problems = scrub(params, self.name)
        return not problems and explain.stock(self.name).is_valid(clean) and not explain.integer_floats(clean, self.name)

    def _iter_errors_slowly(self, params) -> Iterator[ParamError]:
        from .explain import iter_errors

        return iter_errors(params, name=self.name)


#: The create params' checks (``validator.validate`` and friends are its methods).
params = Checker(loader.ROOT_FILE, noun="param")
#: The returned Customer Session object's checks.  Fields the schema does not describe are accepted.
response = Checker(loader.RESPONSE_FILE)
