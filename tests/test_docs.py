"""The generated reference: complete, true to the schemas, fresh, and generic.

Expectations come from the schemas (walked here) or from test data (the
documented facts, documented_params.json); only tests, never validator/ or
tools/, may name a param.
"""

from __future__ import annotations

import json
import re
import tokenize
from html.parser import HTMLParser
from pathlib import Path

import pytest

import documented
import validator
from validator import cli, loader
from validator.check import Checker
from validator.docs import REDACTED, SECTIONS, anchor, brackets, dotted, render_markdown
from validator.docs_html import render_html
from validator.linting import ID_PREFIX_UNEXPECTED

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "docs" / "reference.md"
REFRESH = "python -m validator docs > docs/reference.md"


def params(root=loader.ROOT_FILE):
    """Every param (or field of another root) the schemas describe, as ``(path, node)``: array items are not params."""
    return [(path, node) for path, node in loader.walk(root)
            if path and not any(isinstance(part, int) for part in path)]


OTHER_ROOTS = [root for root in SECTIONS if root != loader.ROOT_FILE]


def item_of(path, root=loader.ROOT_FILE):
    return loader.at(path + (0,), root) if "array" in loader.types(loader.at(path, root)) else None


@pytest.fixture(scope="module")
def markdown():
    return render_markdown()


def section(markdown, path, root=loader.ROOT_FILE) -> str:
    """The text of one param's (or field's) entry, from its heading to the next heading."""
    target = f'<a id="{anchor(path, root)}"></a>'
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("#") and target in line)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("#")), len(lines))
    return "\n".join(lines[start:end])


def part(markdown, root) -> str:
    """The section of the reference that documents the root schema file `root`."""
    start = markdown.index(f'## <a id="{SECTIONS[root]}"></a>')
    later = [markdown.index(f'## <a id="{SECTIONS[other]}"></a>') for other in SECTIONS
             if markdown.index(f'## <a id="{SECTIONS[other]}"></a>') > start]
    return markdown[start:min(later, default=len(markdown))]


def line_of(text, label) -> str:
    return next(line for line in text.splitlines() if line.startswith(f"- **{label}:**"))


def test_reference_file_is_fresh(markdown):
    assert REFERENCE.is_file(), f"docs/reference.md is missing; create it with: {REFRESH}"
    current = REFERENCE.read_text(encoding="utf-8")
    assert current == markdown, (
        f"docs/reference.md no longer matches the schemas; refresh it with: {REFRESH}")


def test_schemas_describe_the_reference_params_plus_expand():
    """The params are the documented ones: the reference's 29, stripe-python's two newer components, and expand."""
    facts = documented.data()["params"]
    names = [entry["param"] for entry in facts]
    assert len([entry for entry in facts if entry["source"] == "reference"]) == 29
    assert sorted(entry["param"] for entry in facts if entry["source"] != "reference") == [
        "components.active_entitlements", "components.active_entitlements.enabled",
        "components.customer_portal", "components.customer_portal.enabled", "expand"]
    walked = [dotted(path) for path, _ in params()]
    assert sorted(walked) == sorted(names)
    assert len(walked) == 34


def test_every_param_and_field_has_its_own_entry_in_schema_order(markdown):
    anchors = re.findall(r'^#+ <a id="([^"]+)"></a>`', markdown, flags=re.M)
    assert anchors == [anchor(path, root) for root in SECTIONS for path, _ in params(root)]
    # The params keep their plain dotted anchors; the other roots' do not collide with them.
    assert anchors[:len(params())] == [dotted(path) for path, _ in params()]
    assert len(set(anchors)) == len(anchors)
    for root in SECTIONS:
        for path, _ in params(root):
            heading = next(line for line in markdown.splitlines() if f'<a id="{anchor(path, root)}"></a>' in line)
            # Entries nest like the params: one heading level deeper per level of nesting.
            assert heading.startswith("#" * min(len(path) + 2, 6) + " ")
            assert heading.endswith(f"`{dotted(path)}`")


