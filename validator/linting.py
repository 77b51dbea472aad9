"""Lint: settings that are legal but have no effect, or are likely mistakes.

Nothing here is an error: a payload with warnings is still valid.  What is
known about particular params lives in the schemas, as annotations:

``x-lint`` on an object schema
    a list of ``{"param", "code", "message", "when"}``.  ``when`` is a JSON
    Schema (self-contained: no ``$ref``) evaluated against that object as
    given (defaults not filled); when it holds, a warning with ``code`` names
    ``param`` (a key of the object; the object itself when omitted).  In
    ``message``, ``{param}`` stands for that param and ``{object}`` for the
    object, both in bracket notation.
``x-idPrefix`` on a string param
    the prefix its ids usually carry (``cus_``); a non-empty value without it
    is warned about.

Lint never repeats an error: an empty string or a float for an integer is
an error (``validator.iter_errors``), since Stripe rejects what stripe-python
sends for it.

Lint runs on every payload a batch checks, so it is compiled: the plan
becomes one generated Python function (`validator.codegen`) that visits only
the params the schemas describe, tests each ``when`` with the one condition
evaluator (`validator.conditions`), and builds a warning, message and
bracket notation included, only when one fires.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from . import conditions, loader, plan
from .codegen import Source
from .errors import Finding, bracket, describe, path_order, shorten
from .errors import Path as _Path
from .plan import Node
from .plain import unsendable


#: The code of the check that ``x-idPrefix`` asks for; ``x-lint`` entries name theirs.
ID_PREFIX_UNEXPECTED = "id_prefix_unexpected"


class LintWarning(Finding):
    """A legal setting that is pointless or likely a mistake: the payload stays valid."""

    __slots__ = ()


# ---- the warnings, made only when one fires ------------------------------------------------------


def _id_prefix(prefix: str) -> Callable[[_Path, str], LintWarning]:
    def warning(path: _Path, value: str) -> LintWarning:
        param = bracket(path)
        return LintWarning(param, path, ID_PREFIX_UNEXPECTED,
                           f"{param} is {describe(value)}, but its ids usually start with {shorten(prefix)}.")
    return warning


def _rule(entry: Mapping[str, Any]) -> Callable[[_Path], LintWarning]:
    def warning(path: _Path) -> LintWarning:
        where = path if entry.get("param") is None else path + (entry["param"],)
        message = entry["message"].replace("{param}", bracket(where) or "The payload")
        return LintWarning(bracket(where), where, entry["code"], message.replace("{object}", bracket(path)))
    return warning


# ---- the generated function ------------------------------------------------------------------------


def _lints(node: Node) -> bool:
    """True when anything at or beneath `node` can warn."""
    return any(sub.lint or (sub.id_prefix is not None and "string" in sub.types) for sub in node.walk())


def _is(var: str, kind: str) -> str:
    """``isinstance(var, kind)``, with the exact class (what JSON parsers make) tested first: cheaper."""
    return f"({var}.__class__ is {kind} or isinstance({var}, {kind}))"


def _visit(node: Node, var: str, parts: list[str], out: Source) -> None:
    """Statements linting the value in `var`, found at `node`.

    `parts` spells its actual path as Python expressions: key literals, and
    the loop variable of each array index on the way.
    """
    where = "(" + "".join(f"{part}, " for part in parts) + ")"
    fixed = not any(isinstance(part, int) for part in node.path)  # no array index on the way: a constant path
    if node.id_prefix is not None and "string" in node.types:
        warn = out.bind(_id_prefix(node.id_prefix), "id_prefix")
        prefix = out.literal(node.id_prefix)
        with out.block(f"if {_is(var, 'str')} and {var} and not {var}.startswith({prefix}) and not unsendable({var}):"):
            out.line(f"found.append({warn}({where}, {var}))")
    keys = [(key, sub) for key, sub in node.properties.items() if _lints(sub)]
    if keys or node.lint:
        with out.block(f"if {_is(var, 'dict')}:"):
            for entry in node.lint:
                holds = out.bind(conditions.holds(entry.get("when", True)), "when")
                warn = out.bind(_rule(entry)(node.path) if fixed else _rule(entry), "rule")
                with out.block(f"if {holds}({var}):"):
                    out.line(f"found.append({warn})" if fixed else f"found.append({warn}({where}))")
            for key, sub in keys:
                child = out.variable()
                with out.block(f"if {out.literal(key)} in {var}:"):
                    out.line(f"{child} = {var}[{out.literal(key)}]")
                    _visit(sub, child, [*parts, out.literal(key)], out)
    if node.items is not None and _lints(node.items):
        index, child = out.variable("i"), out.variable()
        with out.block(f"if {_is(var, 'list')}:"):
            with out.block(f"for {index}, {child} in enumerate({var}):"):
                _visit(node.items, child, [*parts, index], out)


def _order(warning: LintWarning) -> tuple[tuple[tuple[int, str | int], ...], str]:
    return path_order(warning.path), warning.code


class _Linter:
    """The lint function of the create params, generated from the plan on first use."""

    def __init__(self) -> None:
        self._made: Callable[[Any], list[LintWarning]] | None = None

    def __call__(self, params: Any) -> list[LintWarning]:
        made = self._made
        if made is None:
            made = self._made = self._build()
        return made(params)

    @staticmethod
    def _build() -> Callable[[Any], list[LintWarning]]:
        out = Source("lint of the create params")
        out.namespace.update(unsendable=unsendable, order=_order)
        with out.block("def lint(v0):"):
            out.line("found = []")
            _visit(plan.root(), "v0", [], out)
            with out.block("if len(found) > 1:"):
                out.line("found.sort(key=order)")
            out.line("return found")
        return out.function("lint")

    def cache_clear(self) -> None:
        """Forget the generated function (after the schema files changed, in tests)."""
        self._made = None


_linter = _Linter()
loader.on_reset(_linter.cache_clear)


def lint(params: Any) -> list[LintWarning]:
    """Every warning about `params`, in a stable order (by param, then code).  Never raises.

    Lints what it can read: values that are not JSON data, keys that are not
    strings and anything under an unknown param are skipped (``iter_errors``
    reports them).  Lint the payload you send, not ``fill_defaults`` of it:
    a filled default is not a setting anyone gave.
    """
    return _linter(params)
