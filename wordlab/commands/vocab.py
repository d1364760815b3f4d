"""`wordlab vocab`: count words (GloVe's vocab_count), writing `word count` lines."""

from __future__ import annotations

import argparse

from wordlab.commands.common import (
    add_corpus_options,
    add_text_options,
    add_vocab_options,
    check_output_file,
    save_safely,
    text_options,
)
from wordlab.corpus import load_corpus
from wordlab.distributed import add_scheduler_option
from wordlab.vocab import vocabulary_size


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
    p.add_argument(
        "--memory",
        type=float,
        default=4.0,
        help="bounds peak memory, in GB, plus the interpreter's ~140 MB: the word table (about "
        "160 bytes a distinct word) and ~40 MB of read buffers (up to 64 MB more for .xz) must "
        "fit, else it stops with an error (default 4)",
    )
    add_corpus_options(p)
    add_text_options(p)
    add_vocab_options(p)
    add_scheduler_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> None:
    output = check_output_file(args.output)
    if args.scheduler:  # words counted by byte ranges on the cluster: the same file
        from wordlab.distributed import connect, scan_corpus

        with connect(args.scheduler) as client:
            scan = scan_corpus(client, args.input, text_options(args), not args.quiet)
        vocab = scan.vocab(args.min_count, args.max_vocab, min_size=1)
        save_safely(vocab.save, output, "vocabulary")
        print(f"{len(vocab):,} words ({scan.n_tokens:,} tokens) -> {args.output}")
        return
    corpus = load_corpus(
        args.input, text_options(args), args.corpus_cache, not args.quiet, args.memory
    )
    size = vocabulary_size(corpus.counts, args.min_count, args.max_vocab, min_size=1)
    # the corpus's own `word count` lines, copied as bytes: no Python string per word
    save_safely(lambda path: corpus.words.write_head(path, size), output, "vocabulary")
    print(f"{size:,} words ({corpus.n_tokens:,} tokens) -> {args.output}")
