"""``python -m theorycheck``: the command line (:mod:`theorycheck.cli`)."""

from theorycheck.cli import run

if __name__ == "__main__":
    run()
