"""The reference as one static HTML page: a collapsible tree, an anchor per entry, a filter box.

The page shell (style, script) is ``docs_page.html``, filled with
`string.Template`; the trees (the params, the returned object, the error
body) are rendered here from the model in `validator.docs`.  Every schema
text goes through `html.escape`.  The page loads nothing from outside and
carries no date, so the output is the same for the same schemas.
"""

from __future__ import annotations

import html
from pathlib import Path
from string import Template

from . import docs, errors, loader
from .docs import Phrase

_PAGE = Path(__file__).with_name("docs_page.html")


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _code(value: object) -> str:
    return f"<code>{_e(docs.as_json(value))}</code>"


def _link(path: errors.Path, root: str = loader.ROOT_FILE) -> str:
    return f'<a href="#{_e(docs.anchor(path, root))}"><code>{_e(docs.dotted(path))}</code></a>'


def _part(part: str | docs.Param | docs.Value) -> str:
    if isinstance(part, docs.Param):
        return _link(part.path, part.root)
    if isinstance(part, docs.Value):
        return f"<code>{_e(docs.as_code(part.value))}</code>"
    return _e(part)


def _phrase(phrase: Phrase) -> str:
    return "".join(_part(part) for part in phrase)


def _text(phrase: Phrase) -> str:
    """A phrase as plain text, for the filter to search."""
    return "".join(docs.dotted(part.path) if isinstance(part, docs.Param)
                   else docs.as_code(part.value) if isinstance(part, docs.Value) else part for part in phrase)


def _rule(rule: docs.Rule, where: docs.Entry | None = None) -> str:
    on = f" on {_link(where.path, where.root)}" if where else ""
    out = [f'<div class="rule"><p><strong>Rule <code>{_e(rule.code)}</code></strong>{on}: {_e(rule.message)}</p>']
    if rule.lead:
        out.append(f"<p>{_phrase(rule.lead)}</p>")
    if rule.alternatives:
        out.append("<ul>" + "".join(f"<li>{_phrase(alt)}</li>" for alt in rule.alternatives) + "</ul>")
    out.append("</div>")
    return "".join(out)


def _payload(payload: object) -> str:
    return f"<pre><code>{_e(docs.as_json(payload, 2))}</code></pre>"


def _entry(entry: docs.Entry) -> str:
    name = docs.dotted(entry.path)
    form = docs.brackets(entry.path)
    kind = docs.type_text(entry.node, entry.item)
    required = _phrase(entry.required)
    conditional = len(entry.required) > 1
    badge = "Required when…" if conditional else _text(entry.required)
    badge_class = "conditional" if conditional else badge
    description = entry.node.get("description", "")
    allowed = docs.values(entry)
    notes = docs.lint_notes(entry)
    default = docs.default_text(entry, _code)
    default_words = docs.default_text(entry, docs.as_json)

    facts = [("Bracket form", f"<code>{_e(form)}</code>" + (
        f"; its items <code>{_e(docs.brackets(entry.path + (0,)))}</code>, "
        f"<code>{_e(docs.brackets(entry.path + (1,)))}</code>, …" if entry.item is not None else "")),
        ("Type", _e(kind))]
    if entry.root != loader.ROOT_FILE:
        facts.append(("Nullable", "yes" if docs.nullable(entry) else "no"))
    facts.append(("Required", required))
    fixed, value = docs.constant(entry)
    if fixed:
        facts.append(("Value", f"always <code>{_e(docs.as_code(value))}</code>"))
    if default is not None:
        facts.append(("Default", default))
    if docs.limits(entry):
        facts.append(("Limit", ", ".join(_phrase(limit) for limit in docs.limits(entry))))
    floats = docs.float_note(entry)
    if floats:
        facts.append(("Not a float", f'{_phrase(floats)} (<a href="#{docs.OWN_CHECKS}">why other engines accept it</a>)'))
    facts += [("Lint", f"<code>{_e(code)}</code>: {_phrase(note)}") for code, note in notes]

    searchable = " ".join([name, form, description]
                          + [docs.as_code(v) for v, _ in allowed]
                          + [f"{code} {_text(note)}" for code, note in notes]
                          + ([f"default {default_words}"] if default_words is not None else [])).lower()
    out = [f'<details class="param" id="{_e(entry.anchor)}" data-search="{_e(searchable)}"'
           f'{" open" if len(entry.path) == 1 else ""}>',
           f'<summary><a class="anchor" href="#{_e(entry.anchor)}" aria-label="Link to {_e(name)}">#</a>'
           f'<code class="name">{_e(name)}</code><span class="type">{_e(kind)}</span>'
           f'<span class="req req-{_e(badge_class)}">{_e(badge)}</span></summary>',
           '<div class="body"><dl>' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts) + "</dl>"]
    if description:
        out.append(f"<p>{_e(description)}</p>")
    if any(meaning for _, meaning in allowed):
        out.append("<table><thead><tr><th>Value</th><th>Meaning</th></tr></thead><tbody>"
                   + "".join(f"<tr><td><code>{_e(docs.as_code(v))}</code></td><td>{_e(m)}</td></tr>"
                             for v, m in allowed)
                   + "</tbody></table>")
    elif allowed:
        out.append("<p>Values: " + ", ".join(f"<code>{_e(docs.as_code(v))}</code>" for v, _ in allowed) + "</p>")
    out += [_rule(rule) for rule in entry.rules]
    out += [f"<p>Example value: <code>{_e(docs.as_json(v))}</code></p>" for v in docs.example_values(entry)]
    for payload in docs.example_payloads(entry):
        out += ["<p>Example payload:</p>", _payload(payload)]
    out += [_entry(child) for child in entry.children]
    out.append("</div></details>")
    return "\n".join(out)


