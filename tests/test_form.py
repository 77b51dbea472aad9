"""The form codec: Stripe's application/x-www-form-urlencoded bodies.

Tables of bodies and what they decode to, a table of hostile bodies, and
properties against the real stripe-python encoder over payloads generated
from the schemas.
"""

import copy
import json
import os
import re
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import validator
from validator import form, loader
from validator.errors import KEY_LIMIT
from validator.cli import main

from schema_data import payloads

SEED_BODY = "customer=cus_PO34b57IOUb83c&components[pricing_table][enabled]=true"
SEED_PARAMS = {"customer": "cus_PO34b57IOUb83c", "components": {"pricing_table": {"enabled": True}}}

PE = "components[payment_element]"
FEATURES = PE + "[features]"
FILTERS = FEATURES + "[payment_method_allow_redisplay_filters]"
LIMIT = FEATURES + "[payment_method_redisplay_limit]"


def pe_features(**features):
    return {"components": {"payment_element": {"features": features}}}


# ------------------------------------------------------------------ stripe-python


class _Recorder:
    """An HTTP client for stripe-python that records the body instead of sending it."""

    def __init__(self):
        import stripe

        class Recorder(stripe.HTTPClient):
            name = "recorder"
            bodies = []

            def request(self, method, url, headers, post_data=None):
                self.bodies.append(post_data)
                return json.dumps({"object": "customer_session"}), 200, {}

            def close(self):
                pass

        self.http = Recorder()
        self.client = stripe.StripeClient("sk_test_recorder", http_client=self.http, max_network_retries=0)

    def body(self, params) -> str:
        """The body stripe-python POSTs to create a customer session with `params`."""
        self.client.v1.customer_sessions.create(copy.deepcopy(params))
        return self.http.bodies[-1]


@pytest.fixture(scope="module")
def stripe_body():
    return _Recorder().body


def dropped(value):
    """`value` less what stripe-python sends nothing for: None and (emptied) containers, at object level."""
    if isinstance(value, dict):
        kept = {key: dropped(item) for key, item in value.items() if item is not None}
        return {key: item for key, item in kept.items() if item != {} and item != []}
    if isinstance(value, list):
        kept = [dropped(item) for item in value]
        return [item for item in kept if item != {} and item != []]
    return value


# ------------------------------------------------------------------ decoding

