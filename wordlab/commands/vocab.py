"""`wordlab vocab`: count words (GloVe's vocab_count), writing `word count` lines."""

from __future__ import annotations

import argparse
from pathlib import Path

from wordlab.commands.common import (
    add_corpus_options,
    add_text_options,
    add_vocab_options,
    text_options,
)
from wordlab.corpus import load_corpus
from wordlab.vocab import Vocab


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "vocab",
        help="count words, write vocab.txt (GloVe's vocab_count)",
        description=(
            "Count the words of a corpus as GloVe's vocab_count does and write OUTPUT, one "
            "'word count' line per word kept, most frequent first (ties by word). The encoded "
            "corpus is kept in the corpus cache for the later stages."
        ),
    )
    p.add_argument(
        "--input", required=True, help="corpus: text (.gz/.bz2/.xz) or an encoded corpus folder"
    )
    p.add_argument("--output", required=True, help="vocabulary file to write (word count per line)")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    add_corpus_options(p)
    add_text_options(p)
    add_vocab_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> None:
    corpus = load_corpus(args.input, text_options(args), args.corpus_cache, progress=not args.quiet)
    vocab = Vocab.from_corpus(corpus, args.min_count, args.max_vocab, min_size=1)
    vocab.save(Path(args.output))
    print(f"{len(vocab):,} words ({corpus.n_tokens:,} tokens) -> {args.output}")
