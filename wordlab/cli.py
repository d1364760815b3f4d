"""The `wordlab` command: one subcommand per stage or model, each a thin layer over the Python API.

Each subcommand lives in `wordlab/commands/<name>.py` with `register(subparsers)`, which adds its
parser and sets `func` (called with the parsed arguments). Add a module's name to COMMANDS.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from wordlab import __version__
from wordlab.errors import WordlabError

COMMANDS = [
    "demo",
    "vocab",
    "cooccur",
    "glove",
    "ner",
    "eval",
    "nn",
    "analogy",
    "word2vec",
]


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with every registered subcommand."""
    parser = argparse.ArgumentParser(prog="wordlab", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"wordlab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMANDS:
        importlib.import_module(f"wordlab.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `wordlab` console script; user errors print one line, no traceback."""
    args = build_parser().parse_args(argv)
    try:
        result = args.func(args)
    except WordlabError as exc:
        print(f"wordlab {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"wordlab {args.command}: interrupted", file=sys.stderr)
        return 130
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
