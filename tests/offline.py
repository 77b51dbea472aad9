"""A fixture that proves code stays offline: import it into a test module to use it."""

from __future__ import annotations

import socket

import pytest


@pytest.fixture
def no_network(monkeypatch):
    """Records, and refuses, any attempt to reach the network; the test fails if there was one.

    Recording matters: a library that swallows the refusal and reports a ref
    as unresolvable would otherwise look offline.
    """
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args[:2])
        raise OSError("network access refused by the test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    yield
    assert attempts == [], f"network access attempted: {attempts[:3]}"
