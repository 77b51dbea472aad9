"""validator.http_client(): validation inside stripe-python, before any network I/O.

Every request goes to 127.0.0.1 only: to a listener each test opens on a
port the OS picks (it counts accepted connections, answers like Stripe and
is shut down after the test), or to a port the test picked and closed.
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import stripe  # the test extra installs it: a missing stripe fails here rather than skipping

import validator
from validator.form import FormError

# stripe-python's HTTPXClient hands httpx the body as data=str, which httpx deprecates; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")

ROOT = Path(__file__).resolve().parent.parent
VALID = {"customer": "cus_PO34b57IOUb83c", "components": {"pricing_table": {"enabled": True}}}
SESSION = {"object": "customer_session", "client_secret": "cuss_secret_test", "created": 1, "expires_at": 2,
           "livemode": False, "customer": "cus_PO34b57IOUb83c",
           "components": {"pricing_table": {"enabled": True}}}


class Listener:
    """An HTTP listener on 127.0.0.1: counts accepted connections, records requests, answers a session."""

    def __init__(self):
        self.connections = 0
        self.requests = []
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                listener.requests.append((self.command, self.path, body.decode()))
                self._answer(SESSION)

            def do_GET(self):
                listener.requests.append((self.command, self.path, ""))
                self._answer(SESSION)

            def _answer(self, payload):
                data = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def verify_request(self, request, client_address):
                listener.connections += 1  # every accepted connection, whatever it then sends
                return True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        # A short poll interval: shutdown() waits for the serving loop to notice.
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def listener():
    with Listener() as running:
        yield running


@pytest.fixture
def closed_port():
    """A loopback port the test picked and closed again: connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Spy(stripe.HTTPClient):
    """An inner client that records what reaches it and does no I/O itself."""

    name = "spy"

    def __init__(self, inner):
        super().__init__()
        self.inner, self.calls = inner, []

    def request_with_retries(self, method, url, headers, post_data=None, *args, **kwargs):
        self.calls.append((method, url, post_data))
        return self.inner.request_with_retries(method, url, headers, post_data, *args, **kwargs)

    async def request_with_retries_async(self, method, url, headers, post_data=None, *args, **kwargs):
        self.calls.append((method, url, post_data))
        return await self.inner.request_with_retries_async(method, url, headers, post_data, *args, **kwargs)


def client(base, inner=None):
    return stripe.StripeClient("sk_test_123", http_client=validator.http_client(inner),
                               base_addresses={"api": base}, max_network_retries=0)


SYNC_CLIENTS = {
    "requests": lambda: stripe.RequestsClient(),
    "httpx": lambda: stripe.HTTPXClient(allow_sync_methods=True),
    "default": lambda: None,
}
ASYNC_CLIENTS = {"httpx": lambda: stripe.HTTPXClient(), "default": lambda: None}

INVALID = [
    ({"components": {"buy_button": {"enabled": "yes"}}}, "components[buy_button][enabled]", "parameter_invalid_type"),
    ({"components": {"customer_portal": {"enabled": True, "features": {"x": "y"}}}},
     "components[customer_portal][features]", "parameter_unknown"),
    ({"customer": "cus_1", "components": {}}, "components", "parameter_missing"),  # {} is not sent at all
    ({"components": {"payment_element": {"enabled": True, "features": {"payment_method_redisplay_limit": 11}}}},
     "components[payment_element][features][payment_method_redisplay_limit]", "parameter_above_maximum"),
]


@pytest.mark.parametrize("kind", SYNC_CLIENTS)
@pytest.mark.parametrize("params, param, code", INVALID)
def test_invalid_params_raise_before_any_connection(listener, kind, params, param, code):
    inner = SYNC_CLIENTS[kind]()
    with pytest.raises(validator.ValidationError) as raised:
        client(listener.base, inner).v1.customer_sessions.create(params=params)
    assert [(e.param, e.code) for e in raised.value.errors] == [(param, code)]
    assert param in str(raised.value)
    assert listener.connections == 0 and listener.requests == []


@pytest.mark.parametrize("kind", SYNC_CLIENTS)
def test_valid_params_reach_the_network_unchanged(listener, kind):
    session = client(listener.base, SYNC_CLIENTS[kind]()).v1.customer_sessions.create(params=VALID)
    assert session.client_secret == "cuss_secret_test"
    assert listener.connections == 1
    assert listener.requests == [("POST", "/v1/customer_sessions", validator.form.encode(VALID))]


