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
    "changes_margin", "level", "bar_long",
)
MEAN = (
    0.1789, -0.1483, 0.2101, -0.02478, 0.04846, -5.087, -0.2027, -8.339, 0.06915, 0.1333, 0.116,
    0.06788, 0.4035, 0.3333, 0.3333, 0.05964, 0.05964, 0.3183, 0.1112, 0.05997, 0.08275, 0.0004233,
    0.7026, 0.6411, 0.2028, -1.376, -0.04202, -0.1441, -0.07152, 0.1141, 0.1832,
)
SCALE = (
    0.3833, 0.4337, 0.2395, 0.2187, 0.1394, 5.872, 1.171, 4.317, 0.2813, 0.3095, 0.2739, 0.2219,
    0.7652, 0.4714, 0.4714, 0.2368, 0.2368, 0.3734, 0.1669, 0.2052, 0.2852, 0.18, 0.3964, 0.4104,
    0.212, 3.706, 0.1749, 0.4768, 0.2256, 0.6215, 0.2012,
)
WEIGHTS = (
    -0.8073, 0.06901, -0.6233, 0.6583, -0.719, 1.114, -0.2596, 3.998, 0.06839, 0.1653, 0.2458,
    -3.133, 0.1746, -1.196, -0.9663, 0.9712, 0.5782, 0.9222, 0.5972, -0.4308, 0.3736, 0.002902,
    -0.5016, 9.834e-05, 2.16, 0.6759, 0.001154, 0.1359, 0.07591, 0.325, 0.4142,
)
