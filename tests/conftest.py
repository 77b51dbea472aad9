import os
import shutil
import sys
from pathlib import Path

import pytest

from hypothesis import HealthCheck, settings

sys.path.insert(0, str(Path(__file__).parent))

# Generating from a schema of this size trips the too_slow health check;
# the generation is slow by nature, not by a bug of ours.
settings.register_profile(
    "ci", derandomize=True, max_examples=60, deadline=None,
    suppress_health_check=[HealthCheck.too_slow], print_blob=True,
)
settings.register_profile(
    "thorough", max_examples=2000, deadline=None,
    suppress_health_check=[HealthCheck.too_slow], print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def clear_validator_caches():
    """Forget everything derived from the schema files, in every loaded validator module."""
    for name, module in list(sys.modules.items()):
        if name == "validator" or name.startswith("validator."):
            for value in list(vars(module).values()):
                if callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()


@pytest.fixture
def schema_copy(tmp_path, monkeypatch):
    """A writable copy of the schemas that the loader reads instead of the real ones."""
    from validator import loader

    copy = tmp_path / "schemas"
    shutil.copytree(loader.SCHEMA_DIR, copy)
    monkeypatch.setattr(loader, "SCHEMA_DIR", copy)
    clear_validator_caches()
    yield copy
    monkeypatch.undo()
    clear_validator_caches()
