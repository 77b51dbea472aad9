"""JSON Lines in bulk: ``customer-session validate --jsonl``.

The file is read in blocks of whole lines ("chunks", `inputs.chunks`).  Each
chunk is checked -- parsed (`inputs`), judged (`verdict`), reported
(`report`) -- by `check_chunk`, which returns the chunk's output as bytes;
the caller writes the outputs in input order.  With ``--jobs N`` the chunks
are spread over N worker processes, at most a few chunks ahead of the
output, so memory stays flat however long the file.
"""

from __future__ import annotations

import collections
import os
import sys
from multiprocessing.connection import Connection
from typing import Any, Callable, Generator, Iterable, Iterator, NamedTuple

from . import inputs
from .report import REPORTERS
from .verdict import CLEAN, UNUSABLE, VALID, Judge

#: Bytes per chunk: large enough that handing a chunk to a worker costs nothing
#: next to checking it, small enough that ``| head`` sees output at once.
CHUNK_BYTES = 256 * 1024

STDOUT, STDERR = 1, 2


def default_jobs() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


# ---- one chunk --------------------------------------------------------------------------------------


class Settings:
    """What `check_chunk` needs to know: picklable, so it can travel to a worker."""

    def __init__(self, shown: str, format: str, form: bool, judge: Judge) -> None:
        self.shown, self.format, self.form, self.judge = shown, format, form, judge


class Checked(NamedTuple):
    """The result of one chunk: its output as ``[(STDOUT or STDERR, bytes), ...]`` in order, how many lines
    were valid, invalid and unusable, and the first line that looks meant for another schema (line,
    schema file), if any."""

    segments: list[tuple[int, bytes]]
    counts: list[int]
    other: tuple[int, str] | None


def check_chunk(data: bytes, first_line: int, settings: Settings) -> Checked:
    """Check the lines of one chunk."""
    judge, shown = settings.judge.function(), settings.shown
    fast = inputs.strict_only if settings.form else inputs.fast_json
    strict: Callable[[bytes, str], Any] = inputs.parse_form if settings.form else _strict_json
    reporter = REPORTERS[settings.format](shown)
    streamed, unusable, clean = reporter.streamed, reporter.unusable, reporter.clean
    counts = [0, 0, 0]
    other: tuple[int, str] | None = None
    segments: list[tuple[int, bytes]] = []
    lines: list[str] = []  # standard output lines not yet in `segments`

    for number, raw in enumerate(data.split(b"\n"), first_line):
        params = fast(raw)  # a line ending in \r reads the same: JSON counts it as white space
        parsed = params is not inputs.STRICT
        if not parsed:
            if not raw.strip():
                continue  # a blank line
            try:
                params = strict(raw.rstrip(b"\r"), f"{shown}:{number}")
            except inputs.Unusable as exc:
                counts[UNUSABLE] += 1
                if lines:
                    segments.append((STDOUT, _encode(lines)))
                    lines = []
                segments.append((STDERR, f"customer-session: {exc}\n".encode("utf-8", "backslashreplace")))
                shown_unusable = unusable(str(exc), number)
                if shown_unusable is not None:
                    lines.append(shown_unusable)
                continue
        verdict = judge(params, parsed)
        if verdict is CLEAN:  # most lines: nothing to say, and a JSON report says it in one template
            counts[VALID] += 1
            if clean is not None:
                lines.append(clean(number))
            continue
        counts[verdict.outcome] += 1
        if other is None and verdict.other_schema is not None:
            other = (number, verdict.other_schema)
        shown_line = streamed(verdict, number)
        if shown_line is not None:
            lines.append(shown_line)
    if lines:
        segments.append((STDOUT, _encode(lines)))
    return Checked(segments, counts, other)


def _strict_json(line: bytes, name: str) -> Any:
    return inputs.parse_json(line, name, lines=True)


def _encode(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8", "backslashreplace")


# ---- in order, in one process or several -----------------------------------------------------------

Block = tuple[bytes, int, int]  # (data, first line, bytes read): what `inputs.chunks` yields


def _work(connection: Connection, settings: Settings) -> None:
    """A worker process: check each chunk it is sent, send back the results; None means stop."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the workers
    while True:
        task = connection.recv()
        if task is None:
            return
        data, line = task
        try:
            connection.send(check_chunk(data, line, settings))
        except Exception as exc:  # a bug: the parent raises it rather than waiting forever
            connection.send(exc)


def _ahead(blocks: Iterable[Block]) -> Iterator[tuple[Block, bool]]:
    """Each item of `blocks` with whether it is the last one (found by reading one block ahead)."""
    found = iter(blocks)
    current = next(found, None)
    while current is not None:
        following = next(found, None)
        yield current, following is None
        current = following


class Result(NamedTuple):
    """One chunk's `Checked`, the bytes of input it came from, and whether it was the last."""

    checked: Checked
    size: int
    last: bool


_Pending = tuple["Connection | None", bytes, int, int, bool]


def results(blocks: Iterable[Block], settings: Settings, jobs: int) -> Generator[Result, None, None]:
    """A `Result` for each chunk of `blocks`, in input order.

    The first chunk is checked here, before any worker starts: a small file
    never pays for starting processes, and workers forked after it inherit
    the compiled engine and lint function it built.  Then chunk k goes to
    worker k mod N (worker 0 is this process: N processes in all), and a
    worker is sent its next chunk only once its last result has been taken:
    at most N chunks in flight, output in order, and no thread, queue or
    lock that a reader going away could leave stuck.
    Closing this generator stops the workers.
    """
    ahead = _ahead(blocks)
    last = True
    for (data, line, size), last in ahead:
        yield Result(check_chunk(data, line, settings), size, last)
        if last or jobs > 1:
            break
    if last:
        return

    import multiprocessing

    # fork where there is one (workers inherit what is built); the platform's default elsewhere.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods and sys.platform != "darwin" else None)
    workers: list[tuple[Any, Connection]] = []
    finished = False
    try:
        for _ in range(jobs - 1):
            mine, theirs = context.Pipe()
            process = context.Process(target=_work, args=(theirs, settings), daemon=True)
            process.start()
            theirs.close()
            workers.append((process, mine))
        # Chunk k is checked by worker k mod N, worker 0 being this process itself.
        connections: list[Connection | None] = [None, *(connection for _, connection in workers)]
        pending: collections.deque[_Pending] = collections.deque()
        for number, ((data, line, size), last) in enumerate(ahead):
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


def _taken(connection: Connection | None, data: bytes, line: int, size: int, last: bool,
           settings: Settings) -> Result:
    """The result of one chunk in flight: a worker's, or checked here and now (by the time it is
    taken, the chunks after it have been sent out, so the workers check them meanwhile)."""
    if connection is None:
        return Result(check_chunk(data, line, settings), size, last)
    found = connection.recv()
    if isinstance(found, Exception):
        raise found
    return Result(found, size, last)
