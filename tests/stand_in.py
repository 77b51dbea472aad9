"""A `customer-session serve` process for end-to-end tests: started on a free loopback port, stopped by its PID."""

from __future__ import annotations

import http.client
import json
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
KEY = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"  # the look of a test key; not a real one
PATH = "/v1/customer_sessions"
FORM = "application/x-www-form-urlencoded"


class Response:
    def __init__(self, status: int, headers: dict, body: bytes):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"<Response {self.status} {self.body[:300]!r}>"


class Server:
    """The server process, with the port it picked (``--port 0``) and its standard error in a file."""

    def __init__(self, folder: Path, command: list[str] | None = None, env: dict | None = None):
        self.log_file = folder / "stand-in.log"
        command = command or [sys.executable, "-m", "validator", "serve", "--host", HOST, "--port", "0"]
        with open(self.log_file, "wb") as log:
            self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
                                            cwd=ROOT, env=env)
        try:
            self.port = self._announced_port()
            self._wait_until_it_answers()
        except BaseException:
            self.stop()
            raise

    def _announced_port(self) -> int:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            found = re.search(rf"http://{re.escape(HOST)}:(\d+)", self.log())
            if found:
                return int(found.group(1))
            if self.process.poll() is not None:
                raise AssertionError(f"the server exited ({self.process.returncode}): {self.log()[-2000:]}")
            time.sleep(0.05)
        raise AssertionError(f"the server named no port within 60 s: {self.log()[-2000:]}")

    def _wait_until_it_answers(self) -> None:
        deadline = time.monotonic() + 30
        while True:
            try:
                self.request("GET", "/")
                return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise AssertionError(f"the server does not answer: {self.log()[-2000:]}") from None
                time.sleep(0.05)

    def log(self) -> str:
        return self.log_file.read_text(encoding="utf-8", errors="replace")

    def line_of(self, response) -> str:
        """The one log line of the request `response` answers, found by its Request-Id (10 s at most).

        The server writes the lines of one turn of its event loop together,
        at the end of the turn: a moment after the answers.
        """
        return self.line_of_id(response.headers["request-id"])

    def line_of_id(self, request_id: str) -> str:
        """The one log line of the request with that id (10 s at most)."""
        deadline = time.monotonic() + 10
        while True:
            lines = [line for line in self.log().splitlines() if line.endswith(" " + request_id)]
            if lines or time.monotonic() > deadline:
                assert len(lines) == 1, (request_id, lines)
                return lines[0]
            time.sleep(0.01)

    def request(self, method: str = "POST", path: str = PATH, body: bytes | str = b"", headers: dict | None = None,
                key: str | None = KEY) -> Response:
        """One request on a fresh connection; `key` as Bearer auth unless None or given in `headers`."""
        headers = dict(headers or {})
        if key is not None:
            headers.setdefault("Authorization", f"Bearer {key}")
        if isinstance(body, str):
            body = body.encode("utf-8")
        if body and method == "POST":
            headers.setdefault("Content-Type", FORM)
        connection = http.client.HTTPConnection(HOST, self.port, timeout=30)
        try:
            connection.request(method, path, body=body or None, headers=headers)
            reply = connection.getresponse()
            return Response(reply.status, {k.lower(): v for k, v in reply.getheaders()}, reply.read())
        finally:
            connection.close()

    def post(self, body: bytes | str, **options) -> Response:
        return self.request("POST", PATH, body, **options)

    def raw(self, data: bytes, *, stop_sending_when_answered: bool = False, chunk: int = 65536) -> bytes:
        """Send raw bytes on one connection; return everything the server sends back until it closes or stops."""
        with socket.create_connection((HOST, self.port), timeout=30) as sock:
            for start in range(0, len(data), chunk):
                if stop_sending_when_answered:
                    sock.settimeout(0)
                    try:
                        if sock.recv(1, socket.MSG_PEEK):
                            break
                    except BlockingIOError:
                        pass
                    sock.settimeout(30)
                try:
                    sock.sendall(data[start:start + chunk])
                except (BrokenPipeError, ConnectionResetError):
                    break
            sock.settimeout(5)
            received = b""
            try:
                while True:
                    part = sock.recv(65536)
                    if not part:
                        break
                    received += part
                    if _complete(received):
                        break
            except (ConnectionResetError, TimeoutError, socket.timeout):
                pass
            return received

    def alive(self) -> bool:
        return self.process.poll() is None and self.request("GET", "/", key=None).status == 401

    def stop(self) -> int | None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def _complete(data: bytes) -> bool:
    """True once `data` holds one whole response with a Content-Length."""
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return False
    length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    return bool(length) and len(body) >= int(length.group(1))


def status_of(raw: bytes) -> int:
    match = re.match(rb"HTTP/1\.[01] (\d{3})", raw)
    assert match, f"not an HTTP response: {raw[:200]!r}"
    return int(match.group(1))


def body_of(raw: bytes):
    return json.loads(raw.partition(b"\r\n\r\n")[2])
