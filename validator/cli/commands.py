"""What each command does, given its parsed arguments and where to write: the wiring of `inputs`,
`verdict`, `report` and `batch` (and, for the other commands, the module that does the job)."""

from __future__ import annotations

import argparse
import json
from typing import Callable

from .. import inputs
from ..errors import Error
from ..inputs import Unusable
from ..verdict import INVALID, UNUSABLE, VALID, Judge, Verdict
from .output import Output, Progress, complain, complain_bytes

#: The reader of standard output went away (``| head``) before every input was checked:
#: no verdict, so not 0, 1 or 2.  128 + SIGPIPE, as a shell reports a filter a closed pipe stopped.
EXIT_READER_GONE = 141

Command = Callable[[argparse.Namespace, Output], int]


def _refused(args: argparse.Namespace) -> str | None:
    """Why these options of validate cannot go together, or None."""
    if args.files.count("-") > 1:
        return "standard input (-) is named more than once: it can be read only once"
    if args.jobs and not args.jsonl:
        return "--jobs works only with --jsonl (it spreads the lines of a JSON Lines file over processes)"
    if args.response:
        refused = {"--form": (args.form, "a response is JSON"),
                   "--defaults": (args.defaults, "the returned object has no defaults to fill"),
                   "--strict": (args.strict, "the returned object is not linted, so there are no warnings to count")}
        for option, (given, why) in refused.items():
            if given:
                return f"--response cannot be combined with {option}: {why}"
    return None


def _other_schema_hint(name: str, schema: str) -> None:
    from .. import loader

    title = loader.root(schema).get("title") or schema
    complain(f"hint: {name} looks like a {title}, not params: check it with --response")


def validate(args: argparse.Namespace, out: Output) -> int:
    """``validate``: the worst outcome of its inputs (or EXIT_READER_GONE)."""
    from ..report import REPORTERS

    why = _refused(args)
    if why is not None:
        complain(why)
        return UNUSABLE
    judge = Judge(response=args.response, defaults=args.defaults, strict=args.strict)
    status = VALID
    for name in args.files:
        if out.gone:  # nobody reads the output any more: stop reading input
            return EXIT_READER_GONE
        shown = inputs.shown(name)
        if args.jsonl:
            outcome = _stream(name, shown, args, judge, out)
            if outcome == EXIT_READER_GONE:
                return outcome
            status = max(status, outcome)
            continue
        reporter = REPORTERS[args.format](shown)
        try:
            if args.form:
                body = inputs.read(name)
                payload = inputs.parse_form(body, shown)
                if inputs.pairs_per_line(body):
                    complain("hint: " + inputs.PAIRS_PER_LINE_HINT.format(name=shown))
                del body
            else:  # the bytes read are not kept while the payload is checked: a 40 MB file is 40 MB less
                payload = inputs.parse_json(inputs.read(name), shown)
        except Unusable as exc:
            complain(str(exc))
            unusable = reporter.unusable(str(exc))
            if unusable is not None:
                out.line(unusable)
            status = UNUSABLE
            continue
        verdict: Verdict = judge(payload)
        out.line(reporter.verdict(verdict))
        if verdict.other_schema is not None:
            _other_schema_hint(shown, verdict.other_schema)
        status = max(status, verdict.outcome)
    return status


def _stream(name: str, shown: str, args: argparse.Namespace, judge: Judge, out: Output) -> int:
    """``validate --jsonl`` of one file (`batch`): the worst outcome of its lines, or EXIT_READER_GONE."""
    from .. import batch
    from ..report import REPORTERS

    reporter = REPORTERS[args.format](shown)
    settings = batch.Settings(shown, args.format, args.form, judge)
    counts = [0, 0, 0]
    broken = False
    hinted = False
    progress = Progress(name, shown)
    try:
        with inputs.opened(name) as stream:
            found = batch.results(inputs.stream_chunks(stream, shown, batch.CHUNK_BYTES), settings,
                                  args.jobs or batch.default_jobs())
            try:
                for checked, size, last in found:
                    progress.clear()
                    for where, data in checked.segments:
                        if where == batch.STDOUT:
                            out.write(data)
                        else:
                            complain_bytes(data)
                    if checked.other is not None and not hinted:
                        hinted = True
                        _other_schema_hint(f"{shown}:{checked.other[0]}", checked.other[1])
                    counts = [a + b for a, b in zip(counts, checked.counts)]
                    progress.update(sum(counts), size)
                    if out.gone and not last:
                        return EXIT_READER_GONE  # stop reading: no verdict on lines never checked
            finally:
                found.close()
    except Unusable as exc:  # the file itself: it could not be opened, or reading it failed
        progress.clear()
        complain(str(exc))
        unusable = reporter.unusable(str(exc))
        if unusable is not None:
            out.line(unusable)
        if not any(counts):
            return UNUSABLE
        broken = True
    finally:
        progress.clear()
    summary = reporter.summary(counts)
    if summary is not None:
        out.line(summary)
    return UNUSABLE if broken else max([VALID] + [code for code, count in enumerate(counts) if count])


