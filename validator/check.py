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
    "integer": f"({{0}}.__class__ is int or isinstance({{0}}, int)) and -{_LIMIT} <= {{0}} <= {_LIMIT} or isinstance({{0}}, float)",
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

# Before the first call: build, then run the code just put in place.
_FIRST = """
def validate(v0):
    build("validate")
    return validate(v0)


def is_valid(v0):
    build("is_valid")
    return is_valid(v0)


def iter_errors(v0):
    build("iter_errors")
    return iter_errors(v0)
"""

_DOCS = {
    "validate": "Return `params` unchanged if valid; raise ValidationError listing every error otherwise.",
    "is_valid": "True when `params` has no error; agrees with `iter_errors`.",
    "iter_errors": "Every problem with `params`, one per param, in a stable order.  Never raises for bad data.",
}


def _undecided(params):
    return None


def _code(source: str, name: str) -> dict:
    """The code objects of the functions defined in `source`, by function name."""
    namespace: dict = {}
    exec(compile(source, f"<checks of {name}>", "exec"), namespace)
    return {function: namespace[function].__code__ for function in _DOCS if function in namespace}


class Checker:
    """`is_valid`, `iter_errors` and `validate` against one root schema file.

    The three are functions made once per root: ``Checker(name).validate``
    is always the same object, which callers may keep.  On the first call
    the compiled engine is built and the function's code is replaced by
    code generated from the schemas (`_FAST`), so that a valid payload costs
    one Python frame around jsonschema-rs: the watched-values checks are
    inlined, and what they need is bound in the functions' own namespace.
    Anything else — a rejection, a value jsonschema-rs may have read loosely
    or cannot read, no jsonschema-rs at all — goes the slow way, where stock
    jsonschema's verdict and `explain`'s errors rule.
    """

    def __init__(self, name: str):
        self.name = name
        self._namespace = namespace = {
            "build": self._build,
            "verdict": _undecided,
            "validate_slowly": self._validate_slowly,
            "is_valid_slowly": self._is_valid_slowly,
            "iter_errors_slowly": self._iter_errors_slowly,
            "sendable": _sendable,
        }
        for function, code in _code(_FIRST, name).items():
            made = namespace[function] = type(_undecided)(code, namespace, function)
            made.__doc__, made.__module__, made.__qualname__ = _DOCS[function], __name__, function
            setattr(self, function, made)
        # Like the functools caches of the other modules: what tests clear after swapping the schema files.
        self.cache_clear = self._forget

    def _build(self, function: str) -> None:
        """Put the generated code of `function` in place (the compiled engine is built on the first call)."""
        namespace = self._namespace
        if "watched" not in namespace:
            validator = engine.compiled(self.name)
            if validator is None:
                namespace["verdict"], namespace["watched"] = _undecided, "            pass"
            else:
                lines: list = []
                _source(_watch(self.name), "v0", 3, lines)
                namespace["verdict"], namespace["watched"] = validator.is_valid, "\n".join(lines)
        source = _FAST[function].replace("WATCHED", namespace["watched"])
        namespace[function].__code__ = _code(source, self.name)[function]

    def _forget(self) -> None:
        """Forget the generated code: the next call builds again (after the schema files changed, in tests)."""
        self._namespace.pop("watched", None)
        for function, code in _code(_FIRST, self.name).items():
            self._namespace[function].__code__ = code

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
        return not problems and explain.stock(self.name).is_valid(clean)

    def _iter_errors_slowly(self, params) -> Iterator[ParamError]:
        from .explain import iter_errors

        return iter_errors(params, name=self.name)


_PARAMS = Checker(loader.ROOT_FILE)

#: The create params' checks (``validator.validate`` and friends).
validate = _PARAMS.validate
is_valid = _PARAMS.is_valid
iter_errors = _PARAMS.iter_errors
