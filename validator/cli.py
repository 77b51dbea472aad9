"""The ``customer-session`` command: a thin layer over the library.

Exit codes: 0 every input valid, 1 some input invalid, 2 unusable input
(missing file, not JSON, not a usable form body, bad arguments) or output
that cannot be written (a full disk, a closed standard output).  Each of
those is reported in one line on standard error (bad arguments also get
argparse's usage line), never with a traceback; Ctrl-C exits 130 quietly.
`main` catches only these named failures: anything else would be a bug in
this program, and its traceback is left for the bug report.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import json
import os
import re
import sys
import time

from .errors import plural

EXIT_VALID, EXIT_INVALID, EXIT_UNUSABLE = 0, 1, 2
#: The reader of standard output went away (``| head``) before every input was checked:
#: no verdict, so not 0, 1 or 2.  128 + SIGPIPE, as a shell reports a filter a closed pipe stopped.
EXIT_READER_GONE = 141


class Unusable(Exception):
    """Input that cannot be checked at all: reported on one line, exit 2."""


class _OutputFailed(Exception):
    """Standard output cannot be written (a full disk, say): reported on one line, exit 2."""


class _Output:
    """Standard output as UTF-8 bytes, whatever the locale.

    A reader that goes away (``| head -1``) is not an error: the rest of the
    output is dropped, the checking goes on, and the exit code still tells
    the verdict.
    """

    def __init__(self):
        self.gone = False

    def write(self, data: bytes) -> None:
        if self.gone:
            return
        if sys.stdout is None:  # started with standard output closed (`>&-`)
            self._drop()
            raise _OutputFailed("it is closed")
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
            raise _OutputFailed(getattr(exc, "strerror", None) or str(exc)) from None

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


_out = _Output()


def _complain(message: str) -> None:
    with contextlib.suppress(OSError, ValueError, AttributeError):
        print(f"customer-session: {message}", file=sys.stderr, flush=True)


def _stdin():
    if sys.stdin is None:
        raise Unusable("standard input is closed")
    return sys.stdin.buffer


def _read(name: str) -> bytes:
    try:
        if name == "-":
            return _stdin().read()
        with open(name, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise Unusable(f"cannot read {name}: {exc.strerror or exc}") from None


def _reject_constant(name):
    raise ValueError(f"{name} is not JSON")


class _TooLong(ValueError):
    """A JSON integer longer than Python reads: valid JSON, but not usable here."""


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:  # past the interpreter's limit (sys.get_int_max_str_digits()): JSON's digits are digits
        digits = len(text) - text.startswith("-")
        raise _TooLong(f"an integer of {digits} digits (at most {sys.get_int_max_str_digits()} are read)") from None


def _unique_keys(pairs):
    result = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key[:40]!r}")
        result[key] = value
    return result


def parse_json(data: bytes | str, name: str):
    """Strict JSON: no NaN/Infinity, no duplicate keys, UTF-8 (a BOM is tolerated)."""
    try:
        if isinstance(data, bytes):
            data = data.decode("utf-8-sig")
        if not data.strip():
            raise Unusable(f"{name} is empty: no JSON in it")
        return json.loads(data, parse_constant=_reject_constant, object_pairs_hook=_unique_keys, parse_int=_integer)
    except UnicodeDecodeError:
        raise Unusable(f"{name} is not UTF-8 text") from None
    except RecursionError:
        raise Unusable(f"{name} is not usable JSON: nested too deeply") from None
    except _TooLong as exc:
        raise Unusable(f"{name} is not usable JSON: {exc}") from None
    except ValueError as exc:
        hint = " (it looks like a form body: use --form)" if _FORM_LIKE.match(data) else ""
        raise Unusable(f"{name} is not JSON: {str(exc)[:120]}{hint}") from None


# The start of an obvious form body: a plain key, bracketed parts, then "=".
_FORM_LIKE = re.compile(r"\s*[^\s{}\[\]\"'=&]+(?:\[[^\[\]\s=&]*\])*=")


def _is_json(body: bytes) -> bool:
    """An obvious JSON document (an object or an array): no form body starts with { or [."""
    if body.lstrip()[:1] not in (b"{", b"["):
        return False
    try:
        json.loads(body)
    except (ValueError, RecursionError):
        return False
    return True


def _opened(name: str):
    """A file (or stdin) to read as a binary stream."""
    if name == "-":
        return contextlib.nullcontext(_stdin())
    try:
        return open(name, "rb")
    except OSError as exc:
        raise Unusable(f"cannot read {name}: {exc.strerror or exc}") from None


def _blocks(stream, name: str):
    """The chunks of whole lines of a stream (`batch.chunks`); a read error is unusable input."""
    from .batch import chunks

    try:
        yield from chunks(stream)
    except OSError as exc:
        raise Unusable(f"cannot read {name}: {exc.strerror or exc}") from None


class _Progress:
    """A one-line progress report on standard error, shown only when that is a terminal."""

    def __init__(self, name: str):
        self.name, self.last, self.read, self.drawn = name, 0.0, 0, False
        try:
            self.shown = sys.stderr.isatty()
        except (OSError, ValueError, AttributeError):
            self.shown = False
        try:
            self.size = None if name == "-" else os.stat(name).st_size or None
        except OSError:
            self.size = None

    def update(self, count: int, size: int) -> None:
        self.read += size
        if not self.shown or (now := time.monotonic()) - self.last < 0.2:
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


def _validate(args) -> int:
    from . import report as reporters

    if args.response:
        refused = {"--form": (args.form, "a response is JSON"),
                   "--defaults": (args.defaults, "the returned object has no defaults to fill"),
                   "--strict": (args.strict, "the returned object is not linted, so there are no warnings to count")}
        for option, (given, why) in refused.items():
            if given:
                _complain(f"--response cannot be combined with {option}: {why}")
                return EXIT_UNUSABLE
        from .check import response as check

        def lint(obj):  # lint knows the params' settings; a response has none
            return []
    else:
        from .check import params as check
        from .linting import lint
    from .defaults import fill_defaults

    report = reporters.REPORTERS[args.format]
    load = parse_form if args.form else parse_json
    status = EXIT_VALID

    def one(params, shown) -> int:
        errors = list(check.iter_errors(params))
        warnings = lint(params)
        effective = fill_defaults(params) if args.defaults and not errors else None
        # Warnings are advice: they make the verdict invalid only when asked to,
        # and then every report says so, as the exit code does.
        valid = not errors and not (args.strict and warnings)
        _out.line(report(shown, errors, warnings, effective, valid=valid))
        return EXIT_VALID if valid else EXIT_INVALID

    for name in args.files:
        if _out.gone:  # nobody reads the output any more: stop reading input
            return EXIT_READER_GONE
        shown = "<stdin>" if name == "-" else name
        if args.jsonl:
            outcome = _stream(name, shown, args)
            if outcome == EXIT_READER_GONE:
                return outcome
            status = max(status, outcome)
            continue
        try:
            params = load(_read(name), shown)
        except Unusable as exc:
            _complain(str(exc))
            if args.format == "json":
                _out.line(reporters.json_unusable(shown, str(exc)))
            status = EXIT_UNUSABLE
            continue
        status = max(status, one(params, shown))
    return status


def _stream(name: str, shown: str, args) -> int:
    """``validate --jsonl`` of one file (`batch`): the worst outcome of its lines, or EXIT_READER_GONE."""
    from . import batch

    settings = batch.Settings(shown, args.format, args.form, args.response, args.defaults, args.strict)
    counts = [0, 0, 0]
    broken = False
    progress = _Progress(shown)
    try:
        with _opened(name) as stream:
            found = batch.results(_blocks(stream, shown), settings, args.jobs or batch.default_jobs())
            try:
                for segments, chunk_counts, size, last in found:
                    progress.clear()
                    for where, data in segments:
                        if where == batch.STDOUT:
                            _out.write(data)
                        else:
                            _complain_bytes(data)
                    counts = [a + b for a, b in zip(counts, chunk_counts)]
                    progress.update(sum(counts), size)
                    if _out.gone and not last:
                        return EXIT_READER_GONE  # stop reading: no verdict on lines never checked
            finally:
                found.close()
    except Unusable as exc:  # the file itself: it could not be opened, or reading it failed
        progress.clear()
        _complain(str(exc))
        if args.format == "json":
            from .report import json_unusable

            _out.line(json_unusable(shown, str(exc)))
        if not any(counts):
            return EXIT_UNUSABLE
        broken = True
    finally:
        progress.clear()
    if args.format == "text":
        _out.line(f"{shown}: {plural(sum(counts), 'payload')}: {counts[EXIT_VALID]} valid, "
                  f"{counts[EXIT_INVALID]} invalid, {counts[EXIT_UNUSABLE]} unusable")
    return EXIT_UNUSABLE if broken else _worst(counts)


def _worst(counts) -> int:
    return max([EXIT_VALID] + [code for code, count in enumerate(counts) if count])


def _complain_bytes(data: bytes) -> None:
    with contextlib.suppress(OSError, ValueError, AttributeError):
        sys.stderr.flush()
        stream = getattr(sys.stderr, "buffer", None)
        if stream is None:
            sys.stderr.write(data.decode("utf-8", "replace"))
        else:
            stream.write(data)
        sys.stderr.flush()


def parse_form(data: bytes, name: str, json_hint: str = "validate it without --form") -> dict:
    """A form body as params; line breaks ending the file are not part of it (curl -d @FILE drops them too)."""
    from .form import FormError, decode

    data = data.rstrip(b"\r\n")
    if _is_json(data):
        raise Unusable(f"{name} is JSON, not a form body: {json_hint}")
    try:
        return decode(data)
    except FormError as exc:
        raise Unusable(f"{name} is not a usable form body: {exc} [{exc.code}]") from None


def _encode(args) -> int:
    from .form import encode

    shown = "<stdin>" if args.file == "-" else args.file
    try:
        params = parse_json(_read(args.file), shown)
        if not isinstance(params, dict):
            raise Unusable(f"{shown} is not a JSON object")
        body = encode(params)
    except Unusable as exc:
        _complain(str(exc))
        return EXIT_UNUSABLE
    except (TypeError, ValueError) as exc:  # JSON text can still hold what cannot be sent: a lone surrogate
        _complain(f"{shown} cannot be encoded: {exc}")
        return EXIT_UNUSABLE
    _out.line(body)
    return EXIT_VALID


def _decode(args) -> int:
    shown = "<stdin>" if args.file == "-" else args.file
    try:
        params = parse_form(_read(args.file), shown, json_hint="it needs no decoding (encode turns JSON into a form body)")
    except Unusable as exc:
        _complain(str(exc))
        return EXIT_UNUSABLE
    _out.line(json.dumps(params, indent=2, ensure_ascii=False))
    return EXIT_VALID


def _bundle(args) -> int:
    from .bundle import bundle

    _out.line(json.dumps(bundle(), indent=2, ensure_ascii=False))
    return EXIT_VALID


def _openapi(args) -> int:
    from .openapi import document

    _out.line(json.dumps(document(), indent=2, ensure_ascii=False))
    return EXIT_VALID


def _docs(args) -> int:
    if args.format == "html":
        from .docs_html import render_html as render
    else:
        from .docs import render_markdown as render
    # Bytes, not text: the output is UTF-8 whatever the locale, so it matches the checked-in file.
    data = render().encode("utf-8")
    if args.output in (None, "-"):
        _out.write(data)
        return EXIT_VALID
    try:
        with open(args.output, "wb") as handle:
            handle.write(data)
    except OSError as exc:
        _complain(f"cannot write {args.output}: {exc.strerror or exc}")
        return EXIT_UNUSABLE
    return EXIT_VALID


def _drift(args) -> int:
    from . import drift

    try:
        sources = [drift.stripe_source()]
        if args.openapi is not None:
            shown = "<stdin>" if args.openapi == "-" else args.openapi
            sources.append(drift.openapi_source(parse_json(_read(args.openapi), shown), shown))
        results = [drift.report(source) for source in sources]
    except (drift.CannotRun, Unusable) as exc:
        _complain(str(exc))
        return EXIT_UNUSABLE
    for result in results:
        for line in drift.render(result, verbose=args.verbose):
            _out.line(line)
    return EXIT_INVALID if any(result.drift for result in results) else EXIT_VALID


def version_line() -> str:
    """``customer-session 0.2.0 (Stripe API 2026-10-28.endive)``: reads one schema file, imports nothing heavy."""
    from . import __version__, loader

    return f"customer-session {__version__} (Stripe API {loader.api_version()})"


class _ShowVersion(argparse.Action):
    """``--version``, worked out only when asked for, so building the parser reads no file."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        try:
            line = version_line()
        except (OSError, ValueError, KeyError) as exc:  # a broken installation: no readable schemas
            _complain(f"cannot read the schemas: {exc}")
            parser.exit(EXIT_UNUSABLE)
        _out.line(line)
        _out.flush()
        parser.exit()


def _serve(args) -> int:
    try:
        from .serving import serve
    except ImportError as exc:
        _complain(f"serve needs the optional extra 'serve' ({exc.name or 'uvicorn'} is missing): "
                  f"pip install '.[serve]' in the project's folder")
        return EXIT_UNUSABLE
    try:
        serve(args.host, args.port)
    except OSError as exc:
        _complain(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
        return EXIT_UNUSABLE
    return EXIT_VALID


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"not a port number (0-65535): {text[:20]!r}")
    return int(text)


def _jobs(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of processes (1 or more)")
    return count


class _Parser(argparse.ArgumentParser):
    """argparse, writing help through the same output as everything else: UTF-8, and a
    standard output that is full or closed is one line and exit 2, not a silent exit 0."""

    def _print_message(self, message, file=None):
        if message and (file is None or file is sys.stdout):
            _out.write(message.encode("utf-8", "backslashreplace"))
            _out.flush()
        else:
            super()._print_message(message, file)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="customer-session",
        description="Validate Stripe Create-a-Customer-Session params against JSON Schemas.",
    )
    parser.add_argument("--version", action=_ShowVersion,
                        help="print the package version and the Stripe API version the schemas describe")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser(
        "validate", help="validate JSON payloads",
        description="Validate one or more JSON payloads. Exit 0 if all are valid, 1 if any is invalid, "
                    "2 if an input cannot be read or is not JSON (with --form: not a usable form body).",
    )
    check.add_argument("files", nargs="+", metavar="FILE", help="a JSON file, or - for standard input")
    check.add_argument("--jsonl", action="store_true",
                       help="read each FILE as JSON Lines (or form bodies with --form): one payload per line, "
                            "streamed; results name FILE:LINE; text output shows only lines with errors or "
                            "warnings, then a summary per file")
    check.add_argument("--form", action="store_true",
                       help="read each FILE as an application/x-www-form-urlencoded body (what Stripe's API "
                            "receives: bracket keys such as a[b][c]=true) instead of JSON; "
                            "a malformed body is unusable input (exit 2)")
    check.add_argument("--format", choices=("text", "json"), default="text",
                       help="text: one line per error or warning; json: one JSON object per input "
                            '{"file", "valid", "errors": [{"param", "code", "message"}], "warnings": [...]} '
                            '(plus "line" with --jsonl); an input that cannot be checked gives '
                            '{"file", "valid": false, "unusable": "why", "errors": [], "warnings": []}')
    check.add_argument("--defaults", action="store_true",
                       help="also print the effective configuration of each valid input: the payload with "
                            "every documented default filled in (json format: an \"effective\" key)")
    check.add_argument("--response", action="store_true",
                       help="check each input as the Customer Session object the endpoint returns (the "
                            "response schema) instead of the create params; no lint, so no --strict; no --defaults, no --form")
    check.add_argument("--jobs", type=_jobs, default=0, metavar="N",
                       help="with --jsonl: check chunks of lines in N processes at once (default: one per core "
                            "available); output stays in input order")
    check.add_argument("--strict", action="store_true",
                       help="treat lint warnings (legal but pointless or suspicious settings) as failures: an "
                            "input with a warning is reported invalid (text: 'invalid under --strict'; json: "
                            '"valid": false) and the exit code is 1')
    check.set_defaults(run=_validate)

    bundle = commands.add_parser(
        "bundle", help="print the schemas as one self-contained file",
        description="Print one JSON Schema 2020-12 document that embeds every schema resource, "
                    "so every $ref resolves inside it.",
    )
    bundle.set_defaults(run=_bundle)

    openapi = commands.add_parser(
        "openapi", help="print an OpenAPI 3.1 document for POST /v1/customer_sessions",
        description="Print an OpenAPI 3.1 document (JSON) describing POST /v1/customer_sessions: a "
                    "form-urlencoded request body whose schema is ours, split into components/schemas.",
    )
    openapi.set_defaults(run=_openapi)

    docs = commands.add_parser(
        "docs", help="print the parameter reference generated from the schemas",
        description="Generate the parameter reference from the schemas alone: every param with its "
                    "bracket form, type, required-ness, allowed values, default, limit, rules and examples.",
    )
    docs.add_argument("--format", choices=("markdown", "html"), default="markdown",
                      help="markdown (default): the text of docs/reference.md; "
                           "html: one self-contained page with a collapsible tree and a filter box")
    docs.add_argument("-o", "--output", metavar="FILE",
                      help="write to FILE instead of standard output")
    docs.set_defaults(run=_docs)

    encode = commands.add_parser(
        "encode", help="print the form body stripe-python sends for a JSON payload",
        description="Print the application/x-www-form-urlencoded body that stripe-python sends for a "
                    "JSON payload: the same pairs in the same order. The payload is not validated.",
    )
    encode.add_argument("file", metavar="FILE", help="a JSON file holding one object, or - for standard input")
    encode.set_defaults(run=_encode)

    decode = commands.add_parser(
        "decode", help="print a form body as JSON",
        description="Decode an application/x-www-form-urlencoded body into the JSON payload it stands "
                    "for, reading booleans and integers where the schemas expect them. The payload is "
                    "not validated. Exit 2 for a malformed body.",
    )
    decode.add_argument("file", metavar="FILE", help="a form body file, or - for standard input")
    decode.set_defaults(run=_decode)

    drift = commands.add_parser(
        "drift", help="compare the schemas with stripe-python's create params (and a Stripe OpenAPI spec3)",
        description="Compare the schemas with the installed stripe-python's typed create params and, with "
                    "--openapi, with the form request body of POST /v1/customer_sessions in a Stripe OpenAPI "
                    "spec3 document: param names and nesting, required or not, JSON types, enum values, limits, "
                    "documented rules, and the Stripe API version. One line per difference ('only upstream: "
                    "PARAM', 'only ours: PARAM', 'type differs: ...', 'enum differs: ...', 'required "
                    "differs: ...', 'limit differs: ...', 'api version differs: ...'), then a summary per source. "
                    "Deliberate differences, listed with their reasons in validator/drift-expected.json, are "
                    "counted as expected, not as drift. Exit 0 no drift, 1 drift, 2 cannot run (stripe not "
                    "installed, a spec3 file that cannot be read or has no such request body).",
    )
    drift.add_argument("--openapi", metavar="FILE",
                       help="also compare with this spec3 document (JSON, as in stripe/openapi's openapi/spec3.json; "
                            "- for standard input)")
    drift.add_argument("-v", "--verbose", action="store_true",
                       help="also print each expected difference with its reason")
    drift.set_defaults(run=_drift)

    serve = commands.add_parser(
        "serve", help="run a strict local stand-in for POST /v1/customer_sessions",
        description="Serve POST /v1/customer_sessions over HTTP the way Stripe answers it: form bodies "
                    "decoded and validated against the schemas, a Customer Session object built from the "
                    "response schema, Stripe's error bodies, test keys only, Idempotency-Key replays. "
                    "One log line per request on standard error. Needs the extra 'serve'. "
                    "Runs until interrupted (Ctrl-C or SIGTERM).",
    )
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1: this machine only)")
    serve.add_argument("--port", type=_port, default=12111,
                       help="port to listen on (default 12111, stripe-mock's; 0 picks a free one, "
                            "named in the first line on standard error)")
    serve.set_defaults(run=_serve)
    return parser


def _commands(parser: argparse.ArgumentParser) -> list[str]:
    return [name for action in parser._actions if isinstance(action, argparse._SubParsersAction)
            for name in action.choices]


# Jobs the README names that `validate` does.
_WHERE = {
    "lint": "validate prints lint warnings with every verdict (--strict fails on them)",
    "defaults": "validate --defaults prints the effective configuration",
}


def _check_command(parser: argparse.ArgumentParser, argv) -> None:
    """A mistyped command gets a suggestion (argparse itself only lists the choices); exit 2."""
    # The top level has no option that takes a value, so the first word not
    # starting with "-" is the command.
    word = next((arg for arg in argv if not arg.startswith("-")), None)
    commands = _commands(parser)
    if word is None or word in commands:
        return
    if word in _WHERE:  # the README's words for what validate does, not commands of their own
        parser.error(f"unknown command {word!r}: {_WHERE[word]}")
    close = difflib.get_close_matches(word, commands, n=1)
    if close:
        parser.error(f"unknown command {word!r}: did you mean {close[0]}?")


def main(argv=None) -> int:
    global _out
    _out = _Output()
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        parser = build_parser()
        _check_command(parser, argv)
        args = parser.parse_args(argv)
        status = args.run(args)
        _out.flush()
        return status
    except _OutputFailed as exc:
        _complain(f"cannot write to standard output: {exc}")
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