def test_every_entry_states_what_the_schema_says(markdown):
    for path, node in params():
        text = section(markdown, path)
        name = dotted(path)
        assert f"`{name}`" in text.splitlines()[0]
        assert f"**Bracket form:** `{brackets(path)}`" in text
        kind = node["type"]
        type_line = next(line for line in text.splitlines() if line.startswith("- **Type:**"))
        assert kind in type_line
        parent = loader.at(path[:-1])
        required_line = next(line for line in text.splitlines() if line.startswith("- **Required:**"))
        if path[-1] in parent.get("required", ()):
            assert required_line == "- **Required:** Required"
        else:
            assert required_line.startswith(("- **Required:** Optional", "- **Required:** Required when "))
        assert node["description"] in text
        item = item_of(path) or {}
        for source in (node, item):
            meanings = source.get("x-enumDescriptions", {})
            for value in source.get("enum", ()):
                assert meanings.get(value), f"{name}: enum value {value!r} has no meaning in x-enumDescriptions"
                assert f"| `{value}` | {meanings[value]} |" in text
            if "maximum" in source:
                assert f"**Limit:** at most `{source['maximum']}`" in text
        if "default" in node:
            assert f"**Default:** `{json.dumps(node['default'])}`" in text
        assert "**Nullable:**" not in text  # a param is never null: no line saying so on each
        for example in node.get("examples", ()) if kind != "object" else ():
            assert f"Example value: `{json.dumps(example)}`" in text


def test_required_if_rule_is_stated_in_words(markdown):
    usage = section(markdown, ("components", "payment_element", "features", "payment_method_save_usage"))
    assert ("- **Required:** Required when "
            "[`components.payment_element.features.payment_method_save`]"
            "(#components.payment_element.features.payment_method_save) is `enabled`") in usage
    features = section(markdown, ("components", "payment_element", "features"))
    assert "**Rule `parameter_missing`**" in features
    assert "payment_method_save_usage is required when payment_method_save is enabled." in features


def test_at_least_one_component_rule_is_stated_where_components_is(markdown):
    text = section(markdown, ("components",))
    assert "**Rule `no_component_enabled`**" in text
    assert "At least one of these must hold:" in text
    components = [path for path, _ in params() if len(path) == 2 and path[0] == "components"]
    assert len(components) == 7
    for path in components:
        enabled = dotted(path + ("enabled",))
        assert f"  - [`{enabled}`](#{enabled}) is `true`" in text


def test_rules_section_lists_every_rule_of_the_schemas(markdown):
    rules_part = markdown.split("## Rules", 1)[1].split("## Parameters", 1)[0]
    unique = {id(rule): rule for rule in loader.rules().values()}.values()
    assert len(unique) == 3
    for rule in unique:
        assert f"**Rule `{rule['title']}`**" in rules_part
        assert rule["description"] in rules_part


def test_each_component_has_an_example_payload_that_validates(markdown):
    for path, node in params():
        if len(path) == 2 and path[0] == "components":
            assert node.get("examples"), f"{dotted(path)} has no examples in its schema"
            assert "Example payload:" in section(markdown, path)
    blocks = re.findall(r"```json\n(.*?)\n```", markdown.split(f'## <a id="{SECTIONS[loader.ROOT_FILE]}"></a>')[1]
                        .split("\n## ")[0], flags=re.S)
    blocks += re.findall(r"```json\n(.*?)\n```", markdown.split("## Contents")[0], flags=re.S)
    assert len(blocks) >= 8
    for block in blocks:
        payload = json.loads(block)
        assert validator.is_valid(payload), block


