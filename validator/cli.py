"""The ``customer-session`` command: a thin layer over the library.

Exit codes: 0 every input valid, 1 some input invalid, 2 unusable input
(missing file, not JSON, not a usable form body, bad arguments).  Never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time

EXIT_VALID, EXIT_INVALID, EXIT_UNUSABLE = 0, 1, 2


class Unusable(Exception):
    """Input that cannot be checked at all: reported on one line, exit 2."""


def _read(name: str) -> bytes:
    try:
        if name == "-":
            return sys.stdin.buffer.read()
        with open(name, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise Unusable(f"cannot read {name}: {exc.strerror or exc}") from None


def _reject_constant(name):
    raise ValueError(f"{name} is not JSON")


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
        return json.loads(data, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except UnicodeDecodeError:
        raise Unusable(f"{name} is not UTF-8 text") from None
    except RecursionError:
        raise Unusable(f"{name} is not usable JSON: nested too deeply") from None
    except ValueError as exc:
        raise Unusable(f"{name} is not JSON: {str(exc)[:120]}") from None


def _lines(name: str):
    """The lines of a file (or stdin) as a stream, so memory stays flat however long it is."""
    try:
        handle = contextlib.nullcontext(sys.stdin.buffer) if name == "-" else open(name, "rb")
    except OSError as exc:
        raise Unusable(f"cannot read {name}: {exc.strerror or exc}") from None
    with handle as stream:
        yield from stream


class _Progress:
    """A one-line progress report on standard error, shown only when that is a terminal."""

    def __init__(self, name: str):
        self.name, self.shown, self.last, self.read = name, sys.stderr.isatty(), 0.0, 0
        try:
            self.size = None if name == "-" else os.stat(name).st_size or None
        except OSError:
            self.size = None

    def update(self, count: int, raw: bytes) -> None:
        self.read += len(raw)
        if not self.shown or (now := time.monotonic()) - self.last < 0.2:
            return
        self.last = now
        done = f" ({100 * self.read // self.size}%)" if self.size else ""
        sys.stderr.write(f"\r{self.name}: {count} payloads{done}")
        sys.stderr.flush()

    def close(self) -> None:
        if self.last:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def _validate(args) -> int:
    from . import check
    from .defaults import fill_defaults
    from .linting import lint
    from .report import REPORTERS

    report = REPORTERS[args.format]
    load = parse_form if args.form else parse_json
    status = EXIT_VALID

    def one(params, shown, line=None) -> int:
        errors = list(check.iter_errors(params))
        warnings = lint(params)
        if args.jsonl and args.format == "text" and not errors and not warnings:
            return EXIT_VALID  # a stream reports only what needs attention, then a summary
        effective = fill_defaults(params) if args.defaults and not errors else None
        print(report(shown, errors, warnings, effective, line=line))
        # Warnings are advice: they decide the exit code only when asked to.
        return EXIT_INVALID if errors or (args.strict and warnings) else EXIT_VALID

    for name in args.files:
        shown = "<stdin>" if name == "-" else name
        if not args.jsonl:
            try:
                params = load(_read(name), shown)
            except Unusable as exc:
                print(f"customer-session: {exc}", file=sys.stderr)
                status = EXIT_UNUSABLE
                continue
            status = max(status, one(params, shown))
            continue
        counts = {EXIT_VALID: 0, EXIT_INVALID: 0, EXIT_UNUSABLE: 0}
        progress = _Progress(shown)
        try:
            for number, raw in enumerate(_lines(name), 1):
                progress.update(number, raw)
                if not raw.strip():
                    continue
                try:
                    outcome = one(load(raw.rstrip(b"\r\n"), f"{shown}:{number}"), shown, line=number)
                except Unusable as exc:
                    print(f"customer-session: {exc}", file=sys.stderr)
                    outcome = EXIT_UNUSABLE
                counts[outcome] += 1
        except Unusable as exc:
            print(f"customer-session: {exc}", file=sys.stderr)
            counts[EXIT_UNUSABLE] += 1
        finally:
            progress.close()
        status = max(status, *(code for code, count in counts.items() if count))
        if args.format == "text":
            print(f"{shown}: {sum(counts.values())} payloads: {counts[EXIT_VALID]} valid, "
                  f"{counts[EXIT_INVALID]} invalid, {counts[EXIT_UNUSABLE]} unusable")
    return status


def parse_form(data: bytes, name: str) -> dict:
    """A form body as params; line breaks ending the file are not part of it (curl -d @FILE drops them too)."""
    from .form import FormError, decode

    try:
        return decode(data.rstrip(b"\r\n"))
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
        print(f"customer-session: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except UnicodeEncodeError:
        print(f"customer-session: {shown} holds a string that is not Unicode text (a lone surrogate)", file=sys.stderr)
        return EXIT_UNUSABLE
    print(body)
    return EXIT_VALID


def _decode(args) -> int:
    shown = "<stdin>" if args.file == "-" else args.file
    try:
        params = parse_form(_read(args.file), shown)
    except Unusable as exc:
        print(f"customer-session: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    print(json.dumps(params, indent=2, ensure_ascii=False))
    return EXIT_VALID


def _bundle(args) -> int:
    from .bundle import bundle

    print(json.dumps(bundle(), indent=2, ensure_ascii=False))
    return EXIT_VALID


def _openapi(args) -> int:
    from .openapi import document

    print(json.dumps(document(), indent=2, ensure_ascii=False))
    return EXIT_VALID


def _docs(args) -> int:
    if args.format == "html":
        from .docs_html import render_html as render
    else:
        from .docs import render_markdown as render
    # Bytes, not text: the output is UTF-8 whatever the locale, so it matches the checked-in file.
    data = render().encode("utf-8")
    if args.output in (None, "-"):
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return EXIT_VALID
    try:
        with open(args.output, "wb") as handle:
            handle.write(data)
    except OSError as exc:
        print(f"customer-session: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    return EXIT_VALID


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="customer-session",
        description="Validate Stripe Create-a-Customer-Session params against JSON Schemas.",
    )
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
                            '{"file", "valid", "errors": [{"param", "code", "message"}], "warnings": [...]}')
    check.add_argument("--defaults", action="store_true",
                       help="also print the effective configuration of each valid input: the payload with "
                            "every documented default filled in (json format: an \"effective\" key)")
    check.add_argument("--strict", action="store_true",
                       help="treat lint warnings (legal but pointless or suspicious settings) as failures: "
                            "exit 1 when any input has a warning")
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
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        sys.stderr.close()
        return EXIT_VALID


if __name__ == "__main__":
    sys.exit(main())
