"""``python -m homeostasis.cli``: the same as the ``homeostasis`` command."""

import sys

from .main import main

sys.exit(main())
