"""The ``samverify derivation`` subcommand's arguments, kept free of SymPy so ``--help`` stays fast.

The command itself lives in :mod:`verify._working_cli`, imported only when it runs.
"""

from __future__ import annotations

import argparse
from typing import Any

from ._argtypes import seed

__all__ = ["add_parser"]


def _run(args: argparse.Namespace) -> int:
    from ._working_cli import cmd_derivation

    return cmd_derivation(args)


def add_parser(sub: Any) -> None:
    """Add the ``derivation`` subcommand to the CLI's subparsers."""
    s = sub.add_parser("derivation", help="check a working step by step (a .tex align block or a catalogue id)")
    s.add_argument("source", help="a .tex file with an align/align*/aligned block, or a working id (samverify list)")
    s.add_argument("--param", action="append", default=[], metavar="DECL",
                   help='declare a symbol and its domain: "t>0", "rho>=0", "0<gamma<1", "x", "B>=1 integer" (repeat)')
    s.add_argument("--where", metavar="COND", help="a condition on the parameters in SymPy syntax, e.g. 'rho*x > -1'")
    s.add_argument("--variable", metavar="NAME", help="the small parameter of O(...) remainders")
    s.add_argument("--point", default="0", help="where the small parameter tends (default 0)")
    s.add_argument("--scaling", action="append", default=[], metavar="SPEC",
                   help="a scaling every line must respect, 'time units: t=1,lambda=-1' (repeat)")
    s.add_argument("--id", help="the working's id (default user.working.<file stem>)")
    s.add_argument("--format", choices=("json", "md", "tex", "html"), default="md", help="output format (default md)")
    s.add_argument("--output", metavar="PATH", help="write the output here instead of printing it")
    s.add_argument("--level", choices=("fast", "full"), default="fast", help="effort level (default fast)")
    s.add_argument("--seed", type=seed, default=0, help="non-negative integer seed (default 0)")
    s.set_defaults(fn=_run)


