"""validate --jsonl in bulk: the fast parser reads every line as the strict one does; chunks, workers, order."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from validator import batch, inputs, report
from validator.errors import ParamError
from validator.inputs import Unusable, parse_json
from validator.linting import LintWarning
from validator.verdict import Verdict

ROOT = Path(__file__).parent.parent
EXAMPLES = Path(__file__).parent / "examples"


def _strict(line: bytes, name: str):
    return parse_json(line, name, lines=True)


def outcome(read, line: bytes):
    """What a parser makes of a line: the value with every number's type, or the message of its refusal."""
    try:
        return "value", _typed(read(line, "x:1"))
    except Unusable as exc:
        return "unusable", str(exc)


def _typed(value):
    if isinstance(value, dict):
        return {key: _typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_typed(item) for item in value]
    return type(value).__name__, repr(value)


# Each is something orjson reads differently from the strict parser, or refuses where it accepts.
TRICKY = [
    b'{"a": 1, "a": 2}',
    b'{"a":1,"a":2}',
    b'{"a": {"b": {"c": 1, "c": 1}}}',
    b'{"a": "x:y", "a": "z"}',
    b'{"a": 1, "a": 2, "b": "\\u003a"}',  # a dropped member's colon made up by an escaped one
    b'{"a": 1, "a": 2, "b": "\\u003A"}',
    b'{"k": 18446744073709551616}',
    b'{"k": 18446744073709551615}',
    b'{"k": -9223372036854775809}',
    b'{"k": -9223372036854775808}',
    b'{"k": 123456789012345678901234567890}',
    b'{"a": 1.5e+3, "b": 18446744073709551616}',  # a vanishing exponent beside a big integer
    b'{"a": 1E+400}',
    b'{"k": 1e400}',
    b'{"k": NaN}',
    b'{"k": Infinity}',
    b'{"k": -Infinity}',
    b'\xef\xbb\xbf{"k": 1}',
    b'{"k": "\\ud800"}',
    b'{"k": "\\udfff\\ud800"}',
    b'{"\\ud800": 1}',
    b'{"k": "\xff"}',
    b'{"k": "\xc3\x28"}',
    b'{"k": "tab\there"}',
    b"[" * 990 + b"]" * 990,
    b"[" * 1100 + b"]" * 1100,
    b'{"a": ' * 400 + b"1" + b"}" * 400,  # deeper than orjson writes
    b"  {}  ",
    b'{"k": "e+", "j": "a:b"}',
    b'{"k": 1.0, "j": -0, "i": -0.0, "h": 1e5, "g": 2.5E-3}',
    b'"just a string"',
    b"[]",
    b"nul",
    b"{",
    b"",
    b"   ",
]


@pytest.mark.parametrize("line", TRICKY)
def test_the_fast_parser_reads_every_tricky_line_as_the_strict_one(line):
    assert outcome(inputs.load_json, line) == outcome(_strict, line)


_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False, allow_infinity=False)
    | st.integers(min_value=-(2**70), max_value=2**70) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=4), children, max_size=4),
    max_leaves=12,
)


@given(_values, st.sampled_from([(",", ":"), (", ", ": "), (" ,", " : ")]), st.booleans(), st.booleans())
def test_the_fast_parser_agrees_with_the_strict_one(value, separators, ascii_only, duplicate):
    text = json.dumps(value, separators=separators, ensure_ascii=ascii_only)
    if duplicate and text.startswith("{") and text != "{}":
        text = text[:-1] + f'{separators[0]}{text[1:-1]}' + "}"  # every member twice
    line = text.encode("utf-8", "surrogatepass")
    assert outcome(inputs.load_json, line) == outcome(_strict, line)


_finding = st.builds(lambda cls, *fields: cls(*fields), st.sampled_from([ParamError, LintWarning]),
                     st.text(), st.just(("a",)), st.text(), st.text())


@given(st.text(), st.lists(_finding, max_size=3), st.lists(_finding, max_size=3), st.none() | st.integers(1, 10**9))
def test_the_json_report_is_what_json_dumps_writes(name, errors, warnings, line):
    expected = {"file": name, **({"line": line} if line is not None else {}), "valid": not errors,
                "errors": [{"param": e.param, "code": e.code, "message": e.message} for e in errors],
                "warnings": [{"param": w.param, "code": w.code, "message": w.message} for w in warnings]}
    reporter = report.Json(name)
    verdict = Verdict(errors, warnings, None, valid=not errors)
    assert reporter.verdict(verdict, line=line) == json.dumps(expected, ensure_ascii=False)
    if line is not None:
        assert reporter.streamed(verdict, line) == json.dumps(expected, ensure_ascii=False)


