"""Validate Stripe *Create a Customer Session* params against hand-written JSON Schemas.

Importing this package loads nothing heavy: the schemas are read, and
jsonschema imported, on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what the lazy names below are, for type checkers (nothing is imported at run time)
    from . import bundle, form, openapi
    from .check import Checker, params, response
    from .defaults import fill_defaults
    from .errors import Error, ParamError, ValidationError
    from .linting import LintWarning, lint
    from .loader import registry, schema
    from .stripe_client import http_client

    validate = params.validate
    is_valid = params.is_valid
    iter_errors = params.iter_errors

#: The package version; pyproject.toml reads it from here (the one place it is stated).
__version__ = "0.2.0"

__all__ = [
    "__version__",
    "Checker",
    "Error",
    "LintWarning",
    "ParamError",
    "ValidationError",
    "bundle",
    "fill_defaults",
    "form",
    "http_client",
    "is_valid",
    "iter_errors",
    "lint",
    "openapi",
    "params",
    "registry",
    "response",
    "schema",
    "validate",
]

# public name -> (module, attribute)
_EXPORTS = {
    "ParamError": ("validator.errors", "ParamError"),
    "ValidationError": ("validator.errors", "ValidationError"),
    "Error": ("validator.errors", "Error"),
    "Checker": ("validator.check", "Checker"),
    "params": ("validator.check", "params"),
    "response": ("validator.check", "response"),
    "registry": ("validator.loader", "registry"),
    "schema": ("validator.loader", "schema"),
    "fill_defaults": ("validator.defaults", "fill_defaults"),
    "lint": ("validator.linting", "lint"),
    "LintWarning": ("validator.linting", "LintWarning"),
    # Needs the optional stripe extra; the module imports stripe only when called.
    "http_client": ("validator.stripe_client", "http_client"),
}


# public name -> submodule, imported on first use
_SUBMODULES = {"bundle": "validator.bundle", "form": "validator.form", "openapi": "validator.openapi"}


# The params checker's methods, as top-level functions.
_METHODS = ("validate", "is_valid", "iter_errors")


def __getattr__(name: str) -> Any:
    if name in _METHODS:
        from .check import params

        params._build()  # the generated functions themselves, not methods calling them
        value = getattr(params, name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(_SUBMODULES[name])
    try:
        module, attribute = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'validator' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
