"""The stand-in's ASGI application, under its former name: it lives in `validator.standin.app`."""

from __future__ import annotations

from .standin.app import PATH as PATH
from .standin.app import StandIn as StandIn
