"""Stripe's failures, played on request: the ``Stand-In-Fault`` header, or at random.

Kinds (each imitates something Stripe does; see the stand-in's manual):

- ``drop``: the request is handled (a valid create creates the session and saves it
  under its Idempotency-Key), then the connection closes with no answer;
- ``rate_limit``: 429 before anything executes, Stripe's ``rate_limit`` body, nothing saved;
- ``api_error``: the create executes and fails: 500 ``api_error``, saved under the
  Idempotency-Key, so a retry with that key gets the same 500 replayed;
- ``delay=MS``: the answer after MS milliseconds (at most MAX_DELAY_MS).

`Faults` draws them at random from ``KIND:RATE`` specs (``drop:0.1``), seeded
for a run that repeats.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import NamedTuple

from ..errors import Error

#: The request header that asks for a fault (lower case, as ASGI gives header names).
HEADER = b"stand-in-fault"
#: The longest delay a fault may ask for, in milliseconds (30 s: past stripe-python's retry waits,
#: below its 80 s default timeout, so a client's own shorter timeout can be tested).
MAX_DELAY_MS = 30_000
KINDS = ("drop", "rate_limit", "api_error", "delay")


class FaultError(Error, ValueError):
    """A fault spec or header value this server does not know; the message is one line."""


class Fault(NamedTuple):
    kind: str
    delay_ms: int = 0


def parse(text: str) -> Fault:
    """The fault `text` names: ``drop``, ``rate_limit``, ``api_error`` or ``delay=MS``."""
    name, equals, amount = text.strip().partition("=")
    name = name.strip().lower()
    if name == "delay" and equals:
        amount = amount.strip()
        if amount.isdigit() and len(amount) <= 6 and int(amount) <= MAX_DELAY_MS:
            return Fault("delay", int(amount))
        raise FaultError(f"fault {_quoted(text)}: delay=MS takes a whole number of milliseconds from 0 to "
                         f"{MAX_DELAY_MS}")
    if name in KINDS and name != "delay" and not equals:
        return Fault(name)
    raise FaultError(f"unknown fault {_quoted(text)}: use drop, rate_limit, api_error or delay=MS "
                     f"(MS from 0 to {MAX_DELAY_MS})")


def _quoted(text: str) -> str:
    text = "".join(char if char.isprintable() else "?" for char in text[:41])
    return repr(text if len(text) <= 40 else text[:40] + "…")


class Faults:
    """Faults drawn at random, one draw per request that executes.

    `specs` are ``KIND:RATE`` strings (``drop:0.1``, ``delay=250:0.5``), a kind
    at most once; the rates are chances from 0 to 1 and add up to at most 1.
    `seed` makes the draws repeat from run to run.
    """

    def __init__(self, specs: Iterable[str] = (), seed: int | None = None) -> None:
        chances: list[tuple[Fault, float]] = []
        for spec in specs:
            kind, colon, rate_text = spec.rpartition(":")
            if not colon:
                raise FaultError(f"fault spec {_quoted(spec)}: write KIND:RATE, e.g. drop:0.1")
            fault = parse(kind)
            try:
                rate = float(rate_text)
            except ValueError:
                rate = -1.0
            if not 0 <= rate <= 1:
                raise FaultError(f"fault spec {_quoted(spec)}: the rate must be a number from 0 to 1")
            if any(known.kind == fault.kind for known, _ in chances):
                raise FaultError(f"fault spec {_quoted(spec)}: {fault.kind} is given twice")
            chances.append((fault, rate))
        if sum(rate for _, rate in chances) > 1 + 1e-9:
            raise FaultError("the fault rates add up to more than 1 (one fault at most per request)")
        self.chances = tuple(chances)
        self.seed = seed
        self._random = random.Random(seed)

    def __bool__(self) -> bool:
        return any(rate > 0 for _, rate in self.chances)

    def draw(self) -> Fault | None:
        """The fault for the next request that executes, or None."""
        point = self._random.random()
        for fault, rate in self.chances:
            if point < rate:
                return fault
            point -= rate
        return None
