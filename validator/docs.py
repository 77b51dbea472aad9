"""The parameter reference, generated from the schemas alone.

Nothing here knows a param: every entry, rule and example is read through
the loader, so the reference cannot drift from what the checker enforces.
`entries()` builds a small model that both renderers share; this module
renders it as Markdown, `validator.docs_html` as one HTML page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import NamedTuple

from . import loader
from .errors import bracket


class Param(NamedTuple):
    """A param named inside a sentence: renderers turn it into a link."""

    path: tuple


class Value(NamedTuple):
    """A JSON value quoted inside a sentence."""

    value: object


# A phrase is a list of parts: plain text, Param or Value.


@dataclass
class Rule:
    """A documented rule: an ``allOf`` entry with a title (its error code)."""

    code: str
    message: str
    lead: list  # a phrase; empty when the structure is not one put into words
    alternatives: list = field(default_factory=list)  # phrases, one of which must hold


@dataclass
class Entry:
    """One param: its merged schema node and what the docs say about it."""

    path: tuple
    node: dict
    required: list  # a phrase
    item: dict | None = None
    rules: list = field(default_factory=list)
    children: list = field(default_factory=list)


# Limits in words; only keywords a schema actually carries are shown.
_LIMITS = {
    "maximum": "at most {}",
    "exclusiveMaximum": "less than {}",
    "minimum": "at least {}",
    "exclusiveMinimum": "more than {}",
    "maxLength": "at most {} characters",
    "minLength": "at least {} characters",
    "maxItems": "at most {} items",
    "minItems": "at least {} items",
}
# Keywords a condition may carry and still be put into words.
_CONDITION_KEYWORDS = {"properties", "required", "const", "enum", "anyOf", "type", "title", "description"}


def dotted(path) -> str:
    return ".".join(str(part) for part in path)


def brackets(path) -> str:
    """Stripe's bracket form, never shortened (errors.bracket shortens long keys for messages)."""
    return bracket(path, whole=True)


def as_json(value, indent=None) -> str:
    return json.dumps(value, indent=indent, ensure_ascii=False)


def as_code(value) -> str:
    """A value as written in prose: strings bare (as in Stripe's reference), anything else as JSON."""
    return value if isinstance(value, str) else as_json(value)


def _join(phrases, word):
    out = []
    for index, phrase in enumerate(phrases):
        if index:
            out.append(word)
        out.extend(phrase)
    return out


def _facts(schema, base):
    """What `schema` demands of the object at `base`, as phrases; None if it cannot be put in words."""
    if not isinstance(schema, dict) or set(schema) - _CONDITION_KEYWORDS:
        return None
    facts, required = [], schema.get("required", [])
    for name, sub in schema.get("properties", {}).items():
        where = base + (name,)
        if not isinstance(sub, dict) or set(sub) - _CONDITION_KEYWORDS:
            return None
        about = []
        if "const" in sub:
            about.append([Param(where), " is ", Value(sub["const"])])
        elif "enum" in sub:
            about.append([Param(where), " is one of "] + _join([[Value(v)] for v in sub["enum"]], ", "))
        nested = _facts({k: v for k, v in sub.items() if k not in ("const", "enum")}, where)
        if nested is None:
            return None
        about += nested
        facts += [fact if name in required else fact + [" (when given)"] for fact in about]
    mentioned = {part.path[: len(base) + 1] for fact in facts for part in fact if isinstance(part, Param)}
    facts += [[Param(base + (name,)), " is given"] for name in required if base + (name,) not in mentioned]
    if "anyOf" in schema:
        branches = [_facts(branch, base) for branch in schema["anyOf"]]
        if any(branch is None or not branch for branch in branches):
            return None
        facts.append(["at least one of these holds: "] + _join([_join(b, " and ") for b in branches], "; or "))
    return facts


