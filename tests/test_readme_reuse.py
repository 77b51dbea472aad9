"""The README's reuse examples run as written: the Python one, and the Node one under ajv."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import engines
from offline import no_network  # noqa: F401  (a fixture)
from validator.bundle import bundle

README = Path(__file__).parent.parent / "README.md"


def _block(language: str, marker: str) -> str:
    blocks = re.findall(rf"```{language}\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    found = [block for block in blocks if marker in block]
    assert len(found) == 1, f"README should hold one {language} example using {marker}"
    return found[0]


@pytest.mark.usefixtures("no_network")
def test_python_example():
    code = _block("python", "validator.registry()")
    exec(compile(code, "README.md", "exec"), {})


@pytest.mark.skipif(engines.node() is None, reason="node is not installed: the ajv example cannot run here")
def test_node_example(tmp_path):
    modules = engines.ensure_ajv()
    (tmp_path / "customer-session.schema.json").write_text(json.dumps(bundle()))
    (tmp_path / "example.js").write_text(_block("js", "ajv/dist/2020"))
    env = {**os.environ, "NODE_PATH": str(modules)}
    run = subprocess.run([shutil.which("node"), "example.js"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "valid"
