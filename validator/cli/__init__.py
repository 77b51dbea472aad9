"""The ``customer-session`` command: declares the commands and wires them (`commands`) to the library.

Exit codes: 0 every input valid, 1 some input invalid, 2 unusable input
(missing file, not JSON, not a usable form body, bad arguments) or output
that cannot be written (a full disk, a closed standard output).  Each of
those is reported in one line on standard error (bad arguments also get
the usage line of the command they were given to), never with a traceback;
Ctrl-C exits 130 quietly.  `main` catches only these named failures:
anything else would be a bug in this program, and its traceback is left
for the bug report.
"""

from __future__ import annotations

import argparse
import difflib
import functools
import sys
from typing import Any, Sequence, cast

from . import commands
from ..verdict import INVALID as EXIT_INVALID, UNUSABLE as EXIT_UNUSABLE, VALID as EXIT_VALID
from .commands import EXIT_READER_GONE, version_line
from .output import Output, OutputFailed, complain

__all__ = ["EXIT_INVALID", "EXIT_READER_GONE", "EXIT_UNUSABLE", "EXIT_VALID", "build_parser", "main",
           "version_line"]


class _ShowVersion(argparse.Action):
    """``--version``, worked out only when asked for, so building the parser reads no file."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        try:
            line = version_line()
        except (OSError, ValueError, KeyError) as exc:  # a broken installation: no readable schemas
            complain(f"cannot read the schemas: {exc}")
            parser.exit(EXIT_UNUSABLE)
        out = parser.out if isinstance(parser, _Parser) else Output()
        out.line(line)
        out.flush()
        parser.exit()


class _Parser(argparse.ArgumentParser):
    """argparse, writing help through the same output as everything else: UTF-8, and a
    standard output that is full or closed is one line and exit 2, not a silent exit 0."""

    def __init__(self, *args: Any, out: Output, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.out = out

    def _print_message(self, message: str, file: Any = None) -> None:
        if message and (file is None or file is sys.stdout):
            self.out.write(message.encode("utf-8", "backslashreplace"))
            self.out.flush()
        else:
            super()._print_message(message, file)


class _Command(_Parser):
    """The parser of one command: an argument it does not know is an error of this command, with its
    usage (the top-level parser would otherwise report it with the top-level usage)."""

    def parse_known_args(self, args: Sequence[str] | None = None,  # type: ignore[override]
                         namespace: argparse.Namespace | None = None) -> tuple[argparse.Namespace, list[str]]:
        found, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return found, extras


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


def _seed(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text[:20]!r}") from None


def build_parser(out: Output | None = None) -> argparse.ArgumentParser:
    """The parser of every command; `out` is where help and ``--version`` are written."""
    out = Output() if out is None else out
    parser = _Parser(
        prog="customer-session",
        description="Validate Stripe Create-a-Customer-Session params against JSON Schemas.",
        out=out,
    )
    parser.add_argument("--version", action=_ShowVersion,
                        help="print the package version and the Stripe API version the schemas describe")
    declared = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                     parser_class=cast("type[_Command]", functools.partial(_Command, out=out)))

    check = declared.add_parser(
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
    check.set_defaults(run=commands.validate)

    bundle = declared.add_parser(
        "bundle", help="print the schemas as one self-contained file",
        description="Print one JSON Schema 2020-12 document that embeds every schema resource, "
                    "so every $ref resolves inside it.",
    )
    bundle.set_defaults(run=commands.bundle)

    openapi = declared.add_parser(
        "openapi", help="print an OpenAPI 3.1 document for POST /v1/customer_sessions",
        description="Print an OpenAPI 3.1 document (JSON) describing POST /v1/customer_sessions: a "
                    "form-urlencoded request body whose schema is ours, split into components/schemas.",
    )
    openapi.set_defaults(run=commands.openapi)

    docs = declared.add_parser(
        "docs", help="print the parameter reference generated from the schemas",
        description="Generate the parameter reference from the schemas alone: every param with its "
                    "bracket form, type, required-ness, allowed values, default, limit, rules and examples.",
    )
    docs.add_argument("--format", choices=("markdown", "html"), default="markdown",
                      help="markdown (default): the text of docs/reference.md; "
                           "html: one self-contained page with a collapsible tree and a filter box")
    docs.add_argument("-o", "--output", metavar="FILE",
                      help="write to FILE instead of standard output")
    docs.set_defaults(run=commands.docs)

    encode = declared.add_parser(
        "encode", help="print the form body stripe-python sends for a JSON payload",
        description="Print the application/x-www-form-urlencoded body that stripe-python sends for a "
                    "JSON payload: the same pairs in the same order. The payload is not validated.",
    )
    encode.add_argument("file", metavar="FILE", help="a JSON file holding one object, or - for standard input")
    encode.set_defaults(run=commands.encode)

    decode = declared.add_parser(
        "decode", help="print a form body as JSON",
        description="Decode an application/x-www-form-urlencoded body into the JSON payload it stands "
                    "for, reading booleans and integers where the schemas expect them. The payload is "
                    "not validated. Exit 2 for a malformed body.",
    )
    decode.add_argument("file", metavar="FILE", help="a form body file, or - for standard input")
    decode.set_defaults(run=commands.decode)

    drift = declared.add_parser(
        "drift", help="compare the schemas with stripe-python's create params (and a Stripe OpenAPI spec3)",
        description="Compare the schemas with the installed stripe-python's typed create params and, with "
                    "--openapi, with the form request body of POST /v1/customer_sessions in a Stripe OpenAPI "
                    "spec3 document: param names and nesting, required or not, JSON types, enum values, limits, "
                    "documented rules, and the Stripe API version; with --openapi also the Customer Session object "
                    "the create returns (field names, required, types, null, enum values: lines 'response: ...'). "
                    "One line per difference ('only upstream: "
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
    drift.set_defaults(run=commands.drift)

    serve = declared.add_parser(
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
    serve.add_argument("--fault", action="append", metavar="KIND:RATE",
                       help="inject a fault into that share of requests, e.g. rate_limit:0.1 (kinds as the "
                            "Stand-In-Fault header's: drop, rate_limit, api_error, delay=MS); repeatable")
    serve.add_argument("--seed", type=_seed, metavar="N",
                       help="seed the choice of which requests get a fault, so a run can be repeated")
    serve.add_argument("--upstream", metavar="URL",
                       help="pass every request but the create through to this server (a create's answer that "
                            "fails the response schema is flagged in the Stand-In-Response-Errors header)")
    serve.set_defaults(run=commands.serve)
    return parser



def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    return {name: sub for action in parser._actions if isinstance(action, argparse._SubParsersAction)
            for name, sub in action.choices.items()}


# Jobs the README names that `validate` does.
_WHERE = {
    "lint": "validate prints lint warnings with every verdict (--strict fails on them)",
    "defaults": "validate --defaults prints the effective configuration",
}


def _check_command(parser: argparse.ArgumentParser, argv: Sequence[str]) -> None:
    """A mistyped command gets a suggestion (argparse itself only lists the choices), an unknown option
    before the command is named (argparse would say a command is required); exit 2."""
    # The top level has no option that takes a value, so the first word not
    # starting with "-" is the command.
    commands_by_name = _subcommands(parser)
    for arg in argv:
        if arg == "--":
            break
        if not arg.startswith("-"):
            word = arg
            break
        if arg not in parser._option_string_actions:
            owners = [name for name, sub in commands_by_name.items() if arg.split("=")[0] in sub._option_string_actions]
            where = f" (an option of {', '.join(owners)}: put it after the command)" if owners else ""
            parser.error(f"unrecognized arguments: {arg}{where}")
    else:
        return
    if word in commands_by_name:
        return
    if word in _WHERE:  # the README's words for what validate does, not commands of their own
        parser.error(f"unknown command {word!r}: {_WHERE[word]}")
    close = difflib.get_close_matches(word, list(commands_by_name), n=1)
    if close:
        parser.error(f"unknown command {word!r}: did you mean {close[0]}?")


def main(argv: Sequence[str] | None = None) -> int:
    out = Output()
    arguments = sys.argv[1:] if argv is None else list(argv)
    try:
        parser = build_parser(out)
        _check_command(parser, arguments)
        args = parser.parse_args(arguments)
        status: int = args.run(args, out)
        out.flush()
        return status
    except OutputFailed as exc:
        complain(f"cannot write to standard output: {exc}")
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
