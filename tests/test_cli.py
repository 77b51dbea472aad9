"""The customer-session command: exit codes, output formats, unusable input."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from validator import cli

EXAMPLES = Path(__file__).parent / "examples"
GOOD = EXAMPLES / "valid" / "reference-example.json"
BAD_PARAMS = {"components": {"buy_button": {"enabled": "yes"}}, "custmer": "cus_1"}


@pytest.fixture
def bad(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(BAD_PARAMS))
    return str(path)


def run(argv, capsys):
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_valid_file(capsys):
    code, out, err = run(["validate", str(GOOD)], capsys)
    assert (code, out, err) == (0, f"{GOOD}: valid\n", "")


def test_invalid_file_one_line_per_error(bad, capsys):
    code, out, _ = run(["validate", bad], capsys)
    assert code == 1
    lines = [line for line in out.splitlines() if "warning:" not in line]
    assert lines[0] == f"{bad}: invalid (2 errors)"
    # Unknown params first, as Stripe reports them; then the rest by param.
    assert lines[1] == f"{bad}: Received unknown parameter: custmer. Did you mean customer? [parameter_unknown]"
    assert lines[2].startswith(f"{bad}: components[buy_button][enabled] must be a boolean")
    assert lines[2].endswith("[parameter_invalid_type]")


def test_json_format_is_one_object_per_input(bad, capsys):
    code, out, _ = run(["validate", "--format", "json", str(GOOD), bad], capsys)
    assert code == 1
    first, second = (json.loads(line) for line in out.splitlines())
    assert first == {"file": str(GOOD), "valid": True, "errors": [], "warnings": []}
    assert second["file"] == bad and second["valid"] is False
    assert [(e["param"], e["code"]) for e in second["errors"]] == [
        ("custmer", "parameter_unknown"), ("components[buy_button][enabled]", "parameter_invalid_type")]
    assert all(set(e) == {"param", "code", "message"} for e in second["errors"])


def test_stdin(monkeypatch, capsys):
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(GOOD.read_bytes())))
    code, out, _ = run(["validate", "-"], capsys)
    assert (code, out) == (0, "<stdin>: valid\n")


@pytest.mark.parametrize("content, reason", [
    (b"{not json", "is not JSON"),
    (b"", "is empty"),
    (b" \n", "is empty"),
    (b'{"components": NaN}', "is not JSON"),
    (b'{"customer": "a", "customer": "b"}', "duplicate key"),
    (b"\xff\xfe\x00junk", "is not UTF-8"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    (b'{"expires_at": -' + b"9" * 5000 + b"}", "an integer of 5000 digits (at most 4300 are read)"),
])
def test_unusable_input_exits_2_with_one_line(tmp_path, capsys, content, reason):
    path = tmp_path / "input.json"
    path.write_bytes(content)
    code, out, err = run(["validate", str(path)], capsys)
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and reason in err and "Traceback" not in err


def test_missing_file_exits_2_but_checks_the_rest(bad, capsys):
    code, out, err = run(["validate", "/no/such/file.json", str(GOOD)], capsys)
    assert code == 2
    assert err == "customer-session: cannot read /no/such/file.json: No such file or directory\n"
    assert out == f"{GOOD}: valid\n"


def test_bad_arguments_exit_2(capsys):
    with pytest.raises(SystemExit) as raised:
        cli.main(["validate"])
    assert raised.value.code == 2
    with pytest.raises(SystemExit) as raised:
        cli.main(["frobnicate"])
    assert raised.value.code == 2


def test_help_everywhere(capsys):
    parser = cli.build_parser()
    commands = parser._subparsers._group_actions[0].choices
    for argv in [[]] + [[name] for name in commands]:
        with pytest.raises(SystemExit) as raised:
            cli.main(argv + ["--help"])
        assert raised.value.code == 0
        assert "usage: customer-session" in capsys.readouterr().out


def test_bundle_is_self_contained(capsys):
    from jsonschema import Draft202012Validator

    code, out, _ = run(["bundle"], capsys)
    assert code == 0
    document = json.loads(out)

    def refuse(uri):
        raise AssertionError(f"bundle needed {uri}")

    import referencing

    checker = Draft202012Validator(document, registry=referencing.Registry(retrieve=refuse))
    assert checker.is_valid(json.loads(GOOD.read_text()))
    assert not checker.is_valid(BAD_PARAMS)
    assert "x-" not in "".join(k[:2] for k in _all_keys(document))


def _all_keys(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _all_keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _all_keys(item)


def test_installed_command_works_from_another_directory(tmp_path):
    """The console script of a (non-editable) install finds its schemas wherever it runs."""
    script = shutil.which("customer-session", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("customer-session is not installed in this environment")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([script, "validate", str(GOOD)], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert (done.returncode, done.stdout) == (0, f"{GOOD}: valid\n"), done.stderr
    done = subprocess.run([script, "validate", "-"], cwd=tmp_path, input="[]", capture_output=True, text=True, env=env)
    assert done.returncode == 1 and "[parameter_invalid_type]" in done.stdout


def test_jsonl_streams_and_names_lines(tmp_path, capsys):
    lines = [json.dumps(json.loads(GOOD.read_text())), "", "not json", json.dumps({"components": {}}), "[1]"]
    path = tmp_path / "payloads.jsonl"
    path.write_text("\n".join(lines) + "\n")
    code, out, err = run(["validate", "--jsonl", str(path)], capsys)
    assert code == 2  # an unusable line wins, as an unusable file does
    assert err == f"customer-session: {path}:3 is not JSON: Expecting value: line 1 column 1 (char 0)\n"
    shown = [line for line in out.splitlines() if "warning:" not in line]
    assert shown == [
        f"{path}:4: invalid (1 error)",
        f"{path}:4: components: At least one component must have enabled set to true. [no_component_enabled]",
        f"{path}:5: invalid (1 error)",
        f"{path}:5: The payload must be an object, not an array. [parameter_invalid_type]",
        f"{path}: 4 payloads: 1 valid, 2 invalid, 1 unusable",
    ]
    code, out, _ = run(["validate", "--jsonl", "--format", "json", str(path)], capsys)
    results = [json.loads(line) for line in out.splitlines()]
    assert [(r["line"], r["valid"]) for r in results] == [(1, True), (3, False), (4, False), (5, False)]
    assert results[1]["unusable"].endswith(":3 is not JSON: Expecting value: line 1 column 1 (char 0)")
    assert [r for r in results if "unusable" in r] == [results[1]]


def test_jsonl_exit_codes_and_form_lines(tmp_path, capsys):
    path = tmp_path / "ok.jsonl"
    path.write_text(json.dumps(json.loads(GOOD.read_text())) + "\n" + json.dumps({"components": {"buy_button": {"enabled": True}}, "customer": "cus_1"}) + "\n")
    code, out, _ = run(["validate", "--jsonl", str(path)], capsys)
    assert (code, out) == (0, f"{path}: 2 payloads: 2 valid, 0 invalid, 0 unusable\n")
    bodies = tmp_path / "bodies.txt"
    bodies.write_text("customer=cus_1&components[pricing_table][enabled]=true\ncomponents[pricing_table][enabled]=maybe\n")
    code, out, _ = run(["validate", "--jsonl", "--form", str(bodies)], capsys)
    assert code == 1 and f"{bodies}:2: components[pricing_table][enabled] must be a boolean" in out


@pytest.mark.slow
def test_jsonl_memory_stays_flat(tmp_path):
    """Peak memory does not grow with the length of the stream."""
    line = json.dumps({"components": {"buy_button": {"enabled": "no"}}}) + "\n"
    peaks = []
    for count in (1_000, 20_000):
        path = tmp_path / f"{count}.jsonl"
        path.write_text(line * count)
        code = ("import resource, sys; from validator.cli import main; main(sys.argv[1:]); "
                "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)")
        done = subprocess.run([sys.executable, "-c", code, "validate", "--jsonl", "--format", "json", str(path)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              cwd=Path(__file__).parent.parent)
        peaks.append(int(done.stderr.strip().splitlines()[-1]))
    # 20 times the input; a payload kept per line would add tens of MiB.
    assert peaks[1] < peaks[0] + 8 * 1024, peaks


def _cli(*args, stdin=subprocess.DEVNULL, env=None, stdout=subprocess.PIPE):
    return subprocess.run([sys.executable, "-m", "validator", *args], stdin=stdin, stdout=stdout,
                          stderr=subprocess.PIPE, env={**os.environ, **(env or {})},
                          cwd=Path(__file__).parent.parent)


def test_a_closed_pipe_keeps_the_verdict(tmp_path):
    """`| head -1`: the reader goes away, the exit code still says invalid, and no traceback."""
    path = tmp_path / "many.json"
    path.write_text(json.dumps({f"k{i}": i for i in range(20_000)}))
    with subprocess.Popen([sys.executable, "-m", "validator", "validate", str(path)], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, cwd=Path(__file__).parent.parent) as process:
        process.stdout.readline()
        process.stdout.close()
        err = process.stderr.read()
        code = process.wait()
    assert code == 1 and b"Traceback" not in err and b"Exception ignored" not in err, err


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
@pytest.mark.parametrize("command", [["validate", str(GOOD)], ["bundle"], ["openapi"], ["docs"],
                                     ["--help"], ["validate", "--help"], ["--version"]])
def test_a_full_disk_is_one_line_and_exit_2(command):
    with open("/dev/full", "wb") as full:
        done = _cli(*command, stdout=full)
    assert done.returncode == 2, done.stderr
    assert done.stderr.decode().splitlines() == ["customer-session: cannot write to standard output: No space left on device"]


def test_closed_stdin_is_unusable_input():
    done = subprocess.run([sys.executable, "-c", "import sys; sys.stdin.close(); sys.stdin = None; "
                           "from validator.cli import main; sys.exit(main(['validate', '-']))"],
                          capture_output=True, text=True, cwd=Path(__file__).parent.parent)
    assert (done.returncode, done.stderr) == (2, "customer-session: standard input is closed\n")


def test_output_is_utf8_whatever_the_locale(tmp_path):
    path = tmp_path / "accents.json"
    path.write_text(json.dumps({"components": {"pricing_table": {"enabled": True}}, "custömer": "é"}), encoding="utf-8")
    done = _cli("validate", str(path), env={"PYTHONIOENCODING": "ascii", "LC_ALL": "C"})
    assert done.returncode == 1 and b"Traceback" not in done.stderr
    assert "Received unknown parameter: custömer." in done.stdout.decode("utf-8")


def test_json_format_reports_unusable_inputs_too(capsys):
    code, out, err = run(["validate", "--format", "json", "/no/such/file.json", str(GOOD)], capsys)
    missing, good = (json.loads(line) for line in out.splitlines())
    assert code == 2
    assert missing == {"file": "/no/such/file.json", "valid": False, "errors": [], "warnings": [],
                       "unusable": "cannot read /no/such/file.json: No such file or directory"}
    assert good["valid"] is True


def test_jsonl_empty_missing_and_defaults(tmp_path, capsys):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n")
    code, out, _ = run(["validate", "--jsonl", str(empty)], capsys)
    assert (code, out) == (0, f"{empty}: 0 payloads: 0 valid, 0 invalid, 0 unusable\n")
    code, out, err = run(["validate", "--jsonl", "/no/such.jsonl"], capsys)
    assert (code, out) == (2, "")
    assert err == "customer-session: cannot read /no/such.jsonl: No such file or directory\n"
    one = tmp_path / "one.jsonl"
    one.write_text(json.dumps({"customer": "cus_1", "components": {"customer_sheet": {"enabled": True}}}) + "\n")
    code, out, _ = run(["validate", "--jsonl", "--defaults", str(one)], capsys)
    assert code == 0
    assert out.splitlines()[:2] == [f"{one}:1: valid", f"{one}:1: effective configuration:"]
    assert '"payment_method_allow_redisplay_filters": [' in out
    assert out.splitlines()[-1] == f"{one}: 1 payload: 1 valid, 0 invalid, 0 unusable"


def test_validate_and_encode_agree_on_text_that_cannot_be_sent(tmp_path, capsys):
    """JSON may escape a lone surrogate; such a string cannot be sent, so validate rejects it and encode refuses."""
    path = tmp_path / "surrogate.json"
    path.write_text('{"customer": "cus_\\ud800", "components": {"pricing_table": {"enabled": true}}}')
    code, out, err = run(["validate", str(path)], capsys)
    assert code == 1 and "customer is not Unicode text" in out and "[parameter_not_json]" in out
    code, out, err = run(["encode", str(path)], capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "not Unicode text" in err and "Traceback" not in err


REFERENCE_RESPONSE = {"object": "customer_session", "client_secret": "cuss_secret_" + "Q" * 36,
                      "components": {"buy_button": {"enabled": False}, "pricing_table": {"enabled": True}},
                      "customer": "cus_PO34b57IOUb83c", "expires_at": 1684790027, "livemode": False}


def test_validate_response(tmp_path, capsys):
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(REFERENCE_RESPONSE))
    bad.write_text(json.dumps({**REFERENCE_RESPONSE, "expires_at": "later", "livemode": None}))
    assert run(["validate", "--response", str(good)], capsys) == (0, f"{good}: valid\n", "")
    code, out, err = run(["validate", "--response", "--format", "json", str(good), str(bad)], capsys)
    assert code == 1 and err == ""
    first, second = map(json.loads, out.splitlines())
    assert first["valid"] and first["warnings"] == []
    assert [(e["param"], e["code"]) for e in second["errors"]] == [
        ("expires_at", "parameter_invalid_integer"), ("livemode", "parameter_invalid_type")]
    # The params schema would call every field of the response unknown: --response is what picks the schema.
    code, out, _ = run(["validate", str(good)], capsys)
    assert code == 1 and "Received unknown parameter: client_secret." in out


@pytest.mark.parametrize("option", ["--form", "--defaults", "--strict"])
def test_validate_response_refuses_what_only_params_have(option, capsys):
    code, out, err = run(["validate", "--response", option, str(GOOD)], capsys)
    assert code == 2 and out == "" and option in err and err.count("\n") == 1
# --- Issue 15 §3: what a new user met.


WARNED = {"components": {"pricing_table": {"enabled": True}}}  # valid, but names no customer: one warning


@pytest.fixture
def warned(tmp_path):
    path = tmp_path / "warned.json"
    path.write_text(json.dumps(WARNED))
    return str(path)


def test_strict_verdict_and_exit_code_agree_in_text(warned, capsys):
    code, out, _ = run(["validate", warned], capsys)
    assert code == 0 and out.splitlines()[0] == f"{warned}: valid"
    code, out, _ = run(["validate", "--strict", warned], capsys)
    lines = out.splitlines()
    assert code == 1
    assert lines[0] == f"{warned}: invalid under --strict (1 warning)"
    assert lines[1].startswith(f"{warned}: warning: ") and lines[1].endswith("[customer_or_account_missing]")
    # An input with errors reads as before; a clean input stays valid under --strict.
    code, out, _ = run(["validate", "--strict", str(GOOD)], capsys)
    assert (code, out) == (0, f"{GOOD}: valid\n")


def test_strict_verdict_and_exit_code_agree_in_json(warned, capsys):
    code, out, _ = run(["validate", "--strict", "--format", "json", warned, str(GOOD)], capsys)
    first, second = (json.loads(line) for line in out.splitlines())
    assert code == 1
    assert first["valid"] is False and first["errors"] == [] and len(first["warnings"]) == 1
    assert second["valid"] is True
    code, out, _ = run(["validate", "--format", "json", warned], capsys)
    assert code == 0 and json.loads(out)["valid"] is True


def test_strict_verdict_and_summary_agree_in_jsonl(tmp_path, capsys):
    path = tmp_path / "mixed.jsonl"
    path.write_text(json.dumps(WARNED) + "\n" + GOOD.read_text().replace("\n", "") + "\n")
    code, out, _ = run(["validate", "--strict", "--jsonl", str(path)], capsys)
    assert code == 1
    assert out.splitlines()[0] == f"{path}:1: invalid under --strict (1 warning)"
    assert out.splitlines()[-1] == f"{path}: 2 payloads: 1 valid, 1 invalid, 0 unusable"
    code, out, _ = run(["validate", "--strict", "--jsonl", "--format", "json", str(path)], capsys)
    assert code == 1 and [json.loads(line)["valid"] for line in out.splitlines()] == [False, True]


def test_unusable_key_of_the_json_format_is_documented():
    help_text = cli.build_parser()._subparsers._group_actions[0].choices["validate"].format_help()
    assert '"unusable"' in help_text
    readme = (Path(__file__).parent.parent / "docs" / "02-command-line.md").read_text(encoding="utf-8")
    assert '"unusable": str' in readme


def test_json_given_to_form_says_to_drop_form(tmp_path, capsys):
    path = tmp_path / "payload.json"
    path.write_text(json.dumps({"customer": "cus_1", "components": {"pricing_table": {"enabled": True}}}) + "\n")
    code, out, err = run(["validate", "--form", str(path)], capsys)
    assert (code, out) == (2, "")
    assert err == f"customer-session: {path} is JSON, not a form body: validate it without --form\n"
    code, _, err = run(["decode", str(path)], capsys)
    assert code == 2 and "is JSON, not a form body" in err


@pytest.mark.parametrize("body", [
    "customer=cus_1&components[pricing_table][enabled]=true",
    "components%5Bpricing_table%5D%5Benabled%5D=true",
    "expand[]=customer&components[buy_button][enabled]=true",
])
def test_form_body_without_form_says_to_use_form(tmp_path, capsys, body):
    path = tmp_path / "body.txt"
    path.write_text(body)
    code, out, err = run(["validate", str(path)], capsys)
    assert (code, out) == (2, "")
    assert err.startswith(f"customer-session: {path} is not JSON: ")
    assert err.endswith(" (it looks like a form body: use --form)\n")
    # The same body with --form keeps its verdict.
    code, _, _ = run(["validate", "--form", str(path)], capsys)
    assert code == 0


@pytest.mark.parametrize("content", ["{not json", "hello world", "= x", '"customer=cus_1"x'])
def test_other_non_json_gets_no_form_hint(tmp_path, capsys, content):
    path = tmp_path / "input.txt"
    path.write_text(content)
    code, _, err = run(["validate", str(path)], capsys)
    assert code == 2 and "is not JSON" in err and "--form" not in err


@pytest.mark.parametrize("body, code", [
    ("components[pricing_table][enabled]=maybe", 1),  # a real form body: its verdict stands
    ("{x}=1", 1),  # starts like JSON but is not: judged as the form body it is
])
def test_form_bodies_keep_their_verdicts(tmp_path, capsys, body, code):
    path = tmp_path / "body.txt"
    path.write_text(body)
    status, _, err = run(["validate", "--form", str(path)], capsys)
    assert status == code and "not a form body" not in err


@pytest.mark.parametrize("word, pointer", [("lint", "validate prints lint warnings"),
                                           ("defaults", "validate --defaults prints")])
def test_a_job_of_validate_named_as_a_command_points_to_validate(capsys, word, pointer):
    with pytest.raises(SystemExit) as raised:
        cli.main([word, str(GOOD)])
    assert raised.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1].startswith(f"customer-session: error: unknown command {word!r}: {pointer}")


def test_mistyped_command_gets_a_suggestion(capsys):
    with pytest.raises(SystemExit) as raised:
        cli.main(["valdate", str(GOOD)])
    err = capsys.readouterr().err
    assert raised.value.code == 2
    assert err.splitlines()[-1] == "customer-session: error: unknown command 'valdate': did you mean validate?"
    for word, meant in [("bundel", "bundle"), ("dcode", "decode"), ("Validate", "validate")]:
        with pytest.raises(SystemExit) as raised:
            cli.main([word])
        assert raised.value.code == 2 and f"did you mean {meant}?" in capsys.readouterr().err
    # Nothing close: argparse's own error, which lists the commands.
    with pytest.raises(SystemExit) as raised:
        cli.main(["frobnicate"])
    err = capsys.readouterr().err
    assert raised.value.code == 2 and "did you mean" not in err and "invalid choice: 'frobnicate'" in err


def test_mistyped_command_in_a_process_is_one_error_no_traceback():
    done = _cli("valdate", str(GOOD))
    assert done.returncode == 2 and b"Traceback" not in done.stderr
    assert done.stderr.decode().splitlines()[-1].endswith("did you mean validate?")


@pytest.mark.parametrize("command", [["validate", str(GOOD)], ["--version"], ["bundle"]])
def test_closed_standard_output_is_one_line_and_exit_2(command):
    """`customer-session ... >&-`: Python starts with sys.stdout None; that was a traceback (and exit 1)."""
    done = subprocess.run([sys.executable, "-m", "validator", *command], capture_output=False,
                          stderr=subprocess.PIPE, preexec_fn=lambda: os.close(1), cwd=Path(__file__).parent.parent)
    assert done.returncode == 2
    assert done.stderr.decode().splitlines() == ["customer-session: cannot write to standard output: it is closed"]


# --- Issue 23 §3: the edges a new user hit.


def _usage_error(argv, capsys):
    with pytest.raises(SystemExit) as raised:
        cli.main(argv)
    return raised.value.code, capsys.readouterr().err


@pytest.mark.parametrize("argv, command, named", [
    (["validate", "--bogus", str(GOOD)], "validate", "--bogus"),
    (["docs", "--bogus"], "docs", "--bogus"),
    (["serve", "--bogus"], "serve", "--bogus"),
    (["drift", "--bogus"], "drift", "--bogus"),
    (["bundle", "extra"], "bundle", "extra"),
    (["encode", "a", "b"], "encode", "b"),
    (["validate", "--format", "xml", str(GOOD)], "validate", "xml"),
])
def test_a_bad_argument_gets_its_commands_usage(capsys, argv, command, named):
    code, err = _usage_error(argv, capsys)
    lines = err.splitlines()
    assert code == 2
    assert lines[0].startswith(f"usage: customer-session {command} ")
    assert lines[-1].startswith(f"customer-session {command}: error: ") and named in lines[-1]


def test_an_unknown_top_level_option_is_named(capsys):
    code, err = _usage_error(["--verbose"], capsys)
    assert code == 2 and "COMMAND is required" not in err and "required" not in err
    assert err.splitlines()[-1].startswith("customer-session: error: unrecognized arguments: --verbose")
    # An option of a command given before it says whose it is.
    code, err = _usage_error(["--jsonl", str(GOOD)], capsys)
    assert code == 2 and err.splitlines()[-1] == (
        "customer-session: error: unrecognized arguments: --jsonl (an option of validate: put it after the command)")


def test_jobs_without_jsonl_is_refused(capsys):
    code, out, err = run(["validate", "--jobs", "2", str(GOOD)], capsys)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "--jobs" in err and "--jsonl" in err


def test_standard_input_named_twice_is_refused(monkeypatch, capsys):
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(GOOD.read_bytes())))
    code, out, err = run(["validate", "-", "-"], capsys)
    assert (code, out) == (2, "")
    assert err == "customer-session: standard input (-) is named more than once: it can be read only once\n"


def test_json_lines_without_jsonl_get_a_hint(tmp_path, capsys):
    path = tmp_path / "payloads.json"
    path.write_text(json.dumps(BAD_PARAMS) + "\n" + json.dumps(BAD_PARAMS) + "\n")
    code, out, err = run(["validate", str(path)], capsys)
    assert (code, out) == (2, "")
    assert err == (f"customer-session: {path} is not JSON: Extra data: line 2 column 1 (char {len(json.dumps(BAD_PARAMS)) + 1})"
                   " (it looks like JSON Lines, one payload per line: use --jsonl)\n")
    # Two values on one line are not JSON Lines: no hint.
    path.write_text("{} {}")
    code, _, err = run(["validate", str(path)], capsys)
    assert code == 2 and "--jsonl" not in err


def test_pretty_printed_json_given_to_jsonl_gets_a_hint(tmp_path, capsys):
    path = tmp_path / "pretty.json"
    path.write_text(json.dumps(BAD_PARAMS, indent=2) + "\n")
    code, _, err = run(["validate", "--jsonl", str(path)], capsys)
    first = err.splitlines()[0]
    assert code == 2
    assert first == (f"customer-session: {path}:1 is not JSON: Expecting property name enclosed in double quotes: "
                     "line 1 column 2 (char 1) (the line ends inside a JSON value: if the file holds one JSON "
                     "document over several lines, validate it without --jsonl)")
    # The same payload without --jsonl is judged as it is.
    assert run(["validate", str(path)], capsys)[0] == 1


def test_a_form_file_with_one_pair_per_line_gets_a_hint(tmp_path, capsys):
    path = tmp_path / "body.txt"
    path.write_text("customer=cus_1\ncomponents[pricing_table][enabled]=true\n")
    code, _, err = run(["validate", "--form", str(path)], capsys)
    assert code == 1
    assert err == (f"customer-session: hint: {path} has one form pair per line: a form body joins its pairs with '&' "
                   "(a line break is part of a value); for one body per line use --jsonl\n")
    path.write_text("customer=cus_1&components[pricing_table][enabled]=true\n")
    assert run(["validate", "--form", str(path)], capsys) == (0, f"{path}: valid\n", "")


SECRET = REFERENCE_RESPONSE["client_secret"]


def test_a_customer_session_object_without_response_gets_a_hint(tmp_path, capsys):
    path = tmp_path / "session.json"
    path.write_text(json.dumps(REFERENCE_RESPONSE))
    code, out, err = run(["validate", str(path)], capsys)
    assert code == 1 and "[parameter_unknown]" in out
    assert err == f"customer-session: hint: {path} looks like a Customer Session object, not params: check it with --response\n"
    assert SECRET not in err and SECRET[12:30] not in err
    # A broken one still carries the object's type: the same hint (and --response shows what is wrong).
    path.write_text(json.dumps({**REFERENCE_RESPONSE, "expires_at": "later"}))
    assert "check it with --response" in run(["validate", str(path)], capsys)[2]
    # Params that are merely wrong get no such hint.
    path.write_text(json.dumps(BAD_PARAMS))
    assert run(["validate", str(path)], capsys)[2] == ""


def test_customer_session_objects_in_json_lines_get_one_hint(tmp_path, capsys):
    path = tmp_path / "sessions.jsonl"
    path.write_text(json.dumps(BAD_PARAMS) + "\n" + (json.dumps(REFERENCE_RESPONSE) + "\n") * 3)
    code, _, err = run(["validate", "--jsonl", str(path)], capsys)
    assert code == 1
    assert err == f"customer-session: hint: {path}:2 looks like a Customer Session object, not params: check it with --response\n"
    assert run(["validate", "--jsonl", "--response", str(path)], capsys)[2] == ""


def test_the_extras_hint_gives_both_forms():
    from validator.stripe_client import INSTALL

    assert "pip install 'customer-session-schema[stripe]'" in INSTALL and "pip install '.[stripe]'" in INSTALL
    code = "import sys; sys.modules['uvicorn'] = None; from validator.cli import main; sys.exit(main(['serve']))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).parent.parent)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "pip install 'customer-session-schema[serve]'" in done.stderr and "pip install '.[serve]'" in done.stderr


# --- serve's options for the stand-in (the server itself is tested by tests/test_server_*.py).


def test_serve_declares_faults_seed_and_upstream(capsys):
    with pytest.raises(SystemExit):
        cli.main(["serve", "--help"])
    help_text = capsys.readouterr().out
    for option in ("--fault KIND:RATE", "--seed N", "--upstream URL"):
        assert option in help_text
    args = cli.build_parser().parse_args(["serve", "--fault", "drop:0.1", "--fault", "delay=50:0.5", "--seed", "7",
                                          "--upstream", "http://127.0.0.1:1"])
    assert (args.fault, args.seed, args.upstream) == (["drop:0.1", "delay=50:0.5"], 7, "http://127.0.0.1:1")
    code, err = _usage_error(["serve", "--seed", "x"], capsys)
    assert code == 2 and err.splitlines()[0].startswith("usage: customer-session serve")


@pytest.fixture
def fake_serving(monkeypatch):
    """A stand-in for validator.serving (which needs the extra 'serve'): records its calls."""
    import types

    from validator.errors import Error

    calls = []
    module = types.ModuleType("validator.serving")

    def serve(host, port, *, faults=(), seed=None, upstream=None):  # as validator.standin.serving.serve
        calls.append((host, port, faults, seed, upstream))
        if faults == ["nonsense"]:
            raise Error("bad fault 'nonsense': expected KIND:RATE\nsecond line never shown")

    module.serve = serve
    monkeypatch.setitem(sys.modules, "validator.serving", module)
    return calls


def test_serve_passes_its_options_on(fake_serving, capsys):
    assert cli.main(["serve", "--port", "0", "--fault", "drop:0.5", "--seed", "3"]) == 0
    assert cli.main(["serve"]) == 0
    assert cli.main(["serve", "--upstream", "http://127.0.0.1:9", "--seed", "0"]) == 0
    assert fake_serving == [("127.0.0.1", 0, ["drop:0.5"], 3, None), ("127.0.0.1", 12111, (), None, None),
                            ("127.0.0.1", 12111, (), 0, "http://127.0.0.1:9")]


def test_serve_reports_a_bad_option_on_one_line(fake_serving, capsys):
    code, out, err = run(["serve", "--fault", "nonsense"], capsys)
    assert (code, out, err) == (2, "", "customer-session: bad fault 'nonsense': expected KIND:RATE\n")
