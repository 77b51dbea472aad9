"""The README and the manual in docs/: every link resolves, every example runs as written.

Which blocks run, by their fence's language:

- ``pycon``: a Python session (``>>>`` prompts), run with doctest; what it
  prints must be what the page shows.
- ``python``: run as a script (offline); it must not raise.
- ``console``: shell commands after ``$ ``, run from the repository's root with
  the installed ``customer-session`` first on PATH; each command's standard
  output and error, together, must be the lines shown under it.

Every block of these languages runs.  Other languages (sh, js, json, plain)
are shown, not run; ``test_readme_reuse.py`` runs the ajv example.
docs/reference.md is generated and checked by test_docs.py.
"""

from __future__ import annotations

import doctest
import os
import re
import subprocess
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest

from offline import no_network  # noqa: F401  (a fixture)

ROOT = Path(__file__).resolve().parent.parent
MANUAL = sorted(path for path in (ROOT / "docs").glob("*.md") if path.name != "reference.md")
PAGES = [ROOT / "README.md", *MANUAL]

_FENCE = re.compile(r"^```(\S*)\n(.*?)^```\n", re.S | re.M)


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    language: str
    text: str

    def __str__(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks(page: Path) -> list[Block]:
    text = page.read_text(encoding="utf-8")
    found = []
    for match in _FENCE.finditer(text):
        found.append(Block(page, text.count("\n", 0, match.start()) + 1, match.group(1), match.group(2)))
    return found


def _all(language: str) -> list[Block]:
    return [block for page in PAGES for block in blocks(page) if block.language == language]


# --- links ----------------------------------------------------------------------------------------

def _prose(text: str) -> str:
    """The page without its code blocks and code spans (a link inside code is not a link)."""
    text = _FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    return re.sub(r"`[^`\n]*`", "``", text)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    heading = re.sub(r"`([^`]*)`", r"\1", heading).strip().lower()
    kept = "".join(c for c in heading if c in " -_" or unicodedata.category(c)[0] in "LN")
    return kept.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    found, seen = set(), {}
    for line in _FENCE.sub("", page.read_text(encoding="utf-8")).splitlines():
        heading = re.match(r"#{1,6} (.+)", line)
        if heading:
            base = slug(heading.group(1))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return found


def links(page: Path) -> list[str]:
    # The link text may hold code spans: take the target of [text](target) from the page as written.
    text = _FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), page.read_text(encoding="utf-8"))
    return re.findall(r"\]\(([^)\s]+)\)", text)


def broken_links(page: Path, root: Path = ROOT) -> list[str]:
    """The relative links of `page` that name no file of the repository, or no heading of the page named."""
    broken = []
    for target in links(page):
        if re.match(r"[a-z]+:", target):
            continue  # an address elsewhere: not checked offline
        path, _, anchor = target.partition("#")
        where = (page.parent / path).resolve() if path else page
        if not where.exists() or root not in (where, *where.parents):
            broken.append(target)
        elif anchor and (where.suffix != ".md" or anchor not in anchors(where)):
            broken.append(target)
    return broken


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_relative_link_and_anchor_resolves(page):
    assert broken_links(page) == []


def test_the_slug_is_githubs():
    assert slug("A strict stand-in for the endpoint: `customer-session serve`") == (
        "a-strict-stand-in-for-the-endpoint-customer-session-serve")
    assert slug("Form bodies: Stripe's wire format") == "form-bodies-stripes-wire-format"
    assert slug("1. The Python API") == "1-the-python-api"


def test_a_broken_link_is_found(tmp_path):
    (tmp_path / "other.md").write_text("## Its `part`\n")
    page = tmp_path / "page.md"
    page.write_text("# Title\n\n[a](#title) [b](#nowhere) [c](no-such.md) [d](other.md#its-part) [e](other.md#title)\n"
                    "```sh\n[not a link](#in-code)\n```\n[f](https://example.com/#x)\n")
    assert broken_links(page, tmp_path) == ["#nowhere", "no-such.md", "other.md#title"]
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "p.md").write_text("[out](../../outside.md) [up](../other.md)\n")
    assert broken_links(tmp_path / "sub" / "p.md", tmp_path) == ["../../outside.md"]


def test_the_readme_links_every_page_of_the_manual():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for page in MANUAL:
        assert f"(docs/{page.name})" in readme, page.name
    assert "(docs/reference.md)" in readme


def test_the_readme_is_a_front_page():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 200
    # The two set-up commands come first; .ci/run runs the second.
    block = blocks(ROOT / "README.md")[0]
    commands = block.text.splitlines()
    assert commands[1] == "python3 -m venv .venv && .venv/bin/pip install '.[test]' && .venv/bin/python -m pytest"
    assert commands[1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[0].endswith("customer-session validate tests/examples/valid/reference-example.json")


# --- examples -------------------------------------------------------------------------------------

@pytest.mark.usefixtures("no_network")
@pytest.mark.parametrize("block", _all("pycon"), ids=str)
def test_python_session(block):
    test = doctest.DocTestParser().get_doctest(block.text, {}, str(block), str(block.page), block.line)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    output = []
    runner.run(test, out=output.append)
    assert runner.failures == 0, "".join(output)
    assert runner.tries > 0


# The address the manual gives the stand-in (stripe-mock's port); a test runs it on a port it picks.
STAND_IN = "http://127.0.0.1:12111"


@pytest.mark.usefixtures("no_network")
@pytest.mark.parametrize("block", [b for b in _all("python") if STAND_IN not in b.text], ids=str)
def test_python_script(block):
    exec(compile(block.text, str(block), "exec"), {"__name__": "__manual__"})


@pytest.fixture(scope="module")
def stand_in(tmp_path_factory):
    from stand_in import Server

    server = Server(tmp_path_factory.mktemp("stand-in"))
    yield f"http://127.0.0.1:{server.port}"
    server.stop()


@pytest.mark.parametrize("block", [b for b in _all("python") if STAND_IN in b.text], ids=str)
def test_python_script_against_the_stand_in(block, stand_in):
    """A client pointed at the stand-in the way the manual says: run against one on a port of our own."""
    exec(compile(block.text.replace(STAND_IN, stand_in), str(block), "exec"), {"__name__": "__manual__"})


def _commands(text: str) -> list[tuple[str, list[str]]]:
    """``(command, expected output lines)`` for each ``$ `` line of a console block."""
    found: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("$ "):
            found.append((line[2:], []))
        else:
            assert found, f"output before any command: {line!r}"
            found[-1][1].append(line)
    return found


@pytest.mark.parametrize("block", _all("console"), ids=str)
def test_console(block):
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "COLUMNS": "100", "PYTHONHASHSEED": "0"}
    for command, expected in _commands(block.text):
        run = subprocess.run(["bash", "-c", command], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
        assert run.stdout.splitlines() == expected, f"{block}: $ {command}"


def test_the_examples_are_found():
    """The parser finds the blocks (an empty list would make the tests above pass without running anything)."""
    found = {language: len(_all(language)) for language in ("pycon", "python", "console")}
    assert all(found.values()), found
    assert [block.language for block in blocks(ROOT / "README.md")][:3] == ["sh", "pycon", "console"]
