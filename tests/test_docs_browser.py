"""The HTML reference in a real headless Chromium: it loads cleanly and works.

Skipped, with the reason, where Chromium is missing or cannot start
(.ci/run installs the Debian package when apt is available).
"""

from __future__ import annotations

import json

import pytest

from cdp import Browser, BrowserUnavailable
from validator import docs, loader
from validator.docs import SECTIONS, anchor, dotted
from validator.docs_html import render_html


def fields(root):
    return [path for path, _ in loader.walk(root) if path and not any(isinstance(p, int) for p in path)]


def entry_ids():
    """The id of every entry on the page: the params, then each other root's fields."""
    return [anchor(path, root) for root in SECTIONS for path in fields(root)]


def param_ids():
    return [dotted(path) for path in fields(loader.ROOT_FILE)]


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    target = tmp_path_factory.mktemp("docs") / "reference.html"
    target.write_text(render_html(), encoding="utf-8")
    try:
        browser = Browser()
    except BrowserUnavailable as exc:
        pytest.skip(f"headless Chromium unavailable: {exc}")
    try:
        session = browser.open(target.as_uri())
        yield browser, session
    finally:
        browser.close()


def test_page_loads_without_console_errors(page):
    browser, session = page
    assert browser.evaluate(session, "document.readyState") == "complete"
    assert browser.evaluate(session, "Array.from(document.querySelectorAll('details.param')).map(e => e.id)") == entry_ids()
    assert browser.problems(session) == []


def test_every_anchor_exists(page):
    browser, session = page
    ids = json.dumps(entry_ids() + list(SECTIONS.values()))
    missing = browser.evaluate(session, f"{ids}.filter(id => !document.getElementById(id))")
    assert missing == []
    # Every link inside the page points at an element of the page.
    dangling = browser.evaluate(session, """
        Array.from(document.querySelectorAll('a[href^="#"]'))
             .map(a => decodeURIComponent(a.getAttribute('href').slice(1)))
             .filter(id => !document.getElementById(id))""")
    assert dangling == []


def test_following_an_anchor_opens_the_tree_down_to_it(page):
    browser, session = page
    deepest = max(param_ids(), key=lambda name: name.count("."))
    opened = browser.evaluate(session, f"""
        new Promise(resolve => {{
          window.addEventListener('hashchange', () => {{
            const chain = [];
            for (let e = document.getElementById({json.dumps(deepest)}); e; e = e.parentElement)
              if (e.tagName === 'DETAILS') chain.push(e.open);
            resolve(chain);
          }}, {{once: true}});
          location.hash = {json.dumps('#' + deepest)};
        }})""")
    assert len(opened) == deepest.count(".") + 1 and all(opened)
    assert browser.problems(session) == []


# What the page looks like, entry by entry: used before, during and after filtering.
_STATE = """
    (() => {
      const shown = e => getComputedStyle(e).display !== 'none';
      const entries = Array.from(document.querySelectorAll('details.param')).map(e => {
        const own = e.querySelector(':scope > .body > dl');
        return {id: e.id, hidden: e.hidden, open: e.open, match: e.classList.contains('match'),
                context: e.classList.contains('context'),
                ownTextShown: shown(own) && e.open && !e.hidden,
                text: e.getAttribute('data-search'),
                below: Array.from(e.querySelectorAll(':scope > .body details.param')).map(c => c.id)};
      });
      const sections = Array.from(document.querySelectorAll('section.tree')).map(
        s => ({heading: s.querySelector('h2').id, hidden: s.hidden,
               entries: Array.from(s.querySelectorAll('details.param')).map(e => e.id)}));
      const intros = Array.from(document.querySelectorAll('.intro')).map(shown);
      return {entries, sections, intros};
    })()"""


def _filter(browser, session, query):
    browser.evaluate(session, f"""
        (() => {{ const box = document.getElementById('search');
                  box.value = {json.dumps(query)}; box.dispatchEvent(new Event('input')); }})()""")
    return browser.evaluate(session, _STATE)


def _check_collapsed(state, query):
    """While filtering: matches are shown open; an entry is shown only as the way down to a match,
    collapsed to its heading; everything else, and any section or intro without a match, is hidden."""
    by_id = {entry["id"]: entry for entry in state["entries"]}
    for entry in state["entries"]:
        own = query.lower() in entry["text"]
        below = any(query.lower() in by_id[child]["text"] for child in entry["below"])
        assert entry["match"] == own, entry["id"]
        assert entry["hidden"] == (not own and not below), entry["id"]
        if own:
            assert entry["open"] and entry["ownTextShown"], entry["id"]
        elif below:
            assert entry["context"] and entry["open"] and not entry["ownTextShown"], entry["id"]
        else:
            assert not entry["open"], entry["id"]
    assert sorted(i for section in state["sections"] for i in section["entries"]) == sorted(by_id)
    for section in state["sections"]:
        assert section["entries"] and section["hidden"] == all(by_id[i]["hidden"] for i in section["entries"])
    assert not any(state["intros"])


def _visible(state):
    return {entry["id"] for entry in state["entries"] if not entry["hidden"]}


def test_filter_collapses_what_does_not_match_and_clearing_restores_the_page(page):
    browser, session = page
    before = browser.evaluate(session, _STATE)
    assert any(entry["open"] for entry in before["entries"]) and all(before["intros"])

    deepest = max(param_ids(), key=lambda name: name.count("."))
    state = _filter(browser, session, deepest)
    _check_collapsed(state, deepest)
    ancestors = [name for name in param_ids() if deepest.startswith(name + ".")]
    assert {deepest, *ancestors} <= _visible(state)
    assert all(next(e for e in state["entries"] if e["id"] == name)["context"] for name in ancestors)

    cleared = _filter(browser, session, "")
    assert [(e["id"], e["open"], e["hidden"], e["match"], e["context"]) for e in cleared["entries"]] == [
        (e["id"], e["open"], e["hidden"], e["match"], e["context"]) for e in before["entries"]]
    assert cleared["sections"] == before["sections"] and all(cleared["intros"])
    assert browser.problems(session) == []


def test_filter_finds_params_by_their_lint_notes(page):
    """A lint code finds exactly the params whose lint notes carry it; no returned field has one."""
    browser, session = page
    root, _ = docs.entries()
    codes = {}
    for entry in docs.flatten(root):
        for code, _ in docs.lint_notes(entry):
            codes.setdefault(code, set()).add(entry.anchor)
    assert codes
    for code, holders in sorted(codes.items()):
        state = _filter(browser, session, code)
        _check_collapsed(state, code)
        assert {e["id"] for e in state["entries"] if e["match"]} == holders, code
        assert [s["hidden"] for s in state["sections"]] == [name != SECTIONS[loader.ROOT_FILE] for name in SECTIONS.values()]
    _filter(browser, session, "")
    assert browser.problems(session) == []


def test_filter_reaches_the_returned_object_and_the_error_body(page):
    browser, session = page
    params = set(param_ids())
    for root in SECTIONS:
        if root == loader.ROOT_FILE:
            continue
        # A field of this root only: the params' section disappears, this root's stays.
        name = next(dotted(path) for path in fields(root)
                    if not any(dotted(path) in other for other in params) and "_" in dotted(path))
        state = _filter(browser, session, name)
        _check_collapsed(state, name)
        shown = {s["heading"] for s in state["sections"] if not s["hidden"]}
        assert SECTIONS[root] in shown and SECTIONS[loader.ROOT_FILE] not in shown
        assert anchor(next(p for p in fields(root) if dotted(p) == name), root) in _visible(state)
    _filter(browser, session, "")
    assert browser.problems(session) == []
