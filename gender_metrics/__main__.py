"""``python -m gender_metrics ...`` is the ``gender-metrics`` command."""

import sys

from .run.cli import main

sys.exit(main())
