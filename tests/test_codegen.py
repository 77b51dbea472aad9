"""``python -m validator.codegen``: the documented way to read the generated source."""

import runpy


def test_module_run_prints_the_generated_functions(capsys):
    # Run as __main__ (a second copy of the module, as `python -m` makes it), not by calling main():
    # the sources must come from the module the library generated them in.
    runpy.run_module("validator.codegen", run_name="__main__")
    printed = capsys.readouterr().out
    for header in ("def is_valid(v0):", "def iter_errors(v0):", "def lint(v0):", "def holds(value):"):
        assert f"\n{header}\n" in printed, header
    assert "# <generated " in printed
