"""Shared test helpers: readable JSON fixtures under fixtures/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def fixture_path(name: str) -> Path:
    """The path of ``fixtures/<name>`` (``.json`` is added when missing)."""
    if not name.endswith(".json"):
        name += ".json"
    path = FIXTURES / name
    assert path.is_file(), f"no fixture {path}"
    return path


def load_fixture(name: str) -> Any:
    """The decoded JSON of ``fixtures/<name>``."""
    return json.loads(fixture_path(name).read_text(encoding="utf-8"))


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES
