"""The General MIDI percussion kit: which key numbers (channel 10) belong to which piece.

The groups are GM Level 1's percussion map (keys 35-81). The tempo estimator weighs onsets
by them (kicks and snares mark the beat, crashes the bar).
"""

from __future__ import annotations

__all__ = ["CRASHES", "HATS", "KICKS", "SNARES", "TOMS"]

KICKS = frozenset((35, 36))  # acoustic bass drum, bass drum 1
SNARES = frozenset((37, 38, 39, 40))  # side stick, acoustic snare, hand clap, electric snare
CRASHES = frozenset((49, 52, 55, 57))  # crash 1, chinese, splash, crash 2
HATS = frozenset((42, 44, 46, 51, 53, 59))  # closed, pedal, open hi-hat; ride 1, bell, ride 2
TOMS = frozenset((41, 43, 45, 47, 48, 50))  # low floor ... high tom
