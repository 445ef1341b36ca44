"""The fitted weights of the metre model: feature names, their means and scales, the weights.

Written by ``evaluation/fit_metre.py --write`` (a conditional logit fitted on the
development split, never on the evaluation songs: see evaluation/README.md); ``metre``
scores a hypothesis as ``sum(WEIGHTS * (features - MEAN) / SCALE)``.
"""

from __future__ import annotations

__all__ = ["FEATURES", "MEAN", "SCALE", "WEIGHTS"]

FEATURES = (
    "compound", "oct_simple", "oct2_simple", "oct_compound", "oct2_compound", "rel44",
    "rel44_source", "loglik", "c3_minus_c2", "mid_third", "thirds", "halved_thirds",
    "pairs", "bar2", "bar3", "bar2_compound", "bar3_compound", "self_similarity",
    "bar_changes", "bar_low", "bar_accent", "backbeat", "harmony_bars", "backbone",
    "phrase_repeat", "loglik_compound", "repeat_margin", "similarity_margin",
    "changes_margin", "level", "bar_long", "fast_notes", "oct_waltz", "oct2_waltz", "oct_six",
    "oct2_six",
)
MEAN = (
    0.1791, -0.1493, 0.2105, -0.02469, 0.04848, -5.091, -0.2043, -8.383, 0.06911, 0.1334, 0.116,
    0.068, 0.4036, 0.3333, 0.3333, 0.05969, 0.05969, 0.3183, 0.1112, 0.0599, 0.08263, 0.0005505,
    0.7026, 0.642, 0.2029, -1.38, -0.04201, -0.1442, -0.07154, 0.1146, 0.1832, 0.4249, -0.04978,
    0.07016, -0.008231, 0.01616,
)
SCALE = (
    0.3834, 0.4338, 0.2398, 0.2188, 0.1394, 5.872, 1.177, 4.359, 0.2813, 0.3096, 0.2739, 0.2221,
    0.765, 0.4714, 0.4714, 0.2369, 0.2369, 0.3735, 0.167, 0.2055, 0.2853, 0.1802, 0.3965, 0.41,
    0.212, 3.715, 0.1749, 0.4769, 0.2254, 0.6208, 0.2012, 0.3619, 0.2601, 0.1703, 0.1269, 0.08368,
)
WEIGHTS = (
    0.09141, -0.549, -0.5486, 0.3504, -0.8046, 2.292, 0.003532, 3.326, -0.04899, 0.3378, -0.2426,
    -3.087, 0.1122, -1.127, -0.6154, 0.9316, 0.4307, 1.388, 0.4346, -0.5181, 0.4368, 0.12, -0.4427,
    0.05521, 1.99, 1.285, 0.1659, 0.04629, 0.2099, 0.3789, 0.3917, -1.052, 1.26, -1.402, 0.2352,
    -0.03445,
)
