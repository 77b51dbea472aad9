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

Lint runs on every payload a batch checks, so it is compiled: the schemas
become one generated Python function (`_source`) that visits only the params
the schemas describe, tests each ``when`` as a Python expression (the JSON
Schema subset the conditions use: ``required``, ``properties``, ``const``,
``not``, ``anyOf``, ``allOf``; anything else is handed to jsonschema-rs), and
builds a warning, message and bracket notation included, only when one fires.
"""

from __future__ import annotations

import functools

from . import loader
from .errors import Finding, bracket, describe, path_order, shorten
from .plain import unsendable

#: The code of the check that ``x-idPrefix`` asks for; ``x-lint`` entries name theirs.
ID_PREFIX_UNEXPECTED = "id_prefix_unexpected"


class LintWarning(Finding):
    """A legal setting that is pointless or likely a mistake: the payload stays valid."""

    __slots__ = ()


# ---- the warnings, made only when one fires ------------------------------------------------------


def _id_prefix(prefix: str):
    def warning(path: tuple, value: str) -> LintWarning:
        param = bracket(path)
        return LintWarning(param, path, ID_PREFIX_UNEXPECTED,
                           f"{param} is {describe(value)}, but its ids usually start with {shorten(prefix)}.")
    return warning


def _rule(entry: dict):
    def warning(path: tuple) -> LintWarning:
        where = path if entry.get("param") is None else path + (entry["param"],)
        message = entry["message"].replace("{param}", bracket(where) or "The payload")
        return LintWarning(bracket(where), where, entry["code"], message.replace("{object}", bracket(path)))
    return warning


# ---- conditions: a JSON Schema subset as Python expressions ----------------------------------------


def _const(value, var: str) -> str | None:
    """`var` equals the JSON value `value`, as JSON Schema compares (``1`` is not ``true``)."""
    if value is None or isinstance(value, bool):
        return f"{var} is {value!r}"
    if isinstance(value, str):
        return f"(isinstance({var}, str) and {var} == {value!r})"
    if isinstance(value, (int, float)):
        return f"({var}.__class__ is not bool and isinstance({var}, (int, float)) and {var} == {value!r})"
    return None


def _condition(schema, var: str, is_dict: bool) -> str | None:
    """A Python expression true when the value in `var` is valid against `schema`; None where it cannot say.

    `is_dict`: `var` is known to hold a dict.
    """
    if schema is True or schema is False:
        return repr(schema)
    if not isinstance(schema, dict):
        return None
    guard = "" if is_dict else f"not isinstance({var}, dict) or "
    tests = []
    for keyword, value in schema.items():
        if keyword in ("title", "description", "$comment"):
            continue
        if keyword == "required" and isinstance(value, list):
            tests.append(f"({guard}{' and '.join(f'{key!r} in {var}' for key in value) or 'True'})")
        elif keyword == "properties" and isinstance(value, dict):
            for key, sub in value.items():
                test = _condition(sub, f"{var}[{key!r}]", False)
                if test is None:
                    return None
                tests.append(f"({guard}{key!r} not in {var} or {test})")
        elif keyword == "const":
            test = _const(value, var)
            if test is None:
                return None
            tests.append(test)
        elif keyword == "not":
            test = _condition(value, var, is_dict)
            if test is None:
                return None
            tests.append(f"not ({test})")
        elif keyword in ("anyOf", "allOf") and isinstance(value, list) and value:
            found = [_condition(sub, var, is_dict) for sub in value]
            if None in found:
                return None
            tests.append("(" + (" or " if keyword == "anyOf" else " and ").join(found) + ")")
        else:
            return None
    return " and ".join(tests) or "True"


def _fallback(when):
    """A condition outside the translated subset: jsonschema-rs (stock jsonschema where it cannot) decides."""
    from .plain import scrub

    @functools.cache
    def compiled():
        try:
            import jsonschema_rs
        except ImportError:
            return None
        return jsonschema_rs.validator_for(when).is_valid

    @functools.cache
    def stock():
        from jsonschema.validators import Draft202012Validator, validator_for

        return validator_for(when, default=Draft202012Validator)(when).is_valid

    def holds(value) -> bool:
        clean, problems = scrub(value)
        if compiled() is not None and not problems:
            try:
                return compiled()(clean)
            except (ValueError, TypeError, OverflowError, RecursionError):
                pass
        return stock()(clean)

    return holds


# ---- the generated function ------------------------------------------------------------------------


class _Source:
    """Collects the lines of the generated lint function and the values it refers to."""

    def __init__(self):
        self.lines: list[str] = []
        self.names: dict = {"sendable_text": lambda text: not unsendable(text)}

    def name(self, value, prefix: str) -> str:
        """A name in the generated function's namespace bound to `value`."""
        found = f"{prefix}{len(self.names)}"
        self.names[found] = value
        return found

    def add(self, depth: int, line: str) -> None:
        self.lines.append("    " * depth + line)


