"""The uvicorn adapter, and the served stand-in's own lines: 431 and 400 logged once, a bind warning, a stop line,
no API key in any log line, no 500 from the environment."""

from __future__ import annotations

import inspect
import io
import json
import os
import signal
import subprocess
import sys
import time
from urllib.parse import unquote

import pytest
from hypothesis import given, strategies as st

from stand_in import HOST, KEY, PATH, Server, status_of
from test_server_app import call
from validator import Error
from validator.standin import StandIn
from validator.standin.log import RequestLog

# ---------------------------------------------------------------- what the adapter relies on in uvicorn


def test_the_installed_uvicorn_has_what_the_adapter_relies_on():
    """Fails loudly when a uvicorn release changes a method the adapter overrides or calls."""
    import uvicorn
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    from validator.standin import protocol

    classes = {"HttpToolsProtocol": HttpToolsProtocol, "Server": uvicorn.Server}
    for class_name, methods in protocol.RELIES_ON.items():
        if class_name == "attributes":
            continue
        for method, parameters in methods.items():
            found = getattr(classes[class_name], method, None)
            assert callable(found), f"uvicorn's {class_name}.{method} is gone"
            assert tuple(inspect.signature(found).parameters) == parameters, \
                f"uvicorn's {class_name}.{method} now takes {tuple(inspect.signature(found).parameters)}"
    received = inspect.getsource(HttpToolsProtocol.data_received)
    assert protocol.PARSER_WARNING in received and "send_400_response" in received
    assert "self.scope = " in inspect.getsource(HttpToolsProtocol.on_message_begin)
    assert "self.transport = transport" in inspect.getsource(HttpToolsProtocol.connection_made)
    assert "self.loop = " in inspect.getsource(HttpToolsProtocol.__init__)
    assert set(protocol.RELIES_ON["attributes"]) == {"transport", "loop", "scope"}


def test_the_serve_pin_names_the_adapter():
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
    serve = text[text.index("serve = ["):]
    serve = serve[: serve.index("]")]
    preamble = text[: text.index("serve = [")].rsplit("\n\n", 1)[-1]
    assert "validator/standin/protocol.py" in preamble + serve and "uvicorn>=" in serve and "<" in serve


# ---------------------------------------------------------------- a server of this module's own


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    server = Server(tmp_path_factory.mktemp("protocol"))
    yield server
    server.stop()


def our_lines(server: Server) -> list[str]:
    """The lines of answers given at the protocol level (method and path ``-``)."""
    return [line for line in server.log().splitlines() if line.split(" ")[1:3] == ["-", "-"]]


def test_a_431_logs_one_line_of_ours_and_none_of_uvicorn(served):
    before = len(our_lines(served))
    head = f"POST {PATH} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\nX-Big: {'a' * 40_000}\r\n\r\n"
    assert status_of(served.raw(head.encode(), stop_sending_when_answered=True)) == 431
    assert status_of(served.raw(b"\x00\x01garbage\r\n\r\n")) == 400
    deadline = time.monotonic() + 10
    while len(our_lines(served)) < before + 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    new = our_lines(served)[before:]
    assert [line.split(" ")[1:4] for line in new] == [["-", "-", "431"], ["-", "-", "400"]]
    assert "Invalid HTTP request" not in served.log()