def encode(args: argparse.Namespace, out: Output) -> int:
    from ..form import encode as encoded

    shown = inputs.shown(args.file)
    try:
        params = inputs.parse_json(inputs.read(args.file), shown)
        if not isinstance(params, dict):
            raise Unusable(f"{shown} is not a JSON object")
        body = encoded(params)
    except Unusable as exc:
        complain(str(exc))
        return UNUSABLE
    except (TypeError, ValueError) as exc:  # JSON text can still hold what cannot be sent: a lone surrogate
        complain(f"{shown} cannot be encoded: {exc}")
        return UNUSABLE
    out.line(body)
    return VALID


def decode(args: argparse.Namespace, out: Output) -> int:
    shown = inputs.shown(args.file)
    try:
        params = inputs.parse_form(inputs.read(args.file), shown,
                                   json_hint="it needs no decoding (encode turns JSON into a form body)")
    except Unusable as exc:
        complain(str(exc))
        return UNUSABLE
    out.line(json.dumps(params, indent=2, ensure_ascii=False))
    return VALID


def bundle(args: argparse.Namespace, out: Output) -> int:
    from ..bundle import bundle as bundled

    out.line(json.dumps(bundled(), indent=2, ensure_ascii=False))
    return VALID


def openapi(args: argparse.Namespace, out: Output) -> int:
    from ..openapi import document

    out.line(json.dumps(document(), indent=2, ensure_ascii=False))
    return VALID


def docs(args: argparse.Namespace, out: Output) -> int:
    render: Callable[[], str]
    if args.format == "html":
        from ..docs_html import render_html as render
    else:
        from ..docs import render_markdown as render
    # Bytes, not text: the output is UTF-8 whatever the locale, so it matches the checked-in file.
    data = render().encode("utf-8")
    if args.output in (None, "-"):
        out.write(data)
        return VALID
    try:
        with open(args.output, "wb") as handle:
            handle.write(data)
    except OSError as exc:
        complain(f"cannot write {args.output}: {exc.strerror or exc}")
        return UNUSABLE
    return VALID


def drift(args: argparse.Namespace, out: Output) -> int:
    from .. import drift as compared

    try:
        sources = [compared.stripe_source()]
        if args.openapi is not None:
            shown = inputs.shown(args.openapi)
            sources.append(compared.openapi_source(inputs.parse_json(inputs.read(args.openapi), shown), shown))
        results = [compared.report(source) for source in sources]
    except (compared.CannotRun, Unusable) as exc:
        complain(str(exc))
        return UNUSABLE
    for result in results:
        for line in compared.render(result, verbose=args.verbose):
            out.line(line)
    return INVALID if any(result.drift for result in results) else VALID


#: How to add an optional extra, installed from the package index or from a checkout of the project.
EXTRA_HINT = ("pip install 'customer-session-schema[{extra}]'; or, from a checkout, "
              "pip install '.[{extra}]' in the project's folder")


def serve(args: argparse.Namespace, out: Output) -> int:
    try:
        from ..serving import serve as start
    except ImportError as exc:
        complain(f"serve needs the optional extra 'serve' ({exc.name or 'uvicorn'} is missing): "
                 + EXTRA_HINT.format(extra="serve"))
        return UNUSABLE
    served: Callable[..., object] = start
    # The stand-in's options, passed on when given (serve's own defaults are the same: no fault, no seed,
    # no upstream).
    given = {"faults": args.fault, "seed": args.seed, "upstream": args.upstream}
    try:
        served(args.host, args.port, **{name: value for name, value in given.items() if value is not None})
    except Error as exc:  # a bad fault spec or upstream, say
        complain(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        return UNUSABLE
    except OSError as exc:
        complain(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
        return UNUSABLE
    return VALID


def version_line() -> str:
    """``customer-session 0.2.0 (Stripe API 2026-10-28.endive)``: reads one schema file, imports nothing heavy."""
    from .. import __version__, loader

    return f"customer-session {__version__} (Stripe API {loader.api_version()})"
