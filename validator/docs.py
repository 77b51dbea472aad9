"""The reference, generated from the schemas alone: the params, what the endpoint returns, its errors.

Nothing here knows a param or a field: every entry, rule and example is
read through the loader, so the reference cannot drift from what the
checker enforces.  `entries()` builds a small model of one root schema (the
create params, the returned object, the error body) that both renderers
share; this module renders it as Markdown, `validator.docs_html` as one
HTML page.

A value at a position marked ``x-secret`` is never shown: examples,
defaults and allowed values there read `REDACTED`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from . import loader
from .errors import PARAMETER_INVALID_INTEGER, Path, bracket
from .linting import ID_PREFIX_UNEXPECTED

#: What the docs show in place of a secret value.
REDACTED = "(redacted)"
#: The root schema files the reference documents, in its order, with the
#: anchor of each one's section.
SECTIONS = {loader.ROOT_FILE: "parameters", loader.RESPONSE_FILE: "returns", loader.ERROR_FILE: "errors"}


#: A schema node as read from JSON.
Schema = dict[str, Any]


class Param(NamedTuple):
    """A param (or field) named inside a sentence: renderers turn it into a link."""

    path: Path
    root: str = loader.ROOT_FILE


class Value(NamedTuple):
    """A JSON value quoted inside a sentence."""

    value: object


#: A phrase: plain text, params and values, which each renderer writes its own way.
Phrase = list[str | Param | Value]
#: How a renderer writes a JSON value: as inline code, or plain.
Code = Callable[[object], str]


@dataclass(frozen=True)
class Rule:
    """A documented rule: an ``allOf`` entry with a title (its error code)."""

    code: str
    message: str
    lead: Phrase  # empty when the structure is not one put into words
    alternatives: list[Phrase] = field(default_factory=list)  # one of them must hold


@dataclass
class Entry:
    """One param (or field): its merged schema node and what the docs say about it.

    Not frozen: `entries` fills in ``item``, ``rules`` and ``children`` as it
    walks the schema; nothing changes an entry afterwards.
    """

    path: Path
    node: Schema
    required: Phrase
    item: Schema | None = None
    rules: list[Rule] = field(default_factory=list)
    children: list[Entry] = field(default_factory=list)
    root: str = loader.ROOT_FILE  # the schema file it belongs to

    @property
    def anchor(self) -> str:
        return anchor(self.path, self.root)


# Limits in words (the words before the value, the unit after it); only keywords a schema actually carries are shown.
_LIMITS = {
    "maximum": ("at most", ""),
    "exclusiveMaximum": ("less than", ""),
    "minimum": ("at least", ""),
    "exclusiveMinimum": ("more than", ""),
    "maxLength": ("at most", "character"),
    "minLength": ("at least", "character"),
    "maxItems": ("at most", "item"),
    "minItems": ("at least", "item"),
    "pattern": ("matching the regular expression", ""),
}
# Keywords a condition may carry and still be put into words.
_CONDITION_KEYWORDS = {"properties", "required", "const", "enum", "anyOf", "type", "title", "description"}


def dotted(path: Path) -> str:
    return ".".join(str(part) for part in path)


def anchor(path: Path, root: str = loader.ROOT_FILE) -> str:
    """The id of an entry: the params' dotted name; another root's, after its file's stem and a slash."""
    if root == loader.ROOT_FILE:
        return dotted(path)
    return root.removesuffix(".json") + "/" + dotted(path)


def brackets(path: Path) -> str:
    """Stripe's bracket form, never shortened (errors.bracket shortens long keys for messages)."""
    return bracket(path, whole=True)


def as_json(value: object, indent: int | None = None) -> str:
    return json.dumps(value, indent=indent, ensure_ascii=False)


def as_code(value: object) -> str:
    """A value as written in prose: strings bare (as in Stripe's reference), anything else as JSON."""
    return value if isinstance(value, str) else as_json(value)


def _join(phrases: Iterable[Phrase], word: str) -> Phrase:
    out: Phrase = []
    for index, phrase in enumerate(phrases):
        if index:
            out.append(word)
        out.extend(phrase)
    return out