def test_the_returns_and_errors_sections_state_every_field(markdown):
    for root in OTHER_ROOTS:
        text = part(markdown, root)
        fields = params(root)
        assert fields and re.findall(r'^#+ <a id="([^"]+)"></a>`', text, flags=re.M) == [
            anchor(path, root) for path, _ in fields]
        top = loader.root(root)
        assert top["title"] in text and top["description"] in text
        for path, node in fields:
            entry = section(markdown, path, root)
            types = loader.types(node)
            type_line = line_of(entry, "Type")
            assert types and all(re.search(rf"\b{kind}\b", type_line) for kind in types), (path, type_line)
            null = "null" in types and (None in node["enum"] if "enum" in node else True)
            assert line_of(entry, "Nullable") == f"- **Nullable:** {'yes' if null else 'no'}"
            parent = loader.at(path[:-1], root)
            if path[-1] not in parent.get("required", ()):
                assert line_of(entry, "Required") == "- **Required:** Optional"
            elif loader.types(parent) == {"object"}:
                assert line_of(entry, "Required") == "- **Required:** Required"
            else:  # the expanded object of a field that may also be an id or null
                assert line_of(entry, "Required") == (
                    f"- **Required:** Required when [`{dotted(path[:-1])}`](#{anchor(path[:-1], root)}) is an object")
            assert node["description"] in entry
            if "const" in node:
                assert line_of(entry, "Value") == f"- **Value:** always `{node['const']}`"
            for source in (node, item_of(path, root) or {}):
                for value in source.get("enum", ()):
                    shown = "null" if value is None else value
                    assert f"`{shown}`" in entry, (path, value)
            assert "**Default:**" not in entry and "**Lint" not in entry  # both are about params only


def test_the_expanded_customer_shape_is_documented(markdown):
    """A field that is an id, null or an expanded object lists the object's fields beneath it."""
    unions = [(root, path) for root in OTHER_ROOTS for path, node in params(root)
              if {"string", "object"} <= loader.types(node)]
    assert unions
    for root, path in unions:
        entry = section(markdown, path, root)
        assert "string or object" in line_of(entry, "Type")
        children = [p for p, _ in params(root) if p[:-1] == path]
        assert children
        for child in children:
            assert section(markdown, child, root).count(f"(#{anchor(path, root)}) is an object") == (
                child[-1] in loader.at(path, root)["required"])


def test_the_returns_and_errors_examples_are_valid_objects(markdown):
    for root, check in ((loader.RESPONSE_FILE, validator.response.is_valid), (loader.ERROR_FILE, Checker(loader.ERROR_FILE).is_valid)):
        blocks = re.findall(r"```json\n(.*?)\n```", part(markdown, root), flags=re.S)
        assert len(blocks) == len(loader.root(root)["examples"]) >= 1
        for block in blocks:
            assert check(json.loads(block)), block


def test_every_internal_link_has_a_target(markdown):
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', markdown))
    links = set(re.findall(r"\]\(#([^)]+)\)", markdown))
    assert links and links <= anchors


def test_output_is_deterministic(markdown):
    assert render_markdown() == markdown
    assert render_html() == render_html()


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.external = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        for key in ("src", "href"):
            if re.match(r"[a-z]+://", attrs.get(key) or ""):
                self.external.append(attrs[key])


def test_html_has_one_anchor_per_param_and_loads_nothing_from_outside():
    parser = _Ids()
    parser.feed(render_html())
    wanted = [dotted(path) for path, _ in params()]
    assert [i for i in parser.ids if i in wanted] == wanted
    assert len(parser.ids) == len(set(parser.ids))
    assert parser.external == []


def test_cli_docs_prints_the_markdown(capsysbinary, markdown):
    assert cli.main(["docs"]) == 0
    assert capsysbinary.readouterr().out.decode("utf-8") == markdown


