"""`wordlab glove`: the whole GloVe pipeline, or training alone from a co-occurrence file."""

from __future__ import annotations

import argparse
from pathlib import Path

from wordlab.commands.common import (
    add_run_options,
    add_text_options,
    add_vocab_options,
    text_options,
)
from wordlab.commands.cooccur import add_window_options
from wordlab.cooccur import shuffle_records
from wordlab.errors import WordlabError
from wordlab.models.glove import OUTPUTS, GloVe, GloVeSettings
from wordlab.vectors import FILE_NAMES, FORMATS
from wordlab.vocab import Vocab


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("glove", help="train GloVe vectors (all stages, or from --cooccur)")
    p.add_argument("--input", help="corpus: text (.gz/.bz2/.xz) or an encoded corpus folder")
    p.add_argument(
        "--output",
        required=True,
        help="output folder: vocab.txt, cooccurrence*.bin, vectors.txt, model.*",
    )
    p.add_argument(
        "--cooccur", help="train from this co-occurrence file (GloVe binary) instead of --input"
    )
    p.add_argument("--vocab", help="vocabulary file matching --cooccur (word count lines)")
    p.add_argument("--no-shuffle", action="store_true", help="--cooccur is already shuffled")
    p.add_argument(
        "--resume", action="store_true", help="continue the model saved in --output up to --epochs"
    )
    g = p.add_argument_group("training")
    g.add_argument("--dim", type=int, default=100, help="vector size (default 100)")
    g.add_argument("--epochs", type=int, default=15, help="AdaGrad passes (default 15)")
    g.add_argument(
        "--x-max", type=float, default=100.0, help="weighting cutoff x_max (default 100)"
    )
    g.add_argument("--alpha", type=float, default=0.75, help="weighting exponent (default 0.75)")
    g.add_argument("--lr", type=float, default=0.05, help="AdaGrad learning rate (default 0.05)")
    g.add_argument(
        "--grad-clip", type=float, default=100.0, help="gradient component clip (default 100)"
    )
    g.add_argument(
        "--vectors-output",
        choices=OUTPUTS,
        default="sum",
        help="W + W~ (sum, default), W (word), or [W, W~] (concat)",
    )
    g.add_argument(
        "--format",
        nargs="+",
        choices=FORMATS,
        default=["glove"],
        help="vectors file formats to write (default glove)",
    )
    add_window_options(p)
    add_vocab_options(p)
    add_text_options(p)
    add_run_options(p)
    p.set_defaults(func=run)


def settings_from(args: argparse.Namespace) -> GloVeSettings:
    """The GloVeSettings named on the command line."""
    return GloVeSettings(
        dim=args.dim, window=args.window, symmetric=not args.left_only,
        distance_weighting=not args.no_distance_weighting, min_count=args.min_count,
        max_vocab=args.max_vocab, epochs=args.epochs, x_max=args.x_max, alpha=args.alpha,
        lr=args.lr, grad_clip=args.grad_clip, threads=args.threads, memory=args.memory,
        seed=args.seed, output=args.vectors_output,
    )  # fmt: skip


def run(args: argparse.Namespace) -> None:
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    progress = not args.quiet
    checkpoint = out / "model"

    def save_checkpoint(model: GloVe) -> None:
        model.save(checkpoint)

    if args.resume:
        model = GloVe.load(checkpoint)
        model.settings.epochs = args.epochs
        model.settings.threads = args.threads
        shuffled = Path(args.cooccur) if args.cooccur else out / "cooccurrence.shuf.bin"
        if model.epochs_done >= args.epochs:
            print(
                f"{checkpoint}: already trained for {model.epochs_done} epochs (--epochs {args.epochs})"
            )
        model.train(shuffled, progress=progress, on_epoch=save_checkpoint)
    elif args.cooccur:
        if not args.vocab:
            raise WordlabError("--cooccur needs --vocab, the vocabulary its word ids refer to")
        model = GloVe(settings_from(args))
        shuffled = Path(args.cooccur)
        if not args.no_shuffle:
            shuffled = out / "cooccurrence.shuf.bin"
            shuffle_records(args.cooccur, shuffled, args.memory, args.seed)
        model.train(shuffled, Vocab.load(args.vocab), progress=progress, on_epoch=save_checkpoint)
    else:
        if not args.input:
            raise WordlabError("give --input (a corpus), or --cooccur with --vocab, or --resume")
        model = GloVe(settings_from(args))
        model.fit(
            args.input,
            workdir=out,
            text=text_options(args),
            progress=progress,
            on_epoch=save_checkpoint,
        )
    vectors = model.vectors
    for fmt in args.format:
        vectors.save(out / FILE_NAMES[fmt], fmt)
    print(
        f"{len(vectors):,} vectors of dimension {vectors.dim} -> {out / FILE_NAMES[args.format[0]]}"
    )
