"""`wordlab cooccur` and `wordlab shuffle`: GloVe's cooccur and shuffle stages."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from wordlab.commands.common import (
    add_corpus_options,
    add_seed_option,
    add_text_options,
    add_vocab_options,
    check_free_space,
    check_output_file,
    save_safely,
    text_options,
)
from wordlab.cooccur import CooccurSettings, count_cooccurrences, shuffle_records
from wordlab.corpus import load_corpus
from wordlab.distributed import add_scheduler_option
from wordlab.errors import WordlabError
from wordlab.vocab import Vocab


def add_window_options(p: argparse.ArgumentParser) -> None:
    """--window, --left-only, --no-distance-weighting, --memory."""
    g = p.add_argument_group("co-occurrence")
    g.add_argument("--window", type=int, default=10, help="context words on each side (default 10)")
    g.add_argument(
        "--left-only", action="store_true", help="left context only (GloVe's -symmetric 0)"
    )
    g.add_argument(
        "--no-distance-weighting",
        action="store_true",
        help="count 1 per pair instead of 1/distance",
    )
    g.add_argument(
        "--memory",
        type=float,
        default=4.0,
        help="bounds peak memory of counting, in GB, plus the interpreter's ~140 MB (default 4)",
    )


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "cooccur",
        help="count windowed co-occurrences into GloVe's binary format",
        description=(
            "Count word-word co-occurrences within a window, as GloVe's cooccur does, in bounded "
            "memory (--memory), and write OUTPUT: GloVe's binary records (int32 word1, int32 "
            "word2, float64 value; 1-based ids of --vocab, or of a vocabulary counted here)."
        ),
    )
    p.add_argument(
        "--input", required=True, help="corpus: text (.gz/.bz2/.xz) or an encoded corpus folder"
    )
    p.add_argument(
        "--output", required=True, help="co-occurrence file to write (GloVe binary records)"
    )
    p.add_argument(
        "--vocab", default=None, help="vocabulary file from `wordlab vocab` (default: counted here)"
    )
    p.add_argument("--threads", type=int, default=2, help="threads (default 2)")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    add_window_options(p)
    add_corpus_options(p)
    add_text_options(p)
    add_vocab_options(p)
    add_scheduler_option(p)
    p.set_defaults(func=run)

    s = sub.add_parser(
        "shuffle",
        help="shuffle a co-occurrence file in bounded memory (GloVe's shuffle)",
        description=(
            "Shuffle the records of a GloVe co-occurrence file as GloVe's shuffle does, in bounded "
            "memory (--memory; a larger file goes through shuffled temporary chunks), and write "
            "them to OUTPUT in the same binary format."
        ),
    )
    s.add_argument("--input", required=True, help="co-occurrence file (GloVe binary records)")
    s.add_argument("--output", required=True, help="shuffled file to write")
    s.add_argument(
        "--memory",
        type=float,
        default=4.0,
        help="bounds peak memory, in GB, plus the interpreter's ~100 MB; a larger file is "
        "shuffled through temporary chunks (default 4)",
    )
    add_seed_option(s)
    s.set_defaults(func=run_shuffle)


def _vocabulary(args: argparse.Namespace, corpus: Any) -> Vocab:
    """--vocab, checked against the corpus (encoded, or scanned on a cluster), or counted."""
    if not args.vocab:
        return Vocab.from_corpus(corpus, args.min_count, args.max_vocab)
    vocab = Vocab.load(args.vocab)
    if not vocab.matches_corpus(corpus):
        raise WordlabError(
            f"{args.vocab}: this vocabulary was not counted from {args.input} with the same text options "
            "(its words must be the corpus's most frequent, in order)"
        )
    return vocab


def run(args: argparse.Namespace) -> None:
    output = check_output_file(args.output)
    settings = CooccurSettings(
        args.window, not args.left_only, not args.no_distance_weighting, args.memory, args.threads
    )
    if args.scheduler:  # blocks of tokens counted on the cluster: the same file
        from wordlab.distributed import connect, count_cooccurrences_on, scan_corpus

        with connect(args.scheduler) as client:
            scan = scan_corpus(client, args.input, text_options(args), not args.quiet)
            stats = count_cooccurrences_on(
                client, args.input, _vocabulary(args, scan), output, settings,
                text_options(args), scan, not args.quiet,
            )  # fmt: skip
        print(f"{stats.entries:,} non-zero entries ({stats.shards} shards) -> {output}")
        return
    corpus = load_corpus(args.input, text_options(args), args.corpus_cache, progress=not args.quiet)
    vocab = _vocabulary(args, corpus)
    done: dict = {}

    def count(path: Path) -> None:
        # on a failed final write the count is redone into the temp folder: slow, but not lost
        done["stats"] = count_cooccurrences(corpus, vocab, path, settings, progress=not args.quiet)

    written = save_safely(count, output, "co-occurrences")
    stats = done["stats"]
    print(f"{stats.entries:,} non-zero entries ({stats.shards} spill shards) -> {written}")


def run_shuffle(args: argparse.Namespace) -> None:
    output = check_output_file(args.output)
    source = Path(args.input)
    if source.is_file():  # the output is exactly as large as the input
        check_free_space(output.parent, source.stat().st_size, "--output")
    n = shuffle_records(args.input, output, args.memory, args.seed)
    print(f"{n:,} records shuffled -> {args.output}")
