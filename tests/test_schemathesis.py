"""schemathesis, an independent OpenAPI tester, against the stand-in with the project's own document.

The stand-in (`customer-session serve`) runs on a loopback port the test
picked and is stopped by its PID; schemathesis gets the document
`customer-session openapi` prints, a test key, and the hooks of
tests/schemathesis_hooks.py, which send bodies as stripe-python does.  Every
check runs but two: ``unsupported_method`` (Stripe answers 404 to another
method, not the 405 the check wants) and ``negative_data_rejection`` (the
bracket encoding is lossy -- an empty object or a null sends nothing -- so
data that is invalid as generated may be valid as sent).  The run is bounded
in count (the examples and coverage phases by the schema, fuzzing by
``--max-examples 100``; about 250 requests) and in time (the process is
killed after 180 s), derandomized with no example database, so every run
sends the same requests; its report proves that every one went to the stand-in.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest

from stand_in import HOST, KEY, Server
from validator.openapi import METHOD, RESPONSE_MEDIA_TYPE
from validator.openapi import PATH as DOCUMENT_PATH

TESTS = Path(__file__).resolve().parent
EXAMPLES = TESTS / "examples"
# The reference's own request, as stripe-python sends it.
REFERENCE_BODY = "customer=cus_PO34b57IOUb83c&components[pricing_table][enabled]=true"
CHECKS_LEFT_OUT = "unsupported_method,negative_data_rejection"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    stand_in = Server(tmp_path_factory.mktemp("stand-in"))
    yield stand_in
    stand_in.stop()


@pytest.fixture(scope="module")
def document(tmp_path_factory) -> Path:
    """The document as a user gets it: `customer-session openapi`, run as a command."""
    run = subprocess.run([sys.executable, "-m", "validator", "openapi"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    path = tmp_path_factory.mktemp("openapi") / "openapi.json"
    path.write_text(run.stdout, encoding="utf-8")
    return path


def _operation(document: Path) -> dict:
    return json.loads(document.read_text(encoding="utf-8"))["paths"][DOCUMENT_PATH][METHOD]


# ---------------------------------------------------------------- the hooks


def _serialize(body):
    """What the hook sends for a case whose generated body is `body`.

    schemathesis hands the hook an object body already flattened its own way
    (`value`); the hook must encode the case's body instead.
    """
    import schemathesis_hooks

    value = {"flattened[by]": "schemathesis"} if isinstance(body, dict) else body
    return schemathesis_hooks.stripe_form(SimpleNamespace(case=SimpleNamespace(body=body)), value)


@pytest.mark.parametrize("name", ["reference-example", "every-param", "empty-filters-and-features"])
def test_the_hook_sends_what_stripe_python_sends(name):
    from test_form import _Recorder

    params = json.loads((EXAMPLES / "valid" / f"{name}.json").read_text(encoding="utf-8"))
    assert _serialize(params) == _Recorder().body(params).encode("utf-8")


def test_the_hook_encodes_the_body_as_generated():
    assert _serialize({"customer": "cus_PO34b57IOUb83c", "components": {"pricing_table": {"enabled": True}}}) \
        == REFERENCE_BODY.encode()
    # An empty object sends nothing (schemathesis' own deepObject writer sends `a[b]=`).
    assert _serialize({"components": {"pricing_table": {"enabled": True, "features": {}}}}) \
        == b"components[pricing_table][enabled]=true"
    # What is not an object goes as schemathesis would send it.
    assert _serialize(None) is None
    assert _serialize([1, "a"]) == b'[1, "a"]'
    assert _serialize("a=b") == b"a=b"


# ---------------------------------------------------------------- security, as documented


def test_a_request_without_a_key_gets_the_documented_401(server, document):
    from openapi_schema_validator import OAS31Validator

    whole = json.loads(document.read_text(encoding="utf-8"))
    operation = _operation(document)
    declared = operation["responses"]["401"]
    schema = declared["content"][RESPONSE_MEDIA_TYPE]["schema"]
    engine = OAS31Validator({"$ref": schema["$ref"].replace("#", "urn:document#", 1)},
                            registry=_registry(whole))

    for headers in ({}, {"Authorization": "Bearer"}, {"Authorization": "Bearer sk_live_" + "x" * 24}):
        answer = server.post(REFERENCE_BODY, headers=headers, key=None)
        assert answer.status == 401, (headers, answer)
        assert answer.headers["content-type"].startswith(RESPONSE_MEDIA_TYPE)
        assert "www-authenticate" in answer.headers and set(declared["headers"]) == {"WWW-Authenticate"}
        engine.validate(answer.json())
        assert answer.json()["error"]["type"] == "invalid_request_error"


def test_both_documented_schemes_are_accepted(server, document):
    schemes = json.loads(document.read_text(encoding="utf-8"))["components"]["securitySchemes"]
    required = _operation(document)["security"]
    # Either scheme will do: one requirement object per scheme, each naming one declared scheme.
    assert sorted(schemes[name]["scheme"] for entry in required for name in entry) == ["basic", "bearer"]
    assert all(len(entry) == 1 and all(schemes[name]["type"] == "http" for name in entry) for entry in required)
    basic = base64.b64encode(f"{KEY}:".encode()).decode()
    for authorization in (f"Bearer {KEY}", f"Basic {basic}"):
        answer = server.post(REFERENCE_BODY, headers={"Authorization": authorization}, key=None)
        assert answer.status == 200, (authorization.split()[0], answer)
        assert answer.json()["object"] == "customer_session"


def _registry(document: dict):
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    return Registry().with_resource("urn:document", Resource(contents=document, specification=DRAFT202012))


# ---------------------------------------------------------------- expand, as documented

# Names a client may try to expand: what the stand-in expands, paths under it, and what it does not.
EXPANSIONS = ["customer", "customer.default_source", "customer.invoice_settings.default_payment_method",
              "customer.a.b.c", "customer.a.b.c.d", "", "components", "customer_account", "customer.", "foo"]


@pytest.mark.parametrize("name", EXPANSIONS)
def test_expand_entries_are_what_the_stand_in_expands(server, document, name):
    """An expand entry is valid in the document exactly when the stand-in expands it (200), else a 400 on it."""
    from urllib.parse import quote

    from openapi_schema_validator import OAS31Validator

    whole = json.loads(document.read_text(encoding="utf-8"))
    body = _operation(document)["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]["$ref"]
    engine = OAS31Validator({"$ref": f"{body.replace('#', 'urn:document#', 1)}/properties/expand/items"},
                            registry=_registry(whole))
    answer = server.post(f"{REFERENCE_BODY}&expand[0]={quote(name)}")
    assert answer.status in (200, 400), answer
    if answer.status == 400:
        assert answer.json()["error"]["param"] == "expand[0]", answer
    assert engine.is_valid(name) == (answer.status == 200), (name, answer)


# ---------------------------------------------------------------- the run


@pytest.mark.slow
def test_schemathesis_finds_nothing(server, document, tmp_path):
    report = tmp_path / "events.ndjson"
    base = f"http://{HOST}:{server.port}"
    command = [
        sys.executable, "-m", "schemathesis.cli", "run", str(document),
        "--url", base,
        "--header", f"Authorization: Bearer {KEY}",
        "--checks", "all", "--exclude-checks", CHECKS_LEFT_OUT,
        "--phases", "examples,coverage,fuzzing",
        "--max-examples", "100",
        "--generation-deterministic",  # derandomized; implies no example database
        "--workers", "1", "--request-timeout", "10", "--no-color",
        "--report", "ndjson", "--report-ndjson-path", str(report),
    ]
    env = dict(os.environ, SCHEMATHESIS_HOOKS="schemathesis_hooks",
               PYTHONPATH=os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")])))
    # cwd: schemathesis writes its own files (a report folder) where it runs.
    run = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180)
    out = run.stdout + run.stderr
    assert run.returncode == 0, out[max(out.find("= FAILURES ="), 0):][:6000]
    assert "No issues found" in out, out[-3000:]

    requests = list(_requests(report))
    assert len(requests) >= 100, len(requests)
    assert {(urlsplit(url).scheme, urlsplit(url).hostname, urlsplit(url).port) for url, _ in requests} \
        == {("http", HOST, server.port)}, "traffic outside the stand-in"
    bodies = [body for _, body in requests if body]
    # The hook was in use: nested params went in brackets, never as Python or JSON text.
    assert any(b"components[" in body for body in bodies)
    assert not any(b"components=" in body or b"%5B" in body for body in bodies)


def _requests(report: Path):
    """(url, body bytes or None) of every request the ndjson report records."""
    stack = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines() if line.strip()]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            request = item.get("request")
            url = request.get("uri", request.get("url")) if isinstance(request, dict) else None
            if isinstance(url, str):  # "uri" in the recorded interactions, "url" in the probes
                body = request.get("body")
                yield url, base64.b64decode(body["$base64"]) if isinstance(body, dict) else None
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
