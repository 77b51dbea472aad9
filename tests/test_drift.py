"""customer-session drift: no drift against the pinned stripe-python and Stripe's real spec3 text of this
endpoint; doctored inputs (a param or field removed or added, an enum value added, a required flipped, a type
changed, on the request and on the returned object) are named.

The spec3 fixture, drift_data/spec3-customer-session.json, is Stripe's own text of POST /v1/customer_sessions
and of the customer_session object with the customer_session_resource_* schemas it refers to, cut from
openapi/spec3.json of stripe/openapi at af5309ca (API 2026-07-29.dahlia, the last GA change to spec3); the
excerpt names its source under x-source.  Nothing is derived from the schemas."""

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
SPEC3 = Path(__file__).parent / "drift_data" / "spec3-customer-session.json"
STRIPE_OPENAPI_COMMIT = "af5309cae53e5f666f9686dfed306d6d3b5fdc67"
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
    assert out[-1] == f"openapi {SPEC3} (Stripe API 2026-07-29.dahlia): no drift, {len(expected_for('openapi'))} expected"


def test_expected_file_gives_a_reason_for_each_entry_once():
    entries = drift.expected()
    assert entries and len({entry["difference"] for entry in entries}) == len(entries)
    for entry in entries:
        assert len(entry["reason"]) > 40 and entry["sources"]


def test_the_fixture_is_stripes_own_spec3_text():
    document = json.loads(SPEC3.read_text())
    assert document["x-source"] == {"repo": "stripe/openapi", "path": "openapi/spec3.json",
                                    "commit": STRIPE_OPENAPI_COMMIT, "info_version": "2026-07-29.dahlia"}
    assert document["info"]["version"] == "2026-07-29.dahlia"
    operation = document["paths"]["/v1/customer_sessions"]["post"]
    body = operation["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    assert body["additionalProperties"] is False and body["required"] == ["components"]
    # Stripe's lengths, as its spec states them (issue 21: the API enforces them).
    assert body["properties"]["customer"]["maxLength"] == 5000
    assert body["properties"]["customer_account"]["maxLength"] == 5000
    assert body["properties"]["expand"]["items"] == {"maxLength": 5000, "type": "string"}
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/customer_session"}
    session = document["components"]["schemas"]["customer_session"]
    assert session["x-expandableFields"] == ["components", "customer"]
    assert sorted(session["required"]) == ["client_secret", "created", "customer", "expires_at", "livemode", "object"]


def test_no_length_difference_against_stripes_spec3(capsys):
    """Stripe's maxLength 5000 is in the schemas; an empty value is refused on both sides (spec3: no "" alternative)."""
    code, out, _ = run(["drift", "--verbose", "--openapi", str(SPEC3)], capsys)
    assert code == 0
    assert [line for line in out if "Length" in line] == []
    limits = [line for line in out if "limit differs" in line]
    assert len(limits) == 1 and limits[0].startswith(
        "openapi: expected: limit differs: components[payment_element][features][payment_method_redisplay_limit]: "
        "maximum: ours 10, upstream none (")


def test_the_response_is_compared_and_its_deliberate_differences_are_named(capsys):
    code, out, _ = run(["drift", "--verbose", "--openapi", str(SPEC3)], capsys)
    assert code == 0
    response = [line.removeprefix("openapi: expected: ").partition(" (")[0]
                for line in out if line.startswith("openapi: expected: response: ")]
    assert "response: required differs: created: ours optional, upstream required" in response
    assert "response: type differs: customer: ours null or object or string, upstream object or string" in response
    assert response == [line for line in expected_for("openapi") if line.startswith("response: ")]


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
    code, out, _ = run(["drift", "--openapi", str(SPEC3)], capsys)
    assert code == 1
    # stripe-python's types cannot state a limit: only spec3 is compared on limits.
    assert drifted(out) == [f"only ours: {FEATURES}[zz_new_option]"]
    assert drifted(out, "openapi") == [
        f"only ours: {FEATURES}[zz_new_option]",
        "expected but not found (drop it from drift-expected.json): limit differs: "
        f"{FEATURES}[payment_method_redisplay_limit]: maximum: ours 10, upstream none",
    ]


def test_a_changed_response_schema_is_drift_marked_as_the_response(schema_copy, capsys):
    path = schema_copy / "customer-session.json"
    schema = json.loads(path.read_text())
    schema["properties"]["livemode"]["type"] = ["boolean", "null"]
    schema["properties"]["zz_note"] = {"type": "string"}
    schema["required"].append("created")
    path.write_text(json.dumps(schema))
    code, out, _ = run(["drift", "--openapi", str(SPEC3)], capsys)
    assert code == 1
    assert drifted(out) == []  # stripe-python is compared on the params only
    assert drifted(out, "openapi") == [
        "response: type differs: livemode: ours boolean or null, upstream boolean",
        "response: only ours: zz_note",
        "expected but not found (drop it from drift-expected.json): "
        "response: required differs: created: ours optional, upstream required",
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
     ["limit differs: customer: maxLength: ours 5000, upstream 255"]),
    (lambda doc, root, comps: root["properties"]["expand"]["items"].pop("maxLength"),
     ["limit differs: expand[]: maxLength: ours 5000, upstream none"]),
    # Stripe's way of letting a param be cleared: a string alternative holding only "".
    (lambda doc, root, comps: root["properties"].update(customer_account={"anyOf": [
        root["properties"]["customer_account"], {"type": "string", "enum": [""]}]}),
     ["limit differs: customer_account: minLength: ours 1, upstream none"]),
    (lambda doc, root, comps: doc["info"].update(version="2027-01-01.fig"),
     [f"api version differs: ours {loader.api_version()}, upstream 2027-01-01.fig",
      "expected but not found (drop it from drift-expected.json): "
      f"api version differs: ours {loader.api_version()}, upstream 2026-07-29.dahlia"]),
])
def test_doctored_spec3_is_drift_naming_it(tmp_path, capsys, edit, lines):
    code, out, err = run(["drift", "--openapi", _spec(tmp_path, edit)], capsys)
    assert (code, err) == (1, "")
    assert drifted(out, "openapi") == lines
    assert drifted(out, "stripe-python") == []


