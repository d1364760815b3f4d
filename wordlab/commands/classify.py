"""`wordlab classify train|test|predict`: fastText's supervised text classifier."""

from __future__ import annotations

import argparse
import sys

from wordlab.commands.common import add_run_options, add_vocab_options, check_output_file
from wordlab.commands.training import (
    add_checkpoint_options,
    start_or_resume,
    train,
)
from wordlab.errors import WordlabError
from wordlab.modelio import model_path
from wordlab.models.classifier import LOSSES, Classifier, ClassifierSettings
from wordlab.textread import ENCODING_ERRORS
from wordlab.tokenizers import TOKENIZERS


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `classify` subcommand with its train, test and predict actions."""
    d = ClassifierSettings()
    p = subparsers.add_parser(
        "classify",
        help="fastText text classification: train, test (N, P@k, R@k), predict",
        description=(
            "Lines of fastText's format: labels are tokens starting with the label prefix "
            "(default __label__), anywhere on the line; the rest are words."
        ),
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True

    t = actions.add_parser(
        "train",
        help="train a classifier on a labelled file",
        description=(
            "Train fastText's supervised classifier (bag of words and n-grams, softmax or another "
            "loss) on a labelled file and write the model to one file, OUTPUT (.wordlab is added "
            "if missing): weights, words, labels, settings and training state, saved as it "
            "trains (--resume continues it)."
        ),
    )
    t.add_argument("--input", help="training file (.gz/.bz2/.xz accepted)")
    t.add_argument("--output", required=True, help="model file (.wordlab is added if missing)")
    t.add_argument(
        "--export-fasttext",
        metavar="FILE",
        help="also write the model in fastText's .bin format (the fasttext package reads it)",
    )
    t.add_argument(
        "--no-shuffle",
        action="store_true",
        help="read the examples in file order every epoch, as fastText does (default: a new "
        "order each epoch, so files sorted by label train well)",
    )
    t.add_argument(
        "--encoding-errors",
        choices=ENCODING_ERRORS,
        default="strict",
        help="on invalid UTF-8: stop with the byte offset (strict) or substitute U+FFFD",
    )
    t.add_argument(
        "--tokenizer",
        choices=TOKENIZERS,
        default=d.tokenizer,
        help="how a line's text becomes words: whitespace (default, fastText's), char or jieba "
        "for raw Chinese text (the model keeps it: test and predict use it too)",
    )
    g = t.add_argument_group("classifier")
    g.add_argument("--dim", type=int, default=d.dim, help=f"default {d.dim}")
    g.add_argument("--lr", type=float, default=d.lr, help=f"learning rate (default {d.lr})")
    g.add_argument("--epochs", type=int, default=d.epochs, help=f"default {d.epochs}")
    g.add_argument(
        "--word-ngrams", type=int, default=d.word_ngrams, help="max word n-gram length (default 1)"
    )
    g.add_argument(
        "--bucket",
        type=int,
        default=d.bucket,
        help=f"hash rows for word/char n-grams (default {d.bucket})",
    )
    g.add_argument("--minn", type=int, default=d.minn, help="min char n-gram (default 0 = none)")
    g.add_argument("--maxn", type=int, default=d.maxn, help="max char n-gram (default 0 = none)")
    g.add_argument("--min-count-label", type=int, default=d.min_count_label, help="default 1")
    g.add_argument("--loss", choices=LOSSES, default=d.loss, help=f"default {d.loss}")
    g.add_argument("--neg", type=int, default=d.neg, help=f"negatives for ns (default {d.neg})")
    g.add_argument("--label-prefix", default=d.label_prefix, help="default __label__")
    g.add_argument(
        "--lr-update-rate",
        type=int,
        default=d.lr_update_rate,
        help=f"tokens between learning-rate updates (default {d.lr_update_rate})",
    )
    add_vocab_options(
        t,
        min_count=d.min_count,
        min_count_help=f"drop words seen fewer times (default {d.min_count}, fastText supervised's; "
        "the unsupervised commands use 5)",
        max_vocab=False,
    )
    add_run_options(t)
    add_checkpoint_options(t)
    t.set_defaults(func=run_train)

    e = actions.add_parser(
        "test",
        help="print N, precision at k and recall at k",
        description=(
            "Score a saved classifier on a labelled file as fastText test does: print N (the "
            "lines that have labels), precision at k and recall at k."
        ),
    )
    e.add_argument("model", help="model written by `classify train`")
    e.add_argument("file", help="labelled test file")
    e.add_argument("--k", type=int, default=1, help="labels predicted per line (default 1)")
    e.add_argument("--threshold", type=float, default=0.0, help="minimum probability")
    e.set_defaults(func=run_test)

    r = actions.add_parser(
        "predict",
        help="print the top-k labels and probabilities per line",
        description=(
            "Print, for each line of FILE (or standard input), the k most probable labels with "
            "their probabilities ('label p label p ...'), as fastText predict-prob does."
        ),
    )
    r.add_argument("model", help="model written by `classify train`")
    r.add_argument("file", help="text file, or - for standard input")
    r.add_argument("--k", type=int, default=1, help="labels per line (default 1)")
    r.add_argument("--threshold", type=float, default=0.0, help="minimum probability")
    r.set_defaults(func=run_predict)


def run_train(args: argparse.Namespace) -> int:
    """Train (or resume) a classifier and save it."""
    settings = ClassifierSettings(
        dim=args.dim,
        lr=args.lr,
        epochs=args.epochs,
        word_ngrams=args.word_ngrams,
        bucket=args.bucket,
        minn=args.minn,
        maxn=args.maxn,
        min_count=args.min_count,
        min_count_label=args.min_count_label,
        loss=args.loss,
        neg=args.neg,
        label_prefix=args.label_prefix,
        lr_update_rate=args.lr_update_rate,
        threads=args.threads,
        seed=args.seed,
        shuffle=not args.no_shuffle,
        encoding_errors=args.encoding_errors,
        tokenizer=args.tokenizer,
    )
    model_file = check_output_file(model_path(args.output))
    if args.export_fasttext:
        check_output_file(args.export_fasttext, "--export-fasttext")
    if not args.input and not args.resume:
        raise WordlabError("give --input (a labelled file), or --resume to continue --output")
    clf, resumed = start_or_resume(Classifier, args, settings, model_file)
    train(clf, resumed, lambda **kw: clf.fit(args.input, **kw), args, model_file)
    if args.export_fasttext:
        clf.save(args.export_fasttext, format="fasttext")
    if not args.quiet:
        print(
            f"wordlab classify: {len(clf.words):,} words, {len(clf.labels)} labels; "
            f"wrote {model_file}",
            file=sys.stderr,
        )
    return 0


def run_test(args: argparse.Namespace) -> int:
    """Evaluate a saved classifier on a labelled file."""
    clf = Classifier.load(args.model)
    print(clf.test(args.file, k=args.k, threshold=args.threshold))
    return 0


def run_predict(args: argparse.Namespace) -> int:
    """Predict labels for each line of a file or of standard input."""
    clf = Classifier.load(args.model)
    if args.file == "-":
        data = sys.stdin.buffer.read()
        if not data.strip():
            raise WordlabError("no input lines on standard input")
        texts = data.decode("utf-8", "surrogateescape").splitlines()
        results = clf.predict(texts, k=args.k, threshold=args.threshold)
    else:
        results = clf.predict_file(args.file, k=args.k, threshold=args.threshold)
    out = sys.stdout
    for preds in results:
        out.write(" ".join(f"{label} {p:.5f}" for label, p in preds) + "\n")
    return 0
