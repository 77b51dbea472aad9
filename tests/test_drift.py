"""customer-session drift: no drift against the pinned stripe-python and the spec3 fixture; doctored
inputs (a param removed or added, an enum value added, a required flipped, a type changed) are named."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import List, Union

import pytest
import stripe
import stripe.params as sp
from typing_extensions import Literal, NotRequired, TypedDict

from validator import cli, drift, loader

ROOT = Path(__file__).resolve().parent.parent
SPEC3 = Path(__file__).parent / "drift_data" / "spec3.json"
FEATURES = "components[payment_element][features]"


def run(argv, capsys):
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def drifted(lines, source="stripe-python"):
    """The difference lines of one source (its summary line left out)."""
    return [line.removeprefix(f"{source}: ") for line in lines if line.startswith(f"{source}: ")
            and not line.startswith(f"{source}: expected: ")]


def expected_for(source):
    return [entry["difference"] for entry in drift.expected() if source in entry["sources"]]


# ------------------------------------------------------------------ no drift today


def test_no_drift_against_the_installed_stripe_python(capsys):
    code, out, err = run(["drift"], capsys)
    assert (code, err) == (0, "")
    assert out == [f"stripe-python {stripe.VERSION} (Stripe API {loader.api_version()}): "
                   f"no drift, {len(expected_for('stripe-python'))} expected; --verbose lists them"]


def test_verbose_lists_every_expected_difference_with_its_reason(capsys):
    code, out, _ = run(["drift", "--verbose", "--openapi", str(SPEC3)], capsys)
    assert code == 0
    for source in ("stripe-python", "openapi"):
        shown = [line for line in out if line.startswith(f"{source}: expected: ")]
        reasons = {entry["difference"]: entry["reason"] for entry in drift.expected()}
        assert shown == [f"{source}: expected: {line} ({reasons[line]})" for line in expected_for(source)]
    assert out[-1] == f"openapi {SPEC3} (Stripe API {loader.api_version()}): no drift, {len(expected_for('openapi'))} expected"


def test_expected_file_gives_a_reason_for_each_entry_once():
    entries = drift.expected()
    assert entries and len({entry["difference"] for entry in entries}) == len(entries)
    for entry in entries:
        assert len(entry["reason"]) > 40 and entry["sources"]


def test_fixture_is_shaped_like_stripes_spec3():
    document = json.loads(SPEC3.read_text())
    body = document["paths"]["/v1/customer_sessions"]["post"]["requestBody"]["content"]
    schema = body["application/x-www-form-urlencoded"]["schema"]
    assert schema["additionalProperties"] is False and schema["required"] == ["components"]
    assert "description" not in json.dumps(schema)
    assert sorted(schema["properties"]["components"]["properties"]) == sorted(
        key for key in loader.at(("components",))["properties"])


# ------------------------------------------------------------------ doctored stripe-python


@pytest.mark.parametrize("doctor, line", [
    (lambda mp: mp.delitem(sp.CustomerSessionCreateParamsComponents.__annotations__, "pricing_table"),
     "only ours: components[pricing_table]"),
    (lambda mp: mp.setitem(sp.CustomerSessionCreateParamsComponents.__annotations__, "zz_widget",
                           NotRequired[sp.CustomerSessionCreateParamsComponentsBuyButton]),
     "only upstream: components[zz_widget]"),
    (lambda mp: mp.setitem(sp.CustomerSessionCreateParamsComponentsPaymentElementFeatures.__annotations__,
                           "payment_method_save_usage",
                           NotRequired[Union[Literal["off_session", "on_session", "sometimes"], str]]),
     f'enum differs: {FEATURES}[payment_method_save_usage]: only upstream "sometimes"'),
    (lambda mp: mp.setitem(sp.CustomerSessionCreateParamsComponentsPaymentElementFeatures.__annotations__,
                           "payment_method_allow_redisplay_filters",
                           NotRequired[List[Union[Literal["always", "limited"], str]]]),
     f'enum differs: {FEATURES}[payment_method_allow_redisplay_filters][]: only ours "unspecified"'),
    (lambda mp: mp.setitem(sp.CustomerSessionCreateParamsComponentsPricingTable.__annotations__, "enabled",
                           NotRequired[bool]),
     "required differs: components[pricing_table][enabled]: ours required, upstream optional"),
    (lambda mp: mp.setitem(sp.CustomerSessionCreateParams.__annotations__, "customer", str),
     "required differs: customer: ours optional, upstream required"),
    (lambda mp: mp.setitem(sp.CustomerSessionCreateParamsComponentsPaymentElementFeatures.__annotations__,
                           "payment_method_redisplay_limit", NotRequired[str]),
     f"type differs: {FEATURES}[payment_method_redisplay_limit]: ours integer, upstream string"),
    (lambda mp: mp.setattr(stripe._ApiVersion, "CURRENT", "2027-01-01.fig"),
     f"api version differs: ours {loader.api_version()}, upstream 2027-01-01.fig"),
])
def test_doctored_stripe_python_is_drift_naming_it(monkeypatch, capsys, doctor, line):
    doctor(monkeypatch)
    code, out, err = run(["drift"], capsys)
    assert (code, err) == (1, "")
    assert drifted(out) == [line]
    assert out[-1].endswith(f": 1 difference, {len(expected_for('stripe-python'))} expected; --verbose lists them")


def test_a_request_option_is_not_a_param(capsys):
    """Request options share stripe-python's TypedDict but never reach the body."""
    assert "idempotency_key" in sp.CustomerSessionCreateParams.__annotations__
    code, out, _ = run(["drift"], capsys)
    assert code == 0 and not [line for line in out if "idempotency_key" in line]