def _facts(schema: object, base: Path, root: str = loader.ROOT_FILE) -> list[Phrase] | None:
    """What `schema` demands of the object at `base`, as phrases; None if it cannot be put in words."""
    if not isinstance(schema, dict) or set(schema) - _CONDITION_KEYWORDS:
        return None
    facts: list[Phrase] = []
    required = schema.get("required", [])
    for name, sub in schema.get("properties", {}).items():
        where = base + (name,)
        if not isinstance(sub, dict) or set(sub) - _CONDITION_KEYWORDS:
            return None
        about: list[Phrase] = []
        if "const" in sub:
            about.append([Param(where, root), " is ", Value(sub["const"])])
        elif "enum" in sub:
            about.append([Param(where, root), " is one of ", *_join([[Value(v)] for v in sub["enum"]], ", ")])
        nested = _facts({k: v for k, v in sub.items() if k not in ("const", "enum")}, where, root)
        if nested is None:
            return None
        about += nested
        facts += [fact if name in required else [*fact, " (when given)"] for fact in about]
    mentioned = {part.path[: len(base) + 1] for fact in facts for part in fact if isinstance(part, Param)}
    facts += [[Param(base + (name,), root), " is given"] for name in required if base + (name,) not in mentioned]
    if "anyOf" in schema:
        branches = [_facts(branch, base, root) for branch in schema["anyOf"]]
        if any(branch is None or not branch for branch in branches):
            return None
        facts.append(["at least one of these holds: ", *_join([_join(b or [], " and ") for b in branches], "; or ")])
    return facts


def _rule(rule: Schema, base: Path, conditional: dict[Path, list[Phrase]], root: str) -> Rule:
    """Put one rule in words, from its structure; record params it makes conditionally required."""
    code, message = rule.get("title", ""), rule.get("description", "")
    shape = {k for k in rule if k not in ("title", "description")}
    if shape == {"if", "then"} and set(rule["then"]) == {"required"}:
        condition = _facts(rule["if"], base, root)
        if condition:
            when = _join(condition, " and ")
            names = [base + (name,) for name in rule["then"]["required"]]
            for path in names:
                conditional.setdefault(path, []).append(when)
            subject = _join([[Param(path, root)] for path in names], " and ")
            verb = " is required when " if len(names) == 1 else " are required when "
            return Rule(code, message, [*subject, verb, *when])
    if shape == {"anyOf"}:
        branches = [_facts(branch, base, root) for branch in rule["anyOf"]]
        if all(branches):
            return Rule(code, message, ["At least one of these must hold:"], [_join(b or [], " and ") for b in branches])
    # A shape not put into words here: its message alone says it.
    return Rule(code, message, [])


def _rules_of(node: Schema, base: Path, conditional: dict[Path, list[Phrase]], root: str) -> list[Rule]:
    known = loader.rules()
    return [_rule(entry, base, conditional, root) for entry in node.get("allOf", ())
            if isinstance(entry, dict) and known.get(id(entry)) is entry]


def entries(root: str = loader.ROOT_FILE) -> tuple[Entry, list[Rule]]:
    """The entry of the root schema file `root` (its children nest like the params) and every rule, in schema order."""
    nodes = loader.nodes(root)
    walked = list(nodes.items())
    conditional: dict[Path, list[Phrase]] = {}
    rules_at = {path: _rules_of(node, path, conditional, root) for path, node in walked}

    made: dict[Path, Entry] = {}
    for path, node in walked:
        if path and isinstance(path[-1], int):
            # An array item is not a param of its own: it describes its array's values.
            made[path[:-1]].item = node
            made[path[:-1]].rules = made[path[:-1]].rules + rules_at[path]  # a new list: rules_at keeps its own
            made[path] = made[path[:-1]]
            continue
        parent = nodes.get(path[:-1], {})
        required: Phrase
        if not path:
            required = []
        elif path[-1] in parent.get("required", ()) and loader.types(parent) - {"object"}:
            # The parent may be something else than an object (an id, null): required only in the object.
            required = ["Required when ", Param(path[:-1], root), " is an object"]
        elif path[-1] in parent.get("required", ()):
            required = ["Required"]
        elif path in conditional:
            required = ["Required when ", *_join(conditional[path], "; or when ")]
        else:
            required = ["Optional"]
        entry = made[path] = Entry(path, node, required, rules=rules_at[path], root=root)
        if path:
            made[path[:-1]].children.append(entry)
    every_rule = [rule for path, _ in walked for rule in rules_at[path]]
    return made[()], every_rule


