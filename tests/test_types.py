"""The package is typed: ``mypy --strict validator`` passes, and the package says so to type checkers (py.typed).

mypy runs once for the module, in a subprocess, with its cache in a
temporary folder (a cold run: about 15-20 s on two cores, hence ``slow``).
It checks the package and a small file of our own that asks mypy what it
sees of the error values' fields.
"""

from __future__ import annotations

import fnmatch
import re
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# What a caller writes: the fields of the value types, as a type checker must see them.
PROBE = '''\
from validator.errors import Finding, ParamError, ValidationError

error = ParamError("a[b]", ("a", "b"), "parameter_unknown", "Received unknown parameter: a[b].")
reveal_type(error.param)
reveal_type(error.path)
reveal_type(error.code)
reveal_type(error.message)
reveal_type(error.schema_path)
reveal_type(ValidationError([error]).errors)


def code_of(finding: Finding) -> str:
    return finding.code
'''

EXPECTED_REVEALED = [
    "str",
    "tuple[str | int, ...]",
    "str",
    "str",
    "tuple[str | int, ...]",
    "list[validator.errors.ParamError]",
]


@pytest.fixture(scope="module")
def mypy_run(tmp_path_factory) -> subprocess.CompletedProcess[str]:
    pytest.importorskip("mypy", reason="the test extra installs mypy")
    folder = tmp_path_factory.mktemp("mypy")
    probe = folder / "probe.py"
    probe.write_text(PROBE, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(folder / "cache"), "--no-error-summary",
         "--hide-error-context", "validator", str(probe)],
        cwd=ROOT, capture_output=True, text=True, timeout=600)


def _lines(run: subprocess.CompletedProcess[str], probe: bool) -> list[str]:
    """mypy's output lines about the package (probe=False) or about the probe file."""
    return [line for line in run.stdout.splitlines() if ("probe.py:" in line) == probe]


@pytest.mark.slow
def test_mypy_strict_passes_on_the_package(mypy_run):
    problems = _lines(mypy_run, probe=False)
    per_file: dict[str, int] = {}
    for line in problems:
        per_file[line.split(":", 1)[0]] = per_file.get(line.split(":", 1)[0], 0) + 1
    assert not problems, (f"mypy --strict validator: {len(problems)} errors in {per_file}\n"
                            + "\n".join(problems[:40]))
    assert mypy_run.stderr == ""


@pytest.mark.slow
def test_the_error_values_fields_are_visible_to_type_checkers(mypy_run):
    """ParamError's slots are declared to type checkers: mypy knows each field's type, not Any."""
    lines = _lines(mypy_run, probe=True)
    # mypy 1.x writes builtins.str, 2.x str.
    revealed = [re.sub(r'^.*Revealed type is "(.*)"$', r"\1", line).replace("builtins.", "")
                for line in lines if "Revealed type" in line]
    assert revealed == EXPECTED_REVEALED, "\n".join(lines)
    assert [line for line in lines if ": error:" in line] == []


def test_the_installed_package_ships_py_typed():
    """PEP 561: without the marker, type checkers ignore the package's annotations."""
    marker = files("validator").joinpath("py.typed")
    assert marker.is_file()
    # The package imported is the one that carries it (an installed wheel in CI, the checkout when editable).
    import validator

    assert Path(str(files("validator"))) == Path(validator.__file__).parent


def test_the_wheel_configuration_includes_py_typed():
    """CI installs a wheel, not the checkout: hatch must put the marker in it.

    Hatch's wheel takes every file under the listed packages that neither
    .gitignore nor an ``exclude`` leaves out (building one here would need
    hatchling from the network, so the configuration is read instead).
    """
    try:
        import tomllib
    except ImportError:  # Python 3.10
        tomllib = pytest.importorskip("tomli")
    assert (ROOT / "validator" / "py.typed").is_file()
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    wheel = config["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert "validator" in wheel["packages"]
    for key in ("exclude", "only-include"):
        for pattern in wheel.get(key, ()):
            matched = fnmatch.fnmatch("validator/py.typed", pattern) or fnmatch.fnmatch("py.typed", pattern)
            assert matched == (key == "only-include"), f"[tool.hatch.build.targets.wheel] {key}: {pattern}"
    ignored = [line.strip() for line in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
               if line.strip() and not line.startswith("#")]
    assert not [pattern for pattern in ignored
                if fnmatch.fnmatch("py.typed", pattern.rstrip("/")) or fnmatch.fnmatch("validator/py.typed", pattern)]