def test_spec3_refs_and_alternatives_are_followed(tmp_path, capsys):
    def edit(doc, root, comps):
        doc["components"]["schemas"]["pricing_table_param"] = comps["pricing_table"]
        comps["pricing_table"] = {"$ref": "#/components/schemas/pricing_table_param"}
        # Alternatives of one type are merged: their kinds, enums and limits.
        root["properties"]["customer"] = {"anyOf": [{"type": "string", "maxLength": 5000}, {"type": "string"}]}
    code, out, _ = run(["drift", "--openapi", _spec(tmp_path, edit)], capsys)
    # Unfollowed, the ref would lose pricing_table's params and the alternatives customer's type.
    assert code == 0 and drifted(out, "openapi") == []


# ------------------------------------------------------------------ doctored spec3: the returned object


def _object_edit(tmp_path, edit):
    document = json.loads(SPEC3.read_text())
    edit(document["components"]["schemas"])
    path = tmp_path / "spec3.json"
    path.write_text(json.dumps(document))
    return str(path)


PE_FEATURES = "customer_session_resource_components_resource_payment_element_resource_features"
STALE = "expected but not found (drop it from drift-expected.json): "


@pytest.mark.parametrize("edit, lines", [
    (lambda s: s["customer_session"]["properties"].update(zz_note={"type": "string", "nullable": True}),
     ["response: only upstream: zz_note"]),
    (lambda s: s["customer_session"]["properties"]["expires_at"].update(type="string"),
     ["response: type differs: expires_at: ours integer, upstream string"]),
    (lambda s: s["customer_session"]["properties"]["livemode"].update(nullable=True),
     ["response: type differs: livemode: ours boolean, upstream boolean or null"]),
    (lambda s: s["customer_session"]["properties"].pop("customer_account"),
     ["response: only ours: customer_account"]),
    (lambda s: s["customer_session"]["required"].append("components"),
     ["response: required differs: components: ours optional, upstream required"]),
    (lambda s: s["customer_session"]["required"].remove("created"),
     [STALE + "response: required differs: created: ours optional, upstream required"]),
    (lambda s: s["customer_session"]["properties"]["object"]["enum"].append("customer_session_v2"),
     ['response: enum differs: object: only upstream "customer_session_v2"']),
    # In a schema the object refers to.
    (lambda s: s[PE_FEATURES]["properties"]["payment_method_save_usage"]["enum"].append("sometimes"),
     [f'response: enum differs: {FEATURES}[payment_method_save_usage]: only upstream "sometimes"']),
    (lambda s: s[PE_FEATURES]["properties"]["payment_method_redisplay_limit"].pop("nullable"),
     [f"response: type differs: {FEATURES}[payment_method_redisplay_limit]: ours integer or null, upstream integer"]),
    (lambda s: s["customer_session_resource_components"]["properties"].update(
        zz_widget={"$ref": "#/components/schemas/customer_session_resource_components_resource_buy_button"}),
     ["response: only upstream: components[zz_widget]"]),
    # customer: nullable upstream too, then no longer expandable.
    (lambda s: s["customer_session"]["properties"]["customer"].update(nullable=True),
     [STALE + "response: type differs: customer: ours null or object or string, upstream object or string"]),
    (lambda s: s["customer_session"]["properties"].update(customer={"type": "string", "maxLength": 5000}),
     ["response: type differs: customer: ours null or object or string, upstream string",
      "response: expandable differs: customer: only ours expands it to another resource",
      STALE + "response: type differs: customer: ours null or object or string, upstream object or string"]),
])
def test_a_doctored_customer_session_object_is_drift_about_the_response(tmp_path, capsys, edit, lines):
    code, out, err = run(["drift", "--openapi", _object_edit(tmp_path, edit)], capsys)
    assert (code, err) == (1, "")
    assert drifted(out, "openapi") == lines


