"""One package version, one Stripe API version, and every place that shows them."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import validator
from validator import loader

ROOT = Path(__file__).resolve().parent.parent


def test_version_is_stated_once_in_the_package():
    assert re.fullmatch(r"\d+\.\d+\.\d+", validator.__version__)
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    # pyproject.toml states no version of its own: the build reads validator.__version__.
    assert "version" not in project["project"]
    assert project["project"]["dynamic"] == ["version"]
    assert project["tool"]["hatch"]["version"] == {"path": "validator/__init__.py"}


def test_api_version_is_stated_once_in_the_schemas():
    stated = [schema["x-stripeApiVersion"] for schema in loader.contents().values() if "x-stripeApiVersion" in schema]
    assert stated == [loader.api_version()]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}\.[a-z]+", loader.api_version())


def test_cli_version_line_imports_nothing_heavy():
    code = ("import sys\nfrom validator.cli import main\ntry:\n    main(['--version'])\nexcept SystemExit as exit:\n"
            "    heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('jsonschema', 'jsonschema_rs', 'referencing'))\n"
            "    print(exit.code, heavy, file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.stdout == f"customer-session {validator.__version__} (Stripe API {loader.api_version()})\n"
    assert done.stderr == "0 []\n"


def test_docs_show_the_api_version_near_the_top():
    from validator.docs import render_markdown

    top = render_markdown().splitlines()[:6]
    assert f"Stripe API version: `{loader.api_version()}` (the version these schemas describe)." in top


def test_openapi_info_shows_the_api_version_without_an_extension_keyword():
    from validator.openapi import document

    info = document()["info"]
    assert info["summary"] == f"Stripe API version {loader.api_version()}"
    assert not [key for key in info if key.startswith("x-")]
    assert "x-stripeApiVersion" not in json.dumps(document())


def test_readme_and_changelog_name_the_current_versions():
    readme = (ROOT / "docs" / "06-following-stripe.md").read_text(encoding="utf-8")
    assert f"customer-session {validator.__version__} (Stripe API {loader.api_version()})" in readme
    assert "`x-stripeApiVersion` on `create-params.json`" in readme
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## {validator.__version__} " in changelog and loader.api_version() in changelog
