"""The parameter reference as one static HTML page: a collapsible tree, an anchor per param, a filter box.

The page shell (style, script) is ``docs_page.html``, filled with
`string.Template`; the tree is rendered here from the model in
`validator.docs`.  Every schema text goes through `html.escape`.  The page
loads nothing from outside and carries no date, so the output is the same
for the same schemas.
"""

from __future__ import annotations

import html
from pathlib import Path
from string import Template

from . import docs

_PAGE = Path(__file__).with_name("docs_page.html")


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _code(value) -> str:
    return f"<code>{_e(docs.as_json(value))}</code>"


def _part(part) -> str:
    if isinstance(part, docs.Param):
        name = docs.dotted(part.path)
        return f'<a href="#{_e(name)}"><code>{_e(name)}</code></a>'
    if isinstance(part, docs.Value):
        return f"<code>{_e(docs.as_code(part.value))}</code>"
    return _e(part)


def _phrase(phrase) -> str:
    return "".join(_part(part) for part in phrase)


def _rule(rule: docs.Rule, where=None) -> str:
    on = f' on <a href="#{_e(docs.dotted(where))}"><code>{_e(docs.dotted(where))}</code></a>' if where else ""
    out = [f'<div class="rule"><p><strong>Rule <code>{_e(rule.code)}</code></strong>{on}: {_e(rule.message)}</p>']
    if rule.lead:
        out.append(f"<p>{_phrase(rule.lead)}</p>")
    if rule.alternatives:
        out.append("<ul>" + "".join(f"<li>{_phrase(alt)}</li>" for alt in rule.alternatives) + "</ul>")
    out.append("</div>")
    return "".join(out)


def _payload(payload) -> str:
    return f"<pre><code>{_e(docs.as_json(payload, 2))}</code></pre>"


def _entry(entry: docs.Entry) -> str:
    name = docs.dotted(entry.path)
    form = docs.brackets(entry.path)
    kind = docs.type_text(entry.node, entry.item)
    required = _phrase(entry.required)
    conditional = len(entry.required) > 1
    badge = "Required when…" if conditional else "".join(entry.required)
    badge_class = "conditional" if conditional else badge
    description = entry.node.get("description", "")
    searchable = " ".join([name, form, description] + [str(v) for v, _ in docs.values(entry)]).lower()

    facts = [("Bracket form", f"<code>{_e(form)}</code>" + (
        f"; its items <code>{_e(docs.brackets(entry.path + (0,)))}</code>, "
        f"<code>{_e(docs.brackets(entry.path + (1,)))}</code>, …" if entry.item is not None else "")),
        ("Type", _e(kind)), ("Required", required)]
    default = docs.default_text(entry, _code)
    if default is not None:
        facts.append(("Default", default))
    if docs.limits(entry, _code):
        facts.append(("Limit", ", ".join(docs.limits(entry, _code))))

    out = [f'<details class="param" id="{_e(name)}" data-search="{_e(searchable)}"{" open" if len(entry.path) == 1 else ""}>',
           f'<summary><a class="anchor" href="#{_e(name)}" aria-label="Link to {_e(name)}">#</a>'
           f'<code class="name">{_e(name)}</code><span class="type">{_e(kind)}</span>'
           f'<span class="req req-{_e(badge_class)}">{_e(badge)}</span></summary>',
           '<div class="body"><dl>' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts) + "</dl>"]
    if description:
        out.append(f"<p>{_e(description)}</p>")
    if docs.values(entry):
        out.append("<table><thead><tr><th>Value</th><th>Meaning</th></tr></thead><tbody>"
                   + "".join(f"<tr><td><code>{_e(docs.as_code(v))}</code></td><td>{_e(m)}</td></tr>"
                             for v, m in docs.values(entry))
                   + "</tbody></table>")
    out += [_rule(rule) for rule in entry.rules]
    out += [f"<p>Example value: <code>{_e(docs.as_json(v))}</code></p>" for v in docs.example_values(entry)]
    for payload in docs.example_payloads(entry):
        out += ["<p>Example payload:</p>", _payload(payload)]
    out += [_entry(child) for child in entry.children]
    out.append("</div></details>")
    return "\n".join(out)


def render_html() -> str:
    """The whole reference as one self-contained HTML page."""
    root, rules = docs.entries()
    owners = {id(rule): entry.path for entry in docs.flatten(root) for rule in entry.rules}
    examples = "".join("<h2>Example payload</h2>" + _payload(p) for p in root.node.get("examples", ()))
    rules_html = ""
    if rules:
        rules_html = ('<h2 id="rules">Rules</h2><p>Rules that involve more than one param. '
                      "Each breach is reported with the code shown.</p>"
                      + "".join(_rule(rule, owners[id(rule)]) for rule in rules))
    description = root.node.get("description")
    return Template(_PAGE.read_text(encoding="utf-8")).substitute(
        title=_e(root.node.get("title", "Parameters")),
        description=f"<p>{_e(description)}</p>" if description else "",
        examples=examples,
        rules=rules_html,
        tree="\n".join(_entry(child) for child in root.children),
    )