@pytest.mark.parametrize("kind", ASYNC_CLIENTS)
def test_async_invalid_raises_and_valid_passes(listener, kind):
    async def scenario():
        http = validator.http_client(ASYNC_CLIENTS[kind]())
        stripe_client = stripe.StripeClient("sk_test_123", http_client=http, base_addresses={"api": listener.base},
                                            max_network_retries=0)
        try:
            with pytest.raises(validator.ValidationError) as raised:
                await stripe_client.v1.customer_sessions.create_async(params=INVALID[0][0])
            assert listener.connections == 0
            session = await stripe_client.v1.customer_sessions.create_async(params=VALID)
        finally:
            await http.close_async()
        return raised.value, session

    error, session = asyncio.run(scenario())
    assert [e.param for e in error.errors] == [INVALID[0][1]]
    assert session.client_secret == "cuss_secret_test"
    assert listener.connections == 1 and listener.requests[0][:2] == ("POST", "/v1/customer_sessions")


def test_closed_port_invalid_is_a_validation_error_valid_is_stripes_connection_error(closed_port):
    base = f"http://127.0.0.1:{closed_port}"
    spy = Spy(stripe.RequestsClient())
    stripe_client = client(base, spy)
    with pytest.raises(validator.ValidationError):
        stripe_client.v1.customer_sessions.create(params=INVALID[0][0])
    assert spy.calls == []  # the inner client was never asked
    with pytest.raises(stripe.APIConnectionError):
        stripe_client.v1.customer_sessions.create(params=VALID)
    assert [(method, url) for method, url, _ in spy.calls] == [("post", f"{base}/v1/customer_sessions")]


def test_other_requests_pass_through_untouched(listener):
    spy = Spy(stripe.RequestsClient())
    stripe_client = client(listener.base, spy)
    # Not the create endpoint: a body the schemas would reject goes through as it is.
    stripe_client.v1.customers.create(params={"name": "x", "components": "not checked here"})
    stripe_client.v1.customer_sessions.create(params=VALID, options={"idempotency_key": "k-1"})
    stripe_client.raw_request("get", "/v1/customer_sessions", components="ignored")
    assert [request[:2] for request in listener.requests] == [
        ("POST", "/v1/customers"), ("POST", "/v1/customer_sessions"), ("GET", "/v1/customer_sessions?components=ignored")]
    assert listener.requests[0][2] == "name=x&components=not+checked+here"
    assert len(spy.calls) == 3


def test_the_wire_body_is_judged_none_is_not_sent(listener):
    """stripe-python drops None, so a None param is judged absent (validate() on the dict would not agree)."""
    params = {**VALID, "customer_account": None}
    assert not validator.is_valid(params)
    client(listener.base, stripe.RequestsClient()).v1.customer_sessions.create(params=params)
    assert listener.requests[0][2] == validator.form.encode(VALID)


AS_SENT = " (as sent: stripe-python's form body, where every value is text and None, {} and [] are left out)"


@pytest.mark.parametrize("params, expected", [
    # 1 for a boolean: stripe-python sends the text "1"; validate() on the dict would say "not 1".
    ({"components": {"active_entitlements": {"enabled": 1}}},
     "components[active_entitlements][enabled] must be a boolean, not the string '1'" + AS_SENT + "."),
    # {} is not sent at all, so what Stripe would miss is the param itself.
    ({"customer": "cus_1", "components": {}}, "Missing required param: components" + AS_SENT + "."),
    ({"components": {"payment_element": {"enabled": True, "features": {"payment_method_redisplay_limit": 11}}}},
     "components[payment_element][features][payment_method_redisplay_limit] must be at most 10; got 11" + AS_SENT + "."),
])
def test_messages_say_they_describe_the_encoded_body(listener, params, expected):
    """An HTTPClient only ever sees the encoded body: each message says that is what it judged."""
    with pytest.raises(validator.ValidationError) as raised:
        client(listener.base, stripe.RequestsClient()).v1.customer_sessions.create(params=params)
    assert [error.message for error in raised.value.errors] == [expected]
    assert str(raised.value) == f"1 invalid parameter:\n  - {expected} [{raised.value.errors[0].code}]"
    assert raised.value.__cause__ is None and listener.connections == 0


