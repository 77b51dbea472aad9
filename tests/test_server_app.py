"""The stand-in's ASGI application and answer builder, in-process (no socket): generic over the schemas."""

from __future__ import annotations

import asyncio
import copy
import json
import sys

import pytest
from hypothesis import given

from schema_data import payloads

import validator
from conftest import clear_validator_caches
from validator import answer, form, loader
from validator.standin import FaultError, StandIn
from validator.standin.app import PATH
from validator.standin.log import RequestLog

KEY = "sk_test_inProcess"
APP = StandIn()


def call(app, body=b"", method="POST", path=PATH, headers=None, hang=False, chunks=None):
    """Run one request through the ASGI app: ``(status, headers, body)``; `hang`: the body never comes."""
    headers = {"authorization": f"Bearer {KEY}", "content-type": "application/x-www-form-urlencoded",
               "content-length": str(len(body)), **(headers or {})}
    parts = chunks if chunks is not None else [body]
    messages = [{"type": "http.request", "body": part, "more_body": index < len(parts) - 1}
                for index, part in enumerate(parts)]
    sent = []

    async def receive():
        if hang or not messages:
            await asyncio.sleep(3600)
        return messages.pop(0)

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "query_string": b"",
             "headers": [(k.encode(), v.encode()) for k, v in headers.items()]}
    asyncio.run(app(scope, receive, send))
    start, reply = sent
    return start["status"], dict(start["headers"]), reply["body"]


def test_the_answer_is_built_from_the_schemas_example_and_validates():
    for params in loader.root()["examples"] + [json.loads(p.read_text()) for p in
                                                sorted((loader.SCHEMA_DIR.parent / "tests" / "examples" / "valid").glob("*.json"))]:
        built = answer.build(validator.fill_defaults(params), answer.expansions(params))
        assert list(validator.response.iter_errors(built)) == [], params


def without_secrets(built: dict) -> dict:
    """`built` less its secrets (``x-secret``): they are made afresh for every answer."""
    for *parents, last in loader.secrets(loader.RESPONSE_FILE):
        inner = built
        for part in parents:
            inner = inner[part]
        inner.pop(last)
    return built


@given(payloads())
def test_the_answer_fills_the_requests_defaults_as_fill_defaults_does(payload):
    try:
        expand = answer.expansions(payload)
    except answer.UnknownExpansion:
        return
    before = copy.deepcopy(payload)
    plain = without_secrets(answer.build(payload, expand, now=0))
    filled = without_secrets(answer.build(validator.fill_defaults(payload), expand, now=0))
    assert payload == before
    assert plain == filled and repr(plain) == repr(filled)


def stripe_body(params: dict) -> bytes:
    """`params` encoded the way stripe-python encodes them (its own encoder, as its requestor calls it)."""
    from urllib.parse import urlencode

    from stripe._encode import _api_encode

    return urlencode(list(_api_encode(params))).encode("ascii")


def integer_params() -> set:
    """The params the documented facts type as integers (dotted paths)."""
    import documented

    return {entry["param"] for entry in documented.data()["params"] if entry["type"] == "integer"}


