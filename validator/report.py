"""Reporters: how the CLI shows results.  They format; they never check."""

from __future__ import annotations

import json
from json.encoder import encode_basestring as _string  # json.dumps's own, for ensure_ascii=False

from .errors import plural


def text(name: str, errors, warnings=(), effective=None, line=None, valid=None) -> str:
    """The text report of one input.  `valid` is the verdict (default: no errors); the
    CLI passes False for an input whose only faults are warnings under --strict."""
    if line is not None:
        name = f"{name}:{line}"
    if valid is None:
        valid = not errors
    if valid:
        lines = [f"{name}: valid"]
    elif not errors:
        lines = [f"{name}: invalid under --strict ({len(warnings)} warning{'s' if len(warnings) != 1 else ''})"]
    else:
        lines = [f"{name}: invalid ({plural(len(errors), 'error')})"]
        lines += [f"{name}: {error.message} [{error.code}]" for error in errors]
    lines += [f"{name}: warning: {warning.message} [{warning.code}]" for warning in warnings]
    if effective is not None:
        lines += [f"{name}: effective configuration:", json.dumps(effective, indent=2, ensure_ascii=False)]
    return "\n".join(lines)


def _findings(found) -> str:
    if not found:
        return "[]"
    return "[" + ", ".join(f'{{"param": {_string(f.param)}, "code": {_string(f.code)}, "message": {_string(f.message)}}}'
                           for f in found) + "]"


def json_line(name: str, errors, warnings=(), effective=None, line=None, valid=None) -> str:
    """One JSON object per input: {"file", "valid", "errors": [{"param", "code", "message"}],
    "warnings": [{"param", "code", "message"}]}, plus "line" for JSON Lines input and
    "effective" when it is asked for.  `valid` as for `text`.

    Written out by hand, because a batch writes one per line: the text is
    exactly what ``json.dumps(..., ensure_ascii=False)`` makes of that object
    (tests/test_cli.py compares them).
    """
    head = f'{{"file": {_string(name)}, ' + (f'"line": {int(line)}, ' if line is not None else "")
    text = (f'{head}"valid": {"true" if (not errors if valid is None else valid) else "false"}, "errors": {_findings(errors)}, '
            f'"warnings": {_findings(warnings)}')
    if effective is not None:
        text += ', "effective": ' + json.dumps(effective, ensure_ascii=False)
    return text + "}"


def json_valid_line(name: str):
    """``json_line(name, [], [], line=N)`` for many N: a function of N, for a stream's valid lines."""
    head, tail = f'{{"file": {_string(name)}, "line": ', ', "valid": true, "errors": [], "warnings": []}'
    return lambda line: f"{head}{int(line)}{tail}"


def json_unusable(name: str, message: str, line=None) -> str:
    """The JSON object for an input that could not be checked: "valid" is false, "unusable" says why."""
    return json.dumps({"file": name, **({"line": line} if line is not None else {}), "valid": False,
                       "unusable": message, "errors": [], "warnings": []}, ensure_ascii=False)


REPORTERS = {"text": text, "json": json_line}
