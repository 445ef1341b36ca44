"""The public surface: what `import midi_export` offers, and that it costs nothing up front."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import midi_export


def test_all_is_sorted_and_every_name_resolves() -> None:
    assert midi_export.__all__ == sorted(midi_export.__all__)
    for name in midi_export.__all__:
        assert getattr(midi_export, name) is not None


def test_unknown_names_raise_attribute_error() -> None:
    try:
        midi_export.no_such_thing  # noqa: B018
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def test_version_matches_the_installed_metadata() -> None:
    from importlib.metadata import version

    assert midi_export.__version__ == version("midi-export")


def test_errors_carry_their_exit_codes() -> None:
    from midi_export import errors

    expected = {
        "UsageError": 2,
        "AuthenticationError": 3,
        "AccountError": 3,
        "TaskFailedError": 4,
        "TaskNotFoundError": 4,
        "EmptyMidiDataError": 4,
        "TaskPendingError": 5,
        "ServiceError": 6,
        "RateLimitedError": 6,
        "CreateUncertainError": 6,
        "SignatureError": 3,
        "CallbackError": 7,
        "InvalidRecordError": 7,
        "InvalidResponseError": 7,
        "OutputError": 8,
        "OutputExistsError": 8,
        "MissingDependencyError": 2,
        "RenderError": 8,
    }
    for name, code in expected.items():
        cls = getattr(errors, name)
        assert issubclass(cls, errors.MidiExportError)
        assert cls.exit_code == code
    assert issubclass(errors.InvalidRecordError, ValueError)
    assert issubclass(errors.OutputExistsError, FileExistsError)
    assert issubclass(errors.ServiceError, ConnectionError)
    assert issubclass(errors.CreateUncertainError, errors.ServiceError)
    assert issubclass(errors.SignatureError, PermissionError)
    assert issubclass(errors.CallbackError, errors.InvalidRecordError)


def test_import_is_light() -> None:
    """`import midi_export` (and the CLI module) load none of the heavy dependencies."""
    code = (
        "import sys, midi_export, midi_export.cli; "
        "heavy = ['requests', 'mido', 'numpy', 'pretty_midi', 'msgspec', 'urllib3', 'waitress',"
        " 'matplotlib']; "
        "print([m for m in heavy if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_offline_conversion_loads_neither_requests_nor_mido(tmp_path: Path) -> None:
    from conftest import fixture_path

    args = ["--from-json", str(fixture_path("demo-song")), "-o", str(tmp_path / "x.mid"), "-q"]
    code = (
        "import sys\n"
        "from midi_export.cli import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit as e:\n"
        "    assert e.code == 0, e.code\n"
        "print([m for m in ['requests', 'mido', 'numpy', 'pretty_midi', 'matplotlib',"
        " 'midi_export.midi.quantize', 'midi_export.music.tempo', 'midi_export.midi.clean',"
        " 'midi_export.midi.drum_pieces', 'midi_export.preview', 'midi_export.render',"
        " 'midi_export.batch', 'multiprocessing'] if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert (tmp_path / "x.mid").read_bytes()[:4] == b"MThd"


def test_help_imports_no_dependency_beyond_click() -> None:
    """``fetch-mid --help`` (which lists the generate, serve and convert verbs) loads neither
    the HTTP client nor the server nor the converter, nor matplotlib or the batch runner."""
    code = (
        "import sys\n"
        "from midi_export.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit as e:\n"
        "    assert e.code == 0, e.code\n"
        "heavy = ['requests', 'urllib3', 'waitress', 'mido', 'numpy', 'pretty_midi', 'msgspec',"
        " 'matplotlib', 'multiprocessing', 'midi_export.api.client', 'midi_export.api.service',"
        " 'midi_export.loop', 'midi_export.batch', 'midi_export.preview', 'midi_export.render']\n"
        "print([m for m in heavy if m in sys.modules], file=sys.stderr)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stderr.strip() == "[]"
    assert "generate" in out.stdout and "serve" in out.stdout and "convert" in out.stdout


def test_the_loop_is_public() -> None:
    from midi_export import Client, generate, make_wsgi_app, parse_callback, verify_signature

    assert callable(generate) and callable(make_wsgi_app)
    assert callable(parse_callback) and callable(verify_signature)
    for name in ("create_separation", "create_midi_task", "get_separation",
                 "wait_for_separation"):
        assert callable(getattr(Client, name)), name
