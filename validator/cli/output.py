"""Where the command writes: standard output as UTF-8 bytes, one-line complaints and a progress line on
standard error."""

from __future__ import annotations

import contextlib
import os
import sys
import time

from ..errors import Error, plural


class OutputFailed(Error):
    """Standard output cannot be written (a full disk, say): reported on one line, exit 2."""


class Output:
    """Standard output as UTF-8 bytes, whatever the locale.

    A reader that goes away (``| head -1``) is not an error: the rest of the
    output is dropped, the checking goes on, and the exit code still tells
    the verdict.
    """

    def __init__(self) -> None:
        self.gone = False

    def write(self, data: bytes) -> None:
        if self.gone:
            return
        if sys.stdout is None:  # started with standard output closed (`>&-`)
            self._drop()
            raise OutputFailed("it is closed")
        try:
            sys.stdout.flush()  # text already written through sys.stdout goes first
            stream = getattr(sys.stdout, "buffer", None)
            if stream is None:
                sys.stdout.write(data.decode("utf-8"))
            else:
                stream.write(data)
        except BrokenPipeError:
            self._drop()
        except (OSError, ValueError) as exc:
            self._drop()
            raise OutputFailed(getattr(exc, "strerror", None) or str(exc)) from None

    def line(self, text: str) -> None:
        self.write((text + "\n").encode("utf-8", "backslashreplace"))

    def flush(self) -> None:
        self.write(b"")

    def _drop(self) -> None:
        # Point the descriptor at /dev/null so the interpreter's own last
        # flush at exit has nowhere to fail.
        self.gone = True
        with contextlib.suppress(OSError, ValueError, AttributeError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def complain(message: str) -> None:
    """One line on standard error, after the command's name."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        print(f"customer-session: {message}", file=sys.stderr, flush=True)


def complain_bytes(data: bytes) -> None:
    """Bytes already formatted as complaints, written to standard error as they are."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        sys.stderr.flush()
        stream = getattr(sys.stderr, "buffer", None)
        if stream is None:
            sys.stderr.write(data.decode("utf-8", "replace"))
        else:
            stream.write(data)
        sys.stderr.flush()


class Progress:
    """A one-line progress report on standard error, shown only when that is a terminal."""

    def __init__(self, name: str, shown: str) -> None:
        self.name, self.last, self.read, self.drawn = shown, 0.0, 0, False
        try:
            self.shown = sys.stderr.isatty()
        except (OSError, ValueError, AttributeError):
            self.shown = False
        self.size: int | None
        try:
            self.size = None if name == "-" else os.stat(name).st_size or None
        except OSError:
            self.size = None

    def update(self, count: int, size: int) -> None:
        self.read += size
        now = time.monotonic()
        if not self.shown or now - self.last < 0.2:
            return
        self.last, self.drawn = now, True
        done = f" ({100 * self.read // self.size}%)" if self.size else ""
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.write(f"\r{self.name}: {plural(count, 'payload')}{done}")
            sys.stderr.flush()

    def clear(self) -> None:
        """Wipe the progress line before anything else is printed."""
        if self.drawn:
            self.drawn = False
            with contextlib.suppress(OSError, ValueError):
                sys.stderr.write("\r\033[K")
                sys.stderr.flush()