def _rule(rule, base, conditional):
    """Put one rule in words, from its structure; record params it makes conditionally required."""
    code, message = rule.get("title", ""), rule.get("description", "")
    shape = {k for k in rule if k not in ("title", "description")}
    if shape == {"if", "then"} and set(rule["then"]) == {"required"}:
        condition = _facts(rule["if"], base)
        if condition:
            when = _join(condition, " and ")
            names = [base + (name,) for name in rule["then"]["required"]]
            for path in names:
                conditional.setdefault(path, []).append(when)
            subject = _join([[Param(path)] for path in names], " and ")
            verb = " is required when " if len(names) == 1 else " are required when "
            return Rule(code, message, subject + [verb] + when)
    if shape == {"anyOf"}:
        branches = [_facts(branch, base) for branch in rule["anyOf"]]
        if all(branches):
            return Rule(code, message, ["At least one of these must hold:"], [_join(b, " and ") for b in branches])
    # A shape not put into words here: its message alone says it.
    return Rule(code, message, [])


def _rules_of(node, base, conditional):
    known = loader.rules()
    return [_rule(entry, base, conditional) for entry in node.get("allOf", ())
            if isinstance(entry, dict) and known.get(id(entry)) is entry]


def entries() -> tuple[Entry, list[Rule]]:
    """The root entry (its children nest like the params) and every rule, in schema order."""
    nodes = loader.nodes()
    walked = list(nodes.items())
    conditional: dict[tuple, list] = {}
    rules_at = {path: _rules_of(node, path, conditional) for path, node in walked}

    made: dict[tuple, Entry] = {}
    for path, node in walked:
        if path and isinstance(path[-1], int):
            # An array item is not a param of its own: it describes its array's values.
            made[path[:-1]].item = node
            made[path[:-1]].rules += rules_at[path]
            made[path] = made[path[:-1]]
            continue
        if not path:
            required = []
        elif path[-1] in nodes[path[:-1]].get("required", ()):
            required = ["Required"]
        elif path in conditional:
            required = ["Required when "] + _join(conditional[path], "; or when ")
        else:
            required = ["Optional"]
        entry = made[path] = Entry(path, node, required, rules=rules_at[path])
        if path:
            made[path[:-1]].children.append(entry)
    root = made[()]
    every_rule = [rule for path, _ in walked for rule in rules_at[path]]
    return root, every_rule


def type_text(node, item=None) -> str:
    kind = node.get("type", "any")
    if isinstance(kind, list):
        kind = " or ".join(kind)
    if kind == "array":
        return "array of " + (type_text(item) if item else "any")
    if "enum" in node:
        return f"{kind} (enum)"
    return kind


def values(entry: Entry) -> list[tuple[object, str]]:
    """Every allowed value with its meaning (the ``x-enumDescriptions`` annotation)."""
    source = entry.node if "enum" in entry.node else (entry.item or {})
    meanings = source.get("x-enumDescriptions", {})
    return [(value, meanings.get(str(value), "")) for value in source.get("enum", ())]


def _md_code(value) -> str:
    return f"`{as_json(value)}`"


def limits(entry: Entry, code=_md_code) -> list[str]:
    """Every limit in words, values formatted by `code`."""
    found = []
    for source in (entry.node, entry.item or {}):
        found += [text.format(code(source[key])) for key, text in _LIMITS.items() if key in source]
    return found


def default_text(entry: Entry, code=_md_code) -> str | None:
    """The documented default; None where a default means nothing (objects, required params)."""
    if entry.node.get("type") == "object" or entry.required == ["Required"]:
        return None
    return code(entry.node["default"]) if "default" in entry.node else "none"


def nest(path, value):
    """`value` placed at `path` inside an otherwise empty payload."""
    for part in reversed(path):
        value = {part: value}
    return value


def example_payloads(entry: Entry) -> list:
    """Whole payloads built from an object param's ``examples``."""
    if entry.node.get("type") != "object":
        return []
    return [nest(entry.path, example) for example in entry.node.get("examples", ())]


