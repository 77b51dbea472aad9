"""The stand-in in front of an upstream: a fake upstream started here on a loopback port records what reaches it.

Expected answers are literal: what the fake upstream was told to answer, the
required fields Stripe's OpenAPI document lists for the Customer Session
object (GUIDE §4), and Stripe's error types.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from stand_in import KEY, Server
from test_server_app import call
from validator.standin import StandIn

GOOD = {"object": "customer_session", "client_secret": "cuss_secret_fromTheUpstream", "created": 1700000000,
        "customer": "cus_good", "expires_at": 1700001800, "livemode": False,
        "components": {"buy_button": {"enabled": True}}}
# Two of Stripe's required fields broken: client_secret missing, expires_at not an integer.
BAD = {"object": "customer_session", "created": 1700000000, "customer": "cus_bad",
       "expires_at": "VALUE-NEVER-SHOWN", "livemode": False}
VALID = "components[buy_button][enabled]=true&customer="
BIG = b"".join(b"%06d," % number for number in range(20_000))  # 140 kB, sent in chunks


class Upstream(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.seen: list[dict] = []
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    def handle_error(self, request, client_address):
        pass  # the slow test's client gives up before the answer: a broken pipe here is expected

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.seen.append({"method": self.command, "path": self.path, "headers": dict(self.headers.items()),
                                 "body": body})
        if self.path == "/slow":
            time.sleep(1.5)
        if self.path == "/v1/files/big":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Request-Id", "req_upstreamBig")
            self.end_headers()
            for start in range(0, len(BIG), 8192):
                part = BIG[start:start + 8192]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
            return
        if self.path == "/v1/customer_sessions":
            answer = BAD if b"cus_bad" in body else GOOD
            status = 402 if b"cus_refused" in body else 200
        else:
            answer, status = {"id": "cus_fromUpstream", "object": "customer"}, 201
        reply = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.send_header("Request-Id", "req_upstream" + str(len(self.server.seen)))
        self.end_headers()
        self.wfile.write(reply)

    do_GET = do_POST = do_DELETE = _any


@pytest.fixture(scope="module")
def upstream():
    server = Upstream()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def proxy(upstream, tmp_path_factory):
    code = f"from validator.standin.serving import serve; serve('127.0.0.1', 0, upstream={upstream.url!r})"
    server = Server(tmp_path_factory.mktemp("proxy"), [sys.executable, "-c", code])
    yield server
    server.stop()


def test_other_requests_pass_through_unchanged(proxy, upstream):
    before = len(upstream.seen)
    response = proxy.request("POST", "/v1/customers?expand[]=x&a=%20b", body=b"email=a%40b.c&name=Z",
                             headers={"Idempotency-Key": "pass-1", "X-Custom": "kept"})
    assert response.status == 201 and response.json() == {"id": "cus_fromUpstream", "object": "customer"}
    assert response.headers["request-id"].startswith("req_upstream")
    seen = upstream.seen[before:]
    assert len(seen) == 1
    assert (seen[0]["method"], seen[0]["path"], seen[0]["body"]) == ("POST", "/v1/customers?expand[]=x&a=%20b",
                                                                     b"email=a%40b.c&name=Z")
    headers = {name.lower(): value for name, value in seen[0]["headers"].items()}
    assert headers["authorization"] == f"Bearer {KEY}" and headers["idempotency-key"] == "pass-1"
    assert headers["x-custom"] == "kept" and headers["content-type"] == "application/x-www-form-urlencoded"
    assert f"POST /v1/customers 201 " in proxy.line_of(response)


def test_a_get_and_a_streamed_answer_pass_through(proxy, upstream):
    response = proxy.request("GET", "/v1/files/big")
    assert response.status == 200 and response.body == BIG


def test_an_invalid_create_is_answered_here_and_never_forwarded(proxy, upstream):
    before = len(upstream.seen)
    response = proxy.post("components[buy_button][enabled]=yes")
    assert response.status == 400 and response.json()["error"]["param"] == "components[buy_button][enabled]"
    assert upstream.seen[before:] == []


def test_a_valid_create_is_forwarded_and_returned_as_it_came(proxy, upstream):
    before = len(upstream.seen)
    response = proxy.post(VALID + "cus_good")
    assert response.status == 200 and response.json() == GOOD
    assert "stand-in-response-errors" not in response.headers
    assert [seen["body"] for seen in upstream.seen[before:]] == [(VALID + "cus_good").encode()]


def test_an_upstream_answer_that_fails_the_response_schema_is_flagged_by_field_name(proxy):
    response = proxy.post(VALID + "cus_bad")
    assert response.status == 200 and response.json() == BAD  # returned as it came
    flagged = response.headers["stand-in-response-errors"]
    assert set(flagged.split(", ")) == {"client_secret", "expires_at"}
    line = proxy.line_of(response)
    assert "response-errors:" in line and "client_secret" in line and "expires_at" in line
    assert "VALUE-NEVER-SHOWN" not in flagged and "VALUE-NEVER-SHOWN" not in proxy.log()


def test_a_create_the_upstream_refuses_is_returned_and_noted(proxy):
    response = proxy.post(VALID + "cus_refused")
    assert response.status == 402
    assert "refused a create the stand-in found valid" in proxy.line_of(response)


@pytest.mark.parametrize("method, path", [("GET", "/v1/customers"), ("POST", "/v1/customer_sessions")])
def test_a_live_key_is_refused_before_anything_is_forwarded(proxy, upstream, method, path):
    before = len(upstream.seen)
    response = proxy.request(method, path, body=VALID + "cus_good" if method == "POST" else b"",
                             key="sk_live_neverForwarded")
    assert response.status == 401 and "live" in response.json()["error"]["message"]
    assert upstream.seen[before:] == []


def test_a_rate_limit_fault_is_answered_here(proxy, upstream):
    before = len(upstream.seen)
    response = proxy.post(VALID + "cus_good", headers={"Stand-In-Fault": "rate_limit"})
    assert response.status == 429 and upstream.seen[before:] == []


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("method, path", [("GET", "/v1/customers"), ("POST", "/v1/customer_sessions")])
def test_an_unreachable_upstream_is_a_502_api_error(method, path):
    app = StandIn(upstream=f"http://127.0.0.1:{closed_port()}")
    status, headers, reply = call(app, (VALID + "cus_good").encode(), method=method, path=path)
    error = json.loads(reply)["error"]
    assert status == 502 and (error["type"], error["code"]) == ("api_error", "upstream_unreachable")
    assert headers[b"request-id"].startswith(b"req_")


def test_a_slow_upstream_is_a_504_api_error(upstream):
    app = StandIn(upstream=upstream.url, upstream_timeout=0.3)
    status, _, reply = call(app, b"", method="GET", path="/slow")
    error = json.loads(reply)["error"]
    assert status == 504 and (error["type"], error["code"]) == ("api_error", "upstream_timeout")


@pytest.mark.parametrize("url", ["ftp://x", "127.0.0.1:12111", "http://user:pw@host", "http://host/?q=1", "http://"])
def test_a_bad_upstream_url_is_a_one_line_error(url):
    from validator import Error

    with pytest.raises(Error) as raised:
        StandIn(upstream=url)
    assert isinstance(raised.value, ValueError) and "\n" not in str(raised.value)
    assert "pw" not in str(raised.value)
