"""The verdict on one payload: its errors, then its lint warnings, then its defaults, then ``--strict``.

One function (`Judge.__call__`) for every path that checks a payload: the
command line's single files and the batch path's lines.  A `Judge` is built
once per run from the options and is picklable, so it travels to the batch
path's worker processes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Sequence

from . import loader
from .errors import ParamError

if TYPE_CHECKING:
    from .linting import LintWarning

#: The outcome of one input, which is also the command's exit code for it.
VALID, INVALID, UNUSABLE = 0, 1, 2


class Verdict:
    """What the checks found in one payload.  Immutable.

    ``errors`` (ParamError) and ``warnings`` (lint), ``effective`` the
    payload with its defaults filled (asked for, and only for a payload
    without errors), ``valid`` the verdict: no error, and no warning under
    ``--strict``.  ``other_schema`` names the root schema file the payload
    looks like it was meant for, when its own check failed (a returned
    object checked as params), else None.
    """

    __slots__ = ("errors", "warnings", "effective", "valid", "other_schema")

    errors: tuple[ParamError, ...]
    warnings: tuple[LintWarning, ...]
    effective: dict[str, Any] | None
    valid: bool
    other_schema: str | None

    def __init__(self, errors: Sequence[ParamError], warnings: Sequence[LintWarning], effective: dict[str, Any] | None,
                 valid: bool, other_schema: str | None = None) -> None:
        for name, value in (("errors", tuple(errors)), ("warnings", tuple(warnings)), ("effective", effective),
                            ("valid", valid), ("other_schema", other_schema)):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}: a Verdict is immutable")

    def __repr__(self) -> str:
        return (f"Verdict(errors={self.errors!r}, warnings={self.warnings!r}, effective={self.effective!r}, "
                f"valid={self.valid!r}, other_schema={self.other_schema!r})")

    @property
    def outcome(self) -> int:
        """VALID or INVALID."""
        return VALID if self.valid else INVALID

    @property
    def noteworthy(self) -> bool:
        """Something to show beyond "valid": an error, a warning or an effective configuration."""
        return bool(self.errors or self.warnings) or self.effective is not None


def _no_lint(obj: object) -> list[LintWarning]:  # lint knows the params' settings; a response has none
    return []


class Judge:
    """The verdict function for one run's options.

    ``response``: check the returned object instead of the create params
    (no lint, so no warnings).  ``defaults``: fill the documented defaults
    of a payload without errors.  ``strict``: a warning makes the verdict
    invalid.
    """

    def __init__(self, *, response: bool = False, defaults: bool = False, strict: bool = False) -> None:
        self.response, self.defaults, self.strict = response, defaults, strict

    def __getstate__(self) -> tuple[bool, bool, bool]:
        return self.response, self.defaults, self.strict

    def __setstate__(self, state: tuple[bool, bool, bool]) -> None:
        self.response, self.defaults, self.strict = state

    def _bind(self) -> None:
        """Look up what the checks need once, on the first verdict (not when a worker is sent the judge)."""
        from . import check

        self._checker = check.response if self.response else check.params
        if self.response:
            self._lint: Callable[[Any], Sequence[LintWarning]] = _no_lint
        else:
            from .linting import lint

            self._lint = lint
        self._fill: Callable[[Any], dict[str, Any]] | None = None
        if self.defaults:
            from .defaults import fill_defaults

            self._fill = fill_defaults
        # A payload the params reject may be the returned object, checked without --response.
        self._other = None if self.response else check.response
        self._constants = () if self._other is None else _constants(self._other.name)

    def __call__(self, payload: Any, *, parsed: bool = False) -> Verdict:
        """The verdict on `payload`.  ``parsed``: it came straight from a JSON parser (see `Checker.explain`)."""
        try:
            checker = self._checker
        except AttributeError:
            self._bind()
            checker = self._checker
        if checker.is_valid(payload):
            errors: Sequence[ParamError] = ()
        elif parsed:  # JSON data through and through: no need for a JSON-only copy
            errors = checker.explain(payload, parsed=True)
        else:
            errors = list(checker.iter_errors(payload))
        warnings = self._lint(payload)
        effective = self._fill(payload) if self._fill is not None and not errors else None
        # Warnings are advice: they make the verdict invalid only under --strict.
        valid = not errors and not (self.strict and warnings)
        other = self._other.name if errors and self._other is not None and self._looks_like_other(payload) else None
        return Verdict(errors, warnings, effective, valid, other)

    def _looks_like_other(self, payload: Any) -> bool:
        """True when `payload` looks meant for the other root schema: it carries one of the constant values
        that schema fixes at its top level (the returned object's type, say); or, where that schema fixes
        none, it is valid there."""
        if not isinstance(payload, dict) or self._other is None:
            return False
        if self._constants:
            return any(key in payload and payload[key] == value for key, value in self._constants)
        return self._other.is_valid(payload)


def _constants(name: str) -> tuple[tuple[str, Any], ...]:
    """The ``const`` values the schema of root `name` fixes at its top level: ``((key, value), ...)``."""
    return tuple((path[0], node["const"]) for path, node in loader.nodes(name).items()
                 if len(path) == 1 and isinstance(path[0], str) and "const" in node)
