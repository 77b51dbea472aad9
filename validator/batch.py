"""JSON Lines in bulk: ``customer-session validate --jsonl``.

The file is read in blocks of whole lines ("chunks").  Each chunk is checked
— parsed, validated, linted, reported — by `check_chunk`, which returns the
chunk's output as bytes; the caller writes the outputs in input order.
With ``--jobs N`` the chunks are spread over N worker processes, at most a
few chunks ahead of the output, so memory stays flat however long the file.

JSON is parsed by orjson where it can be trusted to read a line exactly as
the strict parser (`cli.parse_json`) would, and by the strict parser
otherwise (`load_json`).
"""

from __future__ import annotations

import collections
import os
import sys

#: Bytes per chunk: large enough that handing a chunk to a worker costs nothing
#: next to checking it, small enough that ``| head`` sees output at once.
CHUNK_BYTES = 256 * 1024

STDOUT, STDERR = 1, 2
VALID, INVALID, UNUSABLE = 0, 1, 2


def default_jobs() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


# ---- parsing ----------------------------------------------------------------------------------------

try:
    import orjson as _orjson
except ImportError:  # pragma: no cover - orjson is a dependency; the strict parser alone still works
    _orjson = None


def load_json(line: bytes, name: str):
    """One line of JSON, read exactly as `cli.parse_json` reads it (and as fast as orjson can).

    orjson is stricter than the strict parser in some ways (it refuses a
    byte order mark, a lone surrogate escape, nesting past 1024 levels, a
    number too large for a double) and looser in others: it keeps the last
    of duplicate keys and reads an integer past 64 bits as a float.  So a
    line goes to the strict parser whenever orjson refuses it, and whenever
    orjson's reading could differ:

    - duplicate keys: every member's colon is in the text, and orjson's own
      output of what it read has one colon per member it kept; colons
      inside strings appear in both.  So the counts differ exactly when a
      member was dropped — unless a string spells a colon as ``\\u003a``,
      so a line holding ``\\u003`` goes to the strict parser too;
    - an integer past 64 bits: orjson writes any float of 10**16 or more
      with an exponent (``1.8446744073709552e+19``), so its output holds
      ``e+``; strings holding ``e+`` go to the strict parser too;
    - nesting: orjson reads 1024 levels, the strict parser fewer; but
      orjson writes no more than 254, so a deeper line fails the check
      above and goes to the strict parser.

    A line that orjson writes back byte for byte (compact JSON, as many
    tools write it) passes at once.
    """
    value = _fast(line)
    if value is _STRICT:
        from .cli import parse_json

        return parse_json(line, name)
    return value


_STRICT = object()  # what `_fast` returns for a line only the strict parser may read


def _fast(line: bytes):
    """`line` as orjson reads it, or _STRICT where that could differ from the strict parser (see `load_json`)."""
    if _orjson is None:
        return _STRICT
    try:
        value = _loads(line)
    except _orjson.JSONDecodeError:
        return _STRICT
    try:
        again = _dumps(value)
    except TypeError:  # nested more than 254 levels deep: orjson writes no deeper
        return _STRICT
    if again == line:
        return value
    # `find` of one byte first: it is several times cheaper than `in`, and `+` and `\\` are rare.
    if (line.count(b":") == again.count(b":")
            and (again.find(b"+") < 0 or again.find(b"e+") < 0)
            and (line.find(b"\\") < 0 or line.find(b"\\u003") < 0)):
        return value
    return _STRICT


if _orjson is not None:
    _loads, _dumps = _orjson.loads, _orjson.dumps


def _strict_only(line: bytes):
    return _STRICT


# ---- one chunk --------------------------------------------------------------------------------------


class Settings:
    """What `check_chunk` needs to know: picklable, so it can travel to a worker."""

    def __init__(self, shown: str, format: str, form: bool, response: bool, defaults: bool, strict: bool):
        self.shown, self.format, self.form, self.response = shown, format, form, response
        self.defaults, self.strict = defaults, strict


def _no_lint(obj):  # lint knows the params' settings; a response has none
    return []


