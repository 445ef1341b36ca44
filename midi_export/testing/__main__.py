"""``python -m midi_export.testing``."""

import sys

from .command import main

sys.exit(main())
