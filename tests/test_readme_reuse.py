"""The manual's Node example runs as written, under ajv (test_manual.py runs its Python ones)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import engines
from validator.bundle import bundle

PAGE = Path(__file__).parent.parent / "docs" / "05-importing-the-schemas.md"


def _block(language: str, marker: str) -> str:
    blocks = re.findall(rf"```{language}\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S)
    found = [block for block in blocks if marker in block]
    assert len(found) == 1, f"{PAGE.name} should hold one {language} example using {marker}"
    return found[0]


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
