"""The `wordlab` command: one subcommand per stage or model, each a thin layer over the Python API.

Each subcommand lives in `wordlab/commands/<name>.py` with `register(subparsers)`, which adds its
parser and sets `func` (called with the parsed arguments). Add a module's name to COMMANDS.
"""

from __future__ import annotations

import argparse
import importlib
import os
import shlex
import sys
import traceback

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
    "serve",
    "export",
    "postprocess",
    "segment",
]

# subcommands registered by a module of another name
SUBCOMMAND_MODULES = {"shuffle": "cooccur", "fasttext-vectors": "fasttext"}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser with every subcommand, or with just the module `only` (faster start)."""
    parser = argparse.ArgumentParser(prog="wordlab", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"wordlab {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show the Python traceback of an error (developers)"
    )
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
    debug = "--debug" in argv or os.environ.get("WORDLAB_DEBUG") == "1"
    argv = [a for a in argv if a != "--debug"]
    # import only the module of the command asked for: heavy libraries load only when needed
    try:
        parser = build_parser(_module_for(argv))
    except Exception as exc:  # a command module that fails to import: still one line
        return _fail(argv[0] if argv else "", f"internal error {type(exc).__name__}: {exc}", debug)
    args = parser.parse_args(argv)
    args.argv = argv  # what was written: --resume tells given settings from defaults
    try:
        result = args.func(args)
    except WordlabError as exc:
        return _fail(args.command, str(exc), debug)
    except OSError as exc:  # a file the command could not read or write
        where = f"{exc.filename}: " if exc.filename else ""
        return _fail(args.command, f"{where}{exc.strerror or exc}", debug)
    except MemoryError:
        return _fail(args.command, "out of memory; lower --memory or the vocabulary size", debug)
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
    except Exception as exc:  # a bug: still one line, the traceback only on request
        return _fail(
            args.command,
            f"internal error {type(exc).__name__}: {exc} (run with --debug for the traceback)",
            debug,
        )
    return int(result or 0)


def _fail(command: str, message: str, debug: bool) -> int:
    """Print one line for the user (and the traceback with --debug); exit status 2."""
    if debug:
        traceback.print_exc()
    first = message.strip().splitlines()[0] if message.strip() else "failed"
    print(f"wordlab {command}: error: {first}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