def check_chunk(data: bytes, first_line: int, settings: Settings):
    """Check the lines of one chunk.

    Returns ``(segments, counts)``: the output as ``[(STDOUT or STDERR,
    bytes), ...]`` in order, and how many lines were valid, invalid and
    unusable.
    """
    from . import report
    from .cli import Unusable, parse_form, parse_json

    from . import explain, loader

    if settings.response:
        from .check import response as check
        lint, name = _no_lint, loader.RESPONSE_FILE
    else:
        from .check import params as check
        from .linting import lint
        name = loader.ROOT_FILE
    is_valid, iter_errors, explain_errors = check.is_valid, check.iter_errors, explain.iter_errors
    fill_defaults = None
    if settings.defaults:
        from .defaults import fill_defaults
    fast = _strict_only if settings.form else _fast
    strict = parse_form if settings.form else parse_json
    shown, text, warnings_fail = settings.shown, settings.format == "text", settings.strict
    reporter = report.text if text else report.json_line
    valid_line = None if text else report.json_valid_line(shown)
    counts = [0, 0, 0]
    segments: list = []
    lines: list = []  # standard output lines not yet in `segments`

    for number, raw in enumerate(data.split(b"\n"), first_line):
        params = fast(raw)  # a line ending in \r reads the same: JSON counts it as white space
        parsed = params is not _STRICT
        if not parsed:
            if not raw.strip():
                continue  # a blank line
            try:
                params = strict(raw.rstrip(b"\r"), f"{shown}:{number}")
            except Unusable as exc:
                counts[UNUSABLE] += 1
                if lines:
                    segments.append((STDOUT, _encode(lines)))
                    lines = []
                segments.append((STDERR, f"customer-session: {exc}\n".encode("utf-8", "backslashreplace")))
                if not text:
                    lines.append(report.json_unusable(shown, str(exc), line=number))
                continue
        if is_valid(params):
            errors = ()
        elif parsed:  # what orjson made is JSON data through and through: no need for a JSON-only copy
            errors = list(explain_errors(params, name=name, parsed=True))
        else:
            errors = list(iter_errors(params))
        warnings = lint(params)
        effective = fill_defaults(params) if fill_defaults is not None and not errors else None
        # Warnings are advice: they make the verdict invalid only under --strict, and then the report says so.
        valid = not errors and not (warnings_fail and warnings)
        counts[VALID if valid else INVALID] += 1
        # The text report of a stream shows only what needs attention.
        if errors or warnings or effective is not None:
            lines.append(reporter(shown, errors, warnings, effective, line=number, valid=valid))
        elif not text:
            lines.append(valid_line(number))
    if lines:
        segments.append((STDOUT, _encode(lines)))
    return segments, counts


def _encode(lines: list) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8", "backslashreplace")


# ---- reading chunks ----------------------------------------------------------------------------------


def chunks(stream):
    """``(data, first_line, size)`` for each run of whole lines in a binary stream.

    Reads with ``read1``, so from a pipe a chunk is whatever has arrived:
    lines are checked as they come, not when a block fills up.
    """
    read = getattr(stream, "read1", stream.read)
    line, carry = 1, b""
    while True:
        block = read(CHUNK_BYTES)
        if not block:
            break
        block = carry + block
        end = block.rfind(b"\n")
        if end < 0:
            carry = block
            continue
        data, carry = block[:end], block[end + 1:]
        yield data, line, end + 1
        line += data.count(b"\n") + 1
    if carry:
        yield carry, line, len(carry)


# ---- in order, in one process or several -----------------------------------------------------------


def _work(connection, settings: Settings) -> None:
    """A worker process: check each chunk it is sent, send back the results; None means stop."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the workers
    while True:
        task = connection.recv()
        if task is None:
            return
        try:
            connection.send(check_chunk(*task, settings))
        except Exception as exc:  # a bug: the parent raises it rather than waiting forever
            connection.send(exc)


def _ahead(blocks):
    """Each item of `blocks` with whether it is the last one (found by reading one block ahead)."""
    blocks = iter(blocks)
    current = next(blocks, None)
    while current is not None:
        following = next(blocks, None)
        yield current, following is None
        current = following


def results(blocks, settings: Settings, jobs: int):
    """``(segments, counts, size, last)`` for each chunk of `blocks`, in input order.

    The first chunk is checked here, before any worker starts: a small file
    never pays for starting processes, and workers forked after it inherit
    the compiled engine and lint function it built.  Then chunk k goes to
    worker k mod N (worker 0 is this process: N processes in all), and a
    worker is sent its next chunk only once its last result has been taken:
    at most N chunks in flight, output in order, and no thread, queue or
    lock that a reader going away could leave stuck.
    Closing this generator stops the workers.
    """
    blocks = _ahead(blocks)
    for (data, line, size), last in blocks:
        yield (*check_chunk(data, line, settings), size, last)
        if last or jobs > 1:
            break
    else:
        return
    if last:
        return

    import multiprocessing

    # fork where there is one (workers inherit what is built); the platform's default elsewhere.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods and sys.platform != "darwin" else None)
    workers: list = []
    finished = False
    try:
        for _ in range(jobs - 1):
            mine, theirs = context.Pipe()
            process = context.Process(target=_work, args=(theirs, settings), daemon=True)
            process.start()
            theirs.close()
            workers.append((process, mine))
        # Chunk k is checked by worker k mod N, worker 0 being this process itself.
        connections = [None] + [connection for _, connection in workers]
        pending: collections.deque = collections.deque()
        for number, ((data, line, size), last) in enumerate(blocks):
            if len(pending) == jobs:
                yield _taken(*pending.popleft(), settings)
            connection = connections[number % jobs]
            if connection is not None:
                connection.send((data, line))
            pending.append((connection, data, line, size, last))
        while pending:
            yield _taken(*pending.popleft(), settings)
        for _, connection in workers:
            connection.send(None)
        finished = True
    finally:
        for process, connection in workers:
            if not finished and process.is_alive():
                process.terminate()  # stopped early: what it is doing is not wanted
            connection.close()
        for process, _ in workers:
            process.join()


def _taken(connection, data: bytes, line: int, size: int, last: bool, settings: Settings) -> tuple:
    """The result of one chunk in flight: a worker's, or checked here and now (by the time it is
    taken, the chunks after it have been sent out, so the workers check them meanwhile)."""
    if connection is None:
        return (*check_chunk(data, line, settings), size, last)
    found = connection.recv()
    if isinstance(found, Exception):
        raise found
    return (*found, size, last)
