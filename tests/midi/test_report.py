"""The report types: frozen dataclasses, the optional stages' ones (``option_reports``)
exported by ``report`` and by the package as well, loaded only when asked for."""

from __future__ import annotations

import dataclasses

import pytest

import midi_export
from midi_export.midi import option_reports, report


@pytest.mark.parametrize("name", ["CleanReport", "DrumsReport", "KeyReport", "QuantizeReport"])
def test_the_optional_reports_are_exported_by_report(name: str) -> None:
    cls = getattr(report, name)
    assert cls is getattr(option_reports, name) and name in report.__all__
    assert dataclasses.is_dataclass(cls) and cls.__module__ == option_reports.__name__
    if name in midi_export.__all__:
        assert getattr(midi_export, name) is cls


def test_an_optional_report_behaves_as_a_frozen_dataclass() -> None:
    drums = report.DrumsReport(split=True, pieces=3, drum_map=None, notes_remapped=0)
    assert [f.name for f in dataclasses.fields(drums)] == ["split", "pieces", "drum_map",
                                                           "notes_remapped"]
    assert repr(drums) == "DrumsReport(split=True, pieces=3, drum_map=None, notes_remapped=0)"
    assert dataclasses.replace(drums, pieces=3) == drums and hash(drums) == hash(
        option_reports.DrumsReport(True, 3, None, 0))
    with pytest.raises(dataclasses.FrozenInstanceError):
        drums.pieces = 4  # type: ignore[misc]


def test_report_has_no_other_lazy_name() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        report.Nothing  # noqa: B018