def test_chunks_are_whole_lines_and_know_their_line_numbers():
    import io

    text = b"".join(b"%d\n" % number for number in range(1, 200_001)) + b"last"
    seen = []
    for data, first, size in inputs.chunks(io.BufferedReader(io.BytesIO(text)), batch.CHUNK_BYTES):
        lines = data.split(b"\n")
        assert lines[0] == b"%d" % first if first <= 200_000 else lines == [b"last"]
        seen.extend(lines)
    assert len(seen) == 200_001 and seen[-1] == b"last"


def _payload_lines(count: int) -> list[str]:
    valid = [json.loads(p.read_text()) for p in sorted((EXAMPLES / "valid").glob("*.json"))]
    invalid = [json.loads(p.read_text())["params"] for p in sorted((EXAMPLES / "invalid").glob("*.json"))]
    lines = []
    for number in range(count):
        if number % 97 == 5:
            lines.append("not json")
        elif number % 10 == 9:
            lines.append(json.dumps(invalid[number // 10 % len(invalid)]))
        else:
            lines.append(json.dumps(valid[number % len(valid)]))
    return lines


@pytest.mark.slow
@pytest.mark.parametrize("form", ["text", "json"])
def test_workers_change_nothing_but_speed(tmp_path, form):
    """Several chunks over two processes: output, errors and exit code byte for byte as in one process."""
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join(_payload_lines(8_000)) + "\n")
    assert path.stat().st_size > 3 * batch.CHUNK_BYTES
    runs = [subprocess.run([sys.executable, "-m", "validator", "validate", "--jsonl", "--format", form,
                            "--jobs", jobs, str(path)], capture_output=True, cwd=ROOT) for jobs in ("1", "2")]
    assert runs[0].returncode == runs[1].returncode == 2
    assert runs[0].stdout == runs[1].stdout and runs[0].stderr == runs[1].stderr
    if form == "json":
        assert [json.loads(line)["line"] for line in runs[0].stdout.splitlines()] == list(range(1, 8_001))


def test_jobs_must_be_a_count(capsys):
    from validator.cli import main

    with pytest.raises(SystemExit) as raised:
        main(["validate", "--jsonl", "--jobs", "0", "x.jsonl"])
    assert raised.value.code == 2 and "--jobs" in capsys.readouterr().err


@pytest.mark.slow
def test_reading_stops_when_nobody_reads_the_output():
    """`validate --jsonl - | head -2`: once the reader is gone the command stops reading input and exits 141.

    Standard input never ends here: the command can only finish by giving up on it.
    """
    line = (json.dumps({"components": {"buy_button": {"enabled": "no"}}}) + "\n").encode()
    with subprocess.Popen([sys.executable, "-m", "validator", "validate", "--jsonl", "-"], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT) as process:
        process.stdin.write(line * 2_000)
        process.stdin.flush()
        assert process.stdout.readline().startswith(b"<stdin>:1: invalid")
        process.stdout.readline()
        process.stdout.close()
        try:
            while process.poll() is None:
                process.stdin.write(line * 2_000)
                process.stdin.flush()
        except BrokenPipeError:
            pass
        err = process.stderr.read()
        code = process.wait(timeout=60)
    assert code == 141 and b"Traceback" not in err, err


class _Trickle:
    """A binary stream whose read1 hands back at most `piece` bytes at a time, as a slow pipe does."""

    def __init__(self, data: bytes, piece: int):
        self.data, self.piece, self.at, self.asked = data, piece, 0, []

    def read1(self, size: int) -> bytes:
        self.asked.append(size)
        block = self.data[self.at:self.at + min(size, self.piece)]
        self.at += len(block)
        return block


@pytest.mark.parametrize("piece", [1, 3, 7, 64])
def test_lines_split_across_reads_come_out_whole(piece):
    long_line = b"x" * 1000
    text = b'{"a": 1}\n\n' + long_line + b"\n" + b"y\r\n" + b"z" * 10 + b"\n" + b"last"
    stream = _Trickle(text, piece)
    found = list(inputs.chunks(stream, 16))
    lines = [line for data, _, _ in found for line in data.split(b"\n")]
    assert lines == [b'{"a": 1}', b"", long_line, b"y\r", b"z" * 10, b"last"]
    # Each chunk names the line it starts on, and the sizes add up to every byte read.
    starts = [first for _, first, _ in found]
    assert starts == sorted(starts) and starts[0] == 1 and starts[-1] == 6
    assert sum(size for _, _, size in found) == len(text)
    assert set(stream.asked) == {16}
    # A line longer than many reads starts a chunk, which names its line.
    assert [data.split(b"\n")[0] for data, first, _ in found if first == 3] == [long_line]


def test_a_stream_ending_with_a_line_break_has_no_empty_last_chunk():
    found = list(inputs.chunks(_Trickle(b"a\nb\n", 1), 4))
    assert [(data, first) for data, first, _ in found] == [(b"a", 1), (b"b", 2)]
    assert list(inputs.chunks(_Trickle(b"", 1), 4)) == []
