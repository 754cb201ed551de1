"""``python -m emgkit.cli``: the same as the ``emgkit`` console script."""

import sys

from emgkit.cli import main

sys.exit(main())
