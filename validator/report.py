"""Reporters: how the CLI shows results.  They format; they never check."""

from __future__ import annotations

import json


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
        lines = [f"{name}: invalid ({len(errors)} error{'s' if len(errors) != 1 else ''})"]
        lines += [f"{name}: {error.message} [{error.code}]" for error in errors]
    lines += [f"{name}: warning: {warning.message} [{warning.code}]" for warning in warnings]
    if effective is not None:
        lines += [f"{name}: effective configuration:", json.dumps(effective, indent=2, ensure_ascii=False)]
    return "\n".join(lines)


def json_line(name: str, errors, warnings=(), effective=None, line=None, valid=None) -> str:
    """One JSON object per input: {"file", "valid", "errors": [{"param", "code", "message"}],
    "warnings": [{"param", "code", "message"}]}, plus "line" for JSON Lines input and
    "effective" when it is asked for.  `valid` as for `text`."""
    result = {
        "file": name,
        **({"line": line} if line is not None else {}),
        "valid": not errors if valid is None else valid,
        "errors": [{"param": e.param, "code": e.code, "message": e.message} for e in errors],
        "warnings": [{"param": w.param, "code": w.code, "message": w.message} for w in warnings],
    }
    if effective is not None:
        result["effective"] = effective
    return json.dumps(result, ensure_ascii=False)


def json_unusable(name: str, message: str, line=None) -> str:
    """The JSON object for an input that could not be checked: "valid" is false, "unusable" says why."""
    return json.dumps({"file": name, **({"line": line} if line is not None else {}), "valid": False,
                       "unusable": message, "errors": [], "warnings": []}, ensure_ascii=False)


REPORTERS = {"text": text, "json": json_line}