# ------------------------------------------------------------------ doctored ours


def test_a_changed_schema_is_drift_and_a_stale_expectation_is_named(schema_copy, capsys):
    path = schema_copy / "payment-element.json"
    text = path.read_text()
    schema = json.loads(text)
    limit = schema["properties"]["features"]["properties"]["payment_method_redisplay_limit"]
    del limit["maximum"]
    schema["properties"]["features"]["properties"]["zz_new_option"] = {"type": "boolean"}
    path.write_text(json.dumps(schema))
    code, out, _ = run(["drift"], capsys)
    assert code == 1
    assert drifted(out) == [
        f"only ours: {FEATURES}[zz_new_option]",
        "expected but not found (drop it from drift-expected.json): limit differs: "
        f"{FEATURES}[payment_method_redisplay_limit]: maximum: ours 10, upstream none",
    ]


def test_an_expected_entry_never_seen_is_drift(tmp_path, monkeypatch, capsys):
    document = json.loads(drift.EXPECTED_FILE.read_text())
    document["expected"].append({"difference": "only upstream: components[zz_gone]", "sources": ["stripe-python"],
                                 "reason": "A difference that only this test expects."})
    path = tmp_path / "drift-expected.json"
    path.write_text(json.dumps(document))
    monkeypatch.setattr(drift, "EXPECTED_FILE", path)
    code, out, _ = run(["drift"], capsys)
    assert code == 1
    assert drifted(out) == ["expected but not found (drop it from drift-expected.json): only upstream: components[zz_gone]"]


# ------------------------------------------------------------------ doctored spec3


def _spec(tmp_path, edit):
    document = json.loads(SPEC3.read_text())
    schema = document["paths"]["/v1/customer_sessions"]["post"]["requestBody"]["content"][
        "application/x-www-form-urlencoded"]["schema"]
    edit(document, schema, schema["properties"]["components"]["properties"])
    path = tmp_path / "spec3.json"
    path.write_text(json.dumps(document))
    return str(path)


@pytest.mark.parametrize("edit, lines", [
    (lambda doc, root, comps: comps.pop("buy_button"), ["only ours: components[buy_button]"]),
    (lambda doc, root, comps: comps.update(zz_widget={"type": "object", "properties": {"enabled": {"type": "boolean"}}}),
     ["only upstream: components[zz_widget]"]),
    (lambda doc, root, comps: comps["payment_element"]["properties"]["features"]["properties"][
        "payment_method_save_usage"]["enum"].append("sometimes"),
     [f'enum differs: {FEATURES}[payment_method_save_usage]: only upstream "sometimes"']),
    (lambda doc, root, comps: comps["pricing_table"].pop("required"),
     ["required differs: components[pricing_table][enabled]: ours required, upstream optional"]),
    (lambda doc, root, comps: comps["payment_element"]["properties"]["features"]["properties"][
        "payment_method_redisplay_limit"].update(type="number"),
     [f"type differs: {FEATURES}[payment_method_redisplay_limit]: ours integer, upstream number"]),
    (lambda doc, root, comps: comps["payment_element"]["properties"]["features"]["properties"][
        "payment_method_redisplay_limit"].update(maximum=10),
     ["expected but not found (drop it from drift-expected.json): limit differs: "
      f"{FEATURES}[payment_method_redisplay_limit]: maximum: ours 10, upstream none"]),
    (lambda doc, root, comps: root["properties"]["customer"].update(maxLength=255),
     ["limit differs: customer: maxLength: ours none, upstream 255",
      "expected but not found (drop it from drift-expected.json): limit differs: customer: maxLength: ours none, upstream 5000"]),
    (lambda doc, root, comps: doc["info"].update(version="2027-01-01.fig"),
     [f"api version differs: ours {loader.api_version()}, upstream 2027-01-01.fig"]),
])
def test_doctored_spec3_is_drift_naming_it(tmp_path, capsys, edit, lines):
    code, out, err = run(["drift", "--openapi", _spec(tmp_path, edit)], capsys)
    assert (code, err) == (1, "")
    assert drifted(out, "openapi") == lines
    assert drifted(out, "stripe-python") == []


