"""The tempo evaluation: a seeded set of songs with known answers, and its scoring command.

``evaluation.make_set`` generates the songs (importable: the tests build small cases with it);
``evaluation/score.py`` runs the estimators over the set and writes ``results.json``.
"""
