"""`wordlab fasttext` (train subword vectors) and `wordlab fasttext-vectors` (vectors of any word)."""

from __future__ import annotations

import argparse
import sys

import numpy as np

from wordlab.commands.common import (
    add_corpus_options,
    add_run_options,
    add_text_options,
    add_vocab_options,
)
from wordlab.commands.training import add_checkpoint_options, run_vectors_trainer
from wordlab.modelio import SUFFIX
from wordlab.models.fasttext import LOSSES, MODELS, FastText, FastTextSettings
from wordlab.vectors import FORMATS

MODEL_FILE = "model" + SUFFIX


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `fasttext` and `fasttext-vectors` subcommands."""
    d = FastTextSettings()
    p = subparsers.add_parser(
        "fasttext",
        help="train fastText subword vectors (skip-gram / CBOW over character n-grams)",
        description=(
            "Train fastText word vectors; writes OUTPUT/vectors.<ext> (known words) and the model "
            f"OUTPUT/{MODEL_FILE} (saved as it trains; --resume continues it), from which "
            "`wordlab fasttext-vectors` gives vectors for any word; --export-fasttext also "
            "writes fastText's own .bin."
        ),
    )
    p.add_argument("--input", help="text file (.gz/.bz2/.xz) or encoded folder")
    p.add_argument("--output", required=True, help="folder for the vectors and the model")
    p.add_argument(
        "--format", choices=FORMATS, default="vec", help="vector file format (default vec)"
    )
    p.add_argument(
        "--export-fasttext",
        metavar="FILE",
        help="also write the model in fastText's .bin format (fastText and gensim read it)",
    )
    g = p.add_argument_group("fastText")
    g.add_argument("--model", choices=MODELS, default=d.model, help=f"default {d.model}")
    g.add_argument("--loss", choices=LOSSES, default=d.loss, help=f"default {d.loss}")
    g.add_argument("--dim", type=int, default=d.dim, help=f"vector size (default {d.dim})")
    g.add_argument(
        "--window", "--ws", type=int, default=d.window, help=f"context window (default {d.window})"
    )
    g.add_argument("--epochs", type=int, default=d.epochs, help=f"default {d.epochs}")
    g.add_argument("--lr", type=float, default=d.lr, help=f"learning rate (default {d.lr})")
    g.add_argument("--neg", type=int, default=d.neg, help=f"negatives (default {d.neg})")
    g.add_argument(
        "--lang",
        choices=("en", "zh"),
        default=None,
        help="language defaults: zh sets --minn 1 --maxn 2 (fastText's advice for Chinese: "
        "a word's characters and character pairs; CA8 morphological 94%% against 11%% with 3-6 "
        "on People's Daily); options given explicitly win",
    )
    g.add_argument(
        "--minn", type=int, default=None, help=f"min n-gram chars (default {d.minn}; zh: 1)"
    )
    g.add_argument(
        "--maxn", type=int, default=None, help=f"max n-gram chars (default {d.maxn}; zh: 2)"
    )
    g.add_argument("--bucket", type=int, default=d.bucket, help=f"n-gram rows (default {d.bucket})")
    g.add_argument(
        "--sample",
        "-t",
        type=float,
        default=d.sample,
        help=f"subsampling threshold, 0 = off (default {d.sample:g})",
    )
    g.add_argument(
        "--ns-exponent",
        type=float,
        default=d.ns_exponent,
        help=f"negatives drawn from count**x (default {d.ns_exponent}, fastText's; gensim 0.75)",
    )
    g.add_argument(
        "--lr-update-rate",
        type=int,
        default=d.lr_update_rate,
        help=f"tokens between learning-rate updates (default {d.lr_update_rate})",
    )
    add_corpus_options(p)
    add_text_options(p)
    add_vocab_options(p)
    add_run_options(p)
    add_checkpoint_options(p)
    p.set_defaults(func=run)

    v = subparsers.add_parser(
        "fasttext-vectors",
        help="print fastText vectors of any words (unseen ones from their n-grams)",
        description="Print `word v1 v2 ...` for each word (from the arguments, or stdin lines).",
    )
    v.add_argument(
        "model", help=f"model written by `wordlab fasttext` (its folder or {MODEL_FILE})"
    )
    v.add_argument("words", nargs="*", help="words (default: read whitespace-separated stdin)")
    v.set_defaults(func=run_vectors)


def run(args: argparse.Namespace) -> int:
    """Train and write the vectors and the model."""
    d = FastTextSettings()
    settings = FastTextSettings(
        model=args.model,
        loss=args.loss,
        dim=args.dim,
        window=args.window,
        epochs=args.epochs,
        lr=args.lr,
        neg=args.neg,
        min_count=args.min_count,
        max_vocab=args.max_vocab,
        minn=args.minn if args.minn is not None else (1 if args.lang == "zh" else d.minn),
        maxn=args.maxn if args.maxn is not None else (2 if args.lang == "zh" else d.maxn),
        bucket=args.bucket,
        sample=args.sample,
        ns_exponent=args.ns_exponent,
        lr_update_rate=args.lr_update_rate,
        threads=args.threads,
        seed=args.seed,
    )
    run_vectors_trainer(FastText, settings, args, "fasttext")
    return 0


def run_vectors(args: argparse.Namespace) -> int:
    """Print the vector of each requested word."""
    model = FastText.load(args.model)
    words = args.words or [w for line in sys.stdin for w in line.split()]
    for w in words:
        vec = model.word_vector(w)
        sys.stdout.write(w + " " + " ".join(np.char.mod("%.5g", vec)) + "\n")
    return 0