DECODES = [
    ("seed curl example", SEED_BODY, SEED_PARAMS),
    ("bytes body", SEED_BODY.encode(), SEED_PARAMS),
    ("empty body", "", {}),
    ("false where boolean", PE + "[enabled]=false", {"components": {"payment_element": {"enabled": False}}}),
    ("digits in a string param stay a string", "customer=12345", {"customer": "12345"}),
    ("true in a string param stays a string", "customer=true", {"customer": "true"}),
    ("digits in a string array stay strings", "expand[0]=123", {"expand": ["123"]}),
    ("integer where integer", LIMIT + "=7", pe_features(payment_method_redisplay_limit=7)),
    ("zero integer", LIMIT + "=0", pe_features(payment_method_redisplay_limit=0)),
    ("negative integer", LIMIT + "=-3", pe_features(payment_method_redisplay_limit=-3)),
    ("big integer", LIMIT + "=" + "9" * 30, pe_features(payment_method_redisplay_limit=int("9" * 30))),
    ("float for an integer stays as sent", LIMIT + "=3.0", pe_features(payment_method_redisplay_limit="3.0")),
    ("not a boolean stays as sent", "components[pricing_table][enabled]=yes",
     {"components": {"pricing_table": {"enabled": "yes"}}}),
    ("True is not true", "components[pricing_table][enabled]=True",
     {"components": {"pricing_table": {"enabled": "True"}}}),
    ("not an integer stays as sent", LIMIT + "=abc", pe_features(payment_method_redisplay_limit="abc")),
    ("plus-signed integer stays as sent", LIMIT + "=%2B5", pe_features(payment_method_redisplay_limit="+5")),
    ("non-ASCII digits stay as sent", LIMIT + "=%D9%A3", pe_features(payment_method_redisplay_limit="\u0663")),
    ("indexed array", "expand[0]=customer&expand[1]=customer.tax",
     {"expand": ["customer", "customer.tax"]}),
    ("[] array", "expand[]=customer&expand[]=customer.tax", {"expand": ["customer", "customer.tax"]}),
    ("indices ordered by value", "expand[10]=c&expand[9]=b&expand[0]=a", {"expand": ["a", "b", "c"]}),
    ("sparse indices close up", "expand[3]=b&expand[99999999999]=c&expand[1]=a", {"expand": ["a", "b", "c"]}),
    ("nested array in features", FILTERS + "[0]=always&" + FILTERS + "[1]=limited",
     pe_features(payment_method_allow_redisplay_filters=["always", "limited"])),
    ("negative index is a name", "expand[-1]=x", {"expand": {"-1": "x"}}),
    ("leading zero is a name", "expand[01]=x", {"expand": {"01": "x"}}),
    ("index and name together make an object", "expand[0]=a&expand[x]=b", {"expand": {"0": "a", "x": "b"}}),
    ("digits under an object are names", "components[0]=x", {"components": {"0": "x"}}),
    ("digits at the top are names", "0=x", {"0": "x"}),
    ("unknown params are strings", "checkout=true&limit=3", {"checkout": "true", "limit": "3"}),
    ("unknown nested params", "components[checkout][enabled]=true", {"components": {"checkout": {"enabled": "true"}}}),
    ("unknown indexed params are arrays", "extra[1]=b&extra[0]=a", {"extra": ["a", "b"]}),
    ("plus is a space", "customer=a+b", {"customer": "a b"}),
    ("percent-escapes", "customer=a%26b%3Dc%2B%C3%A9", {"customer": "a&b=c+\u00e9"}),
    ("escaped brackets in a key", "components%5Bpricing_table%5D%5Benabled%5D=true",
     {"components": {"pricing_table": {"enabled": True}}}),
    ("raw non-ASCII", "customer=caf\u00e9", {"customer": "caf\u00e9"}),
    ("raw brackets in a value", "customer=a[b]", {"customer": "a[b]"}),
    ("empty value", "customer=", {"customer": ""}),
    ("pair without =", "customer", {"customer": ""}),
    ("= in a value", "customer=a=b", {"customer": "a=b"}),
    ("empty pairs are skipped", "&&customer=x&&", {"customer": "x"}),
    ("off-schema arrays of objects", "extra[1][b]=2&extra[0][a]=1", {"extra": [{"a": "1"}, {"b": "2"}]}),
    ("arrays in arrays", "x[1]=3&x[0][1]=2&x[0][0]=1", {"x": [["1", "2"], "3"]}),
    ("[] items that are objects", "x[][a]=1&x[][a]=2", {"x": [{"a": "1"}, {"a": "2"}]}),
    ("a name beside an index inside an array", "x[0][0]=1&x[0][y]=2", {"x": [{"0": "1", "y": "2"}]}),
    ("an array among typed params", FILTERS + "[1]=limited&" + PE + "[enabled]=true&" + FILTERS + "[0]=always&"
     + LIMIT + "=3", {"components": {"payment_element": {"enabled": True, "features": {
         "payment_method_allow_redisplay_filters": ["always", "limited"], "payment_method_redisplay_limit": 3}}}}),
]


@pytest.mark.parametrize("body, expected", [case[1:] for case in DECODES], ids=[case[0] for case in DECODES])
def test_decode(body, expected):
    assert form.decode(body) == expected


