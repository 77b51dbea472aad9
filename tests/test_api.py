"""The public contract of GUIDE §2: names, types, and what each call promises."""

import copy
import json
from pathlib import Path

import pytest
import referencing
import referencing.exceptions

import validator

REFERENCE = json.loads((Path(__file__).parent / "examples/valid/reference-example.json").read_text())
BAD = {"customer": 1, "components": {"buy_button": {"enabled": "yes"}}, "zzz": True}


def test_validate_returns_params_unchanged():
    params = copy.deepcopy(REFERENCE)
    assert validator.validate(params) is params
    assert params == REFERENCE


def test_validation_error_is_a_value_error_listing_every_error():
    with pytest.raises(ValueError) as raised:
        validator.validate(BAD)
    error = raised.value
    assert isinstance(error, validator.ValidationError)
    assert [e.param for e in error.errors] == ["zzz", "components[buy_button][enabled]", "customer"]
    text = str(error)
    assert text.startswith("3 invalid parameters:")
    for e in error.errors:
        assert e.message in text and e.code in text


def test_param_error_fields():
    (error,) = [e for e in validator.iter_errors(BAD) if e.param == "customer"]
    assert isinstance(error, validator.ParamError)
    assert error.path == ("customer",)
    assert error.code == "parameter_invalid_type"
    assert str(error) == error.message and "customer" in error.message


def test_iter_errors_is_deterministic_and_is_valid_agrees():
    first = list(validator.iter_errors(BAD))
    assert first == list(validator.iter_errors(BAD))
    reordered = dict(reversed(list(BAD.items())))
    assert list(validator.iter_errors(reordered)) == first
    assert validator.is_valid(BAD) is False
    assert validator.is_valid(REFERENCE) is True


def test_schema_is_a_private_copy():
    first = validator.schema()
    assert first["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    first["properties"].clear()
    first["required"].append("nonsense")
    assert validator.schema()["properties"]
    assert validator.is_valid(REFERENCE)


def test_registry_holds_every_resource_and_resolves_offline():
    registry = validator.registry()
    assert isinstance(registry, referencing.Registry)
    root = validator.schema()
    resolved = registry.resolver().lookup(root["$id"])
    assert resolved.contents["$id"] == root["$id"]
    schema_dir = Path(validator.loader.SCHEMA_DIR)
    for path in schema_dir.glob("*.json"):
        uri = json.loads(path.read_text())["$id"]
        assert registry.resolver().lookup(uri).contents["$id"] == uri
    with pytest.raises(referencing.exceptions.Unresolvable):
        registry.resolver().lookup("https://schemas.customer-session.example/v1/nowhere.json")


def test_every_ref_resolves_with_a_retrieve_that_fails():
    """Nothing is fetched: a registry whose retrieve always fails still resolves every $ref."""
    from jsonschema import Draft202012Validator

    def fail(uri):
        raise AssertionError(f"tried to fetch {uri}")

    registry = referencing.Registry(retrieve=fail).with_resources(
        (uri, referencing.Resource.from_contents(s)) for uri, s in validator.loader.contents().items()
    )
    checker = Draft202012Validator(validator.schema(), registry=registry)
    assert checker.is_valid(REFERENCE)
    assert not checker.is_valid(BAD)
    # and every $ref in every file resolves, offline, to what the loader's own lookup finds
    refs = []
    for uri, contents in validator.loader.contents().items():
        stack = [contents]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                if isinstance(item.get("$ref"), str):
                    refs.append((uri, item["$ref"]))
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
    assert len(refs) > 10
    for uri, ref in refs:
        resolved = registry.resolver(base_uri=uri).lookup(ref).contents
        assert resolved == validator.loader.lookup(ref, uri)[0], ref


def test_the_schemas_are_not_recursive_and_depth_is_known():
    assert validator.loader.depth() == 5


def test_import_is_lazy():
    import subprocess
    import sys

    code = "import sys, validator; print(sorted(m for m in sys.modules if m.split('.')[0] in ('jsonschema', 'referencing', 'hypothesis', 'validator')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['validator']"


def test_unknown_attribute():
    with pytest.raises(AttributeError):
        validator.no_such_thing


@pytest.mark.parametrize("name", ["bundle", "form", "openapi"])
def test_documented_submodules_need_no_import_of_their_own(name):
    import subprocess
    import sys

    code = f"import validator; print(type(validator.{name}).__name__, validator.{name}.__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).parent.parent).stdout
    assert out.split() == ["module", f"validator.{name}"]


def test_errors_are_immutable_values_with_a_readable_repr():
    import copy
    import pickle

    error = validator.ParamError("a[b]", ("a", "b"), "parameter_unknown", "Received unknown parameter: a[b].",
                                 ("additionalProperties",))
    with pytest.raises(AttributeError):
        error.code = "x"
    with pytest.raises(AttributeError):
        del error.param
    assert error == validator.ParamError("a[b]", ("a", "b"), "parameter_unknown", "Received unknown parameter: a[b].")
    assert hash(error) == hash(copy.deepcopy(error)) and pickle.loads(pickle.dumps(error)) == error
    assert pickle.loads(pickle.dumps(error)).schema_path == ("additionalProperties",)
    assert error != validator.LintWarning(*[getattr(error, name) for name in ("param", "path", "code", "message")])
    assert repr(error) == ("ParamError(param='a[b]', path=('a', 'b'), code='parameter_unknown', "
                           "message='Received unknown parameter: a[b].')")
    assert str(error) == error.message


def test_errors_name_where_in_the_schemas_they_were_found():
    (error,) = validator.iter_errors({"components": {"buy_button": {"enabled": False}}})
    assert error.code == "no_component_enabled"
    assert error.schema_path == ("properties", "components", "allOf", 0, "anyOf")


def test_one_bracket_notation_for_messages_docs_and_form_bodies():
    from validator.errors import KEY_LIMIT, bracket

    assert bracket(()) == "" and bracket(("a",)) == "a" and bracket(("a", "b", 0)) == "a[b][0]"
    long = "k" * (KEY_LIMIT + 10)
    assert bracket(("a", long)) == f"a[{'k' * KEY_LIMIT}…]"            # messages: cut, one line
    assert bracket(("a", "x\ny")) == "a[x\\ny]"
    assert bracket(("a", long), whole=True) == f"a[{long}]"           # docs, form: as they are
    assert bracket(("a", None, "b"), whole=True, appended=True) == "a[][b]"  # the form codec's appended item
    assert bracket((None,)) == "None"                                  # a non-string key in a payload


def test_every_public_exception_derives_from_the_one_base():
    """Every exception class a module of the package defines (private ones aside) is a validator.Error;
    those that were ValueErrors stay ValueErrors."""
    import importlib
    import pkgutil

    found = []
    for module in pkgutil.walk_packages(validator.__path__, "validator."):
        if module.name.endswith(("__main__", ".generated")):
            continue
        try:
            loaded = importlib.import_module(module.name)
        except ImportError:  # an optional extra that is not installed
            continue
        for name, value in vars(loaded).items():
            if isinstance(value, type) and issubclass(value, BaseException) and value.__module__ == module.name \
                    and not name.startswith("_"):
                found.append(value)
    assert len(found) >= 8, found
    assert [kind for kind in found if not issubclass(kind, validator.Error)] == []
    for kind in (validator.ValidationError, validator.form.FormError):
        assert issubclass(kind, ValueError)
