"""Argument groups shared by several subcommands, so each option is spelled one way everywhere."""

from __future__ import annotations

import argparse

from wordlab.corpus import TOKENIZERS, TextOptions


def add_text_options(parser: argparse.ArgumentParser) -> None:
    """--lowercase, --tokenizer, --encoding-errors: how text becomes tokens."""
    g = parser.add_argument_group("text")
    g.add_argument("--lowercase", action="store_true", help="lower-case text before tokenizing")
    g.add_argument(
        "--tokenizer",
        choices=TOKENIZERS,
        default="whitespace",
        help="whitespace-separated tokens (default), or 'simple': words and punctuation",
    )
    g.add_argument(
        "--encoding-errors",
        choices=("strict", "replace"),
        default="strict",
        help="on invalid UTF-8: stop with the byte offset (strict) or substitute U+FFFD",
    )


def text_options(args: argparse.Namespace) -> TextOptions:
    """The TextOptions named by add_text_options's arguments."""
    return TextOptions(
        lowercase=args.lowercase, tokenizer=args.tokenizer, encoding_errors=args.encoding_errors
    )


def add_vocab_options(parser: argparse.ArgumentParser, min_count: int = 5) -> None:
    """--min-count and --max-vocab."""
    g = parser.add_argument_group("vocabulary")
    g.add_argument(
        "--min-count",
        type=int,
        default=min_count,
        help=f"drop words seen fewer times (default {min_count})",
    )
    g.add_argument(
        "--max-vocab", type=int, default=None, help="keep at most this many most frequent words"
    )


def add_run_options(parser: argparse.ArgumentParser, threads: int = 2) -> None:
    """--threads, --seed, --quiet."""
    g = parser.add_argument_group("run")
    g.add_argument(
        "--threads", type=int, default=threads, help=f"worker threads (default {threads})"
    )
    g.add_argument(
        "--seed", type=int, default=1, help="random seed; with --threads 1 runs repeat exactly"
    )
    g.add_argument("--quiet", action="store_true", help="no progress output")
