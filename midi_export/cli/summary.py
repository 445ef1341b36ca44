"""The short human summary of a conversion: what was written, per instrument, and why."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .console import Console, format_bpm, format_seconds, one_line, plural, printable

if TYPE_CHECKING:
    from pathlib import Path

    from ..midi.report import ConversionReport

__all__ = [
    "format_key",
    "format_metre",
    "format_tempo",
    "lead_in_line",
    "shared_text",
    "show_result",
    "summary_lines",
]

#: rows and warnings shown without -v: a record of 10,000 instruments printed 20,000 lines;
#: the rest are counted on one line (``-v`` and ``--json`` give every one)
SHOWN_INSTRUMENTS = 40
SHOWN_WARNINGS = 30


def format_tempo(report: ConversionReport) -> str:
    """``96 BPM (auto from drums, confidence 0.91, downbeat at 0.625 s)``, or ``120 BPM``."""
    tempo = report.tempo
    text = f"{format_bpm(tempo.bpm)} BPM"
    if tempo.mode != "auto":
        return text
    if tempo.fell_back and tempo.source == "too-long":
        return f"{text} (auto fell back: the notes span too long to analyse)"
    if tempo.fell_back:
        return f"{text} (auto fell back: confidence {tempo.confidence or 0.0:.2f})"
    # a bar line a few microseconds before the first note is 0.000 s, not -0.000 s
    downbeat = 0.0 if abs(tempo.first_downbeat) < 5e-4 else tempo.first_downbeat
    return (
        f"{text} (auto from {tempo.source}, confidence {tempo.confidence or 0.0:.2f}, "
        f"downbeat at {downbeat:.3f} s)"
    )


def format_metre(report: ConversionReport) -> str | None:
    """``6/8 (dotted quarter = 80; auto, confidence 0.83)``; None for the default 4/4."""
    metre = report.metre
    if metre is None or (metre.mode == "fixed" and metre.time_signature == "4/4"):
        return None
    text = metre.time_signature
    details = []
    pulse = report.tempo.pulse_bpm
    if pulse is not None and abs(pulse - report.tempo.bpm) > 1e-9:
        details.append(f"dotted quarter = {format_bpm(pulse)}")
    if metre.mode == "auto":
        if metre.fell_back and metre.estimated and metre.estimated != metre.time_signature:
            details.append(f"auto fell back: {metre.estimated} at confidence "
                           f"{metre.confidence or 0.0:.2f}")
        elif not metre.fell_back:
            details.append(f"auto, confidence {metre.confidence or 0.0:.2f}")
    return f"{text} ({'; '.join(details)})" if details else text


def format_key(report: ConversionReport) -> str | None:
    """``key F#m (auto, confidence 0.91)``, ``key Bb``, ``no key (auto: G too uncertain)``;
    None when no key was asked for."""
    key = report.key
    if key is None:
        return None
    if key.mode == "fixed":
        return f"key {key.key}"
    if key.written:
        return f"key {key.key} (auto, confidence {key.confidence or 0.0:.2f})"
    if key.estimated:
        return f"no key (auto: {key.estimated} too uncertain)"
    return "no key (auto: too few pitched notes or pitch classes)"


def lead_in_line(report: ConversionReport) -> str | None:
    """What ``--lead-in shift`` did, for the user to move the audio by as much."""
    tempo = report.tempo
    if tempo.lead_in != "shift":
        return None
    if tempo.delay_seconds:
        return (
            f"  notes delayed by {tempo.delay_seconds:.3f} s (--lead-in shift) so the first "
            "downbeat falls on a bar line: move the audio by as much"
        )
    why = "no downbeat was found" if tempo.fell_back else "the first downbeat is on a bar line"
    return f"  notes not delayed (--lead-in shift): {why}"


def shared_text(channel: int | None, others: Sequence[int], cut: int) -> str:
    """``shares ch 1 with track 4, 12 cut there`` for an instrument on a shared channel."""
    tracks = ", ".join(str(track) for track in others[:8]) + (
        f" and {len(others) - 8} more" if len(others) > 8 else "")  # 10,000 tracks: 40 MB
    text = f"shares ch {channel} with track{'s' * (len(others) != 1)} {tracks}"
    return f"{text}, {cut} cut there" if cut else text


def summary_lines(
    report: ConversionReport,
    written_to: str,
    *,
    verbose: bool,
    stems: Sequence[Path | str] = (),
) -> list[str]:
    """The short human summary of one conversion: the stem files written with it, then its
    warnings."""
    written = [ins for ins in report.instruments if ins.written]
    grid = ", ".join(x for x in (format_tempo(report), format_metre(report),
                                  format_key(report)) if x)
    lines = [
        f"{written_to}: {len(written)} instrument{'s' * (len(written) != 1)}, "
        f"{plural(report.notes_written, 'note')}, {grid}, ppq {report.ppq}, "
        f"{format_seconds(report.duration_seconds)} long"
    ]
    lead_in = lead_in_line(report)
    if lead_in:
        lines.append(lead_in)
    quantize = report.quantize
    if quantize is not None:
        moved = f"{plural(quantize.notes_moved, 'note')} moved"
        if quantize.notes_moved:
            moved += (
                f", the largest onset move {plural(quantize.max_move_ticks, 'tick')} "
                f"({quantize.max_move_ms:.1f} ms)"
            )
        lines.append(
            f"  quantized to {quantize.grid} at strength {quantize.strength:g}: {moved}"
        )
    names = [printable(ins.name) for ins in report.instruments]  # padded as shown
    name_width = min(28, max((len(name) for name in names), default=4))
    listed = len(names) if verbose else min(len(names), SHOWN_INSTRUMENTS)
    for ins, shown in zip(report.instruments[:listed], names[:listed], strict=True):
        name = shown[:name_width]
        if not ins.written:
            dropped = f"; {ins.notes_dropped} invalid" if ins.notes_dropped else ""
            lines.append(f"  skipped  {name:<{name_width}}  no valid notes{dropped}")
            continue
        program = ins.program_name if ins.is_drum else f"{ins.program:>3} {ins.program_name}"
        extras = []
        if ins.notes_dropped:
            extras.append(f"{ins.notes_dropped} invalid dropped")
        if ins.velocities_clamped:
            extras.append(f"{ins.velocities_clamped} velocities clamped")
        if ins.cut:
            extras.append(f"{ins.cut} cut")
        if ins.merged:
            extras.append(f"{ins.merged} merged")
        if ins.notes_moved:
            extras.append(f"{ins.notes_moved} moved")
        for count, what in ((ins.gaps_merged, "gaps merged"), (ins.too_short, "too short"),
                            (ins.too_quiet, "too quiet"), (ins.drum_notes_remapped, "remapped")):
            if count:
                extras.append(f"{count} {what}")
        if ins.shared_with:
            extras.append(shared_text(ins.channel, ins.shared_with, ins.shared_cut))
        tail = f"  ({', '.join(extras)})" if extras else ""
        lines.append(
            f"  ch{ins.channel:>2}  {name:<{name_width}}  "
            f"{program} [{ins.source}]  {plural(ins.notes_written, 'note')}{tail}"
        )
        if verbose:
            lines.extend(f"        {problem}" for problem in ins.problems)
    if listed < len(names):
        lines.append(f"  ... and {plural(len(names) - listed, 'more instrument')} "
                     "(-v lists every one, and so does --json)")
    lines.extend(f"  stem  {path}" for path in stems)
    warnings = report.warnings
    told = len(warnings) if verbose else min(len(warnings), SHOWN_WARNINGS)
    lines.extend(f"warning: {one_line(warning)}" for warning in warnings[:told])
    if told < len(warnings):
        lines.append(f"warning: ... and {plural(len(warnings) - told, 'more warning')} "
                     "(-v shows every one, and so does --json)")
    return lines


def show_result(
    console: Console, report: ConversionReport, written_to: str, stems: Sequence[Path] = ()
) -> None:
    for line in summary_lines(report, written_to, verbose=console.verbose, stems=stems):
        console.info(line)
