"""``python -m pressroom.cli``: the same command line as ``pressroom``."""

import sys

from . import main

sys.exit(main())
