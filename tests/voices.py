"""What a General MIDI synth does with the tracks of one channel: one voice per key.

``cross_track_violations`` finds the notes a player would cut short: a note-off that falls
while another track's note of the same pitch on the same channel sounds (it started at or
before that tick and has not reached its own end). Same-tick events of different tracks are
taken in the worst order, since a player that merges the tracks may send either first. A
note-off on a tick where its own track starts that key again is not a cut: a track's
note-off comes before its note-on, so in any order the key sounds on from that tick.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["cross_track_violations"]


def cross_track_violations(
    notes: Iterable[tuple[int, int, int, int]],
) -> list[tuple[int, int, int]]:
    """``notes`` = ``(track, pitch, start, end)`` on one channel: each ``(tick, pitch,
    victim track)`` where one track's note-off would end another track's sounding note."""
    by_pitch: dict[int, list[tuple[int, int, int]]] = {}
    for track, pitch, start, end in notes:
        by_pitch.setdefault(pitch, []).append((start, end, track))
    found = []
    for pitch, items in by_pitch.items():
        restarts = {(start, track) for start, _, track in items}
        for _, end, track in items:
            if (end, track) in restarts:
                continue
            for other_start, other_end, other in items:
                if other != track and other_start <= end < other_end:
                    found.append((end, pitch, other))
    return sorted(found)
