"""``python -m validator.generated``: the documented way to read the generated source; codegen's own guarantees."""

import subprocess
import sys


def test_module_run_prints_the_generated_functions():
    run = subprocess.run([sys.executable, "-m", "validator.generated"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    for header in ("def is_valid(v0):", "def iter_errors(v0):", "def lint(v0):", "def holds(value):"):
        assert f"\n{header}\n" in run.stdout, header
    assert run.stdout.startswith("# <generated ")


def test_generated_code_is_readable_and_literals_are_safe():
    """Tracebacks and inspect.getsource see generated code; only str/int/bool/None are written as literals."""
    import inspect
    import math
    import traceback

    from validator.codegen import Source

    source = Source("a test")
    with source.block("def f(x):"):
        source.line(f"limit = {source.literal(math.inf)}")  # repr(inf) is no Python: bound instead
        source.line(f"name = {source.literal('a' + chr(10) + 'b')}")
        source.line("return 1 / x if x < limit else name")
    f = source.function("f")
    assert f(2) == 0.5 and f(math.inf) == "a\nb"
    assert "def f(x):" in inspect.getsource(f)
    try:
        f(0)
    except ZeroDivisionError:
        shown = traceback.format_exc()
    assert "return 1 / x if x < limit else name" in shown and "<generated" in shown
