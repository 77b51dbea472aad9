"""Faults on request and at random, idempotency by params, and request ids: in process, and with stripe-python.

Expected answers are literal: Stripe's documented behaviour (GUIDE §4: a 429's
``rate_limit`` body, a saved 500 replayed under its Idempotency-Key, nothing
saved for a request refused before execution), never computed by the server's
own modules.
"""

from __future__ import annotations

import asyncio
import json
import re

import pytest
import stripe

from stand_in import KEY
from test_server_app import call
from validator import Error
from validator.standin import FaultError, StandIn
from validator.standin.faults import MAX_DELAY_MS, Faults

BODY = b"customer=cus_1&components[buy_button][enabled]=true"
REORDERED = b"components[buy_button][enabled]=true&customer=cus_1"
PARAMS = {"customer": "cus_1", "components": {"buy_button": {"enabled": True}}}


def error_of(reply: bytes) -> dict:
    return json.loads(reply)["error"]


# ---------------------------------------------------------------- the header, in process


def test_rate_limit_is_429_with_stripes_body_and_nothing_is_saved():
    app = StandIn()
    status, _, reply = call(app, BODY, headers={"stand-in-fault": "rate_limit", "idempotency-key": "rl"})
    error = error_of(reply)
    assert status == 429 and (error["type"], error["code"]) == ("invalid_request_error", "rate_limit")
    status, headers, reply = call(app, BODY, headers={"idempotency-key": "rl"})
    assert status == 200 and b"idempotent-replayed" not in headers  # executed now: nothing had been saved


def test_api_error_is_a_500_saved_and_replayed_under_its_key():
    app = StandIn()
    status, headers, first = call(app, BODY, headers={"stand-in-fault": "api_error", "idempotency-key": "ae"})
    assert status == 500 and error_of(first)["type"] == "api_error"
    status, headers, again = call(app, REORDERED, headers={"idempotency-key": "ae"})  # a retry: no fault asked
    assert status == 500 and again == first
    assert headers[b"idempotent-replayed"] == b"true"


def test_a_replay_gets_no_fault():
    app = StandIn()
    status, _, first = call(app, BODY, headers={"idempotency-key": "rp"})
    status, headers, again = call(app, BODY, headers={"idempotency-key": "rp", "stand-in-fault": "rate_limit"})
    assert status == 200 and again == first and headers[b"idempotent-replayed"] == b"true"


def test_invalid_params_under_api_error_are_a_400_and_not_saved():
    app = StandIn()
    bad = b"components[buy_button][enabled]=yes"
    status, _, reply = call(app, bad, headers={"stand-in-fault": "api_error", "idempotency-key": "iv"})
    assert status == 400 and error_of(reply)["param"] == "components[buy_button][enabled]"
    assert call(app, BODY, headers={"idempotency-key": "iv"})[0] == 200


def test_delay_answers_later_and_a_second_request_meanwhile_is_409():
    app = StandIn()
    headers = [(b"authorization", f"Bearer {KEY}".encode()), (b"content-type", b"application/x-www-form-urlencoded"),
               (b"idempotency-key", b"slow")]

    async def one(extra, pause):
        await asyncio.sleep(pause)
        sent = []

        async def receive():
            return {"type": "http.request", "body": BODY, "more_body": False}

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "method": "POST", "path": "/v1/customer_sessions", "headers": headers + extra}
        started = asyncio.get_running_loop().time()
        await app(scope, receive, send)
        return sent[0]["status"], asyncio.get_running_loop().time() - started

    async def both():
        return await asyncio.gather(one([(b"stand-in-fault", b"delay=300")], 0), one([], 0.05))

    (slow, slow_took), (second, _) = asyncio.run(both())
    assert (slow, second) == (200, 409)
    assert slow_took >= 0.3  # a lower bound only: never a flaky upper one


@pytest.mark.parametrize("value", ["nope", "drop=1", "delay", "delay=-1", f"delay={MAX_DELAY_MS + 1}", "delay=1.5", ""])
def test_an_unknown_fault_is_a_400_naming_the_header(value):
    status, _, reply = call(StandIn(), BODY, headers={"stand-in-fault": value})
    assert status == 400 and "Stand-In-Fault" in error_of(reply)["message"]


def test_drop_in_process_sends_nothing_and_saves_the_session():
    app = StandIn()
    with pytest.raises(ValueError):  # call() unpacks the two messages an answer is: none was sent
        call(app, BODY, headers={"stand-in-fault": "drop", "idempotency-key": "dr"})
    status, headers, _ = call(app, BODY, headers={"idempotency-key": "dr"})
    assert status == 200 and headers[b"idempotent-replayed"] == b"true"