def test_spec3_refs_and_alternatives_are_followed(tmp_path, capsys):
    def edit(doc, root, comps):
        doc["components"] = {"schemas": {"pricing_table_param": comps["pricing_table"]}}
        comps["pricing_table"] = {"$ref": "#/components/schemas/pricing_table_param"}
        # Stripe's way of letting a param be emptied: a string alternative holding only "".
        root["properties"]["customer_account"] = {"anyOf": [root["properties"]["customer_account"],
                                                             {"type": "string", "enum": [""]}]}
    code, out, _ = run(["drift", "--openapi", _spec(tmp_path, edit)], capsys)
    # Unfollowed, the ref would lose pricing_table's params and the alternatives customer_account's type.
    assert code == 0 and drifted(out, "openapi") == []


# ------------------------------------------------------------------ cannot run: exit 2, one line


@pytest.mark.parametrize("content, message", [
    (None, "cannot read"),
    ("{not json", "is not JSON"),
    ("[]", "has no application/x-www-form-urlencoded request body for POST /v1/customer_sessions"),
    (json.dumps({"paths": {"/v1/customer_sessions": {"post": {"requestBody": {"$ref": "#/nowhere"}}}}}),
     "does not resolve"),
    (json.dumps({"paths": {"/v1/customer_sessions": {"post": {"requestBody": {"content": {
        "application/x-www-form-urlencoded": {"schema": {"$ref": "#/a"}}}}}}}, "a": {"$ref": "#/a"}}),
     "refers to itself"),
])
def test_an_unusable_spec3_file_exits_2_with_one_line(tmp_path, capsys, content, message):
    path = tmp_path / "spec3.json"
    if content is not None:
        path.write_text(content)
    code, out, err = run(["drift", "--openapi", str(path)], capsys)
    assert (code, out) == (2, [])
    assert len(err.splitlines()) == 1 and message in err and "Traceback" not in err


def test_stripe_without_the_params_type_exits_2(monkeypatch, capsys):
    monkeypatch.setattr(drift, "STRIPE_PARAMS", ("stripe.params", "NoSuchParams"))
    code, out, err = run(["drift"], capsys)
    assert (code, out) == (2, [])
    assert err == f"customer-session: stripe-python {stripe.VERSION} has no stripe.params.NoSuchParams\n"


def test_a_malformed_expected_file_exits_2(tmp_path, monkeypatch, capsys):
    path = tmp_path / "drift-expected.json"
    path.write_text('{"expected": [{"difference": "x"}]}')
    monkeypatch.setattr(drift, "EXPECTED_FILE", path)
    code, _, err = run(["drift"], capsys)
    assert code == 2 and err.startswith("customer-session: cannot read drift-expected.json")


def test_without_stripe_drift_exits_2_saying_what_to_install():
    code = ("import sys\nsys.modules['stripe'] = None  # as if it were not installed\n"
            "from validator.cli import main\nsys.exit(main(['drift']))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == ("customer-session: drift needs stripe-python: the extra 'stripe' (pip install 'customer-session-schema[stripe]'; "
                            "or, from a checkout, pip install '.[stripe]' in the project's folder)\n")


# ------------------------------------------------------------------ the TypedDict walk, on types of its own


class _Inner(TypedDict, total=False):
    flag: bool


class _Outer(TypedDict):
    mode: NotRequired["Literal['a', 'b']|str"]
    count: int
    tags: NotRequired[List[Literal["x", "y"]]]
    inner: "_Inner"
    mapping: NotRequired[dict]


def test_typeddict_walk_reads_kinds_enums_required_and_nesting():
    tree = drift._TypedDicts().param(_Outer, True)
    children = tree.children
    assert tree.kinds == {"object"} and list(children) == ["mode", "count", "tags", "inner", "mapping"]
    assert (children["mode"].kinds, children["mode"].enum, children["mode"].required) == (
        {"string"}, {'"a"', '"b"'}, False)
    assert (children["count"].kinds, children["count"].enum, children["count"].required) == ({"integer"}, None, True)
    assert children["tags"].kinds == {"array"} and children["tags"].items.enum == {'"x"', '"y"'}
    assert children["inner"].required and children["inner"].children["flag"].required is False
    assert children["inner"].children["flag"].kinds == {"boolean"}
    assert children["mapping"].kinds == {"object"} and children["mapping"].children == {}
