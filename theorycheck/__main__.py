"""``theorycheck`` / ``python -m theorycheck``: for now, ``demo`` (the CLI of issue 5 grows here)."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status (0 ok, 1 a fact did not reproduce, 2 usage error)."""
    parser = argparse.ArgumentParser(
        prog="theorycheck", description="Executable theorems about GD on matrix factorisation."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="reproduce a few seed-paper facts with the engine (< 1 minute)")
    demo.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.command == "demo":
        from theorycheck.demo import main as demo_main

        return demo_main(args.seed)
    return 2  # pragma: no cover - argparse rejects unknown commands first


if __name__ == "__main__":
    sys.exit(main())
