"""Real Stripe clients against `customer-session serve`: stripe-python and the Node `stripe` package.

Both are pointed at the loopback server the way the README says; the same
scenarios run through each: the reference's example, invalid params (the
client's error carries the first error, as written literally beside each payload),
an idempotent replay and a conflict, and no key.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import stripe

import validator
from stand_in import KEY

NODE_DIR = Path(__file__).parent / "node_stripe"

EXAMPLE = validator.schema()["examples"][0]  # the reference's example: a customer and the pricing table
LIMIT = "components[payment_element][features][payment_method_redisplay_limit]"
USAGE = "components[payment_element][features][payment_method_save_usage]"
# Each invalid payload with every error it holds, (param, code), the first the one Stripe reports:
# literal, from the documented facts (an unknown param, a type, the documented maximum of 10, the
# documented required-if rule and at-least-one-component rule, a required param).
INVALID = [
    ({"components": {"buy_button": {"enabled": "yes"}}, "custmer": "cus_1"},
     [("custmer", "parameter_unknown"), ("components[buy_button][enabled]", "parameter_invalid_type")]),
    ({"customer": "cus_1", "components": {"payment_element": {"enabled": True, "features": {
        "payment_method_save": "enabled", "payment_method_redisplay_limit": 11}}}},
     [(LIMIT, "parameter_above_maximum"), (USAGE, "parameter_missing")]),
    ({"customer": "cus_1", "components": {"pricing_table": {"enabled": False}}},
     [("components", "no_component_enabled")]),
    ({"customer": "cus_1"}, [("components", "parameter_missing")]),
]


@pytest.fixture(scope="module")
def client(stand_in):
    return stripe.StripeClient(KEY, base_addresses={"api": f"http://127.0.0.1:{stand_in.port}"},
                               max_network_retries=0)


# ---------------------------------------------------------------- stripe-python


def test_python_creates_a_session(client):
    session = client.v1.customer_sessions.create(EXAMPLE)
    assert isinstance(session, stripe.CustomerSession)
    assert session.customer == EXAMPLE["customer"] and session.components.pricing_table.enabled is True
    assert session.client_secret.startswith("cuss_secret_")
    assert list(validator.response.iter_errors(session.to_dict(recursive=True))) == []


def test_python_expands_the_customer(client):
    session = client.v1.customer_sessions.create({**EXAMPLE, "expand": ["customer"]})
    assert isinstance(session.customer, stripe.Customer) and session.customer.id == EXAMPLE["customer"]


@pytest.mark.parametrize("params, expected", INVALID)
def test_python_invalid_params_raise_the_first_error(client, params, expected):
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.customer_sessions.create(params)
    error = raised.value
    assert error.http_status == 400
    assert (error.param, error.code) == expected[0]
    assert [(e["param"], e["code"]) for e in error.json_body["error"]["errors"]] == expected


def test_python_idempotent_replay_and_conflict(client):
    first = client.v1.customer_sessions.create(EXAMPLE, {"idempotency_key": "python-1"})
    again = client.v1.customer_sessions.create(EXAMPLE, {"idempotency_key": "python-1"})
    assert again.client_secret == first.client_secret
    assert again.last_response.headers["Idempotent-Replayed"] == "true"
    with pytest.raises(stripe.IdempotencyError) as raised:
        client.v1.customer_sessions.create({**EXAMPLE, "customer": "cus_other"}, {"idempotency_key": "python-1"})
    assert raised.value.http_status == 400


def test_python_without_a_key_is_401(stand_in):
    # stripe-python refuses to send without a key, so the request goes out through its own HTTP
    # client with no Authorization header: what a service that forgot its key sends.
    body, status, headers = stripe.RequestsClient().request(
        "post", f"http://127.0.0.1:{stand_in.port}/v1/customer_sessions",
        {"Content-Type": "application/x-www-form-urlencoded"}, validator.form.encode(EXAMPLE))
    assert status == 401
    assert json.loads(body)["error"]["type"] == "invalid_request_error"
    with pytest.raises(stripe.AuthenticationError):
        stripe.StripeClient("sk_live_notAcceptedHere", base_addresses={"api": f"http://127.0.0.1:{stand_in.port}"},
                            max_network_retries=0).v1.customer_sessions.create(EXAMPLE)


# ---------------------------------------------------------------- Node


@pytest.fixture(scope="module")
def node_calls(stand_in, tmp_path_factory):
    """Run calls of the Node client (tests/node_stripe/calls.js) against the server; installs it with `npm ci` on first use."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the Node Stripe client cannot run")
    if not (NODE_DIR / "node_modules" / "stripe").is_dir():
        npm = shutil.which("npm")
        assert npm, "node is installed but npm is not: cannot install the Node Stripe client"
        run = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, capture_output=True, text=True,
                             timeout=600)
        assert run.returncode == 0, f"`npm ci` in {NODE_DIR} failed: {run.stderr[-2000:]}"
    folder = tmp_path_factory.mktemp("node-calls")

    def run(calls):
        calls_file = folder / "calls.json"
        calls_file.write_text(json.dumps(calls))
        done = subprocess.run([node, str(NODE_DIR / "calls.js"), str(stand_in.port), str(calls_file)],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        return json.loads(done.stdout)

    return run


def call(params, key=KEY, idempotency_key=None):
    return {"key": key, "params": params, "idempotencyKey": idempotency_key}


def test_node_installs_the_pinned_version():
    lock = json.loads((NODE_DIR / "package-lock.json").read_text())
    pinned = json.loads((NODE_DIR / "package.json").read_text())["dependencies"]["stripe"]
    assert pinned[0].isdigit(), "pinned exactly, no range"
    assert lock["packages"]["node_modules/stripe"]["version"] == pinned


def test_node_client(node_calls):
    calls = [call(EXAMPLE), call({**EXAMPLE, "expand": ["customer"]})]
    calls += [call(params) for params, _ in INVALID]
    calls += [call(EXAMPLE, idempotency_key="node-1"), call(EXAMPLE, idempotency_key="node-1"),
              call({**EXAMPLE, "customer": "cus_other"}, idempotency_key="node-1")]
    calls += [call(EXAMPLE, key=None), call(EXAMPLE, key="sk_live_notAcceptedHere")]
    results = node_calls(calls)
    created, expanded = results[0], results[1]
    invalid = results[2:2 + len(INVALID)]
    first, replay, conflict, no_key, live_key = results[2 + len(INVALID):]

    assert created["ok"] and created["session"]["object"] == "customer_session"
    assert list(validator.response.iter_errors({k: v for k, v in created["session"].items() if k != "lastResponse"})) == []
    assert created["session"]["customer"] == EXAMPLE["customer"]
    assert expanded["session"]["customer"] == {"id": EXAMPLE["customer"], "object": "customer"}

    for (_, expected), result in zip(INVALID, invalid):
        assert not result["ok"]
        assert result["error"]["class"] == "StripeInvalidRequestError" and result["error"]["statusCode"] == 400
        assert (result["error"]["param"], result["error"]["code"]) == expected[0]

    assert replay["session"]["client_secret"] == first["session"]["client_secret"]
    assert replay["headers"]["idempotent-replayed"] == "true"
    assert conflict["error"]["class"] == "StripeIdempotencyError" and conflict["error"]["raw"]["type"] == "idempotency_error"

    for result in (no_key, live_key):
        assert result["error"]["class"] == "StripeAuthenticationError" and result["error"]["statusCode"] == 401
