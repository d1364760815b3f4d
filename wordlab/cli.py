"""The `wordlab` command: one subcommand per stage or model, each a thin layer over the Python API.

Each subcommand lives in `wordlab/commands/<name>.py` with `register(subparsers)`, which adds its
parser and sets `func` (called with the parsed arguments). Add a module's name to COMMANDS.
"""

from __future__ import annotations

import argparse
import importlib
import shlex
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
    "fasttext",
    "classify",
    "elmo",
    "experiment",
]

# subcommands registered by a module of another name
SUBCOMMAND_MODULES = {"shuffle": "cooccur", "fasttext-vectors": "fasttext"}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser with every subcommand, or with just the module `only` (faster start)."""
    parser = argparse.ArgumentParser(prog="wordlab", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"wordlab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in [only] if only else COMMANDS:
        importlib.import_module(f"wordlab.commands.{name}").register(sub)
    return parser


def _module_for(argv: list[str]) -> str | None:
    """The command module that registers the subcommand named first in argv, if known."""
    if not argv or argv[0].startswith("-"):
        return None
    module = SUBCOMMAND_MODULES.get(argv[0], argv[0])
    return module if module in COMMANDS else None


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `wordlab` console script; user errors print one line, no traceback."""
    argv = sys.argv[1:] if argv is None else list(argv)
    # import only the module of the command asked for: heavy libraries load only when needed
    args = build_parser(_module_for(argv)).parse_args(argv)
    try:
        result = args.func(args)
    except WordlabError as exc:
        print(f"wordlab {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        saved = getattr(exc, "checkpoint", None)
        if saved is None:
            print(f"wordlab {args.command}: interrupted", file=sys.stderr)
        else:
            again = " ".join(shlex.quote(a) for a in argv if a != "--resume")
            print(
                f"wordlab {args.command}: interrupted; the model so far is saved in {saved}; "
                f"continue with: wordlab {again} --resume",
                file=sys.stderr,
            )
        return 130
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
