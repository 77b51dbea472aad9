"""`customer-session serve` over HTTP on loopback: what it answers, and how (one server for the module)."""

from __future__ import annotations

import base64
import re
import time

import pytest

import validator
from stand_in import FORM, KEY, PATH, body_of, status_of
from validator import form, loader
from validator.check import Checker

EXAMPLE = "customer=cus_PO34b57IOUb83c&components[pricing_table][enabled]=true"
ERROR_BODY = Checker(loader.ERROR_FILE)


def components(schema_name=loader.RESPONSE_FILE):
    """The component names the response schema lists."""
    return [path[1] for path in loader.nodes(schema_name) if len(path) == 2 and path[0] == "components"]


def assert_stripe_error(response, status, kind="invalid_request_error"):
    assert response.status == status, response
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert list(ERROR_BODY.iter_errors(body)) == []
    assert body["error"]["type"] == kind
    # Every error body lists its errors, the one reported first among them, so clients read each 4xx alike.
    assert body["error"]["errors"][0] == {k: v for k, v in body["error"].items() if k != "errors"}
    return body["error"]


def test_the_reference_example_creates_a_session(stand_in):
    started = int(time.time())
    response = stand_in.post(EXAMPLE)
    assert response.status == 200, response
    session = response.json()
    assert list(validator.response.iter_errors(session)) == []
    assert session["object"] == "customer_session" and session["livemode"] is False
    assert re.fullmatch(r"cuss_secret_[0-9A-Za-z]{24,}", session["client_secret"])
    assert started <= session["created"] <= time.time() + 1
    assert session["expires_at"] == session["created"] + 1800
    assert session["customer"] == "cus_PO34b57IOUb83c" and session["customer_account"] is None
    assert list(session["components"]) == components()
    assert session["components"]["pricing_table"] == {"enabled": True}
    assert all(value["enabled"] is False for name, value in session["components"].items() if name != "pricing_table")
    assert re.fullmatch(r"req_[0-9A-Za-z]{14}", response.headers["request-id"])
    assert response.headers["stripe-version"] == loader.api_version()


def test_every_answer_is_new(stand_in):
    sessions = [stand_in.post(EXAMPLE).json() for _ in range(3)]
    assert len({session["client_secret"] for session in sessions}) == 3


def documented_defaults(component: str) -> dict:
    """The documented defaults of a component's features (tests/documented_params.json), by feature name."""
    import documented

    prefix = f"components.{component}.features."
    return {entry["param"][len(prefix):]: entry["default"] for entry in documented.data()["params"]
            if entry["param"].startswith(prefix) and "default" in entry}


def test_features_are_the_effective_configuration(stand_in):
    params = {"customer_account": "acct_1Nv0FGQ9RKHgCVdK",
              "components": {"payment_element": {"enabled": True, "features": {"payment_method_redisplay": "enabled"}},
                             "customer_sheet": {"enabled": False}}}
    session = stand_in.post(form.encode(params)).json()
    assert list(validator.response.iter_errors(session)) == []
    assert session["customer"] is None and session["customer_account"] == "acct_1Nv0FGQ9RKHgCVdK"
    for name, given in (("payment_element", {"payment_method_redisplay": "enabled"}), ("customer_sheet", {})):
        expected = {**documented_defaults(name), **given}  # what was given, else the documented default
        answered = session["components"][name]["features"]
        assert {key: value for key, value in answered.items() if key in expected} == expected
        assert all(value is None for key, value in answered.items() if key not in expected)  # the others null
    assert session["components"]["mobile_payment_element"] == {"enabled": False, "features": None}


def test_expand_customer_answers_a_customer_object(stand_in):
    session = stand_in.post(EXAMPLE + "&expand[]=customer").json()
    assert session["customer"] == {"id": "cus_PO34b57IOUb83c", "object": "customer"}
    assert list(validator.response.iter_errors(session)) == []


def test_expanding_what_cannot_be_expanded_is_an_error(stand_in):
    error = assert_stripe_error(stand_in.post(EXAMPLE + "&expand[0]=customer&expand[1]=components"), 400)
    assert (error["param"], error["code"]) == ("expand[1]", "property_not_expandable")


def test_invalid_params_give_the_first_error_and_all_errors(stand_in):
    params = {"components": {"buy_button": {"enabled": "yes"}}, "custmer": "cus_1"}
    error = assert_stripe_error(stand_in.post(form.encode(params)), 400)
    # The unknown param comes first, as Stripe answers with it, in Stripe's words.
    assert (error["param"], error["code"]) == ("custmer", "parameter_unknown")
    assert error["message"].startswith("Received unknown parameter: custmer")
    assert [(e["param"], e["code"]) for e in error["errors"]] == [
        ("custmer", "parameter_unknown"), ("components[buy_button][enabled]", "parameter_invalid_type")]
    assert "components[buy_button][enabled]" in error["errors"][1]["message"]
    # Stripe's own codes link to Stripe's page about them; ours (parameter_invalid_type) do not.
    assert [e.get("doc_url") for e in error["errors"]] == [
        "https://stripe.com/docs/error-codes/parameter-unknown", None]


@pytest.mark.parametrize("body, code", [
    (b"customer=%FF&components[buy_button][enabled]=true", "invalid_utf8_in_post_body"),
    (b"customer=a&customer=b", "form_repeated_key"),
    (b"customer=100%", "form_invalid_escape"),
])
def test_a_body_that_is_not_a_form_gives_its_own_code(stand_in, body, code):
    error = assert_stripe_error(stand_in.post(body), 400)
    assert error["code"] == code and len(error["errors"]) == 1


