"""``python -m cloudkader.cli``: the same as the ``cloudkader`` console script."""

import sys

from .main import main

sys.exit(main(sys.argv[1:]))