def type_text(node: Schema, item: Schema | None = None) -> str:
    kinds = node.get("type", "any")
    kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    text = " or ".join("array of " + (type_text(item) if item else "any") if kind == "array" else kind
                       for kind in kinds)
    if "enum" in node and "array" not in kinds:
        return f"{text} (enum)"
    return text


def nullable(entry: Entry) -> bool:
    """Whether the value may be null."""
    node = entry.node
    allowed = "null" in loader.types(node) or not loader.types(node)
    return allowed and (None in node["enum"] if "enum" in node else node.get("const", None) is None)


def is_secret(entry: Entry, below: Path = ()) -> bool:
    """Whether the value at `entry` (or at `below` inside it) is marked ``x-secret``."""
    return loader.generic(entry.path + below) in loader.secrets(entry.root)


def redact(value: Any, path: Path = (), root: str = loader.ROOT_FILE) -> Any:
    """`value`, found at `path`, with `REDACTED` at every position marked ``x-secret`` (a copy where
    the root has secrets; `value` itself where it has none).  Generic: the mark decides, not a name."""
    secrets = loader.secrets(root)
    if not secrets:
        return value
    if loader.generic(path) in secrets:
        return REDACTED
    if isinstance(value, dict):
        return {key: redact(item, path + (key,), root) for key, item in value.items()}
    if isinstance(value, list):
        return [redact(item, path + (0,), root) for item in value]
    return value


def values(entry: Entry) -> list[tuple[object, str]]:
    """Every allowed value with its meaning (the ``x-enumDescriptions`` annotation)."""
    source = entry.node if "enum" in entry.node else (entry.item or {})
    meanings = source.get("x-enumDescriptions", {})
    found = [(value, meanings.get(str(value), "")) for value in source.get("enum", ())]
    if is_secret(entry, () if source is entry.node else (0,)):
        return [(REDACTED, "")] if found else []
    return found


def constant(entry: Entry) -> tuple[bool, object]:
    """``(True, value)`` when the param can hold one value only (``const``), else ``(False, None)``."""
    if "const" not in entry.node:
        return False, None
    return True, REDACTED if is_secret(entry) else entry.node["const"]


def _md_code(value: object) -> str:
    return f"`{as_json(value)}`"


def limits(entry: Entry) -> list[Phrase]:
    """Every limit in words: the param's own, then its items'."""
    found: list[Phrase] = []
    for source in (entry.node, entry.item or {}):
        for key, (words, unit) in _LIMITS.items():
            if key in source:
                value = source[key]
                found.append([f"{words} ", Value(value), f" {unit}{'' if value == 1 else 's'}" if unit else ""])
    return found


def _filled_object(entry: Entry) -> object:
    """What `fill_defaults` puts at an object param left out: None when it creates nothing there."""
    from .defaults import fill_defaults

    if any(isinstance(part, int) for part in entry.path):
        return None
    filled: object = fill_defaults(nest(entry.path[:-1], {}))
    for part in entry.path:
        if not isinstance(filled, dict) or part not in filled:
            return None
        filled = filled[part]
    return filled


def default_text(entry: Entry, code: Code = _md_code) -> str | None:
    """The documented default; None where a default means nothing (required params, objects that get none).

    Only the params have defaults: None for every field of another root.
    An object param that `fill_defaults` creates when it is left out shows
    what it is filled with.
    """
    if entry.root != loader.ROOT_FILE or entry.required == ["Required"]:
        return None
    if entry.node.get("type") == "object":
        filled = _filled_object(entry)
        if filled is None:
            return None
        return f"{code(redact(filled, entry.path, entry.root))} (its params' defaults, filled in when it is left out)"
    if "default" not in entry.node:
        return "none"
    return code(REDACTED if is_secret(entry) else redact(entry.node["default"], entry.path, entry.root))