# ---------------------------------------------------------------- faults at random


def test_random_faults_repeat_with_a_seed():
    def kinds(seed):
        app = StandIn(faults=["rate_limit:0.3", "api_error:0.2"], seed=seed)
        return [call(app, BODY)[0] for _ in range(60)]

    first = kinds(7)
    assert first == kinds(7)
    assert {200, 429, 500} <= set(first)  # 60 draws at 0.3/0.2/0.5 miss none, with this seed


@pytest.mark.parametrize("specs", [["drop"], ["drop:2"], ["drop:x"], ["boom:0.1"], ["drop:0.6", "api_error:0.6"],
                                   ["drop:0.1", "drop:0.2"], ["delay=99999999:0.1"]])
def test_a_bad_fault_spec_is_a_one_line_error(specs):
    with pytest.raises(FaultError) as raised:
        StandIn(faults=specs)
    assert isinstance(raised.value, Error) and isinstance(raised.value, ValueError)
    assert "\n" not in str(raised.value) and str(raised.value)


def test_delay_specs_with_a_rate():
    assert [(fault.kind, fault.delay_ms, rate) for fault, rate in Faults(["delay=250:0.5"]).chances] == [
        ("delay", 250, 0.5)]


# ---------------------------------------------------------------- idempotency by params


def test_reordered_params_under_one_key_are_a_replay_and_another_value_a_conflict():
    app = StandIn()
    status, _, first = call(app, BODY, headers={"idempotency-key": "order"})
    status, headers, again = call(app, REORDERED, headers={"idempotency-key": "order"})
    assert status == 200 and again == first and headers[b"idempotent-replayed"] == b"true"
    status, _, reply = call(app, BODY.replace(b"cus_1", b"cus_2"), headers={"idempotency-key": "order"})
    assert status == 400 and error_of(reply)["type"] == "idempotency_error"


def test_request_ids_are_fourteen_letters_and_digits_and_all_differ():
    ids = [call(StandIn(), b"", path="/nowhere")[1][b"request-id"].decode() for _ in range(50)]
    assert all(re.fullmatch(r"req_[0-9A-Za-z]{14}", request_id) for request_id in ids) and len(set(ids)) == 50


# ---------------------------------------------------------------- stripe-python against a served stand-in


def client(port: int, retries: int) -> stripe.StripeClient:
    return stripe.StripeClient(KEY, base_addresses={"api": f"http://127.0.0.1:{port}"}, max_network_retries=retries)


def fault(kind: str) -> dict:
    return {"headers": {"Stand-In-Fault": kind}}


def test_python_with_retries_gets_the_dropped_session_as_a_replay(stand_in, monkeypatch):
    monkeypatch.setattr(stripe._http_client.HTTPClient, "_sleep_time_seconds", lambda self, *a, **k: 0.01)
    # Only the first attempt asks for the fault: stripe-python sends the same headers on a retry, and
    # a replay gets no fault anyway (it does not execute).
    session = client(stand_in.port, 2).v1.customer_sessions.create(PARAMS, {**fault("drop"), "idempotency_key": "py-drop"})
    assert session.last_response.headers["Idempotent-Replayed"] == "true"
    original = session.last_response.headers["Original-Request"]
    assert f" 200 (dropped) " in stand_in.line_of_id(original)  # the one session: created by the dropped request
    again = client(stand_in.port, 0).v1.customer_sessions.create(PARAMS, {"idempotency_key": "py-drop"})
    assert again.client_secret == session.client_secret


def test_python_without_retries_raises_a_connection_error_on_drop(stand_in):
    with pytest.raises(stripe.APIConnectionError):
        client(stand_in.port, 0).v1.customer_sessions.create(PARAMS, fault("drop"))


def test_python_raises_rate_limit_error_on_rate_limit(stand_in):
    with pytest.raises(stripe.RateLimitError) as raised:
        client(stand_in.port, 0).v1.customer_sessions.create(PARAMS, fault("rate_limit"))
    assert raised.value.http_status == 429 and raised.value.json_body["error"]["code"] == "rate_limit"


def test_python_with_retries_gets_the_saved_api_error_again(stand_in, monkeypatch):
    monkeypatch.setattr(stripe._http_client.HTTPClient, "_sleep_time_seconds", lambda self, *a, **k: 0.01)
    with pytest.raises(stripe.APIError) as raised:
        client(stand_in.port, 2).v1.customer_sessions.create(PARAMS, {**fault("api_error"), "idempotency_key": "py-500"})
    assert raised.value.http_status == 500
    assert raised.value.headers["Idempotent-Replayed"] == "true"  # the last of three attempts: a replay