VERDICTS = [
    ("seed curl example", SEED_BODY, []),
    ("not a boolean", "components[pricing_table][enabled]=yes",
     [{"param": "components[pricing_table][enabled]", "code": "parameter_invalid_type"}]),
    ("not an integer", "components[payment_element][enabled]=true&" + LIMIT + "=abc",
     [{"param": LIMIT, "code": "parameter_invalid_integer"}]),
    ("float for an integer", "components[payment_element][enabled]=true&" + LIMIT + "=3.0",
     [{"param": LIMIT, "code": "parameter_invalid_integer"}]),
    ("above the maximum", "components[payment_element][enabled]=true&" + LIMIT + "=11",
     [{"param": LIMIT, "code": "parameter_above_maximum"}]),
    ("unknown param", SEED_BODY + "&checkout=true", [{"param": "checkout", "code": "parameter_unknown"}]),
    ("unknown component", SEED_BODY + "&components[checkout][enabled]=true",
     [{"param": "components[checkout]", "code": "parameter_unknown"}]),
    ("negative index", SEED_BODY + "&expand[-1]=customer", [{"param": "expand", "code": "parameter_invalid_type"}]),
    ("huge index", SEED_BODY + "&expand[99999999999]=customer", []),
    ("scalar given as an object", SEED_BODY + "&customer_account[id]=acct_1",
     [{"param": "customer_account", "code": "parameter_invalid_type"}]),
    ("bad enum in a [] array", "components[payment_element][enabled]=true&" + FILTERS + "[]=sometimes",
     [{"param": FILTERS + "[0]", "code": "parameter_invalid_enum"}]),
    ("object given as an array", "components[]=x", [{"param": "components", "code": "parameter_invalid_type"}]),
]


@pytest.mark.parametrize("body, errors", [case[1:] for case in VERDICTS], ids=[case[0] for case in VERDICTS])
def test_decoded_body_verdict(body, errors):
    got = [{"param": e.param, "code": e.code} for e in validator.iter_errors(form.decode(body))]
    assert got == errors


