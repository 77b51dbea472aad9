"""The stand-in server for ``POST /v1/customer_sessions``.

- `app`: the ASGI application, `StandIn` (standard library and the package only);
- `answers`: what it says (Stripe's error bodies, headers, request ids), `log`: its log lines;
- `faults`: Stripe's failures on request; `upstream`: passing requests to stripe-mock or Stripe (httpx);
- `serving`: `serve`, with uvicorn; `protocol`: the one module that leans on uvicorn's insides.

Importing this package imports neither uvicorn nor httpx.
"""

from __future__ import annotations

from .app import PATH, StandIn
from .faults import FaultError

__all__ = ["PATH", "FaultError", "StandIn"]