def _section(root: str, top: docs.Entry, intro: str = "") -> str:
    """One section of the page: its heading, what comes before its fields (hidden while filtering), its tree."""
    heading = f'<h2 id="{_e(docs.SECTIONS[root])}">{_e(docs.section_title(root))}</h2>'
    intro = f'<div class="intro">{intro}</div>' if intro else ""
    tree = "\n".join(_entry(child) for child in top.children)
    return f'<section class="tree">{heading}{intro}\n{tree}\n</section>'


def _returned(root: str) -> str:
    top, _ = docs.entries(root)
    intro = ""
    if top.node.get("title"):
        intro += f"<p><strong>{_e(top.node['title'])}.</strong> {_e(top.node.get('description', ''))}</p>"
    intro += f"<p>{_phrase(docs.intro(root))}</p>"
    intro += "".join("<p>Example:</p>" + _payload(example) for example in docs.root_examples(root))
    return _section(root, top, intro)


def render_html() -> str:
    """The whole reference as one self-contained HTML page."""
    root, rules = docs.entries()
    owners = {id(rule): entry for entry in docs.flatten(root) for rule in entry.rules}
    examples = "".join("<h2>Example payload</h2>" + _payload(p) for p in docs.root_examples())
    rules_html = ""
    checks = docs.own_checks()
    if checks:
        rules_html += (f'<h2 id="{docs.OWN_CHECKS}">Checked by this validator only</h2><p>{_phrase(docs.OWN_CHECKS_LEAD)}</p>'
                       "<ul>" + "".join(f"<li>{_phrase(check)}</li>" for check in checks) + "</ul>")
    if rules:
        rules_html += ('<h2 id="rules">Rules</h2><p>Rules that involve more than one param. '
                      "Each breach is reported with the code shown.</p>"
                      + "".join(_rule(rule, owners[id(rule)]) for rule in rules))
    description = root.node.get("description")
    trees = [_section(loader.ROOT_FILE, root)] + [_returned(name) for name in docs.SECTIONS if name != loader.ROOT_FILE]
    return Template(_PAGE.read_text(encoding="utf-8")).substitute(
        title=_e(root.node.get("title", "Parameters")),
        description=f"<p>{_e(description)}</p>" if description else "",
        examples=examples,
        rules=rules_html,
        trees="\n".join(trees),
    )