# Hostile bodies: each is a FormError with the given code, or decodes to
# params with the given validation errors.  Never another exception.
HOSTILE = [
    ("huge index", SEED_BODY + "&expand[99999999999]=customer", []),
    ("index of 5000 digits", SEED_BODY + "&expand[" + "9" * 5000 + "]=customer", []),
    ("negative index", SEED_BODY + "&expand[-1]=x", [("expand", "parameter_invalid_type")]),
    ("integer of 5000 digits", "components[payment_element][enabled]=true&" + LIMIT + "=" + "9" * 5000,
     [(LIMIT, "parameter_invalid_integer")]),
    ("33 brackets deep", "a" + "[b]" * 33 + "=1", "form_too_deep"),
    ("10 000 brackets deep", "components" + "[a]" * 10_000 + "=1", "form_too_deep"),
    ("32 brackets deep is decoded", SEED_BODY + "&components" + "[a]" * 31 + "=1",
     [("components[a]", "parameter_unknown")]),
    ("scalar then object", "components=x&components[buy_button][enabled]=true", "form_key_conflict"),
    ("object then scalar", "components[buy_button][enabled]=true&components=x", "form_key_conflict"),
    ("scalar then deeper object", "components[buy_button]=x&components[buy_button][enabled]=true",
     "form_key_conflict"),
    ("[] mixed with indices", "expand[]=a&expand[0]=b", "form_key_conflict"),
    ("indices mixed with []", "expand[0]=a&expand[]=b", "form_key_conflict"),
    ("[] mixed with a name, deeper", "a[0][]=x&a[0][b]=y", "form_key_conflict"),
    ("a value then []", "a=1&a[]=2", "form_key_conflict"),
    ("[] then a value", "a[]=1&a=2", "form_key_conflict"),
    ("unclosed bracket", "components[pricing_table[enabled]=true", "form_invalid_key"),
    ("unopened bracket", "components]pricing_table]=true", "form_invalid_key"),
    ("text after a bracket", "components[pricing_table]x=true", "form_invalid_key"),
    ("no name", "[components]=x", "form_invalid_key"),
    ("empty key", "=x", "form_invalid_key"),
    ("nested brackets", "components[[pricing_table]]=true", "form_invalid_key"),
    ("repeated scalar key", "customer=a&customer=b", "form_repeated_key"),
    ("repeated identical pair", "customer=a&customer=a", "form_repeated_key"),
    ("repeated index", "expand[0]=a&expand[0]=b", "form_repeated_key"),
    ("repeated nested key", SEED_BODY + "&components[pricing_table][enabled]=false", "form_repeated_key"),
    ("percent without digits", "customer=100%", "form_invalid_escape"),
    ("percent with one digit", "customer=%4", "form_invalid_escape"),
    ("percent with non-hex", "customer=%zz", "form_invalid_escape"),
    ("bad escape in a key", "cust%omer=x", "form_invalid_escape"),
    ("invalid UTF-8 byte", b"customer=\xff", "invalid_utf8_in_post_body"),
    ("escaped invalid UTF-8", "customer=%C3%28", "invalid_utf8_in_post_body"),
    ("escaped surrogate", "customer=%ED%A0%80", "invalid_utf8_in_post_body"),
    ("invalid UTF-8 in a key", "c%FFustomer=x", "invalid_utf8_in_post_body"),
    ("lone surrogate in a str body", "customer=\ud800", "invalid_utf8_in_post_body"),
    ("10 MB body", "customer=" + "x" * (10 * 1024 * 1024), "form_too_large"),
    ("10 MB of pairs", "expand[]=x&" * (1024 * 1024), "form_too_large"),
    ("1001 pairs", "&".join(["expand[]=x"] * 1001), "form_too_many_params"),
    ("1001 pairs, a key repeated first", "&".join(["customer=a", "customer=b"] + ["expand[]=x"] * 999),
     "form_too_many_params"),
    ("1001 pairs, bad UTF-8 first", "&".join(["customer=%FF"] + ["expand[]=x"] * 1000), "form_too_many_params"),
    ("1000 pairs and empty ones", "&&".join(["expand[]=customer"] * 999 + [SEED_BODY.split("&")[1]]) + "&" * 5000, []),
    ("1000 pairs are decoded", "&".join(["expand[]=customer"] * 999 + [SEED_BODY.split("&")[1]]), []),
    # Stripe's spec3 bounds customer and customer_account at 5000 characters.
    ("1 MB value", SEED_BODY + "&customer_account=" + "x" * (1024 * 1024 - 200), [("customer_account", "parameter_too_long")]),
    ("1 MB of escapes", "customer=" + "%41" * (1024 * 1024 // 3 - 10),
     [("components", "parameter_missing"), ("customer", "parameter_too_long")]),
    ("1 MB of ampersands", "&" * (1024 * 1024), [("components", "parameter_missing")]),
    ("1 MB key", "k" * (1024 * 1024 - 10) + "=1",
     [("k" * KEY_LIMIT + "…", "parameter_unknown"), ("components", "parameter_missing")]),
]


@pytest.mark.parametrize("body, outcome", [case[1:] for case in HOSTILE], ids=[case[0] for case in HOSTILE])
def test_hostile_body(body, outcome):
    if isinstance(outcome, str):
        with pytest.raises(form.FormError) as raised:
            form.decode(body)
        error = raised.value
        assert isinstance(error, ValueError)
        assert error.code == outcome
        message = str(error)
        assert message and "\n" not in message and len(message) < 200
    else:
        errors = list(validator.iter_errors(form.decode(body)))
        assert [(e.param, e.code) for e in errors] == outcome


def test_form_error_names_the_key():
    with pytest.raises(form.FormError) as raised:
        form.decode("customer=a&customer=b")
    assert raised.value.param == "customer" and "'customer'" in str(raised.value)
    with pytest.raises(form.FormError) as raised:
        form.decode("components[buy_button]=x&components[buy_button][enabled]=true")
    assert raised.value.param == "components[buy_button]"


@given(st.one_of(
    st.binary(max_size=200),
    st.text(alphabet="[]=&%+-09aex\u00e9", max_size=200),
    st.lists(st.sampled_from([
        "components", "[pricing_table]", "[payment_element]", "[features]", "[enabled]", "[]", "[0]", "[1]",
        "[payment_method_redisplay_limit]", "expand", "customer", "=", "=true", "=1", "=-1", "&", "%5B", "%", "[",
    ]), max_size=30).map("".join),
))
@settings(max_examples=300)
def test_any_body_decodes_or_is_a_form_error(body):
    try:
        params = form.decode(body)
    except form.FormError as error:
        assert error.code and str(error)
    else:
        assert isinstance(params, dict)
        assert validator.is_valid(params) == (list(validator.iter_errors(params)) == [])


# ------------------------------------------------------------------ round trips
#
# The oracle is the params themselves: a body that stripe-python's encoding
# makes of them (`form.encode` is held to stripe-python below) decodes back
# to them, and so does every body that means the same -- its pairs in any
# order, its indices renumbered with gaps, any of its characters escaped.

def _is_index(text):
    return text.isascii() and text.isdigit() and (text == "0" or not text.startswith("0"))


# Names of params no schema describes: their values stay the text sent, and
# their digits-only parts (none here) would be indices.  A name holds no
# bracket, which stripe-python sends unescaped.
OFF_SCHEMA_NAMES = st.text(st.characters(codec="utf-8", exclude_characters="[]"), min_size=1, max_size=6).filter(
    lambda name: not _is_index(name))
TEXTS = st.text(st.characters(codec="utf-8"), max_size=8)
OFF_SCHEMA_VALUES = st.recursive(TEXTS, lambda children: st.lists(children, min_size=1, max_size=3)
                                 | st.dictionaries(OFF_SCHEMA_NAMES, children, min_size=1, max_size=3),
                                 max_leaves=10)
OFF_SCHEMA = st.dictionaries(OFF_SCHEMA_NAMES.filter(lambda name: name not in loader.root()["properties"]),
                             OFF_SCHEMA_VALUES, max_size=3)


def mixed_params():
    """Valid params from the schemas, with off-schema params of any text beside them."""
    return st.builds(lambda payload, extra: {**dropped(payload), **extra}, payloads(), OFF_SCHEMA)


@given(mixed_params())
def test_decode_undoes_encode(params):
    assert form.decode(form.encode(params)) == params


def _renumbered(key, step, offset):
    """`key` with every index part n written as n * step + offset: the same order, with gaps."""
    head, bracket_, rest = key.partition("[")
    parts = rest[:-1].split("][") if bracket_ else []
    parts = [str(int(part) * step + offset) if _is_index(part) else part for part in parts]
    return head + "".join(f"[{part}]" for part in parts)


def _escaped(text, lower):
    """`text` with every character but ``+`` (a space) and the escapes already there written as %XX."""
    def escape(match):
        if match.group(1) is None:
            return match.group()
        return "".join(f"%{byte:02x}" if lower else f"%{byte:02X}" for byte in match.group(1).encode())
    return re.sub(r"%[0-9A-Fa-f]{2}|\+|(.)", escape, text, flags=re.S)


@given(mixed_params(), st.randoms(use_true_random=False), st.integers(1, 1000), st.integers(0, 1000),
       st.booleans(), st.booleans())
def test_bodies_that_mean_the_same_decode_the_same(params, random, step, offset, escape_keys, escape_values):
    pairs = [pair.split("=", 1) for pair in form.encode(params).split("&") if pair]
    pairs = [[_renumbered(key, step, offset), value] for key, value in pairs]
    random.shuffle(pairs)
    pairs = [[_escaped(key, random.random() < 0.5) if escape_keys else key,
              _escaped(value, random.random() < 0.5) if escape_values else value] for key, value in pairs]
    body = "&".join(f"{key}={value}" for key, value in pairs)
    assert form.decode(body) == params
    assert form.decode(body.encode("ascii")) == params


def test_decode_rejects_what_is_not_a_body():
    with pytest.raises(TypeError):
        form.decode({"customer": "x"})


def test_decode_shares_nothing():
    before = copy.deepcopy(loader.root())
    first = form.decode(SEED_BODY + "&expand[]=customer")
    first["components"]["pricing_table"]["enabled"] = "changed"
    first["expand"].append("changed")
    assert form.decode(SEED_BODY + "&expand[]=customer") == {**SEED_PARAMS, "expand": ["customer"]}
    assert loader.root() == before


def test_form_is_a_lazy_submodule():
    code = ("import sys, validator; assert 'validator.form' not in sys.modules; "
            "assert validator.form.decode('customer=1') == {'customer': '1'}; "
            "assert 'jsonschema' not in sys.modules; "
            "assert issubclass(validator.form.FormError, ValueError); print('ok')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "ok", done.stderr


def test_form_error_is_the_library_s_error():
    assert issubclass(form.FormError, validator.Error) and issubclass(form.FormError, ValueError)


_DIGITS_SCRIPT = """
import sys, validator
from validator import form
for digits in map(int, sys.argv[1:]):
    params = form.decode("components[payment_element][enabled]=true&LIMIT=" + "9" * digits)
    value = params["components"]["payment_element"]["features"]["payment_method_redisplay_limit"]
    print(digits, type(value).__name__, *[error.code for error in validator.iter_errors(params)])
"""


@pytest.mark.parametrize("setting, expected", [
    ("640", ["640 int parameter_above_maximum", "700 str parameter_invalid_integer",
             "5000 str parameter_invalid_integer"]),
    (None, ["640 int parameter_above_maximum", "700 int parameter_above_maximum",
            "5000 str parameter_invalid_integer"]),
    ("0", ["640 int parameter_above_maximum", "700 int parameter_above_maximum", "5000 int parameter_above_maximum"]),
])
def test_integers_are_read_as_far_as_python_reads_them(setting, expected):
    """Digits beyond Python's own limit (PYTHONINTMAXSTRDIGITS; 4300 unless set; 0 for none) stay text."""
    env = {name: value for name, value in os.environ.items() if name != "PYTHONINTMAXSTRDIGITS"}
    if setting is not None:
        env["PYTHONINTMAXSTRDIGITS"] = setting
    done = subprocess.run([sys.executable, "-c", _DIGITS_SCRIPT.replace("LIMIT", LIMIT), "640", "700", "5000"],
                          capture_output=True, text=True, env=env)
    assert done.stdout.splitlines() == expected, done.stderr[-2000:]


def test_the_cli_reads_a_long_integer_under_a_low_digit_limit():
    body = "components[payment_element][enabled]=true&" + LIMIT + "=" + "9" * 700
    env = {**os.environ, "PYTHONINTMAXSTRDIGITS": "640"}
    done = subprocess.run([sys.executable, "-m", "validator", "validate", "--form", "--format", "json", "-"],
                          input=body.encode(), capture_output=True, env=env)
    assert done.returncode == 1, done.stderr[-2000:]
    assert [error["code"] for error in json.loads(done.stdout)["errors"]] == ["parameter_invalid_integer"]


def test_the_decoder_remembers_few_keys():
    """What the decoder remembers of the keys it met is bounded, in count and in key length, whatever it is sent."""
    for round_ in range(3):
        form.decode("&".join(f"k{round_}x{index}=1" for index in range(1000)))
    form.decode("k" * 5000 + "=1&" + "k" * 129 + "[a]=1")
    remembered = form._decoder._plans
    assert 0 < len(remembered) <= 256 and max(map(len, remembered)) <= 128


def test_the_decoder_reads_the_schemas_again_when_they_change(schema_copy):
    assert form.decode(SEED_BODY) == SEED_PARAMS
    path = schema_copy / "pricing-table.json"
    schema = json.loads(path.read_text())
    schema["properties"]["enabled"] = {"type": "integer"}
    path.write_text(json.dumps(schema))
    loader.reset()
    assert form.decode(SEED_BODY + "0")["components"] == {"pricing_table": {"enabled": "true0"}}
    assert form.decode(SEED_BODY.replace("true", "-12")) == {**SEED_PARAMS, "components": {"pricing_table": {"enabled": -12}}}


# ------------------------------------------------------------------ encoding

ENCODES = [
    ("seed payload", SEED_PARAMS, SEED_BODY),
    ("booleans", {"a": True, "b": False}, "a=true&b=false"),
    ("None is dropped", {"a": None, "b": {"c": None}}, ""),
    ("empty containers send nothing", {"a": {}, "b": [], "c": {"d": {}}, "e": "x"}, "e=x"),
    ("arrays are indexed", {"expand": ["a", "b"]}, "expand[0]=a&expand[1]=b"),
    ("scalars directly in an array are sent as str()", {"a": [True, None, 1.5]}, "a[0]=True&a[1]=None&a[2]=1.5"),
    ("arrays in arrays nest", {"a": [[True, None], {"b": False}]}, "a[0][0]=true&a[1][b]=false"),
    ("floats as-is", {"a": 3.0, "b": 1e16, "c": -0.5}, "a=3.0&b=1e%2B16&c=-0.5"),
    ("integers", {"a": 0, "b": -7}, "a=0&b=-7"),
    ("insertion order", {"b": 1, "a": {"d": 1, "c": 2}}, "b=1&a[d]=1&a[c]=2"),
    ("escaping; brackets stay readable", {"s": "a[b]&c=d \u00e9+%"}, "s=a[b]%26c%3Dd+%C3%A9%2B%25"),
]


@pytest.mark.parametrize("params, body", [case[1:] for case in ENCODES], ids=[case[0] for case in ENCODES])
def test_encode(params, body, stripe_body):
    assert form.encode(params) == body
    assert stripe_body(params) == body


@pytest.mark.parametrize("params", [["a"], "a=1", None, {1: "a"}, {"a": object()}, {"a": [{"b": b"x"}]},
                                    {"a": ("x", "y")}, {"a": [1, (2,)]}])
def test_encode_takes_json_data_only(params):
    with pytest.raises(TypeError):
        form.encode(params)


@pytest.mark.parametrize("number", [float("nan"), float("inf"), -float("inf")])
def test_encode_refuses_numbers_json_cannot_hold(number):
    with pytest.raises(ValueError, match="JSON data"):
        form.encode({"a": {"b": [number]}})


@pytest.mark.parametrize("params", [{"customer": "cus_\ud800"}, {"expand": ["\udfff"]}, {"a\ud800": "x"}])
def test_encode_refuses_text_that_is_not_unicode(params):
    """A lone surrogate cannot be encoded as UTF-8: the documented ValueError, not a raw UnicodeEncodeError."""
    with pytest.raises(ValueError, match="not Unicode text") as raised:
        form.encode(params)
    assert type(raised.value) is ValueError
    assert not validator.is_valid({**params, "components": {"pricing_table": {"enabled": True}}})


def test_encode_refuses_a_value_inside_itself():
    params = {"a": {}}
    params["a"]["b"] = [params["a"]]
    with pytest.raises(TypeError, match="contains itself"):
        form.encode(params)


def test_encode_takes_a_shared_value_twice():
    shared = {"enabled": True}
    assert form.encode({"a": shared, "b": [shared]}) == "a[enabled]=true&b[0][enabled]=true"


def test_encode_is_not_recursive():
    deep = current = {}
    for _ in range(5000):
        current["a"] = current = {}
    current["a"] = 1
    assert form.encode(deep) == "a" + "[a]" * 5000 + "=1"


JSON_KEYS = st.text(alphabet=st.characters(codec="utf-8"), max_size=5)
JSON_DATA = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(codec="utf-8")),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(JSON_KEYS, children, max_size=4),
    max_leaves=12,
)


