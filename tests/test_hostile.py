"""Any Python value may arrive: errors come back as values, never as a crash or a hang."""

import copy
import time

import pytest

import validator
from validator.errors import KEY_LIMIT

VALID = {"customer": "cus_PO34b57IOUb83c", "components": {"pricing_table": {"enabled": True}}}


def deep(kind, depth):
    value = "x"
    for _ in range(depth):
        value = [value] if kind is list else {"a": value}
    return value


def cyclic():
    loop = {"enabled": True}
    loop["self"] = loop
    return {"components": {"pricing_table": loop}}


def with_(path, value, base=VALID):
    params = copy.deepcopy(base)
    target = params
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value
    return params


HOSTILE = {
    "none": (None, [("", "parameter_invalid_type")]),
    "tuple-payload": ((("components", 1),), [("", "parameter_not_json")]),
    "set-payload": ({"components"}, [("", "parameter_not_json")]),
    "bytes-payload": (b'{"components": {}}', [("", "parameter_not_json")]),
    "tuple-value": (with_(["expand"], ("customer",)), [("expand", "parameter_not_json")]),
    "set-value": (with_(["expand"], {"customer"}), [("expand", "parameter_not_json")]),
    "bytes-value": (with_(["customer"], b"cus_1"), [("customer", "parameter_not_json")]),
    "nan": (with_(["customer"], float("nan")), [("customer", "parameter_not_json")]),
    "infinity": (with_(["components", "payment_element"], {"enabled": True, "features": {"payment_method_redisplay_limit": float("inf")}}),
                 [("components[payment_element][features][payment_method_redisplay_limit]", "parameter_not_json")]),
    "non-string-key": ({**VALID, 7: "x"}, [("7", "parameter_not_json")]),
    "none-key": ({**VALID, None: "x"}, [("None", "parameter_not_json")]),
    "object-value": (with_(["customer"], object()), [("customer", "parameter_not_json")]),
    "bool-not-json-inside-unknown": ({**VALID, "junk": {"a": b"x"}}, [("junk", "parameter_unknown")]),
    "deep-list-in-expand": (with_(["expand"], deep(list, 100_000)), [("expand[0]", "parameter_invalid_type")]),
    "deep-dict-unknown": ({**VALID, "junk": deep(dict, 100_000)}, [("junk", "parameter_unknown")]),
    "deep-dict-as-enabled": (with_(["components", "pricing_table", "enabled"], deep(dict, 100_000)),
                             [("components[pricing_table][enabled]", "parameter_invalid_type")]),
    "deep-payload": (deep(dict, 100_000), [("a", "parameter_unknown"), ("components", "parameter_missing")]),
    "cycle": (cyclic(), [("components[pricing_table][self]", "parameter_unknown")]),
    "huge-string-enum": (with_(["components", "payment_element"], {"enabled": True, "features": {"payment_method_save": "e" * 10_000_000}}),
                         [("components[payment_element][features][payment_method_save]", "parameter_invalid_enum")]),
    "huge-string-too-long": (with_(["customer"], "c" * 10_000_000), [("customer", "parameter_too_long")]),
    "huge-int": (with_(["components", "payment_element"], {"enabled": True, "features": {"payment_method_redisplay_limit": 10 ** 5000}}),
                 [("components[payment_element][features][payment_method_redisplay_limit]", "parameter_above_maximum")]),
    # Strings that are not Unicode text cannot be encoded, so they cannot be sent: errors where they stand.
    "lone-surrogate-value": (with_(["customer"], "cus_\ud800"), [("customer", "parameter_not_json")]),
    "lone-surrogate-in-expand": (with_(["expand"], ["customer", "\udfff"]), [("expand[1]", "parameter_not_json")]),
    "lone-surrogate-key": ({**VALID, "cus\ud800": 1}, [("cus\\ud800", "parameter_not_json")]),
    "lone-surrogate-enum": (with_(["components", "payment_element"], {"enabled": True, "features": {"payment_method_save": "\ud800"}}),
                            [("components[payment_element][features][payment_method_save]", "parameter_not_json")]),
    "many-keys": ({**VALID, **{f"k{i}": i for i in range(100_000)}}, None),
    "huge-key": ({**VALID, "k" * 1_000_000: 1}, [("k" * KEY_LIMIT + "…", "parameter_unknown")]),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_input(name):
    params, expected = HOSTILE[name]
    start = time.perf_counter()
    errors = list(validator.iter_errors(params))
    verdict = validator.is_valid(params)
    elapsed = time.perf_counter() - start
    got = [(e.param, e.code) for e in errors]
    if expected is None:
        assert len(got) == 100_000 and all(code == "parameter_unknown" for _, code in got)
    else:
        assert got == expected
    assert verdict is (not errors)
    for error in errors:
        assert len(error.message) < 400, error.message
    if errors:
        with pytest.raises(validator.ValidationError):
            validator.validate(params)
    else:
        assert validator.validate(params) is params
    # Generous: a hang or a quadratic blow-up is what this catches, not noise.
    assert elapsed < 20, f"{name} took {elapsed:.1f}s"


def test_input_is_never_changed():
    params = {"customer": ["x"], "components": {"payment_element": {"enabled": "no", "features": {"payment_method_save": "enabled"}}, "x": (1, 2)}, 3: float("nan")}
    before = repr(params)
    list(validator.iter_errors(params))
    validator.is_valid(params)
    with pytest.raises(validator.ValidationError):
        validator.validate(params)
    assert repr(params) == before


def test_messages_quote_only_a_short_prefix():
    secret = "sk_live_" + "s" * 500
    (error,) = validator.iter_errors(with_(["components", "pricing_table", "enabled"], secret))
    assert secret not in error.message and "sk_live_" in error.message


def test_a_quoted_value_cut_short_ends_one_sentence():
    (error,) = validator.iter_errors(with_(["components", "pricing_table", "enabled"], "9" * 100))
    assert error.message.endswith("…'.") and "….'" not in error.message and "'…." not in error.message
