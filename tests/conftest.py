"""Shared test helpers: readable JSON fixtures under fixtures/; the ``lmms`` tests run only
with ``MIDI_EXPORT_LMMS=1`` (``make lmms``)."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

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


def run_cli(
    args: Sequence[str],
    cwd: Path,
    *,
    stdin: bytes | None = None,
    env: dict[str, str | None] | None = None,
) -> Result:
    """``fetch-mid ARGS`` through click's runner, in ``cwd``, with no API key or base URL
    from the real environment; asserts no traceback reached the output."""
    from midi_export.cli import cli

    runner = CliRunner(env={"APIKLEY_API_KEY": None, "APIKLEY_BASE_URL": None, **(env or {})})
    old = os.getcwd()
    os.chdir(cwd)
    try:
        result = runner.invoke(cli, list(args), input=stdin, catch_exceptions=False)
    finally:
        os.chdir(old)
    assert "Traceback" not in result.output
    return result


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip the ``lmms`` tests (about 10 s each) unless ``MIDI_EXPORT_LMMS=1``."""
    if os.environ.get("MIDI_EXPORT_LMMS") == "1":
        return
    skip = pytest.mark.skip(reason="drives LMMS (slow): run with MIDI_EXPORT_LMMS=1 (make lmms)")
    for item in items:
        if "lmms" in item.keywords:
            item.add_marker(skip)