@given(st.dictionaries(JSON_KEYS, JSON_DATA, max_size=5))
@settings(max_examples=200)
def test_encode_matches_stripe_python_on_any_json(stripe_body, params):
    assert form.encode(params) == stripe_body(params)


@given(payloads())
@settings(max_examples=40)
def test_payloads_from_the_schemas_round_trip(stripe_body, payload):
    body = stripe_body(payload)
    assert form.encode(payload) == body
    decoded = form.decode(body)
    assert decoded == dropped(payload)
    assert list(validator.iter_errors(decoded)) == list(validator.iter_errors(payload)) == []


# ------------------------------------------------------------------ CLI


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_cli_validate_form(tmp_path, capsys):
    good = tmp_path / "good.txt"
    good.write_text(SEED_BODY + "\n")
    bad = tmp_path / "bad.txt"
    bad.write_text("components[pricing_table][enabled]=yes")
    assert run(capsys, "validate", "--form", str(good)) == (0, f"{good}: valid\n", "")
    status, out, err = run(capsys, "validate", "--form", "--format", "json", str(bad))
    assert status == 1 and err == ""
    assert json.loads(out)["errors"][0]["code"] == "parameter_invalid_type"


@pytest.mark.parametrize("body, code", [
    (b"components=x&components[buy_button][enabled]=true", "form_key_conflict"),
    (b"customer=\xff", "invalid_utf8_in_post_body"),
    (b"a" + b"[b]" * 10_000 + b"=1", "form_too_deep"),
])
def test_cli_form_error_is_unusable_input(tmp_path, capsys, body, code):
    path = tmp_path / "body.txt"
    path.write_bytes(body)
    status, out, err = run(capsys, "validate", "--form", str(path))
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and code in err and "Traceback" not in err