def nest(path: Path, value: object) -> Any:
    """`value` placed at `path` inside an otherwise empty payload."""
    for part in reversed(path):
        value = {part: value}
    return value


def example_payloads(entry: Entry) -> list[Any]:
    """Whole payloads built from an object param's ``examples`` (secrets redacted)."""
    if entry.node.get("type") != "object":
        return []
    return [redact(nest(entry.path, example), (), entry.root) for example in entry.node.get("examples", ())]


def example_values(entry: Entry) -> list[Any]:
    """A scalar or array param's ``examples``, shown as values (secrets redacted)."""
    if entry.node.get("type") == "object":
        return []
    return [redact(example, entry.path, entry.root) for example in entry.node.get("examples", ())]


def root_examples(root: str = loader.ROOT_FILE) -> list[Any]:
    """The root schema's own ``examples``: whole payloads or objects (secrets redacted)."""
    return [redact(example, (), root) for example in loader.root(root).get("examples", ())]


# A placeholder of an x-lint message, with the keys a message may append in bracket form.
_PLACEHOLDER = re.compile(r"\{(param|object)\}((?:\[[^\[\]\s]+\])*)")


def _lint_phrase(template: str, path: Path, where: Path) -> Phrase:
    """An x-lint message as a phrase: ``{param}`` (`where`) and ``{object}`` (`path`), with any
    ``[key]`` after them, become links to the params they name, as linting puts them in bracket form."""
    phrase: Phrase = []
    last = 0
    for match in _PLACEHOLDER.finditer(template):
        phrase.append(template[last:match.start()])
        base = tuple(where if match.group(1) == "param" else path)
        target = base + tuple(re.findall(r"\[([^\[\]]+)\]", match.group(2)))
        if target in loader.nodes():
            phrase.append(Param(target))
        else:  # not a param the schemas describe: written as lint writes it
            phrase.append((brackets(base) if base else "") + match.group(2))
        last = match.end()
    phrase.append(template[last:])
    return [part for part in phrase if part != ""]


def lint_notes(entry: Entry) -> list[tuple[str, Phrase]]:
    """``(code, phrase)`` for each lint check that can warn about this param (see validator.linting).

    The ``x-lint`` entries that name it (on its object, or on itself when it
    is an object and the entry names no param) and its ``x-idPrefix``.
    Lint reads the params only: nothing for another root.
    """
    if entry.root != loader.ROOT_FILE or not entry.path:
        return []
    nodes = loader.nodes(entry.root)
    parent, key = entry.path[:-1], entry.path[-1]
    notes = [(rule["code"], _lint_phrase(rule["message"], parent, entry.path))
             for rule in nodes.get(parent, {}).get("x-lint") or () if rule.get("param") == key]
    notes += [(rule["code"], _lint_phrase(rule["message"], entry.path, entry.path))
              for rule in entry.node.get("x-lint") or () if rule.get("param") is None]
    for node, value in ((entry.node, "A value"), (entry.item, "An item")):
        if node is None:
            continue
        types = loader.types(node)
        if "string" in types and "enum" not in node and "const" not in node:
            prefix = node.get("x-idPrefix")
            if isinstance(prefix, str):
                notes.append((ID_PREFIX_UNEXPECTED, [f"{value} that is not empty and does not start with ",
                                                     Value(prefix), " is warned about: ids usually do."]))
    return notes


#: The anchor of the list of what only this validator checks, and the sentence that opens it.
OWN_CHECKS = "only-this-validator"
OWN_CHECKS_LEAD: Phrase = [
    "The schemas (and the bundle and OpenAPI document made from them) say what a JSON Schema engine can check. ",
    Value("validator.validate"), ", ", Value("customer-session validate"), ", ", Value("validator.http_client()"),
    " and the stand-in also check the following, which other engines given the schemas will not:"]


