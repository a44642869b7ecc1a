"""Shared test set-up: a temporary data folder per session, offline mode, fresh caches."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Set before the engine builds its settings: tests never write to the user's data folder
# and never probe the network.
_DATA = Path(tempfile.mkdtemp(prefix="gita-tales-tests-"))
os.environ["GITA_DATA_DIR"] = str(_DATA)
os.environ["GITA_OFFLINE"] = "1"

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def studio():
    import engine

    return engine.open_studio()


@pytest.fixture(scope="session")
def library(studio):
    return studio.library


@pytest.fixture
def fresh_settings(monkeypatch, tmp_path):
    """Settings built from a clean environment with a private data folder."""
    from engine.settings import get_settings

    monkeypatch.setenv("GITA_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
