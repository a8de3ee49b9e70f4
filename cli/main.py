"""Entry point of the ``gridplan`` command.

Each subcommand lives in its own module ``cli/<name>.py`` exposing
``register(subparsers) -> None`` (adds its parser and sets ``func=run``) and
``run(args) -> int``. Modules import heavy libraries inside ``run`` so that
``gridplan --help`` stays fast.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import importlib
import logging
import os
import sys
import threading
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
    """Run one command; ``argv=None`` (the ``gridplan`` program) ends the process at once."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    from geo.errors import GridplanError

    try:
        code = int(args.func(args) or 0)
    except GridplanError as exc:
        print(f"gridplan {args.command}: {exc}", file=sys.stderr)
        code = 2
    if argv is None and not os.environ.get("GRIDPLAN_SLOW_EXIT"):
        exit_now(code)
    return code


def exit_now(code: int) -> None:
    """End the program without the interpreter's teardown.

    Every output is written and closed by then; what is left is freeing every module and
    object, which pyarrow (imported by pandas) makes cost 0.2-0.8 s of wall time on the
    development machine (``bench/bench_gridding.py --realshape-district``, phase ``exit``).
    Non-daemon threads are joined and the exit handlers run (logging is flushed, temporary
    folders removed), as at an ordinary exit, and standard streams are flushed;
    ``GRIDPLAN_SLOW_EXIT=1`` keeps the ordinary exit.
    """
    for thread in threading.enumerate():  # as the interpreter does: non-daemon threads end first
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        # closed or broken pipe: nothing left to write
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
