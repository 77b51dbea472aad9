"""The contract: one verdict from every door, on what stripe-python actually sends.

For params ``p`` with an edge value at some leaf (an empty string, a float,
a huge number, a long string, a wrong enum value, an unknown key), the body
stripe-python sends for ``p`` is made with stripe-python's own encoder, and
four doors judge it:

- ``customer-session validate --form`` on that body (the CLI, in process);
- ``validator.http_client()`` (stripe-python's HTTP client hook) given that body;
- the stand-in (its ASGI application, in process) answering that body;
- ``validator.iter_errors(p)``, the Python door, on ``p`` itself.

The three wire doors give the same verdict and the same first error (param
and code).  The Python door gives it too whenever the body stands for ``p``
exactly (decoding it gives ``p`` back, types and all).  Where it does not,
the wire has lost something (a ``None``, ``{}`` or ``[]`` stripe-python
drops; ``True`` and ``"true"``, ``5`` and ``"5"``, which the wire writes
alike), and the Python door is the stricter one: whatever it accepts, the
wire doors accept.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import io
import json
import tempfile
from pathlib import Path
from urllib.parse import urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import validator
from schema_data import payloads
from validator import cli, form
from validator.standin import StandIn
from validator.standin.app import PATH

stripe = pytest.importorskip("stripe")
from stripe._encode import _api_encode  # noqa: E402 - stripe-python's own encoder, as its requestor calls it

KEY = "sk_test_contract"
APP = StandIn()
_FOLDER = Path(tempfile.mkdtemp(prefix="contract-"))

EDGES = st.one_of(
    st.just(""),
    st.just(3.0),
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from(["x" * 5000, "x" * 5001, "enabled", "disabled", "ENABLED", "always", "off_session",
                     "customer", "customer.invoice_settings.default_payment_method", "customer.a.b.c.d", "foo",
                     "true", "false", "12", "cus_1"]),
    st.booleans(),
    st.none(),
    st.just({}),
    st.just([]),
)


def _leaves(value, path=()):
    if isinstance(value, dict):
        yield path
        for key, inner in value.items():
            yield from _leaves(inner, (*path, key))
    elif isinstance(value, list):
        yield path
        for index, inner in enumerate(value):
            yield from _leaves(inner, (*path, index))
    else:
        yield path


@st.composite
def edged(draw):
    """A valid payload with one edge value put at one of its places, or an unknown key added to one of its objects."""
    params = copy.deepcopy(draw(payloads()))
    places = [path for path in _leaves(params) if path]
    path = draw(st.sampled_from(places))
    parent = params
    for part in path[:-1]:
        parent = parent[part]
    if isinstance(parent, dict) and draw(st.booleans()) and draw(st.booleans()):
        parent[draw(st.sampled_from(["zz_unknown", "enabld", "features"]))] = draw(EDGES)
    else:
        parent[path[-1]] = draw(EDGES)
    return params


def body_of(params: dict) -> str:
    return urlencode(list(_api_encode(params)))


def _first(errors) -> tuple | None:
    return (errors[0]["param"], errors[0]["code"]) if errors else None


def by_cli(body: str) -> tuple | None:
    path = _FOLDER / "body.txt"
    path.write_text(body)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = cli.main(["validate", "--form", "--format", "json", str(path)])
    report = json.loads(out.getvalue())
    assert status == (0 if report["valid"] else 1), report
    return _first(report["errors"])


class _Offline(stripe.HTTPClient):
    name = "offline"

    def request_with_retries(self, *args, **kwargs):
        return b'{"object": "customer_session"}', 200, {}


def by_client(body: str) -> tuple | None:
    client = validator.http_client(_Offline())
    try:
        client.request_with_retries("post", "https://api.stripe.com" + PATH, {}, body)
    except validator.ValidationError as exc:
        return exc.errors[0].param, exc.errors[0].code
    return None


def by_stand_in(body: str) -> tuple | None:
    data = body.encode("ascii")
    sent = []

    async def receive():
        return {"type": "http.request", "body": data, "more_body": False}

    async def send(message):
        sent.append(message)

    headers = [(b"authorization", f"Bearer {KEY}".encode()), (b"content-length", str(len(data)).encode()),
               (b"content-type", b"application/x-www-form-urlencoded")]
    asyncio.run(APP({"type": "http", "method": "POST", "path": PATH, "query_string": b"", "headers": headers},
                    receive, send))
    status, answer = sent[0]["status"], json.loads(sent[1]["body"])
    if status == 200:
        return None
    assert status == 400, (status, answer)
    return answer["error"].get("param", ""), answer["error"]["code"]


def by_python(params: dict) -> tuple | None:
    errors = list(validator.iter_errors(params))
    return (errors[0].param, errors[0].code) if errors else None


def _exact(value):
    """A JSON value with its types spelled out: ``True`` and ``1``, ``1`` and ``1.0`` stay apart."""
    return json.dumps(value, sort_keys=True) + repr(value)


@settings(max_examples=150)
@given(edged())
def test_every_door_gives_the_same_verdict_and_first_error(params):
    body = body_of(params)
    wire = by_cli(body)
    assert by_client(body) == wire, (params, body)
    assert by_stand_in(body) == wire, (params, body)
    try:
        exact = _exact(form.decode(body)) == _exact(params)
    except form.FormError:
        exact = False
    python = by_python(params)
    if exact:
        assert python == wire, (params, body)
    elif python is None:  # what the Python door accepts, the wire accepts
        assert wire is None, (params, body)


@pytest.mark.parametrize("params, first", [
    # Stripe's own answers, documented: an empty value cannot unset a param on a create; a float is no integer.
    ({"customer": "", "components": {"buy_button": {"enabled": True}}}, ("customer", "parameter_invalid_empty")),
    ({"components": {"buy_button": {"enabled": ""}}}, ("components[buy_button][enabled]", "parameter_invalid_empty")),
    ({"expand": ["customer", ""], "components": {"buy_button": {"enabled": True}}},
     ("expand[1]", "parameter_invalid_empty")),
    ({"components": {"payment_element": {"enabled": True, "features": {"payment_method_redisplay_limit": 3.0}}}},
     ("components[payment_element][features][payment_method_redisplay_limit]", "parameter_invalid_integer")),
    # Stripe's OpenAPI document: at most 5000 characters.
    ({"customer": "x" * 5001, "components": {"buy_button": {"enabled": True}}}, ("customer", "parameter_too_long")),
    ({"customer": "x" * 5000, "components": {"buy_button": {"enabled": True}}}, None),
])
def test_the_documented_edges_at_every_door(params, first):
    body = body_of(params)
    assert by_python(params) == by_cli(body) == by_client(body) == by_stand_in(body) == first


def test_the_empty_string_answer_is_stripes_word_for_word():
    body = body_of({"customer": "", "components": {"buy_button": {"enabled": True}}})
    (error,) = list(validator.iter_errors(form.decode(body)))
    assert error.message == (
        "You passed an empty string for 'customer'. We assume empty values are an attempt to unset a parameter; "
        "however 'customer' cannot be unset. You should remove 'customer' from your request or supply a "
        "non-empty value.")