@pytest.mark.parametrize("headers, key", [
    ({}, None),
    ({"Authorization": "Bearer "}, None),
    ({"Authorization": "Bearer pk_test_123"}, None),
    ({"Authorization": "Token sk_test_123"}, None),
    ({"Authorization": "Basic %%%"}, None),
    ({"Authorization": "Bearer sk_live_51HdontEchoMe9"}, "sk_live_51HdontEchoMe9"),
    ({"Authorization": "Basic " + base64.b64encode(b"rk_live_51HdontEchoMe8:").decode()}, "rk_live_51HdontEchoMe8"),
])
def test_no_usable_key_is_401(stand_in, headers, key):
    response = stand_in.post(EXAMPLE, headers=headers, key=None)
    error = assert_stripe_error(response, 401)
    assert response.headers["request-id"].startswith("req_")
    if key:
        assert "live" in error["message"]
        assert key not in response.body.decode() and key[8:] not in response.body.decode()
        assert " 401 " in stand_in.line_of(response) and key[8:] not in stand_in.log()


def test_basic_auth_with_the_key_as_user_name_is_accepted(stand_in):
    basic = "Basic " + base64.b64encode(f"{KEY}:".encode()).decode()
    assert stand_in.post(EXAMPLE, headers={"Authorization": basic}, key=None).status == 200


def test_idempotent_replay_gives_the_same_bytes(stand_in):
    key = {"Idempotency-Key": "replay-1"}
    first, second = stand_in.post(EXAMPLE, headers=key), stand_in.post(EXAMPLE, headers=key)
    assert first.status == second.status == 200
    assert second.body == first.body
    assert second.headers["idempotent-replayed"] == "true" and "idempotent-replayed" not in first.headers
    assert second.headers["original-request"] == first.headers["request-id"] != second.headers["request-id"]
    # Another account (key) has its own idempotency keys.
    third = stand_in.post(EXAMPLE, headers=key, key=KEY + "other")
    assert third.status == 200 and third.body != first.body


def test_idempotency_key_with_other_params_is_an_idempotency_error(stand_in):
    key = {"Idempotency-Key": "conflict-1"}
    assert stand_in.post(EXAMPLE, headers=key).status == 200
    error = assert_stripe_error(stand_in.post(EXAMPLE + "&expand[]=customer", headers=key), 400, "idempotency_error")
    assert "conflict-1" in error["message"]


def test_a_rejected_request_is_not_remembered(stand_in):
    key = {"Idempotency-Key": "fixed-later"}
    assert stand_in.post("components[buy_button][enabled]=yes", headers=key).status == 400
    assert stand_in.post(EXAMPLE, headers=key).status == 200


def test_idempotency_keys_are_bounded(stand_in):
    assert_stripe_error(stand_in.post(EXAMPLE, headers={"Idempotency-Key": "k" * 256}), 400)


@pytest.mark.parametrize("method, path", [("GET", PATH), ("POST", "/v1/customers"), ("DELETE", PATH),
                                          ("POST", PATH + "/"), ("GET", "/")])
def test_unknown_route_is_404_in_stripes_words(stand_in, method, path):
    error = assert_stripe_error(stand_in.request(method, path), 404)
    assert error["message"] == f"Unrecognized request URL ({method}: {path})."


def test_a_declared_body_over_the_limit_is_refused_unread(stand_in):
    head = (f"POST {PATH} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\nContent-Type: {FORM}\r\n"
            f"Content-Length: {100 * 1024 * 1024}\r\n\r\n").encode()
    raw = stand_in.raw(head + b"customer=" + b"x" * 1000)  # 100 MiB announced, 1 kB sent: answered at once
    assert status_of(raw) == 413 and b"connection: close" in raw.lower()
    assert body_of(raw)["error"]["code"] == "form_too_large"
    assert [e["code"] for e in body_of(raw)["error"]["errors"]] == ["form_too_large"]


def test_a_chunked_body_over_the_limit_is_refused_once_past_it(stand_in):
    head = (f"POST {PATH} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\nContent-Type: {FORM}\r\n"
            f"Transfer-Encoding: chunked\r\n\r\n").encode()
    chunk = b"%x\r\n%s\r\n" % (65536, b"x" * 65536)
    raw = stand_in.raw(head + chunk * 160, stop_sending_when_answered=True)  # 10 MiB offered
    assert status_of(raw) == 413
    assert body_of(raw)["error"]["code"] == "form_too_large"


def test_every_request_logs_one_line_without_secrets(stand_in):
    created = stand_in.post(EXAMPLE)
    secret = created.json()["client_secret"]
    responses = [created, stand_in.post("customer=sensitive-body-text", headers={"Idempotency-Key": "log-check"}),
                 stand_in.request("GET", "/nowhere", key="sk_live_neverLogged")]
    lines = [stand_in.line_of(response) for response in responses]  # one each
    for line, (method, path, status) in zip(lines, [("POST", PATH, 200), ("POST", PATH, 400), ("GET", "/nowhere", 401)]):
        assert re.fullmatch(rf"\S+ {method} {re.escape(path)} {status} \d+\.\d\dms req_[0-9A-Za-z]{{14}}", line), line
    text = "\n".join(lines)
    for leaked in (secret, secret[12:], KEY, "sensitive-body-text", "neverLogged", "log-check"):
        assert leaked not in text


def test_a_key_put_in_the_path_is_neither_echoed_nor_logged(stand_in):
    response = stand_in.request("GET", "/v1/sk_test_KeyInThePath42/x")
    error = assert_stripe_error(response, 404)
    assert "KeyInThePath42" not in error["message"] and "sk_test_(redacted)" in error["message"]
    line = stand_in.line_of(response)
    assert "KeyInThePath42" not in line and "/v1/sk_test_(redacted)/x 404" in line
