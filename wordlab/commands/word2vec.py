"""`wordlab word2vec`: train skip-gram or CBOW vectors on a text file or an encoded corpus."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from wordlab.commands.common import (
    add_run_options,
    add_text_options,
    add_vocab_options,
    text_options,
)
from wordlab.corpus import load_corpus
from wordlab.errors import WordlabError
from wordlab.models.word2vec import LOSSES, MODELS, Word2Vec, Word2VecSettings
from wordlab.vectors import FILE_NAMES, FORMATS


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `word2vec` subcommand."""
    d = Word2VecSettings()
    p = subparsers.add_parser(
        "word2vec",
        help="train word2vec (skip-gram / CBOW, negative sampling / hierarchical softmax)",
        description=(
            "Train word2vec as the C tool does; writes OUTPUT/vectors.<ext> and the model "
            "(OUTPUT/model.npz + model.json: input and output weights, settings)."
        ),
    )
    p.add_argument("--input", required=True, help="text file (.gz/.bz2/.xz) or encoded folder")
    p.add_argument("--output", required=True, help="folder for the vectors and the model")
    p.add_argument(
        "--format",
        choices=FORMATS,
        default="word2vec",
        help="vector file format (default word2vec text)",
    )
    p.add_argument("--cache-dir", help="where to keep the encoded corpus (default: user cache)")
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
    add_text_options(p)
    add_vocab_options(p, min_count=d.min_count)
    add_run_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Train and write the vectors and the model."""
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
    )
    out = Path(args.output)
    if out.exists() and not out.is_dir():
        raise WordlabError(f"--output {out} exists and is not a folder")
    corpus = load_corpus(
        args.input, text_options(args), cache_dir=args.cache_dir, progress=not args.quiet
    )
    model = Word2Vec(settings=settings, progress=not args.quiet).fit(corpus)
    out.mkdir(parents=True, exist_ok=True)
    vectors_path = out / FILE_NAMES[args.format]
    model.vectors.save(vectors_path, args.format)
    model.save(out / "model")
    if not args.quiet:
        st = model.stats
        print(
            f"wordlab word2vec: {len(model.vectors):,} words x {settings.dim}, "
            f"{st['words_per_second']:,.0f} words/s, final loss {st['final_loss']:.4f}; "
            f"wrote {vectors_path} and {out / 'model'}.npz/.json",
            file=sys.stderr,
        )
    return 0
