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
    "changes_margin",
)
MEAN = (
    0.1967, -0.1449, 0.2058, -0.02832, 0.05522, -4.941, -0.3039, -8.451, 0.07043, 0.1478, 0.124,
    0.0766, 0.3945, 0.3333, 0.3333, 0.06556, 0.06556, 0.3147, 0.1093, 0.05954, 0.08253, 0.002203,
    0.7011, 0.6462, 0.2035, -1.645, -0.04167, -0.1437, -0.07105,
)
SCALE = (
    0.3975, 0.4299, 0.2392, 0.2333, 0.1513, 5.815, 1.546, 4.466, 0.2875, 0.3231, 0.278, 0.2318,
    0.76, 0.4714, 0.4714, 0.2475, 0.2475, 0.3733, 0.1663, 0.2052, 0.2832, 0.1827, 0.397, 0.4101,
    0.212, 4.224, 0.1742, 0.4746, 0.225,
)
WEIGHTS = (
    -1.122, 0.1812, -0.6431, 0.8034, -0.9226, 1.393, -0.2034, 3.701, 0.1696, 0.15, 0.4209, -3.074,
    0.3006, -1.012, -0.6535, 1.05, 0.4336, 1.073, 0.6652, -0.4186, 0.322, 0.05246, -0.5076,
    -0.006665, 2.192, 0.5764, -0.01049, 0.1097, 0.03434,
)
