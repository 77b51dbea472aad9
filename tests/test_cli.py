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
    assert lines[1].startswith(f"{bad}: components[buy_button][enabled] must be a boolean")
    assert lines[1].endswith("[parameter_invalid_type]")
    assert lines[2] == f"{bad}: Received unknown parameter: custmer. Did you mean customer? [parameter_unknown]"


def test_json_format_is_one_object_per_input(bad, capsys):
    code, out, _ = run(["validate", "--format", "json", str(GOOD), bad], capsys)
    assert code == 1
    first, second = (json.loads(line) for line in out.splitlines())
    assert first == {"file": str(GOOD), "valid": True, "errors": [], "warnings": []}
    assert second["file"] == bad and second["valid"] is False
    assert [(e["param"], e["code"]) for e in second["errors"]] == [
        ("components[buy_button][enabled]", "parameter_invalid_type"), ("custmer", "parameter_unknown")]
    assert all(set(e) == {"param", "code", "message"} for e in second["errors"])


def test_stdin(monkeypatch, capsys):
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(GOOD.read_bytes())))
    code, out, _ = run(["validate", "-"], capsys)
    assert (code, out) == (0, "<stdin>: valid\n")


@pytest.mark.parametrize("content, reason", [
    (b"{not json", "is not JSON"),
    (b"", "is not JSON"),
    (b'{"components": NaN}', "is not JSON"),
    (b'{"customer": "a", "customer": "b"}', "duplicate key"),
    (b"\xff\xfe\x00junk", "is not UTF-8"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
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
