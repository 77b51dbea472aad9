"""`serve`, under its former name: it lives in `validator.standin.serving` (importing either imports uvicorn)."""

from __future__ import annotations

from .standin.serving import serve as serve