def test_cli_validate_form_keeps_going_after_an_unusable_body(tmp_path, capsys):
    bad, good = tmp_path / "bad.txt", tmp_path / "good.txt"
    bad.write_text("customer=%zz")
    good.write_text(SEED_BODY)
    status, out, err = run(capsys, "validate", "--form", str(bad), str(good))
    assert status == 2 and out == f"{good}: valid\n" and "form_invalid_escape" in err


def test_cli_encode_and_decode(tmp_path, capsys):
    payload = tmp_path / "payload.json"
    payload.write_text(json.dumps({**SEED_PARAMS, "expand": ["customer"]}))
    status, out, err = run(capsys, "encode", str(payload))
    assert (status, out, err) == (0, SEED_BODY + "&expand[0]=customer\n", "")
    body = tmp_path / "body.txt"
    body.write_text(out)
    status, out, err = run(capsys, "decode", str(body))
    assert status == 0 and json.loads(out) == {**SEED_PARAMS, "expand": ["customer"]}


@pytest.mark.parametrize("command, content", [
    ("encode", b"[1, 2]"),
    ("encode", b"not json"),
    ("encode", b'{"a": "\\ud800"}'),
    ("decode", b"customer=a&customer=b"),
])
def test_cli_encode_decode_unusable_input(tmp_path, capsys, command, content):
    path = tmp_path / "input"
    path.write_bytes(content)
    status, out, err = run(capsys, command, str(path))
    assert status == 2 and out == "" and err.count("\n") == 1 and err.startswith("customer-session: ")


def test_cli_reads_standard_input():
    done = subprocess.run([sys.executable, "-m", "validator", "validate", "--form", "-"],
                          input=SEED_BODY.encode(), capture_output=True)
    assert (done.returncode, done.stdout) == (0, b"<stdin>: valid\n")


def test_a_bad_escape_is_quoted_byte_for_byte():
    """Each byte after the '%' is shown as sent: printable as is, any other escaped once."""
    with pytest.raises(form.FormError) as raised:
        form.decode(b"a=%\x90\x0bb")
    assert "invalid percent-escape '%\\x90\\x0b' at byte 2" in str(raised.value)
