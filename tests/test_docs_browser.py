"""The HTML reference in a real headless Chromium: it loads cleanly and works.

Skipped, with the reason, where Chromium is missing or cannot start
(.ci/run installs the Debian package when apt is available).
"""

from __future__ import annotations

import json

import pytest

from cdp import Browser, BrowserUnavailable
from validator import loader
from validator.docs import dotted
from validator.docs_html import render_html


def param_ids():
    return [dotted(path) for path, _ in loader.walk() if path and not any(isinstance(p, int) for p in path)]


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
    assert browser.evaluate(session, "document.querySelectorAll('details.param').length") == len(param_ids())
    assert browser.problems(session) == []


def test_every_param_anchor_exists(page):
    browser, session = page
    ids = json.dumps(param_ids())
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


def test_filter_box_keeps_matches_and_their_ancestors(page):
    browser, session = page
    ids = param_ids()
    deepest = max(ids, key=lambda name: name.count("."))
    visible = browser.evaluate(session, f"""
        (() => {{
          const box = document.getElementById('search');
          box.value = {json.dumps(deepest)};
          box.dispatchEvent(new Event('input'));
          const shown = Array.from(document.querySelectorAll('details.param'))
                             .filter(e => !e.hidden).map(e => e.id);
          box.value = '';
          box.dispatchEvent(new Event('input'));
          return shown;
        }})()""")
    ancestors = [name for name in ids if deepest.startswith(name + ".")]
    assert deepest in visible and set(ancestors) <= set(visible)
    assert set(visible) - {deepest} - set(ancestors) == set()
    hidden_after_clear = browser.evaluate(session, "document.querySelectorAll('details.param[hidden]').length")
    assert hidden_after_clear == 0
    assert browser.problems(session) == []
