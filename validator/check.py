"""The verdict: is a payload valid?  Cheap when it is.

A compiled engine (jsonschema-rs, on the bundled schemas, built once on
first use) says yes or no; only a payload it rejects pays for the detailed
explanation in `explain`.  Without jsonschema-rs, stock jsonschema decides.

One `Checker` per root schema: the create params (`validator.params`) and
the returned object (`validator.response`).  The checks are Python generated
from the plan (`validator.plan`) through `validator.codegen`.
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterator, TypeVar

from . import engine, loader, plan
from .codegen import Source
from .errors import ParamError, ValidationError
from .plain import scrub, unsendable
from .plan import Node

_T = TypeVar("_T")

# jsonschema-rs reads some Python values more loosely than stock jsonschema
# (and so this project): a tuple as an array, a Decimal as a number, an int
# past 63 bits (outside the signed 64-bit range) by approximation, a string
# holding a lone surrogate as text (`plain.unsendable`).  Where the schemas
# allow an array, a number or free text, such a value sends the payload down
# the slow path.


def _looks(node: Node) -> bool:
    """Whether a value the compiled engine accepted at `node` needs a look of ours.

    It does where it may be an array, a number or free text: there the
    engine may have read a Python value loosely (above).  A string with an
    ``enum`` or ``const`` equals an allowed value, so it is plain text; and
    where the engine compares every free string (`engine.reads_text`), it
    refuses a lone surrogate itself.
    """
    loose = {"array", "integer", "number"} | ({"string"} if node.free_text and not engine.reads_text() else set())
    return bool(node.types & loose)


def _watched(node: Node) -> bool:
    """True when something at or beneath `node` needs a look."""
    return any(_looks(sub) for sub in node.walk())


# Each JSON type as the test of a Python value that stock jsonschema reads as that type and that
# jsonschema-rs read exactly, cheapest test first.  Past 63 bits jsonschema-rs approximates an int;
# a float is never an integer param's value (stripe-python sends 3.0, which Stripe rejects).
_LIMIT = 2**63 - 1
_INT = f"({{0}}.__class__ is int or isinstance({{0}}, int)) and -{_LIMIT} <= {{0}} <= {_LIMIT}"
_EXACT = {
    "array": "{0}.__class__ is list",
    "integer": _INT,
    "number": _INT + " or isinstance({0}, float)",
    "string": "{0}.__class__ is str and {0}.isascii() or isinstance({0}, str) and not unsendable({0})",
    "boolean": "{0} is True or {0} is False",
    "object": "isinstance({0}, dict)",
    "null": "{0} is None",
}


def _look(out: Source, node: Node, var: str) -> None:
    """Statements looking at the value in `var` (accepted by the compiled engine) at `node` and beneath.

    A value the compiled engine may have read loosely sets ``ok = None``: not sure.
    """
    if _looks(node):
        tests = " or ".join(f"({_EXACT[kind].format(var)})" for kind in sorted(node.types))
        with out.block(f"if not ({tests}):"):
            out.line("ok = None")
    items = node.items
    if items is not None and _watched(items):
        child = out.variable()
        if node.types == {"array"}:  # where nothing but an array is allowed, the accepted value is one
            with out.block(f"for {child} in {var}:"):
                _look(out, items, child)
        else:
            with out.block(f"if {var}.__class__ is list:"), out.block(f"for {child} in {var}:"):
                _look(out, items, child)
    keys = [(key, sub) for key, sub in node.properties.items() if _watched(sub)]
    if not keys:
        return
    with contextlib.ExitStack() as stack:
        exact = node.types == {"object"}
        if not exact:
            stack.enter_context(out.block(f"if isinstance({var}, dict):"))
        for key, sub in keys:
            child, name = out.variable(), out.literal(key)
            if key in node.required and exact:
                # The engine accepted an object that requires this key: it is there.
                out.line(f"{child} = {var}[{name}]")
                _look(out, sub, child)
                continue
            # `in` first: most params are usually absent, and a miss costs less than `.get`.
            with out.block(f"if {name} in {var}:"):
                out.line(f"{child} = {var}[{name}]")
                _look(out, sub, child)


def _checks(name: str, slow: dict[str, Callable[[Any], Any]]) -> dict[str, Callable[[Any], Any]]:
    """The three checks of root `name`: jsonschema-rs's verdict, then our look at what it may have read
    loosely, then -- for anything it did not plainly accept -- the slow way (`slow`, by function name).

    A valid payload runs one frame: jsonschema-rs, then a few dict lookups.
    """
    validator = engine.compiled(name)
    out = Source(f"checks of {name}")
    out.namespace.update(unsendable=unsendable, verdict=_undecided if validator is None else validator.is_valid,
                         **{f"{function}_slowly": check for function, check in slow.items()})

    def accepted() -> None:
        """``ok = verdict(v0)``, then the look, inside a try (a value jsonschema-rs cannot read raises)."""
        out.line("ok = verdict(v0)")
        if validator is not None:
            with out.block("if ok:"):
                _look(out, plan.root(name), "v0")

    # Each check: what it returns for a payload accepted at once, and whether a rejection is final.
    for function, accept, final in (("validate", "v0", False), ("is_valid", "True", True),
                                    ("iter_errors", "iter(())", False)):
        with out.block(f"def {function}(v0):"):
            with out.block("try:"):
                accepted()
                if final:  # jsonschema-rs is never looser than stock jsonschema: its no is the verdict
                    with out.block("if ok is False:"):
                        out.line("return False")
            with out.block("except Exception:"):  # bytes, sets, non-string keys, ...: stock jsonschema explains
                out.line("ok = False")
            with out.block("if ok:"):
                out.line(f"return {accept}")
            out.line(f"return {function}_slowly(v0)")
    namespace = out.build()
    made = {function: namespace[function] for function in _DOCS}
    for function, check in made.items():
        check.__doc__ = _DOCS[function]
    return made


_DOCS = {
    "validate": "Return `params` unchanged if valid; raise ValidationError listing every error otherwise.",
    "is_valid": "True when `params` has no error; agrees with `iter_errors`.",
    "iter_errors": "Every problem with `params`, one per param, in a stable order.  Never raises for bad data.",
}


def _undecided(params: Any) -> None:
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

    def __init__(self, name: str):
        #: The root schema file this checker reads.
        self.name = name

    def __repr__(self) -> str:
        return f"Checker({self.name!r})"

    def validate(self, obj: _T) -> _T:
        """Return `obj` unchanged if valid; raise ValidationError listing every error otherwise."""
        checked: _T = self._build()["validate"](obj)
        return checked

    def is_valid(self, obj: object) -> bool:
        """True when `obj` has no error; agrees with `iter_errors`."""
        return bool(self._build()["is_valid"](obj))

    def iter_errors(self, obj: object) -> Iterator[ParamError]:
        """Every problem with `obj`, one per param, in a stable order.  Never raises for bad data."""
        found: Iterator[ParamError] = self._build()["iter_errors"](obj)
        return found

    def explain(self, obj: object, *, parsed: bool = False) -> list[ParamError]:
        """The errors of `obj`, worked out in full (no yes/no verdict first).

        ``parsed=True``: the caller vouches that `obj` came from a JSON parser
        (only JSON data, integers within 64 bits, no cycles), so no JSON-only
        copy of it is made first.
        """
        from . import explain

        return list(explain.iter_errors(obj, name=self.name, parsed=parsed))

    def schema(self) -> dict[str, Any]:
        """The root schema as a fresh dict (yours to change; the cache is not affected)."""
        return loader.schema(self.name)

    def _build(self) -> dict[str, Callable[[Any], Any]]:
        """The three generated checks, made on first use and kept; also made this instance's own attributes,
        so that ``checker.validate`` looked up from then on is the generated function itself (a method
        looked up before runs through here once per call, and is only one frame slower)."""
        made = self.__dict__.get("_made")
        if made is None:
            made = _checks(self.name, {"validate": self._validate_slowly, "is_valid": self._is_valid_slowly,
                                       "iter_errors": self._iter_errors_slowly})
            self.__dict__.update(made, _made=made)
        return made

    def cache_clear(self) -> None:
        """Forget the generated checks: the next call builds them again (after the schema files changed, in tests)."""
        for function in (*_DOCS, "_made"):
            self.__dict__.pop(function, None)

    @property
    def compiled(self) -> bool:
        """True when the compiled engine (jsonschema-rs) gives this root's verdicts."""
        return engine.compiled(self.name) is not None

    def _validate_slowly(self, params: _T) -> _T:
        errors = list(self._iter_errors_slowly(params))
        if errors:
            raise ValidationError(errors)
        return params

    def _is_valid_slowly(self, params: object) -> bool:
        from . import explain

        clean, problems = scrub(params, self.name)
        return (not problems and bool(explain.stock(self.name).is_valid(clean))
                and not explain.integer_floats(clean, self.name))

    def _iter_errors_slowly(self, params: object) -> Iterator[ParamError]:
        from .explain import iter_errors

        return iter_errors(params, name=self.name)


#: The create params' checks (``validator.validate`` and friends are its methods).
params: Checker = Checker(loader.ROOT_FILE)
#: The returned Customer Session object's checks.  Fields the schema does not describe are accepted.
response: Checker = Checker(loader.RESPONSE_FILE)
loader.on_reset(params.cache_clear)
loader.on_reset(response.cache_clear)