def _integer_params(root: str = loader.ROOT_FILE) -> list[Phrase]:
    """Each param (or array of them) whose values are integers, as a phrase naming it."""
    found: list[Phrase] = []
    for path, node in loader.nodes(root).items():
        if "integer" not in loader.types(node):
            continue
        if path and isinstance(path[-1], int):
            found.append([Param(path[:-1], root), " (its items)"])
        elif path:
            found.append([Param(path, root)])
    return found


def float_note(entry: Entry) -> Phrase | None:
    """What an integer param (or an array of them) says about floats; None for any other entry."""
    for node, value in ((entry.node, "A float"), (entry.item, "A float item")):
        if entry.root == loader.ROOT_FILE and node is not None and "integer" in loader.types(node):
            return [f"{value}, even one with no fraction (", Value(3.0), "), is ", Value(PARAMETER_INVALID_INTEGER),
                    ": stripe-python sends the text ", Value("3.0"), ", which Stripe rejects."]
    return None


def own_checks() -> list[Phrase]:
    """What this validator checks beyond what the schemas can say, so other JSON Schema engines will not.

    Each item names the params it concerns, found in the schemas.
    """
    checks: list[Phrase] = []
    integers = _integer_params()
    if integers:
        checks.append(["A float for an integer param, even one with no fraction such as ", Value(3.0), ", is ",
                       Value(PARAMETER_INVALID_INTEGER), ". JSON Schema counts ", Value(3.0),
                       " as an integer, so an engine given the schemas accepts it; but stripe-python sends the text ",
                       Value("3.0"), ", which Stripe rejects. Integer params: ", *_join(integers, ", "), "."])
    return checks


def flatten(entry: Entry) -> Iterator[Entry]:
    """`entry` and every entry beneath it, depth first in schema order."""
    yield entry
    for child in entry.children:
        yield from flatten(child)


# --- Markdown -------------------------------------------------------------


def _md_link(path: Path, root: str = loader.ROOT_FILE) -> str:
    return f"[`{dotted(path)}`](#{anchor(path, root)})"


def _md_part(part: str | Param | Value) -> str:
    if isinstance(part, Param):
        return _md_link(part.path, part.root)
    if isinstance(part, Value):
        return f"`{as_code(part.value)}`"
    return part


def _md(phrase: Phrase) -> str:
    return "".join(_md_part(part) for part in phrase)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _md_rule(rule: Rule, where: Entry | None) -> list[str]:
    lines = [f"- **Rule `{rule.code}`**" + (f" (on {_md_link(where.path, where.root)})" if where else "")
             + f": {rule.message}"]
    if rule.lead:
        lines.append(f"  {_md(rule.lead)}")
    lines += [f"  - {_md(alt)}" for alt in rule.alternatives]
    return lines


def _md_entry(entry: Entry) -> list[str]:
    name = dotted(entry.path)
    level = "#" * min(len(entry.path) + 2, 6)
    lines = [f'{level} <a id="{entry.anchor}"></a>`{name}`', ""]
    form = f"`{brackets(entry.path)}`"
    if entry.item is not None:
        form += f"; its items `{brackets(entry.path + (0,))}`, `{brackets(entry.path + (1,))}`, …"
    lines.append(f"- **Bracket form:** {form}")
    lines.append(f"- **Type:** {type_text(entry.node, entry.item)}")
    if entry.root != loader.ROOT_FILE:
        lines.append(f"- **Nullable:** {'yes' if nullable(entry) else 'no'}")
    lines.append(f"- **Required:** {_md(entry.required)}")
    fixed, value = constant(entry)
    if fixed:
        lines.append(f"- **Value:** always `{as_code(value)}`")
    default = default_text(entry)
    if default is not None:
        lines.append(f"- **Default:** {default}")
    if limits(entry):
        lines.append(f"- **Limit:** {_md(_join(limits(entry), ', '))}")
    floats = float_note(entry)
    if floats:
        lines.append(f"- **Not a float:** {_md(floats)} ([Why other engines accept it](#{OWN_CHECKS}))")
    for code, note in lint_notes(entry):
        lines.append(f"- **Lint `{code}`:** {_md(note)}")
    lines.append("")
    if entry.node.get("description"):
        lines += [entry.node["description"], ""]
    allowed = values(entry)
    if any(meaning for _, meaning in allowed):
        lines += ["| Value | Meaning |", "| --- | --- |"]
        lines += [f"| `{as_code(value)}` | {_cell(meaning)} |" for value, meaning in allowed]
        lines.append("")
    elif allowed:
        lines += ["Values: " + ", ".join(f"`{as_code(value)}`" for value, _ in allowed), ""]
    for rule in entry.rules:
        lines += _md_rule(rule, None) + [""]
    for example in example_values(entry):
        lines += [f"Example value: `{as_json(example)}`", ""]
    for payload in example_payloads(entry):
        lines += ["Example payload:", "", "```json", as_json(payload, 2), "```", ""]
    for child in entry.children:
        lines += _md_entry(child)
    return lines


