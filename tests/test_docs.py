"""The generated reference: complete, true to the schemas, fresh, and generic.

Expectations come from the schemas (walked here) or from test data
(docs_data/); only tests, never validator/ or tools/, may name a param.
"""

from __future__ import annotations

import json
import re
import tokenize
from html.parser import HTMLParser
from pathlib import Path

import pytest

import validator
from validator import cli, loader
from validator.docs import brackets, dotted, render_markdown
from validator.docs_html import render_html

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "docs" / "reference.md"
REFRESH = "python -m validator docs > docs/reference.md"
DATA = Path(__file__).parent / "docs_data"


def params():
    """Every param the schemas describe, as ``(path, node)``: array items are not params."""
    return [(path, node) for path, node in loader.walk()
            if path and not any(isinstance(part, int) for part in path)]


def item_of(path):
    return loader.at(path + (0,)) if loader.at(path).get("type") == "array" else None


@pytest.fixture(scope="module")
def markdown():
    return render_markdown()


def section(markdown, path) -> str:
    """The text of one param's entry, from its heading to the next heading."""
    anchor = f'<a id="{dotted(path)}"></a>'
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("#") and anchor in line)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("#")), len(lines))
    return "\n".join(lines[start:end])


def test_reference_file_is_fresh(markdown):
    assert REFERENCE.is_file(), f"docs/reference.md is missing; create it with: {REFRESH}"
    current = REFERENCE.read_text(encoding="utf-8")
    assert current == markdown, (
        f"docs/reference.md no longer matches the schemas; refresh it with: {REFRESH}")


def test_schemas_describe_the_reference_params_plus_expand():
    names = [line for line in (DATA / "reference_params.txt").read_text().splitlines()
             if line and not line.startswith("#")]
    assert len(names) == 29 + 4
    walked = [dotted(path) for path, _ in params()]
    assert sorted(walked) == sorted(names + ["expand"])
    assert len(walked) == 34


def test_every_param_has_its_own_entry_in_schema_order(markdown):
    anchors = re.findall(r'^#+ <a id="([^"]+)"></a>', markdown, flags=re.M)
    assert anchors == [dotted(path) for path, _ in params()]
    for path, _ in params():
        heading = next(line for line in markdown.splitlines() if f'<a id="{dotted(path)}"></a>' in line)
        # Entries nest like the params: one heading level deeper per level of nesting.
        assert heading.startswith("#" * min(len(path) + 2, 6) + " ")


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
    assert len(unique) == 2
    for rule in unique:
        assert f"**Rule `{rule['title']}`**" in rules_part
        assert rule["description"] in rules_part


def test_each_component_has_an_example_payload_that_validates(markdown):
    for path, node in params():
        if len(path) == 2 and path[0] == "components":
            assert node.get("examples"), f"{dotted(path)} has no examples in its schema"
            assert "Example payload:" in section(markdown, path)
    blocks = re.findall(r"```json\n(.*?)\n```", markdown, flags=re.S)
    assert len(blocks) >= 7
    for block in blocks:
        payload = json.loads(block)
        assert validator.is_valid(payload), block


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


def _literals(path: Path):
    with path.open("rb") as handle:
        for token in tokenize.tokenize(handle.readline):
            if token.type == tokenize.STRING:
                yield token.string


# Words that are also a param name but mean something else where they stand:
# OpenAPI's own Components Object.
NOT_A_PARAM = {("openapi.py", '"components"')}


def test_no_param_name_in_validator_or_tools():
    names = {path[-1] for path, _ in params()}
    distinctive = {name for name in names if "_" in name}
    sources = sorted((ROOT / "validator").rglob("*.py")) + sorted((ROOT / "tools").rglob("*.py"))
    for source in sources:
        for literal in _literals(source):
            words = set(re.findall(r"\w+", literal))
            assert not words & distinctive, f"{source.name} names a param in {literal[:60]}"
            if (source.name, literal) not in NOT_A_PARAM:
                assert literal.strip("'\"") not in names, f"{source.name} names a param: {literal}"
    for page in (ROOT / "validator").rglob("*.html"):
        assert not set(re.findall(r"\w+", page.read_text())) & distinctive, page.name


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
