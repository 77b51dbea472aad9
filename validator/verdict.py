"""The verdict on one payload: its errors, then its lint warnings, then its defaults, then ``--strict``.

One function (`Judge.__call__`) for every path that checks a payload: the
command line's single files and the batch path's lines.  A `Judge` is built
once per run from the options and is picklable, so it travels to the batch
path's worker processes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, NamedTuple, Sequence

from . import loader
from .errors import ParamError

if TYPE_CHECKING:
    from .linting import LintWarning

#: The outcome of one input, which is also the command's exit code for it.
VALID, INVALID, UNUSABLE = 0, 1, 2


class Verdict(NamedTuple):
    """What the checks found in one payload.  Immutable (a named tuple: cheap to make, one per line of a
    JSON Lines file).

    ``errors`` (ParamError) and ``warnings`` (lint), ``effective`` the
    payload with its defaults filled (asked for, and only for a payload
    without errors), ``valid`` the verdict: no error, and no warning under
    ``--strict``.  ``other_schema`` names the root schema file the payload
    looks like it was meant for, when its own check failed (a returned
    object checked as params), else None.
    """

    errors: Sequence[ParamError]
    warnings: Sequence[LintWarning]
    effective: dict[str, Any] | None
    valid: bool
    other_schema: str | None = None

    @property
    def outcome(self) -> int:
        """VALID or INVALID."""
        return VALID if self.valid else INVALID

    @property
    def noteworthy(self) -> bool:
        """Something to show beyond "valid": an error, a warning or an effective configuration."""
        return bool(self.errors or self.warnings) or self.effective is not None


#: The verdict on most payloads: nothing to say.
CLEAN = Verdict((), (), None, True)


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

    def __call__(self, payload: Any, *, parsed: bool = False) -> Verdict:
        """The verdict on `payload`.  ``parsed``: it came straight from a JSON parser (see `Checker.explain`)."""
        return self.function()(payload, parsed)

    def function(self) -> Callable[[Any, bool], Verdict]:
        """The verdict as a plain function of ``(payload, parsed)``, everything it needs looked up once:
        what a loop over many payloads calls."""
        try:
            return self._function
        except AttributeError:
            self._function: Callable[[Any, bool], Verdict] = self._build()
            return self._function

    def _build(self) -> Callable[[Any, bool], Verdict]:
        from . import check

        checker = check.response if self.response else check.params
        lint: Callable[[Any], Sequence[LintWarning]] = _no_lint
        if not self.response:
            from .linting import lint
        fill: Callable[[Any], dict[str, Any]] | None = None
        if self.defaults:
            from .defaults import fill_defaults as fill
        strict = self.strict
        # A payload the params reject may be the returned object, checked without --response.
        other = None if self.response else check.response
        looks_like_other = _Resemblance(other) if other is not None else None

        def verdict(payload: Any, parsed: bool) -> Verdict:
            if checker.is_valid(payload):
                warnings = lint(payload)
                if not warnings and fill is None:
                    return CLEAN
                errors: Sequence[ParamError] = ()
            else:
                # parsed: JSON data through and through, so no JSON-only copy is needed
                errors = checker.explain(payload, parsed=True) if parsed else list(checker.iter_errors(payload))
                warnings = lint(payload)
            effective = fill(payload) if fill is not None and not errors else None
            # Warnings are advice: they make the verdict invalid only under --strict.
            valid = not errors and not (strict and warnings)
            if errors and looks_like_other is not None and looks_like_other(payload):
                return Verdict(errors, warnings, effective, valid, looks_like_other.name)
            return Verdict(errors, warnings, effective, valid)

        return verdict


class _Resemblance:
    """Whether a payload looks meant for `checker`'s root schema: it carries one of the constant values
    that schema fixes at its top level (the returned object's type, say); or, where that schema fixes
    none, it is valid there."""

    def __init__(self, checker: Any) -> None:
        self.checker, self.name = checker, str(checker.name)
        self.constants = _constants(self.name)

    def __call__(self, payload: Any) -> bool:
        if not isinstance(payload, dict):
            return False
        if self.constants:
            return any(key in payload and payload[key] == value for key, value in self.constants)
        return bool(self.checker.is_valid(payload))


def _constants(name: str) -> tuple[tuple[str, Any], ...]:
    """The ``const`` values the schema of root `name` fixes at its top level: ``((key, value), ...)``."""
    return tuple((path[0], node["const"]) for path, node in loader.nodes(name).items()
                 if len(path) == 1 and isinstance(path[0], str) and "const" in node)
