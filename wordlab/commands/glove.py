"""`wordlab glove`: the whole GloVe pipeline, or training alone from a co-occurrence file."""

from __future__ import annotations

import argparse
from pathlib import Path

from wordlab.commands.common import (
    add_corpus_options,
    add_run_options,
    add_text_options,
    add_vocab_options,
    check_output_folder,
    save_safely,
    text_options,
)
from wordlab.commands.cooccur import add_window_options
from wordlab.commands.training import (
    add_checkpoint_options,
    start_or_resume,
    train,
)
from wordlab.cooccur import shuffle_records
from wordlab.distributed import add_scheduler_option
from wordlab.errors import WordlabError
from wordlab.modelio import SUFFIX
from wordlab.models.glove import OUTPUTS, GloVe, GloVeSettings
from wordlab.vectors import FILE_NAMES, FORMATS
from wordlab.vocab import Vocab

MODEL_FILE = "model" + SUFFIX


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "glove",
        help="train GloVe vectors (all stages, or from --cooccur)",
        description=(
            "Train GloVe: from --input, count the vocabulary and co-occurrences, shuffle and train "
            "(or train from --cooccur and --vocab, or --resume the saved model). Writes to OUTPUT "
            "vocab.txt, cooccurrence.bin, cooccurrence.shuf.bin, the vectors (vectors.txt by "
            "default) and the model, saved as it trains so that --resume continues it."
        ),
    )
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
    add_corpus_options(p)
    add_text_options(p)
    add_run_options(p)
    add_checkpoint_options(p)
    add_scheduler_option(p)
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
    """Run the pipeline (or train from --cooccur, or resume) and write the vectors."""
    out = check_output_folder(args.output)
    model_file = out / MODEL_FILE
    if args.resume:
        model, _ = start_or_resume(GloVe, args, settings_from(args), model_file)
        if args.cooccur:
            model.records_path = Path(args.cooccur).resolve()
        train(model, True, lambda **kw: None, args, model_file)
    elif args.cooccur or args.scheduler:
        model = GloVe(settings_from(args), progress=not args.quiet)
        records, shuffle = Path(args.cooccur or out / "cooccurrence.bin"), not args.no_shuffle
        if args.scheduler:  # counting on the cluster (vocab.txt, cooccurrence.bin), training here
            from wordlab.distributed import connect, count_to_folder

            if args.cooccur or not args.input:
                raise WordlabError("--scheduler counts --input on the cluster: give --input")
            with connect(args.scheduler) as client:
                vocab = count_to_folder(
                    client, args.input, out, model.settings.cooccur_settings(), text_options(args),
                    args.min_count, args.max_vocab, not args.quiet,
                )  # fmt: skip
            shuffle = True
        elif not args.vocab:
            raise WordlabError("--cooccur needs --vocab, the vocabulary its word ids refer to")
        else:
            vocab = Vocab.load(args.vocab)
        shuffled = records
        if shuffle:
            shuffled = out / "cooccurrence.shuf.bin"
            shuffle_records(records, shuffled, args.memory, args.seed)
        train(
            model,
            False,
            lambda **kw: model.fit_cooccurrences(shuffled, vocab, **kw),
            args,
            model_file,
        )
    else:
        if not args.input:
            raise WordlabError("give --input (a corpus), or --cooccur with --vocab, or --resume")
        model = GloVe(settings_from(args), progress=not args.quiet)

        def fit(**checkpoints: object) -> None:
            model.fit(
                args.input, workdir=out, text=text_options(args),
                corpus_cache=args.corpus_cache, **checkpoints,
            )  # fmt: skip

        train(model, False, fit, args, model_file)
    vectors = model.wv
    for fmt in args.format:
        save_safely(lambda p, fmt=fmt: vectors.save(p, fmt), out / FILE_NAMES[fmt], "vectors")
    print(
        f"{len(vectors):,} vectors of dimension {vectors.dim} -> {out / FILE_NAMES[args.format[0]]}"
    )
