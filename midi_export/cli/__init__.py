"""The ``fetch-mid`` command line, the only package that prints or exits.

``app`` (the click group and its verbs) over ``offline`` (``--from-json``), ``online``
(fetching), ``results`` (exit codes and ``--json``), ``summary``, ``options`` and ``console``.
"""

from .app import cli, main

__all__ = ["cli", "main"]