def _lints(path: tuple, nodes: dict, children: dict) -> bool:
    """True when anything at or beneath the param `path` can warn."""
    node = nodes[path]
    types = loader.types(node)
    if node.get("x-lint") or ("string" in types and isinstance(node.get("x-idPrefix"), str)):
        return True
    return any(_lints(child, nodes, children) for child in children.get(path, ()))


def _is(var: str, kind: str) -> str:
    """``isinstance(var, kind)``, with the exact class (what JSON parsers make) tested first: cheaper."""
    return f"({var}.__class__ is {kind} or isinstance({var}, {kind}))"


def _visit(path: tuple, var: str, parts: list, depth: int, out: _Source, nodes: dict, children: dict) -> None:
    """Statements linting the value in `var`, found at the param `path`.

    `parts` spells its actual path as Python expressions: key literals, and
    the loop variable of each array index on the way.
    """
    node = nodes[path]
    types = loader.types(node)
    where = "(" + "".join(f"{part}, " for part in parts) + ")"
    fixed = all(part[0] in "'\"" for part in parts)  # only key literals: no array index on the way
    prefix = node.get("x-idPrefix")
    if "string" in types and isinstance(prefix, str):
        warn = out.name(_id_prefix(prefix), "id_prefix")
        out.add(depth, f"if {_is(var, 'str')} and {var} and not {var}.startswith({prefix!r}) and sendable_text({var}):")
        out.add(depth + 1, f"found.append({warn}({where}, {var}))")
    below = [child for child in children.get(path, ()) if _lints(child, nodes, children)]
    keys = [child for child in below if isinstance(child[-1], str)]
    rules = node.get("x-lint") or ()
    child_var = f"v{depth + 1}"
    if keys or rules:
        out.add(depth, f"if {_is(var, 'dict')}:")
        for entry in rules:
            when = entry.get("when", True)
            test = _condition(when, var, True)
            if test is None:
                test = f"{out.name(_fallback(when), 'when')}({var})"
            warn = out.name(_rule(entry)(path) if fixed else _rule(entry), "rule")
            out.add(depth + 1, f"if {test}:")
            out.add(depth + 2, f"found.append({warn})" if fixed else f"found.append({warn}({where}))")
        for child in keys:
            key = child[-1]
            out.add(depth + 1, f"if {key!r} in {var}:")
            out.add(depth + 2, f"{child_var} = {var}[{key!r}]")
            _visit(child, child_var, [*parts, repr(key)], depth + 2, out, nodes, children)
    items = [child for child in below if not isinstance(child[-1], str)]
    if items:
        index = f"i{depth}"
        out.add(depth, f"if {_is(var, 'list')}:")
        out.add(depth + 1, f"for {index}, {child_var} in enumerate({var}):")
        _visit(items[0], child_var, [*parts, index], depth + 2, out, nodes, children)


@functools.cache
def _linter():
    """The lint function generated from the schemas of the create params."""
    nodes = loader.nodes()
    children: dict = {}
    for path in nodes:
        if path:
            children.setdefault(path[:-1], []).append(path)
    out = _Source()
    out.add(0, "def lint(v0):")
    out.add(1, "found = []")
    _visit((), "v0", [], 1, out, nodes, children)
    out.add(1, "if len(found) > 1:")
    out.add(2, "found.sort(key=order)")
    out.add(1, "return found")
    namespace = {**out.names, "order": lambda warning: (path_order(warning.path), warning.code)}
    exec(compile("\n".join(out.lines), "<lint of the create params>", "exec"), namespace)
    return namespace["lint"]


def lint(params) -> list[LintWarning]:
    """Every warning about `params`, in a stable order (by param, then code).  Never raises.

    Lints what it can read: values that are not JSON data, keys that are not
    strings and anything under an unknown param are skipped (``iter_errors``
    reports them).  Lint the payload you send, not ``fill_defaults`` of it:
    a filled default is not a setting anyone gave.
    """
    return _linter()(params)