def test_python_s_integer_digits_limit_is_a_validation_error(listener):
    """A process may set Python's integer-digits limit below the decoder's own: still a ValidationError."""
    import sys

    if not hasattr(sys, "set_int_max_str_digits"):
        pytest.skip("this Python has no integer-digits limit")
    http = validator.http_client(stripe.RequestsClient())
    body = validator.form.encode(VALID) + "&components[payment_element][enabled]=true" \
        "&components[payment_element][features][payment_method_redisplay_limit]=" + "9" * 1000
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(640)
    try:
        with pytest.raises(validator.ValidationError) as raised:
            http.request("post", f"{listener.base}/v1/customer_sessions", {}, body)
    finally:
        sys.set_int_max_str_digits(limit)
    assert len(str(raised.value)) < 300 and "9" * 50 not in str(raised.value)
    assert listener.connections == 0


def test_any_other_value_error_is_a_validation_error_about_the_body(listener, monkeypatch):
    def broken(body):
        raise ValueError("x" * 500)

    monkeypatch.setattr(validator.form, "decode", broken)
    http = validator.http_client(stripe.RequestsClient())
    with pytest.raises(validator.ValidationError) as raised:
        http.request("post", f"{listener.base}/v1/customer_sessions", {}, validator.form.encode(VALID))
    (error,) = raised.value.errors
    assert (error.param, error.path, error.code) == ("", (), "parameter_invalid")
    assert error.message == f"The request body could not be checked ({'x' * 40}…)."
    assert isinstance(raised.value.__cause__, ValueError) and listener.connections == 0


def test_a_body_that_cannot_be_decoded_is_a_validation_error(listener):
    spy = Spy(stripe.RequestsClient())
    with pytest.raises(validator.ValidationError) as raised:
        client(listener.base, spy).v1.customer_sessions.create(params={**VALID, "a[b": "1"})
    (error,) = raised.value.errors
    assert (error.code, error.param) == ("form_invalid_key", "a[b")
    assert isinstance(raised.value.__cause__, FormError)
    assert spy.calls == [] and listener.connections == 0


def test_single_attempt_methods_check_too(listener):
    http = validator.http_client(stripe.RequestsClient())
    url = f"{listener.base}/v1/customer_sessions"
    with pytest.raises(validator.ValidationError):
        http.request("post", url, {}, "components[buy_button][enabled]=yes")
    with pytest.raises(validator.ValidationError):
        http.request_stream("POST", url, {}, "")
    assert listener.connections == 0
    body, status, _ = http.request("post", url, {}, validator.form.encode(VALID))
    assert status == 200 and json.loads(body)["object"] == "customer_session"


def test_the_wrapper_is_a_stripe_http_client_named_like_its_inner():
    inner = stripe.RequestsClient()
    http = validator.http_client(inner)
    assert isinstance(http, stripe.HTTPClient) and http.inner is inner and http.name == "requests"
    assert isinstance(validator.http_client().inner, stripe.HTTPClient)


def test_import_validator_does_not_import_stripe():
    code = ("import sys, validator\n"
            "validator.validate({'components': {'pricing_table': {'enabled': True}}})\n"
            "validator.http_client  # the lazy export: the module, not stripe\n"
            "print('stripe' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert (done.returncode, done.stdout, done.stderr) == (0, "False\n", "")


def test_without_stripe_the_error_says_what_to_install():
    code = ("import sys\nsys.modules['stripe'] = None  # as if it were not installed\nimport validator\n"
            "try:\n    validator.http_client()\nexcept ImportError as exc:\n    print(exc)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.stdout == ("validator.http_client() needs stripe-python: the extra 'stripe' (pip install 'customer-session-schema[stripe]'; "
                            "or, from a checkout, pip install '.[stripe]' in the project's folder)\n")


def test_the_global_client_of_stripes_older_interface_validates_too(listener, monkeypatch):
    """`stripe.default_http_client = validator.http_client()`, as the README says, for stripe.CustomerSession.create."""
    for name, value in {"api_key": "sk_test_123", "api_base": listener.base, "max_network_retries": 0,
                        "default_http_client": validator.http_client(stripe.RequestsClient())}.items():
        monkeypatch.setattr(stripe, name, value)
    with pytest.raises(validator.ValidationError) as raised:
        stripe.CustomerSession.create(**INVALID[0][0])
    assert [e.param for e in raised.value.errors] == [INVALID[0][1]] and listener.connections == 0
    assert stripe.CustomerSession.create(**VALID).client_secret == "cuss_secret_test"
    assert listener.connections == 1
