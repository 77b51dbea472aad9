"""The pre-commit hooks of .pre-commit-hooks.yaml, run by pre-commit itself on a scratch repository.

``pre-commit try-repo`` clones this repository (at HEAD; with uncommitted
changes to tracked files, at a temporary commit of them), installs it into a
fresh virtualenv as any user's pre-commit would, and runs the hooks on the
files named.  One run tries every hook of the manifest, so the package is
installed once (about half a minute).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = Path(__file__).resolve().parent / "examples"
MANIFEST = ROOT / ".pre-commit-hooks.yaml"
# A payload that passes, and one that fails with the one error its file declares.
VALID = EXAMPLES / "valid" / "reference-example.json"
INVALID = EXAMPLES / "invalid" / "active-entitlements-enabled-missing.json"

pytestmark = pytest.mark.slow


def _manifest() -> list[dict]:
    import yaml  # pre-commit's own dependency

    return yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))


def test_the_manifest_declares_both_hooks():
    hooks = {hook["id"]: hook for hook in _manifest()}
    assert set(hooks) == {"customer-session-validate", "customer-session-validate-jsonl"}
    assert hooks["customer-session-validate"]["entry"] == "customer-session validate"
    assert hooks["customer-session-validate"]["types"] == ["json"]
    assert hooks["customer-session-validate-jsonl"]["entry"] == "customer-session validate --jsonl"
    assert all(hook["language"] == "python" for hook in hooks.values())


def _tools() -> None:
    if shutil.which("git") is None:
        pytest.skip("the git executable is missing: pre-commit needs it")
    if importlib.util.find_spec("pre_commit") is None:
        pytest.skip("pre-commit is not installed (it comes with the test extra: pip install '.[test]')")
    if not (ROOT / ".git").exists():
        pytest.skip(f"{ROOT} is not a git checkout (an unpacked sdist?): try-repo clones a git repository")


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_try_repo_on_a_scratch_repository(tmp_path):
    _tools()
    scratch = tmp_path / "fixtures"
    scratch.mkdir()
    _git("init", "-q", cwd=scratch)
    invalid = json.loads(INVALID.read_text(encoding="utf-8"))
    [declared] = invalid["errors"]
    (scratch / "good.json").write_bytes(VALID.read_bytes())
    (scratch / "bad.json").write_text(json.dumps(invalid["params"]), encoding="utf-8")
    # Two valid payloads, one a line: the JSON Lines hook takes it, the JSON hook does not see it.
    payload = json.loads(VALID.read_text(encoding="utf-8"))
    (scratch / "good.jsonl").write_text(json.dumps(payload) + "\n" + json.dumps(payload) + "\n", encoding="utf-8")
    files = ["good.json", "bad.json", "good.jsonl"]
    _git("add", *files, cwd=scratch)

    env = {key: value for key, value in os.environ.items() if not key.startswith(("GIT_", "PRE_COMMIT"))}
    run = subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "--verbose", "--color", "never",
                          "--files", *files], cwd=scratch, env=env, capture_output=True, text=True, timeout=600)
    out = run.stdout + run.stderr
    assert run.returncode == 1, out

    sections = _sections(out)
    json_hook = sections["Customer Session params (JSON)"]
    assert json_hook[0].endswith("Failed"), out
    assert any(line.startswith("good.json") for line in json_hook), out  # it was checked ...
    assert not any(line.startswith("good.json") and "invalid" in line for line in json_hook), out  # ... and passed
    assert any(line.startswith("bad.json: ") and declared["param"] in line and f"[{declared['code']}]" in line
               for line in json_hook), out
    assert not any("good.jsonl" in line for line in json_hook)

    lines_hook = sections["Customer Session params (JSON Lines)"]
    assert lines_hook[0].endswith("Passed"), out
    assert "exit code" not in "\n".join(lines_hook)


def _sections(output: str) -> dict[str, list[str]]:
    """pre-commit's report: each hook's lines, from its ``NAME....Passed`` line to the next hook's."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in output.splitlines():
        name, dots, _ = line.partition("....")
        if dots and line.rstrip().endswith(("Passed", "Failed", "Skipped")):
            current = sections.setdefault(name.strip(), [])
        if current is not None:
            current.append(line.rstrip())
    return sections
