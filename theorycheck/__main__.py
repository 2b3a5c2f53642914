"""``python -m theorycheck``: the command line (:mod:`theorycheck.cli`)."""

import sys

from theorycheck.cli import main

if __name__ == "__main__":
    sys.exit(main())