def test_cli_docs_writes_html(tmp_path, capsys):
    target = tmp_path / "reference.html"
    assert cli.main(["docs", "--format", "html", "--output", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == render_html()
    assert capsys.readouterr().out == ""


def test_cli_docs_unwritable_output_is_a_clear_error(tmp_path, capsys):
    status = cli.main(["docs", "--output", str(tmp_path / "no" / "such" / "dir" / "x.md")])
    assert status == 2
    err = capsys.readouterr().err
    assert err.startswith("customer-session: cannot write") and "Traceback" not in err


# --- The generator is generic: no param name in code, new params appear from the schemas alone.


# Python 3.12 splits an f-string into parts; its text parts are FSTRING_MIDDLE tokens.
_TEXT_TOKENS = {tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}


def _literals(path: Path):
    with path.open("rb") as handle:
        for token in tokenize.tokenize(handle.readline):
            if token.type in _TEXT_TOKENS:
                yield token.string


# Words that are also a param name but mean something else where they stand:
# OpenAPI's own Components Object.
NOT_A_PARAM = {("openapi.py", '"components"')}


def _ordinary_words() -> set:
    """Words code uses on its own account, whatever the schemas call their fields.

    A field named like one of them proves nothing when it appears as a
    literal: JSON Schema's own keywords and type names (``"type"``,
    ``"object"``), the fields of our errors, warnings and reports, which are
    also the keys of an ``x-lint`` entry (``"param"``, ``"code"``,
    ``"message"``), and two words of any JSON API: ``"error"``, the key of an
    error body, and ``"id"``.  Field names with an ``_`` are never exempt.
    """
    from jsonschema_specifications import REGISTRY

    dialect = "https://json-schema.org/draft/2020-12/schema"
    resolver = REGISTRY.resolver(dialect)
    words = {"error", "id"} | set(validator.ParamError.__match_args__)
    for entry in resolver.lookup(dialect).contents["allOf"]:
        vocabulary = resolver.lookup(entry["$ref"]).contents
        words |= set(vocabulary.get("properties", {}))
        words |= set(vocabulary.get("$defs", {}).get("simpleTypes", {}).get("enum", ()))
    return words


def test_no_param_or_field_name_in_validator_or_tools():
    """No param, and no field of the returned object or the error body, is named in code.

    Names with an ``_`` are distinctive: no literal may contain one as a
    word.  Any other name may not be a whole literal, except where it is
    also an ordinary word of code (see `_ordinary_words`).
    """
    names = {path[-1] for root in SECTIONS for path, _ in params(root)}
    distinctive = {name for name in names if "_" in name}
    exempt = {name for name in names - distinctive if name in _ordinary_words()}
    # The allow-list stays small and visible: a new field that happens to be an ordinary word shows up here.
    assert exempt == {"code", "error", "id", "message", "object", "param", "type"}
    assert {path[-1] for path, _ in params()} & exempt == set()  # no param is exempt
    # The one module that writes Stripe's error body speaks that protocol: its keys are its words,
    # as header names are an HTTP server's.  Nowhere else, and never a param or Customer Session field.
    protocol = {"answers.py": {path[-1] for path, _ in params(loader.ERROR_FILE)}}
    sources = sorted((ROOT / "validator").rglob("*.py")) + sorted((ROOT / "tools").rglob("*.py"))
    for source in sources:
        for literal in _literals(source):
            words = set(re.findall(r"\w+", literal)) - protocol.get(source.name, set())
            assert not words & distinctive, f"{source.name} names a param or field in {literal[:60]}"
            if (source.name, literal) not in NOT_A_PARAM:
                bare = literal.strip("'\"")
                assert bare not in names - exempt - protocol.get(source.name, set()), \
                    f"{source.name} names a param or field: {literal}"
    for page in (ROOT / "validator").rglob("*.html"):
        assert not set(re.findall(r"\w+", page.read_text())) & distinctive, page.name


def test_the_name_check_is_not_vacuous(tmp_path):
    """What the check above reads does catch a field name: the tokenizer sees every kind of literal."""
    sample = tmp_path / "sample.py"
    field = next(name for root in OTHER_ROOTS for path, _ in params(root) for name in [path[-1]]
                 if "_" in name and name not in {p[-1] for p, _ in params()})
    sample.write_text(f"a = f'{{x}} {field}'\nb = \"\"\"\n{field}\n\"\"\"\n")
    found = [set(re.findall(r"\w+", literal)) for literal in _literals(sample)]
    assert len(found) == 2 and all(field in words for words in found)


def test_a_param_added_to_one_schema_file_appears_in_the_docs(schema_copy):
    path = schema_copy / "customer-sheet.json"
    schema = json.loads(path.read_text())
    features = schema["properties"]["features"]
    features["properties"]["zz_new_option"] = {
        "type": "string",
        "enum": ["low", "high"],
        "x-enumDescriptions": {"low": "A little.", "high": "A lot."},
        "default": "low",
        "description": "A param that only this test knows.",
    }
    features["allOf"] = [{
        "title": "parameter_missing",
        "description": "zz_new_option is required when payment_method_remove is enabled.",
        "if": {"properties": {"payment_method_remove": {"const": "enabled"}}, "required": ["payment_method_remove"]},
        "then": {"required": ["zz_new_option"]},
    }]
    path.write_text(json.dumps(schema))

    markdown = render_markdown()
    new = ("components", "customer_sheet", "features", "zz_new_option")
    text = section(markdown, new)
    assert "**Bracket form:** `components[customer_sheet][features][zz_new_option]`" in text
    assert "| `low` | A little. |" in text and "| `high` | A lot. |" in text
    assert "**Default:** `\"low\"`" in text
    assert ("**Required:** Required when [`components.customer_sheet.features.payment_method_remove`]"
            "(#components.customer_sheet.features.payment_method_remove) is `enabled`") in text
    assert 'id="components.customer_sheet.features.zz_new_option"' in render_html()


def test_a_rule_of_another_shape_is_documented_by_its_message(schema_copy):
    path = schema_copy / "pricing-table.json"
    schema = json.loads(path.read_text())
    schema["allOf"] = [{"title": "zz_some_rule", "description": "A rule that only this test knows.",
                        "not": {"required": ["enabled"], "properties": {"enabled": {"const": False}}}}]
    path.write_text(json.dumps(schema))

    markdown = render_markdown()
    text = section(markdown, ("components", "pricing_table"))
    assert "- **Rule `zz_some_rule`**: A rule that only this test knows." in text
    assert "**Rule `zz_some_rule`** (on [`components.pricing_table`](#components.pricing_table))" in markdown
    assert "zz_some_rule" in render_html()


# --- What only this validator checks, and limits in words.


def _integer_params() -> list[tuple]:
    """The params whose values (or items) are integers, walked here."""
    return [path for path, node in params()
            if "integer" in loader.types(node) or "integer" in loader.types(item_of(path) or {})]


def test_the_reference_lists_what_only_this_validator_checks(markdown):
    """A float for an integer param is the validator's own check: listed before the contents, linked from each such param."""
    integers = _integer_params()
    # The documented facts name one integer param: the check is not vacuous.
    assert [dotted(path) for path in integers] == [
        entry["param"] for entry in documented.data()["params"] if entry.get("type") == "integer"]
    head = markdown[:markdown.index("## Contents")]
    assert '## <a id="only-this-validator"></a>Checked by this validator only' in head
    bullet = next(line for line in head.splitlines() if line.startswith("- A float for an integer param"))
    assert bullet.startswith(
        "- A float for an integer param, even one with no fraction such as `3.0`, is `parameter_invalid_integer`. "
        "JSON Schema counts `3.0` as an integer, so an engine given the schemas accepts it; "
        "but stripe-python sends the text `3.0`, which Stripe rejects. Integer params: ")
    assert bullet.endswith(", ".join(f"[`{dotted(p)}`](#{dotted(p)})" for p in integers) + ".")
    for path, _ in params():
        lines = [line for line in section(markdown, path).splitlines() if line.startswith("- **Not a float:**")]
        assert lines == (["- **Not a float:** A float, even one with no fraction (`3.0`), is "
                          "`parameter_invalid_integer`: stripe-python sends the text `3.0`, which Stripe rejects. "
                          "([Why other engines accept it](#only-this-validator))"] if path in integers else []), path
    page = render_html()
    assert '<h2 id="only-this-validator">Checked by this validator only</h2>' in page
    assert page.count('(<a href="#only-this-validator">why other engines accept it</a>)') == len(integers)


def test_what_the_list_says_holds_here_and_not_in_a_json_schema_engine():
    """3.0 at an integer param: parameter_invalid_integer from validate(); stock jsonschema, given the bundle, accepts it."""
    from jsonschema import Draft202012Validator

    from validator.bundle import bundle
    from validator.docs import nest

    engine = Draft202012Validator(bundle())
    integers = _integer_params()
    assert integers
    for path in integers:
        item = "integer" not in loader.types(loader.at(path))  # an array of integers: its items are
        where = path + (0,) if item else path
        payload, control = (nest(path, [3.0]), nest(path, [3.5])) if item else (nest(path, 3.0), nest(path, 3.5))
        assert [e.code for e in validator.iter_errors(payload) if e.path == where] == ["parameter_invalid_integer"]
        assert [e for e in engine.iter_errors(payload) if tuple(e.absolute_path) == where] == []
        assert [e for e in engine.iter_errors(control) if tuple(e.absolute_path) == where] != []


def test_limits_and_the_float_rule_are_read_from_any_schema(schema_copy):
    """Lengths, patterns and item counts in words (singular for 1); an array of integers gets the float rule."""
    path = schema_copy / "customer-sheet.json"
    schema = json.loads(path.read_text())
    schema["properties"]["features"]["properties"].update({
        "zz_text": {"type": "string", "minLength": 1, "maxLength": 5000, "pattern": "^a(\\.b)?$",
                    "description": "A string only this test knows."},
        "zz_counts": {"type": "array", "maxItems": 1, "items": {"type": "integer", "maximum": 3},
                      "description": "Integers only this test knows."},
    })
    path.write_text(json.dumps(schema))

    markdown = render_markdown()
    base = ("components", "customer_sheet", "features")
    text = section(markdown, base + ("zz_text",))
    assert ("- **Limit:** at most `5000` characters, at least `1` character, "
            "matching the regular expression `^a(\\.b)?$`") in text
    assert "Not a float" not in text
    counts = section(markdown, base + ("zz_counts",))
    assert "- **Limit:** at most `1` item, at most `3`" in counts
    assert "- **Not a float:** A float item, even one with no fraction (`3.0`), is `parameter_invalid_integer`" in counts
    assert ("[`components.customer_sheet.features.zz_counts`](#components.customer_sheet.features.zz_counts)"
            " (its items)") in markdown[:markdown.index("## Contents")]
    page = render_html()
    assert ("at most <code>5000</code> characters, at least <code>1</code> character, "
            "matching the regular expression <code>^a(\\.b)?$</code>") in page


# --- Secrets: a value at a position marked x-secret is never shown, whatever the field.


def _positions(value, path=()):
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _positions(item, path + (key,))
    elif isinstance(value, list):
        for item in value:
            yield from _positions(item, path + (0,))


def secret_values() -> list:
    """Every value the schemas hold at a position marked ``x-secret``: in examples, defaults, enums, consts."""
    found = []
    for root in SECTIONS:
        secrets = loader.secrets(root)
        for path, node in loader.walk(root):
            for example in node.get("examples", ()):
                found += [value for where, value in _positions(example, path) if where in secrets]
            if path in secrets:
                found += [node[k] for k in ("default", "const") if k in node] + list(node.get("enum", ()))
    return found


def _shown(value) -> list[str]:
    """How a value could appear in the docs."""
    return [value, json.dumps(value)] if isinstance(value, str) else [json.dumps(value)]


def test_no_secret_value_is_shown(markdown):
    secrets = secret_values()
    assert secrets, "the schemas mark a secret and hold an example of it: the test is not vacuous"
    page = render_html()
    for value in secrets:
        for text in _shown(value):
            assert text not in markdown and text not in page
    assert f'"{REDACTED}"' in part(markdown, loader.RESPONSE_FILE)
    assert f"examples read `{REDACTED}`" in part(markdown, loader.RESPONSE_FILE)


def test_secrets_are_redacted_wherever_the_annotation_is(schema_copy):
    """Generic: mark other fields secret (an integer of the response, a param with an enum, a default
    and examples) and none of their values appear; the docs read REDACTED where they stood."""
    response = json.loads((schema_copy / loader.RESPONSE_FILE).read_text())
    integer = next(name for name, sub in response["properties"].items()
                   if sub.get("type") == "integer" and name in response["examples"][0])
    shown_integer = response["examples"][0][integer]
    response["properties"][integer].update({"x-secret": True, "examples": [4102444800]})
    (schema_copy / loader.RESPONSE_FILE).write_text(json.dumps(response))

    component = json.loads((schema_copy / "pricing-table.json").read_text())
    component["properties"]["zz_token"] = {
        "type": "string", "enum": ["zz_tok_alpha", "zz_tok_beta"], "default": "zz_tok_alpha",
        "examples": ["zz_tok_beta"], "x-secret": True, "description": "A secret that only this test knows.",
        "x-enumDescriptions": {"zz_tok_alpha": "One.", "zz_tok_beta": "Two."}}
    component["examples"] = [{**component["examples"][0], "zz_token": "zz_tok_gamma"}]
    (schema_copy / "pricing-table.json").write_text(json.dumps(component))

    markdown, page = render_markdown(), render_html()
    for text in (str(shown_integer), "4102444800", "zz_tok_alpha", "zz_tok_beta", "zz_tok_gamma"):
        assert text not in markdown and text not in page, text
    returned = section(markdown, (integer,), loader.RESPONSE_FILE)
    assert f'Example value: `"{REDACTED}"`' in returned
    assert f'"{integer}": "{REDACTED}"' in part(markdown, loader.RESPONSE_FILE)
    token = section(markdown, ("components", "pricing_table", "zz_token"))
    assert f'- **Default:** `"{REDACTED}"`' in token and f"Values: `{REDACTED}`\n" in token
    assert f'"zz_token": "{REDACTED}"' in section(markdown, ("components", "pricing_table"))


# --- Lint notes and defaults: what the reference cannot say, the schemas' lint knowledge does.


def _lint_codes(markdown, path) -> list[str]:
    return re.findall(r"^- \*\*Lint `(\w+)`:\*\* ", section(markdown, path), flags=re.M)


def test_each_param_has_a_lint_note_for_each_check_that_can_warn_about_it(markdown):
    """The x-lint entries that name a param, and the x-idPrefix check, by what lint does.

    Only warnings about a value the checker accepts at that param count: a
    value that is an error there is documented as an error, not as lint.
    """
    from validator.docs import nest

    probes = {ID_PREFIX_UNEXPECTED: "zz"}
    noted = 0
    for path, node in params():
        expected = [rule["code"] for rule in loader.at(path[:-1]).get("x-lint", ()) if rule.get("param") == path[-1]]
        expected += [rule["code"] for rule in node.get("x-lint", ()) if "param" not in rule]
        for where, wrap in ((path, lambda value: value), (path + (0,), lambda value: [value])):
            if where[-1] == 0 and item_of(path) is None:
                continue
            for code, probe in probes.items():
                payload = nest(path, wrap(probe))
                if any(error.path == where for error in validator.iter_errors(payload)):
                    continue
                warnings = validator.lint(payload)
                expected += [code for warning in warnings if warning.code == code and warning.path == where]
        assert sorted(_lint_codes(markdown, path)) == sorted(expected), dotted(path)
        noted += bool(expected)
    # Every x-lint entry of the schemas, and each check needing no annotation, is somewhere.
    everywhere = {code for path, _ in params() for code in _lint_codes(markdown, path)}
    declared = {rule["code"] for _, node in loader.walk() for rule in node.get("x-lint", ())}
    assert everywhere == declared | set(probes) and noted >= 8


def test_lint_notes_link_the_params_they_name(markdown):
    """An x-lint message's {param} and {object}[key] become links to those params' entries."""
    for path, node in params():
        for rule in loader.at(path[:-1]).get("x-lint", ()):
            if rule.get("param") != path[-1]:
                continue
            line = next(line for line in section(markdown, path).splitlines()
                        if line.startswith(f"- **Lint `{rule['code']}`:**"))
            assert f"[`{dotted(path)}`](#{dotted(path)})" in line or "{param}" not in rule["message"]
            for key in re.findall(r"\{object\}\[(\w+)\]", rule["message"]):
                assert f"(#{dotted(path[:-1] + (key,))})" in line


def test_an_object_param_left_out_shows_what_fill_defaults_puts_there(markdown):
    from validator.docs import nest

    created = 0
    for path, node in params():
        if node.get("type") != "object":
            continue
        filled = validator.fill_defaults(nest(path[:-1], {}))
        for key in path:
            filled = filled.get(key) if isinstance(filled, dict) else None
        text = section(markdown, path)
        if filled is None:
            assert "**Default:**" not in text, dotted(path)
        else:
            created += 1
            assert f"- **Default:** `{json.dumps(filled)}` (its params' defaults" in text
    assert created >= 3
