"""``python -m validator.codegen``: the documented way to read the generated source."""

import subprocess
import sys


def test_module_run_prints_the_generated_functions():
    # Run as `python -m` runs it (the module is then __main__, a second copy of validator.codegen):
    # the sources printed must be those the library generated.
    run = subprocess.run([sys.executable, "-m", "validator.codegen"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    for header in ("def is_valid(v0):", "def iter_errors(v0):", "def lint(v0):", "def holds(value):"):
        assert f"\n{header}\n" in run.stdout, header
    assert run.stdout.startswith("# <generated ")
