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


# word2vec's, fastText's (unsupervised) and GloVe's demo.sh default; GloVe's vocab_count alone says 1
MIN_COUNT = 5


def add_corpus_options(parser: argparse.ArgumentParser) -> None:
    """--corpus-cache: where a text corpus is kept once encoded into token ids."""
    g = parser.add_argument_group("corpus")
    g.add_argument(
        "--corpus-cache",
        default=None,
        metavar="DIR",
        help="folder for the encoded corpus (default: a folder named after the file and the text "
        "options under $WORDLAB_CACHE, else ~/.cache/wordlab)",
    )


def add_vocab_options(
    parser: argparse.ArgumentParser,
    min_count: int | None = MIN_COUNT,
    min_count_help: str | None = None,
    max_vocab: bool = True,
    max_vocab_help: str = "keep at most this many most frequent words",
) -> None:
    """--min-count and (unless max_vocab is False) --max-vocab, the words a model keeps.

    Every command takes these here, so the default is MIN_COUNT everywhere unless the command's
    reference tool says otherwise (fastText supervised: 1); then `min_count_help` says so.
    """
    g = parser.add_argument_group("vocabulary")
    g.add_argument(
        "--min-count",
        type=int,
        default=min_count,
        help=min_count_help or f"drop words seen fewer times (default {min_count})",
    )
    if max_vocab:
        g.add_argument("--max-vocab", type=int, default=None, help=max_vocab_help)


def add_seed_option(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup, note: str = ""
) -> None:
    """--seed, default 1 in every command."""
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)" + note)


def add_run_options(parser: argparse.ArgumentParser, threads: int = 2) -> None:
    """--threads, --seed, --quiet."""
    g = parser.add_argument_group("run")
    g.add_argument(
        "--threads", type=int, default=threads, help=f"worker threads (default {threads})"
    )
    add_seed_option(g, "; with --threads 1 runs repeat exactly")
    g.add_argument("--quiet", action="store_true", help="no progress output")