def test_a_non_loopback_bind_is_warned_about():
    # Nothing is bound: the socket's bind and uvicorn's run are replaced, the warning is what is looked at.
    code = ("import socket; from validator.standin import protocol, serving\n"
            "socket.socket.bind = lambda self, address: None\n"
            "protocol.Server.run = lambda self, sockets=None: None\n"
            "serving.serve('0.0.0.0', 0)\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "warning: listening on 0.0.0.0, not a loopback address" in run.stderr
    from validator.standin.serving import _loopback

    assert [_loopback(host) for host in ("127.0.0.1", "127.0.0.2", "::1", "localhost", "0.0.0.0", "10.0.0.1", "::")] \
        == [True, True, True, True, False, False, False]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_it_with_a_line(tmp_path, sig):
    server = Server(tmp_path)
    server.process.send_signal(sig)
    server.process.wait(timeout=30)
    assert f"customer-session: {sig.name}: stopping" in server.log()
    assert "Traceback" not in server.log()


def test_a_bad_fault_spec_or_upstream_fails_serve_before_binding():
    code = "from validator.standin.serving import serve; serve('127.0.0.1', 0, faults=['drop:7'])"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode != 0 and "FaultError" in run.stderr and "stand-in for POST" not in run.stderr


# ---------------------------------------------------------------- no key in any log line


def logged(path: str) -> tuple[str, str]:
    """The log line and the 404 message of a GET to `path` (as uvicorn gives it: %-escapes undone once)."""
    stream = io.StringIO()
    status, _, reply = call(StandIn(log=RequestLog(stream)), b"", method="GET", path=path)
    assert status == 404
    return stream.getvalue(), json.loads(reply)["error"]["message"]


@pytest.mark.parametrize("path", ["/v1/x_sk_live_SECRETKEY123", "/v1/1sk_test_SECRETKEY123", "/v1/sk_test_SECRETKEY123",
                                  "/v1/a%2Fsk_test_SECRETKEY123", "/v1/%73k_test_SECRETKEY123",
                                  "/v1/sk%5Ftest%5FSECRETKEY123", "/v1/sk%255Ftest%255FSECRETKEY123",
                                  "/v1/rk_live_SECRETKEY123/x", "/v1/Xpk_test_SECRETKEY123?y"])
def test_the_reviews_key_paths_are_not_logged(path):
    for text in logged(unquote(path)):
        assert "SECRETKEY" not in text and "ECRETKEY123" not in text, text


SECRET = st.text(alphabet="GHIJKLMNOPQRSTUVWXYZ0123456789", min_size=8, max_size=30).filter(
    lambda text: sum(char.isalpha() for char in text) >= 4)
AROUND = st.lists(st.one_of(st.sampled_from(list("abcxyz019_/.-~")), st.sampled_from(["%2F", "%5F", "%20", "%25"])),
                  max_size=8).map("".join)


def escaped(text: str, how: list[int]) -> str:
    """`text` with some characters %-escaped once (1) or twice (2)."""
    out = []
    for char, level in zip(text, how + [0] * len(text)):
        out.append(char if level == 0 else f"%{ord(char):02X}" if level == 1 else f"%25{ord(char):02X}")
    return "".join(out)


@given(before=AROUND, prefix=st.sampled_from(["sk", "rk", "pk"]), mode=st.sampled_from(["test", "live"]),
       secret=SECRET, after=AROUND, how=st.lists(st.sampled_from([0, 0, 1, 2]), max_size=45))
def test_no_key_reaches_the_log_whatever_the_path(before, prefix, mode, secret, after, how):
    raw = "/v1/" + before + escaped(f"{prefix}_{mode}_{secret}", how) + after
    for text in logged(unquote(raw)):
        windows = {secret[start:start + 5] for start in range(len(secret) - 4)}
        assert not any(window in text for window in windows), (raw, text)


# ---------------------------------------------------------------- no 500 that depends on the environment


def test_an_error_of_the_library_is_a_400(monkeypatch):
    from validator.standin import app as module

    class Refused(Error, ValueError):
        code, param = "parameter_refused", "customer"

    def refuse(body):
        raise Refused("refused on purpose")

    monkeypatch.setattr(module.form, "decode", refuse)
    status, _, reply = call(StandIn(), b"customer=cus_1")
    error = json.loads(reply)["error"]
    assert status == 400 and (error["code"], error["param"]) == ("parameter_refused", "customer")


def test_pythons_digit_limit_makes_no_500(tmp_path):
    command = [sys.executable, "-c", f"from validator.standin.serving import serve; serve({HOST!r}, 0)"]
    server = Server(tmp_path, command, env={**os.environ, "PYTHONINTMAXSTRDIGITS": "640"})
    try:
        limit = "components[payment_element][features][payment_method_redisplay_limit]"
        above = server.post(f"components[payment_element][enabled]=true&{limit}={'9' * 700}")
        assert above.status == 400, above  # past the documented maximum of 10, however it is read
        below = server.post(f"components[payment_element][enabled]=true&{limit}=-{'9' * 700}")
        assert below.status in (200, 400), below  # no minimum is documented: never a 500
    finally:
        server.stop()
