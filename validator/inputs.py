"""User input: files and streams read, JSON and form bodies parsed, and the hints for common mix-ups.

Below the command line and the batch path, above the engine: whatever
cannot be checked at all raises `Unusable`, one line that says why (the
command exits 2).  Every look at the input for a hint is bounded
(`HINT_PREFIX`), so a 50 MB line costs no more to reject than to read.
"""

from __future__ import annotations

import contextlib
import json
import re
import sys
from typing import IO, Any, Callable, ContextManager, Iterator

from .errors import Error

#: Characters (or bytes) of an input a hint looks at: enough for any key the schemas name.
HINT_PREFIX = 4096


class Unusable(Error):
    """Input that cannot be checked at all: reported on one line, exit 2."""


# ---- reading --------------------------------------------------------------------------------------------


def stdin() -> IO[bytes]:
    """Standard input as a binary stream."""
    if sys.stdin is None:
        raise Unusable("standard input is closed")
    return sys.stdin.buffer


def shown(name: str) -> str:
    """How reports name an input: ``<stdin>`` for ``-``."""
    return "<stdin>" if name == "-" else name


def _cannot_read(name: str, exc: OSError) -> Unusable:
    return Unusable(f"cannot read {name}: {exc.strerror or exc}")


def read(name: str) -> bytes:
    """The whole of a file, or of standard input for ``-``."""
    try:
        if name == "-":
            return stdin().read()
        with open(name, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise _cannot_read(name, exc) from None


def opened(name: str) -> ContextManager[IO[bytes]]:
    """A file (or standard input for ``-``) to read as a binary stream."""
    if name == "-":
        return contextlib.nullcontext(stdin())
    try:
        return open(name, "rb")
    except OSError as exc:
        raise _cannot_read(name, exc) from None


def chunks(stream: IO[bytes], size: int) -> Iterator[tuple[bytes, int, int]]:
    """``(data, first_line, size)`` for each run of whole lines in a binary stream (without its last ``\\n``).

    Reads with ``read1``, so from a pipe a chunk is whatever has arrived:
    lines are checked as they come, not when a block fills up.  A line
    longer than a read is kept as a list of its pieces, each scanned for a
    line break once and joined once: linear in the length of the line.
    """
    reader: Callable[[int], bytes] = getattr(stream, "read1", None) or stream.read
    line, pending, held = 1, [], 0  # pieces of an unfinished line, and their length
    while True:
        block = reader(size)
        if not block:
            break
        end = block.rfind(b"\n")
        if end < 0:
            pending.append(block)
            held += len(block)
            continue
        data = block[:end] if not pending else b"".join(pending) + block[:end]
        yield data, line, held + end + 1
        line += data.count(b"\n") + 1
        rest = block[end + 1:]
        pending, held = ([rest], len(rest)) if rest else ([], 0)
    if pending:
        data = b"".join(pending)
        yield data, line, len(data)


def stream_chunks(stream: IO[bytes], name: str, size: int) -> Iterator[tuple[bytes, int, int]]:
    """`chunks`, a read error being unusable input."""
    try:
        yield from chunks(stream, size)
    except OSError as exc:
        raise _cannot_read(name, exc) from None


# ---- JSON -----------------------------------------------------------------------------------------------


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


class _TooLong(ValueError):
    """A JSON integer longer than Python reads: valid JSON, but not usable here."""


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:  # past the interpreter's limit (sys.get_int_max_str_digits()): JSON's digits are digits
        digits = len(text) - text.startswith("-")
        raise _TooLong(f"an integer of {digits} digits (at most {sys.get_int_max_str_digits()} are read)") from None


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key[:40]!r}")
        result[key] = value
    return result


def parse_json(data: bytes | str, name: str, *, lines: bool = False) -> Any:
    """Strict JSON: no NaN/Infinity, no duplicate keys, UTF-8 (a BOM is tolerated).

    ``lines``: `data` is one line of a JSON Lines stream (the hints differ).
    """
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
        if not text or text.isspace():
            raise Unusable(f"{name} is empty: no JSON in it")
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys, parse_int=_integer)
    except UnicodeDecodeError:
        raise Unusable(f"{name} is not UTF-8 text") from None
    except RecursionError:
        raise Unusable(f"{name} is not usable JSON: nested too deeply") from None
    except _TooLong as exc:
        raise Unusable(f"{name} is not usable JSON: {exc}") from None
    except ValueError as exc:
        hint = _json_hint(text, exc, lines)
        raise Unusable(f"{name} is not JSON: {str(exc)[:120]}{hint}") from None


def is_json(body: bytes) -> bool:
    """An obvious JSON document (an object or an array): no form body starts with { or [."""
    start = body[:HINT_PREFIX].lstrip()[:1]
    if start not in (b"{", b"["):
        return False
    try:
        json.loads(body)
    except (ValueError, RecursionError):
        return False
    return True


# ---- JSON Lines: orjson where it reads a line as the strict parser would ---------------------------------

#: What `fast_json` returns for a line only the strict parser may read.
STRICT: Any = object()


def load_json(line: bytes, name: str) -> Any:
    """One line of JSON, read exactly as `parse_json` reads it (and as fast as orjson can)."""
    value = fast_json(line)
    if value is STRICT:
        return parse_json(line, name, lines=True)
    return value


