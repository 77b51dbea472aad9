"""A minimal Chrome DevTools Protocol client over ``--remote-debugging-pipe``.

The pipe transport needs no websocket library and no port: Chromium reads
commands from fd 3 and writes replies and events to fd 4, each message one
JSON text ended by a NUL byte.  Enough for loading a page, collecting every
console error and exception, and evaluating a script.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--mute-audio",
]

# A guard against a hung browser, not a measurement: no test asserts on time.
PATIENCE = 60.0


class BrowserUnavailable(Exception):
    """Chromium is missing or would not start: the caller skips, saying why."""


def executable() -> str | None:
    for name in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


class Browser:
    def __init__(self):
        path = executable()
        if path is None:
            raise BrowserUnavailable("no chromium on PATH (.ci/run installs the Debian package 'chromium')")
        self.profile = tempfile.TemporaryDirectory(prefix="docs-chromium-")
        self.log = open(os.path.join(self.profile.name, "stderr.log"), "w+b")
        to_child, self._out = os.pipe()
        self._in, from_child = os.pipe()

        def wire_fds():
            # Chromium expects its end of the pipes at fds 3 and 4; move them
            # out of the way first so neither dup2 clobbers the other.
            high_in = fcntl.fcntl(to_child, fcntl.F_DUPFD, 10)
            high_out = fcntl.fcntl(from_child, fcntl.F_DUPFD, 10)
            os.dup2(high_in, 3)
            os.dup2(high_out, 4)

        user_data = os.path.join(self.profile.name, "profile")
        try:
            self.process = subprocess.Popen(
                [path, *FLAGS, f"--user-data-dir={user_data}", "--remote-debugging-pipe", "about:blank"],
                stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
                preexec_fn=wire_fds, close_fds=False,
            )
        except OSError as exc:
            raise BrowserUnavailable(f"{path} would not start: {exc}") from None
        finally:
            os.close(to_child)
            os.close(from_child)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []
        try:
            self.call("Browser.getVersion")
        except BrowserUnavailable:
            self.close()
            raise

    def stderr_tail(self, limit=600) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")[-limit:]

    def _receive(self, deadline) -> dict:
        while b"\0" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BrowserUnavailable(f"chromium did not answer within {PATIENCE:.0f} s; "
                                         f"its stderr ends: {self.stderr_tail()}")
            ready, _, _ = select.select([self._in], [], [], remaining)
            if ready:
                chunk = os.read(self._in, 65536)
                if not chunk:
                    raise BrowserUnavailable(f"chromium exited (status {self.process.poll()}); "
                                             f"its stderr ends: {self.stderr_tail()}")
                self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method, params=None, session=None) -> dict:
        self._next_id += 1
        request = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            request["sessionId"] = session
        os.write(self._out, json.dumps(request).encode() + b"\0")
        deadline = time.monotonic() + PATIENCE
        while True:
            message = self._receive(deadline)
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise RuntimeError(f"{method} failed: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, method, session=None) -> dict:
        deadline = time.monotonic() + PATIENCE
        for event in self.events:
            if event.get("method") == method and event.get("sessionId") == session:
                return event
        while True:
            message = self._receive(deadline)
            self.events.append(message)
            if message.get("method") == method and message.get("sessionId") == session:
                return message

    def open(self, url) -> str:
        """A new tab showing `url`, loaded; returns its session id."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable", session=session)
        self.call("Page.navigate", {"url": url}, session=session)
        self.wait_for("Page.loadEventFired", session)
        return session

    def evaluate(self, session, expression):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True}, session=session)
        if "exceptionDetails" in result:
            raise RuntimeError(f"script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def problems(self, session) -> list[str]:
        """Console errors, uncaught exceptions and error log entries of one tab, so far."""
        found = []
        for event in self.events:
            if event.get("sessionId") != session:
                continue
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                found.append(f"exception: {details.get('exception', {}).get('description') or details.get('text')}")
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append("console." + params["type"] + ": "
                             + " ".join(str(a.get("value", a.get("description"))) for a in params.get("args", [])))
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                found.append(f"log: {params['entry'].get('text')} {params['entry'].get('url', '')}".strip())
        return found

    def close(self):
        try:
            if self.process.poll() is None:
                try:
                    self.call("Browser.close")
                except (BrowserUnavailable, RuntimeError, OSError):
                    pass
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
        finally:
            for fd in (self._in, self._out):
                try:
                    os.close(fd)
                except OSError:
                    pass
            self.log.close()
            self.profile.cleanup()