def test_the_resource_a_field_expands_to_is_not_compared(tmp_path, capsys):
    """spec3's Customer (listed in customer's x-expansionResources) has fields ours does not describe: no drift."""
    def edit(schemas):
        schemas["customer"] = {"type": "object", "required": ["id", "object", "email"], "properties": {
            "id": {"type": "string"}, "object": {"type": "string", "enum": ["customer"]},
            "email": {"type": "string", "nullable": True}}}
    code, out, _ = run(["drift", "--openapi", _object_edit(tmp_path, edit)], capsys)
    assert code == 0 and drifted(out, "openapi") == []


def test_a_response_given_by_reference_is_followed(tmp_path, capsys):
    document = json.loads(SPEC3.read_text())
    responses = document["paths"]["/v1/customer_sessions"]["post"]["responses"]
    document["components"]["responses"] = {"session": responses["200"]}
    responses["200"] = {"$ref": "#/components/responses/session"}
    path = tmp_path / "spec3.json"
    path.write_text(json.dumps(document))
    code, out, _ = run(["drift", "--openapi", str(path)], capsys)
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
    (json.dumps({"paths": {"/v1/customer_sessions": {"post": {"requestBody": {"content": {
        "application/x-www-form-urlencoded": {"schema": {"type": "object"}}}}}}}}),
     "has no application/json success response for POST /v1/customer_sessions"),
    (json.dumps({"paths": {"/v1/customer_sessions": {"post": {"requestBody": {"content": {
        "application/x-www-form-urlencoded": {"schema": {"type": "object"}}}}, "responses": {"200": {"content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/customer_session"}}}}}}}}}),
     "does not resolve"),
    (json.dumps({"paths": {"/v1/customer_sessions": {"post": {"requestBody": {"content": {
        "application/x-www-form-urlencoded": {"schema": {"type": "object"}}}}, "responses": {"200": {"content": {
            "application/json": {"schema": {"properties": []}}}}}}}}}),
     "the success response of POST /v1/customer_sessions is not a usable schema"),
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