def fast_json(line: bytes) -> Any:
    """`line` as orjson reads it, or STRICT where that could differ from the strict parser.

    orjson is stricter than the strict parser in some ways (it refuses a
    byte order mark, a lone surrogate escape, nesting past 1024 levels, a
    number too large for a double) and looser in others: it keeps the last
    of duplicate keys and reads an integer past 64 bits as a float.  So a
    line goes to the strict parser whenever orjson refuses it, and whenever
    orjson's reading could differ:

    - duplicate keys: every member's colon is in the text, and orjson's own
      output of what it read has one colon per member it kept; colons
      inside strings appear in both.  So the counts differ exactly when a
      member was dropped -- unless a string spells a colon as ``\\u003a``,
      so a line holding ``\\u003`` goes to the strict parser too;
    - an integer past 64 bits: orjson writes any float of 10**16 or more
      with an exponent (``1.8446744073709552e+19``), so its output holds
      ``e+``; strings holding ``e+`` go to the strict parser too;
    - nesting: orjson reads 1024 levels, the strict parser fewer; but
      orjson writes no more than 254, so a deeper line fails the check
      above and goes to the strict parser.

    A line that orjson writes back byte for byte (compact JSON, as many
    tools write it) passes at once.  What it returns is JSON data through
    and through, integers within 64 bits (``Checker.explain(parsed=True)``).
    """
    try:
        value = _loads(line)
    except ValueError:  # orjson.JSONDecodeError
        return STRICT
    try:
        again = _dumps(value)
    except TypeError:  # nested more than 254 levels deep: orjson writes no deeper
        return STRICT
    if again == line:
        return value
    # `find` of one byte first: it is several times cheaper than `in`, and `+` and `\\` are rare.
    if (line.count(b":") == again.count(b":")
            and (again.find(b"+") < 0 or again.find(b"e+") < 0)
            and (line.find(b"\\") < 0 or line.find(b"\\u003") < 0)):
        return value
    return STRICT


def strict_only(line: bytes) -> Any:
    """In place of `fast_json` where only the strict parser reads (form bodies)."""
    return STRICT


def _strict_everywhere(line: bytes) -> Any:
    raise ValueError("orjson is not installed")


def _first_loads(line: bytes) -> Any:
    """Import orjson when the first line is read (reading one file never needs it: it costs tens of
    milliseconds to import), then read `line` with it."""
    global _loads, _dumps
    try:
        from orjson import dumps, loads
    except ImportError:  # pragma: no cover - orjson is a dependency; the strict parser alone still works
        _loads = _strict_everywhere
    else:
        _loads, _dumps = loads, dumps
    return _loads(line)


_loads: Callable[[bytes], Any] = _first_loads
_dumps: Callable[[Any], bytes]


# ---- form bodies ----------------------------------------------------------------------------------------


def parse_form(data: bytes, name: str, json_hint: str = "validate it without --form") -> dict[str, Any]:
    """A form body as params; line breaks ending the file are not part of it (curl -d @FILE drops them too)."""
    from .form import FormError, decode

    data = data.rstrip(b"\r\n")
    if is_json(data):
        raise Unusable(f"{name} is JSON, not a form body: {json_hint}")
    try:
        return decode(data)
    except FormError as exc:
        raise Unusable(f"{name} is not a usable form body: {exc} [{exc.code}]") from None


# ---- hints ----------------------------------------------------------------------------------------------

# The start of an obvious form body: a plain key, bracketed parts, then "=".  Matched against a
# bounded prefix only: on a long run of key characters the pattern backtracks over all of them.
_FORM_LIKE = re.compile(r"\s*[^\s{}\[\]\"'=&]+(?:\[[^\[\]\s=&]*\])*=")

FORM_HINT = " (it looks like a form body: use --form)"
JSON_LINES_HINT = " (it looks like JSON Lines, one payload per line: use --jsonl)"
SPLIT_HINT = (" (the line ends inside a JSON value: if the file holds one JSON document over several "
              "lines, validate it without --jsonl)")


def looks_like_form(text: str | bytes) -> bool:
    """True when the start of `text` reads as a form body's first key and its ``=``."""
    start = text[:HINT_PREFIX]
    if isinstance(start, bytes):
        start = start.decode("utf-8", "replace")
    return _FORM_LIKE.match(start) is not None


def _json_hint(text: str, exc: ValueError, lines: bool) -> str:
    """What a JSON parser's refusal of `text` may mean, as a parenthesis to append ("" for nothing)."""
    position = getattr(exc, "pos", None)
    message = getattr(exc, "msg", "")
    if not lines and message == "Extra data" and position is not None and _line_break_before(text, position):
        return JSON_LINES_HINT  # one whole value, then another on a later line
    if lines and position is not None and position >= len(text.rstrip()):
        return SPLIT_HINT  # the line ran out in the middle of a value: pretty-printed JSON
    return FORM_HINT if looks_like_form(text) else ""


def _line_break_before(text: str, position: int) -> bool:
    """True when the white space just before `position` holds a line break."""
    start = position
    while start > 0 and text[start - 1] in " \t\r\n":
        start -= 1
        if text[start] == "\n":
            return True
    return False


def pairs_per_line(body: bytes) -> bool:
    """True when a form body holds line breaks and its second line starts like a form pair:
    pairs written one per line, where a body joins them with ``&``."""
    body = body.rstrip(b"\r\n")
    cut = body.find(b"\n", 0, HINT_PREFIX)
    return cut >= 0 and looks_like_form(body[cut + 1:cut + 1 + HINT_PREFIX])


PAIRS_PER_LINE_HINT = ("{name} has one form pair per line: a form body joins its pairs with '&' "
                       "(a line break is part of a value); for one body per line use --jsonl")
