"""Entry point of the ``gridplan`` command.

Each subcommand lives in its own module ``cli/<name>.py`` exposing
``register(subparsers) -> None`` (adds its parser and sets ``func=run``) and
``run(args) -> int``. Modules import heavy libraries inside ``run`` so that
``gridplan --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

#: Subcommand modules, in the order ``--help`` lists them.
COMMANDS: tuple[str, ...] = (
    "demo",
    "check",
    "grid",
    "coverage",
    "site",
    "staff",
    "plan",
    "export",
    "atlas",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gridplan",
        description="Party-building grid planning: load, grid, review coverage, site posts, staff, export.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"cli.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    from geo.errors import GridplanError

    try:
        return int(args.func(args) or 0)
    except GridplanError as exc:
        print(f"gridplan {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
