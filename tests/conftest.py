import os
import shutil
import signal
import sys
from pathlib import Path

import pytest

from hypothesis import HealthCheck, settings

sys.path.insert(0, str(Path(__file__).parent))

# Building the strategies from a schema of this size takes long enough on a
# first draw to trip the too_slow health check; that is the generation's
# nature, not a bug of ours.
_COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True)

# "ci" (the default): derandomized, so every run tests the same examples and
# a failure reproduces exactly; sized so the property suite stays well under
# a minute on 2 cores.
settings.register_profile("ci", derandomize=True, max_examples=60, database=None, **_COMMON)
# "thorough": HYPOTHESIS_PROFILE=thorough for long local runs; random, and
# failures are kept in .hypothesis/ to be replayed first next time.
settings.register_profile("thorough", max_examples=2000, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def clear_validator_caches():
    """Forget everything derived from the schema files: one call, through the loader."""
    from validator import loader

    loader.reset()
    if "validator" in sys.modules:  # the params checker's generated functions, kept by the package
        for name in ("validate", "is_valid", "iter_errors"):
            vars(sys.modules["validator"]).pop(name, None)


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


@pytest.fixture(scope="module")
def stand_in(tmp_path_factory):
    """One `customer-session serve` process per test module, on a free loopback port; stopped by its PID after."""
    from stand_in import Server

    server = Server(tmp_path_factory.mktemp("stand-in"))
    yield server
    # uvicorn shuts down gracefully on SIGTERM, then ends by that signal.
    assert server.stop() in (0, -signal.SIGTERM), server.log()[-2000:]
