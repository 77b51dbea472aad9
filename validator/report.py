"""Reporters: how the command line shows results.  They format; they never check.

One reporter per input (its name is what every line starts with): `Text`
or `Json` (``REPORTERS[format]``).  Each turns a `Verdict` into the text to
print, says what to print for an input that could not be checked, and how a
JSON Lines file ends.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring  # json.dumps's own, for ensure_ascii=False
from typing import Any, Callable, Protocol, Sequence, cast

from .errors import plural
from .verdict import INVALID, UNUSABLE, VALID, Verdict


class _Finding(Protocol):
    @property
    def param(self) -> str: ...
    @property
    def code(self) -> str: ...
    @property
    def message(self) -> str: ...


def _found(items: Sequence[object]) -> Sequence[_Finding]:
    """Errors and warnings alike, as what a report reads of them."""
    return cast("Sequence[_Finding]", items)


def _string(text: str) -> str:
    return str(encode_basestring(text))


class Reporter:
    """The report of one input named `name` (with its line numbers, for JSON Lines)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def verdict(self, verdict: Verdict, line: int | None = None) -> str:
        """The report of one checked payload."""
        raise NotImplementedError

    def streamed(self, verdict: Verdict, line: int) -> str | None:
        """The report of one line of a JSON Lines stream; None for nothing to print."""
        return self.verdict(verdict, line)

    #: ``clean(line)``: the report of a line of a stream with nothing to say (`verdict.CLEAN`), or None
    #: where such lines are not shown.
    clean: Callable[[int], str] | None = None

    def unusable(self, message: str, line: int | None = None) -> str | None:
        """What standard output shows for an input that could not be checked (the reason goes to standard
        error in any case); None for nothing."""
        return None

    def summary(self, counts: Sequence[int]) -> str | None:
        """The last line for a JSON Lines file, given how many lines were valid, invalid and unusable."""
        return None


class Text(Reporter):
    """One line per verdict, error, warning; the effective configuration indented below.  A stream
    shows only the lines that need attention, then a count."""

    def verdict(self, verdict: Verdict, line: int | None = None) -> str:
        name = self.name if line is None else f"{self.name}:{line}"
        errors, warnings = _found(verdict.errors), _found(verdict.warnings)
        if verdict.valid:
            lines = [f"{name}: valid"]
        elif not errors:
            lines = [f"{name}: invalid under --strict ({plural(len(warnings), 'warning')})"]
        else:
            lines = [f"{name}: invalid ({plural(len(errors), 'error')})"]
            lines += [f"{name}: {error.message} [{error.code}]" for error in errors]
        lines += [f"{name}: warning: {warning.message} [{warning.code}]" for warning in warnings]
        if verdict.effective is not None:
            lines += [f"{name}: effective configuration:", json.dumps(verdict.effective, indent=2, ensure_ascii=False)]
        return "\n".join(lines)

    def streamed(self, verdict: Verdict, line: int) -> str | None:
        return self.verdict(verdict, line) if verdict.noteworthy else None

    def summary(self, counts: Sequence[int]) -> str | None:
        return (f"{self.name}: {plural(sum(counts), 'payload')}: {counts[VALID]} valid, "
                f"{counts[INVALID]} invalid, {counts[UNUSABLE]} unusable")


def _findings(found: Sequence[_Finding]) -> str:
    if not found:
        return "[]"
    return "[" + ", ".join(f'{{"param": {_string(f.param)}, "code": {_string(f.code)}, "message": {_string(f.message)}}}'
                           for f in found) + "]"


class Json(Reporter):
    """One JSON object per input: {"file", "valid", "errors": [{"param", "code", "message"}],
    "warnings": [{"param", "code", "message"}]}, plus "line" for JSON Lines input and "effective" when
    it is asked for; an input that could not be checked: {"file", "valid": false, "unusable": "why",
    "errors": [], "warnings": []}.

    Written out by hand, because a batch writes one per line: the text is
    exactly what ``json.dumps(..., ensure_ascii=False)`` makes of that
    object (tests/test_batch.py compares them).
    """

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self._head = f'{{"file": {_string(name)}, '
        self._valid_tail = ', "valid": true, "errors": [], "warnings": []}'
        self.clean = self._clean

    def verdict(self, verdict: Verdict, line: int | None = None) -> str:
        head = self._head + (f'"line": {int(line)}, ' if line is not None else "")
        text = (f'{head}"valid": {"true" if verdict.valid else "false"}, "errors": {_findings(_found(verdict.errors))}, '
                f'"warnings": {_findings(_found(verdict.warnings))}')
        if verdict.effective is not None:
            text += ', "effective": ' + json.dumps(verdict.effective, ensure_ascii=False)
        return text + "}"

    def streamed(self, verdict: Verdict, line: int) -> str:
        return self.verdict(verdict, line) if verdict.noteworthy else self._clean(line)

    def _clean(self, line: int) -> str:
        return f'{self._head}"line": {int(line)}{self._valid_tail}'  # the common case, made cheap

    def unusable(self, message: str, line: int | None = None) -> str:
        found: dict[str, Any] = {"file": self.name, **({"line": line} if line is not None else {}),
                                 "valid": False, "unusable": message, "errors": [], "warnings": []}
        return json.dumps(found, ensure_ascii=False)


REPORTERS: dict[str, type[Reporter]] = {"text": Text, "json": Json}