def leaves(value, path=()):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from leaves(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from leaves(inner, (*path, index))
    else:
        yield path, value


@given(payloads())
def test_any_valid_payload_sent_by_stripe_python_creates_a_session_that_echoes_it(payload):
    # The oracle: the payload is valid by the schemas (generated from them), and Stripe's wire rules
    # as the documented facts state them: an integer param sent as 3.0 is parameter_invalid_integer.
    floats = [path for path, value in leaves(payload) if isinstance(value, float)
              and ".".join(map(str, path)) in integer_params()]
    expand = payload.get("expand", [])
    empty = [path for path, value in leaves(payload) if value == ""]
    if empty or any(entry != "customer" for entry in expand):
        return  # the engine's own cases (empty strings, expand paths): their tests are elsewhere
    status, _, reply = call(APP, stripe_body(payload))
    if floats:
        error = json.loads(reply)["error"]
        assert status == 400 and error["code"] == "parameter_invalid_integer", reply
        return
    assert status == 200, reply
    session = json.loads(reply)
    for name in ("customer", "customer_account"):
        if name in payload and not (name == "customer" and expand):
            assert session[name] == payload[name]
    if "customer" in payload and expand:
        assert session["customer"] == {"id": payload["customer"], "object": "customer"}
    for name, component in session["components"].items():
        sent = payload["components"].get(name, {})
        assert component["enabled"] is sent.get("enabled", False)
        for feature, value in sent.get("features", {}).items():
            if value not in (None, [], {}):  # what stripe-python does not send is not sent
                assert component["features"][feature] == value


def test_an_integer_past_64_bits_is_answered():
    limit = "components[payment_element][features][payment_method_redisplay_limit]"
    status, _, reply = call(APP, f"components[payment_element][enabled]=true&{limit}=-{'9' * 30}".encode())
    assert status == 200 and json.loads(reply)["components"]["payment_element"]["features"][
        "payment_method_redisplay_limit"] == -int("9" * 30)


def test_random_text_is_letters_and_digits_of_the_length_asked():
    texts = {answer.random_text(32) for _ in range(200)}
    assert len(texts) == 200 and all(len(text) == 32 and text.isalnum() and text.isascii() for text in texts)
    assert set("".join(texts)) == set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")


def test_a_body_that_never_comes_is_408():
    status, headers, body = call(StandIn(body_timeout=0.05), b"x", hang=True)
    assert status == 408 and headers[b"connection"] == b"close"
    assert json.loads(body)["error"]["code"] == "body_timeout"


def test_a_body_in_chunks_is_read_whole():
    status, _, body = call(StandIn(), chunks=[b"customer=cus_1&compo", b"nents[buy_button][enab", b"led]=true"])
    assert status == 200 and json.loads(body)["customer"] == "cus_1"


def test_a_failure_of_ours_is_stripes_api_error_and_no_payload_is_logged(monkeypatch, capsys):
    app = StandIn()

    def broken(body):
        raise RuntimeError("customer=cus_secretish")
    monkeypatch.setattr(app, "_create", broken)
    status, _, body = call(app, b"customer=cus_secretish")
    assert status == 500 and json.loads(body)["error"]["type"] == "api_error"
    assert "secretish" not in capsys.readouterr().err


def test_importing_validator_or_the_app_does_not_import_the_server_stack():
    import subprocess

    code = ("import sys, validator, validator.server, validator.standin, validator.answer; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('uvicorn', 'httptools', 'uvloop', 'httpx')))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "[]\n"


def test_serve_without_the_extra_says_what_to_install():
    import subprocess

    code = "import sys; sys.modules['uvicorn'] = None; from validator.cli import main; sys.exit(main(['serve']))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 2
    assert "pip install '.[serve]' in the project's folder" in run.stderr and "Traceback" not in run.stderr


# A new response field is a schema edit, not a code change.


def _edit(path, change):
    schema = json.loads(path.read_text())
    change(schema)
    path.write_text(json.dumps(schema))


def test_new_response_fields_come_from_the_schema_alone(schema_copy):
    def response(schema):
        schema["properties"]["zz_region"] = {"type": "string", "x-generate": {"value": "eu-test"},
                                             "description": "A field only this test knows: a fixed value."}
        schema["properties"]["zz_token"] = {"type": "string", "x-generate": {"random": "zz_", "length": 30},
                                            "description": "Random, behind a prefix."}
        schema["properties"]["zz_note"] = {"type": ["string", "null"], "description": "Named like a new param."}
        schema["properties"]["components"]["properties"]["pricing_table"]["properties"]["zz_level"] = {
            "type": "integer", "x-unsent": 1, "description": "Named like a new param, 1 when not sent."}

    def params(schema):
        schema["properties"]["zz_note"] = {"type": "string", "description": "A param only this test knows."}

    def pricing_table(schema):
        schema["properties"]["zz_level"] = {"type": "integer", "description": "A param only this test knows."}

    _edit(schema_copy / loader.RESPONSE_FILE, response)
    _edit(schema_copy / loader.ROOT_FILE, params)
    _edit(schema_copy / "pricing-table.json", pricing_table)
    clear_validator_caches()

    app = StandIn()
    status, _, body = call(app, b"zz_note=hello&components[pricing_table][enabled]=true&components[pricing_table][zz_level]=7")
    session = json.loads(body)
    assert status == 200, session
    assert session["zz_region"] == "eu-test" and session["zz_note"] == "hello"
    assert session["zz_token"].startswith("zz_") and len(session["zz_token"]) == 33
    assert session["components"]["pricing_table"] == {"enabled": True, "zz_level": 7}
    assert list(session)[-3:] == ["zz_region", "zz_token", "zz_note"]  # schema order

    status, _, body = call(app, b"components[buy_button][enabled]=true")
    session = json.loads(body)
    assert session["zz_note"] is None and session["components"]["pricing_table"] == {"enabled": False, "zz_level": 1}
    assert list(validator.response.iter_errors(session)) == []


def test_expansion_follows_the_annotation(schema_copy):
    def response(schema):
        del schema["properties"]["customer"]["x-expandable"]

    _edit(schema_copy / loader.RESPONSE_FILE, response)
    clear_validator_caches()
    status, _, body = call(StandIn(), b"customer=cus_1&components[buy_button][enabled]=true&expand[0]=customer")
    assert status == 400 and json.loads(body)["error"]["code"] == "property_not_expandable"


@pytest.mark.parametrize("body", [form.encode(loader.root()["examples"][0]).encode()])
def test_warm_up_leaves_no_state(body):
    app = StandIn()
    app.warm()
    assert len(app.replays) == 0
    assert call(app, body)[0] == 200


def test_the_replay_cache_keeps_only_the_most_recent_keys():
    app = StandIn(replays=2)
    example = form.encode(loader.root()["examples"][0]).encode()
    other = example + b"&expand[0]=customer"
    for key in ("a", "b", "c"):
        assert call(app, example, headers={"idempotency-key": key})[0] == 200
    assert len(app.replays) == 2
    assert call(app, other, headers={"idempotency-key": "a"})[0] == 200  # forgotten: a new request
    status, _, body = call(app, other, headers={"idempotency-key": "c"})
    assert status == 400 and json.loads(body)["error"]["type"] == "idempotency_error"


def test_an_app_moved_to_a_new_event_loop_serves_concurrent_requests():
    app, body = StandIn(), b"components[pricing_table][enabled]=true"
    scope = {"type": "http", "method": "POST", "path": PATH, "query_string": b"",
             "headers": [(b"authorization", f"Bearer {KEY}".encode()), (b"content-type", b"application/x-www-form-urlencoded"),
                         (b"content-length", str(len(body)).encode())]}

    async def one():
        sent = []

        async def receive():
            await asyncio.sleep(0.01)  # the body comes a moment later: both requests read at once
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message):
            sent.append(message)

        await app(scope, receive, send)
        return sent[0]["status"]

    async def two():
        return await asyncio.gather(one(), one())

    first = asyncio.new_event_loop()
    try:
        assert first.run_until_complete(one()) == 200
    finally:
        first.close()  # its body watchdog is left pending, never done
    assert asyncio.run(two()) == [200, 200]


def test_log_lines_of_a_loop_that_stopped_mid_turn_are_written_with_the_next(capsys):
    replies = RequestLog()
    first = asyncio.new_event_loop()

    def answer_and_stop():
        replies.request("POST", PATH, 200, 0.0, "req_stoppedLoop00")
        first.stop()  # before the end of the turn that would write the line

    first.call_soon(answer_and_stop)
    first.run_forever()
    first.close()

    async def later():
        replies.request("POST", PATH, 200, 0.0, "req_nextLoop00000")
        await asyncio.sleep(0.01)

    asyncio.run(later())
    lines = capsys.readouterr().err.splitlines()
    assert [line.split()[-1] for line in lines] == ["req_stoppedLoop00", "req_nextLoop00000"]


def test_log_lines_from_many_threads_are_each_written_once(capsys):
    import threading

    replies = RequestLog()

    def logging_loop(thread: int):
        async def lines():
            for number in range(500):
                replies.request("POST", PATH, 200, 0.0, f"req_t{thread}n{number}")
                if number % 7 == 0:
                    await asyncio.sleep(0)
        asyncio.run(lines())

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=logging_loop, args=(thread,)) for thread in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    written = [line.split()[-1] for line in capsys.readouterr().err.splitlines()]
    assert sorted(written) == sorted(f"req_t{thread}n{number}" for thread in range(4) for number in range(500))


def test_the_answer_reads_dict_and_list_subclasses_as_fill_defaults_does():
    from collections import OrderedDict

    params = {"components": OrderedDict(payment_element={"enabled": True})}
    before = copy.deepcopy(params)
    plain = without_secrets(answer.build(params, now=0))
    filled = without_secrets(answer.build(validator.fill_defaults(params), now=0))
    assert plain == filled and plain["components"] is not params["components"] and params == before
