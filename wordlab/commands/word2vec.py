"""`wordlab word2vec`: train skip-gram or CBOW vectors on a text file or an encoded corpus."""

from __future__ import annotations

import argparse

from wordlab.commands.common import (
    add_corpus_options,
    add_run_options,
    add_text_options,
    add_vocab_options,
)
from wordlab.commands.training import add_checkpoint_options, run_vectors_trainer
from wordlab.modelio import SUFFIX
from wordlab.models.word2vec import LOSSES, MODELS, Word2Vec, Word2VecSettings
from wordlab.vectors import FORMATS

MODEL_FILE = "model" + SUFFIX


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `word2vec` subcommand."""
    d = Word2VecSettings()
    p = subparsers.add_parser(
        "word2vec",
        help="train word2vec (skip-gram / CBOW, negative sampling / hierarchical softmax)",
        description=(
            "Train word2vec as the C tool does; writes OUTPUT/vectors.<ext> and the model "
            "(OUTPUT/model.wordlab: input and output weights, settings and training state, saved "
            "as it trains; --resume continues it)."
        ),
    )
    p.add_argument("--input", help="text file (.gz/.bz2/.xz) or encoded folder")
    p.add_argument("--output", required=True, help="folder for the vectors and the model")
    p.add_argument(
        "--format",
        choices=FORMATS,
        default="word2vec",
        help="vector file format (default word2vec text)",
    )
    g = p.add_argument_group("word2vec")
    g.add_argument("--model", choices=MODELS, default=d.model, help=f"default {d.model}")
    g.add_argument(
        "--loss",
        choices=LOSSES,
        default=d.loss,
        help="negative sampling, hierarchical softmax, or both summed (default ns)",
    )
    g.add_argument("--dim", type=int, default=d.dim, help=f"vector size (default {d.dim})")
    g.add_argument(
        "--window", type=int, default=d.window, help=f"max context window (default {d.window})"
    )
    g.add_argument(
        "--negative", type=int, default=d.negative, help=f"noise words (default {d.negative})"
    )
    g.add_argument(
        "--sample",
        type=float,
        default=d.sample,
        help=f"subsampling threshold for frequent words, 0 = off (default {d.sample:g})",
    )
    g.add_argument("--epochs", type=int, default=d.epochs, help=f"default {d.epochs}")
    g.add_argument(
        "--lr",
        type=float,
        default=None,
        help="starting learning rate (default 0.025 sg, 0.05 cbow)",
    )
    g.add_argument(
        "--cbow-sum", action="store_true", help="CBOW sums context vectors instead of averaging"
    )
    g.add_argument(
        "--batch-window",
        action="store_true",
        help="skip-gram: update each output row once per window, from all the window's context "
        "words at once, sharing one set of noise words (Ji et al.'s HogBatch); faster on "
        "several threads, different (not worse) vectors than the C tool's per-pair updates",
    )
    add_corpus_options(p)
    add_text_options(p)
    add_vocab_options(p)
    add_run_options(p)
    add_checkpoint_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Train (or resume) and write the vectors and the model."""
    settings = Word2VecSettings(
        model=args.model,
        loss=args.loss,
        dim=args.dim,
        window=args.window,
        negative=args.negative,
        sample=args.sample,
        epochs=args.epochs,
        min_count=args.min_count,
        max_vocab=args.max_vocab,
        lr=args.lr,
        cbow_mean=not args.cbow_sum,
        threads=args.threads,
        seed=args.seed,
        batch_window=args.batch_window,
    )
    run_vectors_trainer(Word2Vec, settings, args, "word2vec")
    return 0