def _md_contents(entry: Entry, depth: int = 0) -> list[str]:
    lines: list[str] = []
    for child in entry.children:
        lines.append(f"{'  ' * depth}- {_md_link(child.path, child.root)}")
        lines += _md_contents(child, depth + 1)
    return lines


def section_title(root: str) -> str:
    """The heading of the section documenting the root schema file `root`."""
    return SECTIONS[root].capitalize()


def intro(root: str) -> Phrase:
    """What to know before reading the fields of a returned object, as a phrase."""
    phrase: Phrase = ["Required fields are always present; optional ones may be missing."]
    if loader.secrets(root):
        phrase += [" Secret values are never shown: examples read ", Value(REDACTED), "."]
    return phrase


def _md_section(root: str) -> list[str]:
    """The Returns or Errors section: the root's title, description and example, then its fields."""
    top, _ = entries(root)
    lines = [f'## <a id="{SECTIONS[root]}"></a>{section_title(root)}', ""]
    if top.node.get("title"):
        lines += [f"**{top.node['title']}.** " + top.node.get("description", ""), ""]
    lines += [_md(intro(root)), ""]
    for example in root_examples(root):
        lines += ["Example:", "", "```json", as_json(example, 2), "```", ""]
    for child in top.children:
        lines += _md_entry(child)
    return lines


def render_markdown() -> str:
    """The whole reference as Markdown, ending in a newline; the same text for the same schemas."""
    root, rules = entries()
    others = [name for name in SECTIONS if name != loader.ROOT_FILE]
    lines = [f"# {root.node.get('title', 'Parameters')}", ""]
    lines += ["<!-- Generated from schemas/*.json by `customer-session docs`: do not edit by hand. -->", ""]
    lines += [f"Stripe API version: `{loader.api_version()}` (the version these schemas describe).", ""]
    if root.node.get("description"):
        lines += [root.node["description"], ""]
    for payload in root_examples():
        lines += ["Example payload:", "", "```json", as_json(payload, 2), "```", ""]
    checks = own_checks()
    if checks:
        lines += [f'## <a id="{OWN_CHECKS}"></a>Checked by this validator only', "", _md(OWN_CHECKS_LEAD), ""]
        lines += [f"- {_md(check)}" for check in checks] + [""]
    lines += ["## Contents", "", f"- [{section_title(loader.ROOT_FILE)}](#{SECTIONS[loader.ROOT_FILE]})"]
    lines += _md_contents(root, 1)
    for name in others:
        lines += [f"- [{section_title(name)}](#{SECTIONS[name]})"] + _md_contents(entries(name)[0], 1)
    lines.append("")
    if rules:
        lines += ["## Rules", "", "Rules that involve more than one param. Each breach is reported with the code shown.", ""]
        owners = {id(rule): entry for entry in flatten(root) for rule in entry.rules}
        for rule in rules:
            lines += _md_rule(rule, owners[id(rule)])
        lines.append("")
    lines += [f'## <a id="{SECTIONS[loader.ROOT_FILE]}"></a>{section_title(loader.ROOT_FILE)}', ""]
    for child in root.children:
        lines += _md_entry(child)
    for name in others:
        lines += _md_section(name)
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"
