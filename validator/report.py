"""Reporters: how the CLI shows results.  They format; they never check."""

from __future__ import annotations

import json


def text(name: str, errors) -> str:
    if not errors:
        return f"{name}: valid"
    lines = [f"{name}: invalid ({len(errors)} error{'s' if len(errors) != 1 else ''})"]
    lines += [f"{name}: {error.message} [{error.code}]" for error in errors]
    return "\n".join(lines)


def json_line(name: str, errors) -> str:
    """One JSON object per input: {"file", "valid", "errors": [{"param", "code", "message"}]}."""
    return json.dumps({
        "file": name,
        "valid": not errors,
        "errors": [{"param": e.param, "code": e.code, "message": e.message} for e in errors],
    }, ensure_ascii=False)


REPORTERS = {"text": text, "json": json_line}