def example_values(entry: Entry) -> list:
    """A scalar or array param's ``examples``, shown as values."""
    return [] if entry.node.get("type") == "object" else list(entry.node.get("examples", ()))


def flatten(entry: Entry):
    """`entry` and every entry beneath it, depth first in schema order."""
    yield entry
    for child in entry.children:
        yield from flatten(child)


# --- Markdown -------------------------------------------------------------


def _md_part(part) -> str:
    if isinstance(part, Param):
        return f"[`{dotted(part.path)}`](#{dotted(part.path)})"
    if isinstance(part, Value):
        return f"`{as_code(part.value)}`"
    return part


def _md(phrase) -> str:
    return "".join(_md_part(part) for part in phrase)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _md_rule(rule: Rule, where) -> list[str]:
    lines = [f"- **Rule `{rule.code}`**" + (f" (on [`{dotted(where)}`](#{dotted(where)}))" if where else "")
             + f": {rule.message}"]
    if rule.lead:
        lines.append(f"  {_md(rule.lead)}")
    lines += [f"  - {_md(alt)}" for alt in rule.alternatives]
    return lines


def _md_entry(entry: Entry) -> list[str]:
    name = dotted(entry.path)
    level = "#" * min(len(entry.path) + 2, 6)
    lines = [f'{level} <a id="{name}"></a>`{name}`', ""]
    form = f"`{brackets(entry.path)}`"
    if entry.item is not None:
        form += f"; its items `{brackets(entry.path + (0,))}`, `{brackets(entry.path + (1,))}`, …"
    lines.append(f"- **Bracket form:** {form}")
    lines.append(f"- **Type:** {type_text(entry.node, entry.item)}")
    lines.append(f"- **Required:** {_md(entry.required)}")
    default = default_text(entry)
    if default is not None:
        lines.append(f"- **Default:** {default}")
    if limits(entry):
        lines.append(f"- **Limit:** {', '.join(limits(entry))}")
    lines.append("")
    if entry.node.get("description"):
        lines += [entry.node["description"], ""]
    if values(entry):
        lines += ["| Value | Meaning |", "| --- | --- |"]
        lines += [f"| `{as_code(value)}` | {_cell(meaning)} |" for value, meaning in values(entry)]
        lines.append("")
    for rule in entry.rules:
        lines += _md_rule(rule, None) + [""]
    for example in example_values(entry):
        lines += [f"Example value: `{as_json(example)}`", ""]
    for payload in example_payloads(entry):
        lines += ["Example payload:", "", "```json", as_json(payload, 2), "```", ""]
    for child in entry.children:
        lines += _md_entry(child)
    return lines


def _md_contents(entry: Entry, depth=0) -> list[str]:
    lines = []
    for child in entry.children:
        lines.append(f"{'  ' * depth}- [`{dotted(child.path)}`](#{dotted(child.path)})")
        lines += _md_contents(child, depth + 1)
    return lines


def render_markdown() -> str:
    """The whole reference as Markdown, ending in a newline; the same text for the same schemas."""
    root, rules = entries()
    lines = [f"# {root.node.get('title', 'Parameters')}", ""]
    lines += ["<!-- Generated from schemas/*.json by `customer-session docs`: do not edit by hand. -->", ""]
    if root.node.get("description"):
        lines += [root.node["description"], ""]
    for payload in root.node.get("examples", ()):
        lines += ["Example payload:", "", "```json", as_json(payload, 2), "```", ""]
    lines += ["## Contents", ""] + _md_contents(root) + [""]
    if rules:
        lines += ["## Rules", "", "Rules that involve more than one param. Each breach is reported with the code shown.", ""]
        owners = {id(rule): entry.path for entry in flatten(root) for rule in entry.rules}
        for rule in rules:
            lines += _md_rule(rule, owners[id(rule)])
        lines.append("")
    lines += ["## Parameters", ""]
    for child in root.children:
        lines += _md_entry(child)
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"
