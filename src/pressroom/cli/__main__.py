"""``python -m pressroom.cli``: the same command line as ``pressroom``."""

import sys

from pressroom.cli import main

sys.exit(main())
