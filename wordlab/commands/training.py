"""What every trainer's command shares: checkpoints and --resume, settings checks.

A trainer command checks its outputs before reading the corpus (`check_output_folder` and
`check_output_file` in commands/common.py, which also has `save_safely`), saves a checkpoint to the
model file every --checkpoint-minutes (between jobs, inside epochs too), after the last epoch and
where Ctrl-C stopped it, and on --resume
loads that file and continues: a setting on the command line that contradicts the saved model is an
error naming both values, except the ones that may change (epochs, threads), which it reports.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wordlab.commands.common import (
    check_output_file,
    check_output_folder,
    save_safely,
    text_options,
)
from wordlab.errors import WordlabError
from wordlab.modelio import SUFFIX
from wordlab.vectors import FILE_NAMES

MAY_CHANGE = ("epochs", "threads")
# settings whose options are spelled otherwise than --name-of-the-setting
OPTION_NAMES = {
    "cbow_mean": ("--cbow-sum",),
    "symmetric": ("--left-only",),
    "distance_weighting": ("--no-distance-weighting",),
    "output": ("--vectors-output",),
    "shuffle": ("--no-shuffle",),
    "window": ("--window", "--ws"),
    "sample": ("--sample", "-t"),
}
CHECKPOINT_MINUTES = 10.0


def add_checkpoint_options(parser: argparse.ArgumentParser) -> None:
    """--resume and --checkpoint-minutes."""
    g = parser.add_argument_group("checkpoints")
    g.add_argument(
        "--resume",
        action="store_true",
        help="continue the model saved in the output (after Ctrl-C, a kill, or to add --epochs)",
    )
    g.add_argument(
        "--checkpoint-minutes",
        type=float,
        default=CHECKPOINT_MINUTES,
        metavar="M",
        help="save the model every M minutes (inside epochs too), after the last epoch and on "
        f"Ctrl-C (default {CHECKPOINT_MINUTES:g}; 0: after every epoch instead)",
    )


def resume_settings(
    saved: Any, given: Any, defaults: Any, argv: list[str] | None = None
) -> list[str]:
    """Check the command line's settings against a saved model's; return what changes.

    A setting given on the command line (its option written in `argv`, or a value other than
    the option's default) that differs from the saved one is an error naming both, unless the
    setting may change (epochs, threads), which is adopted and reported. Settings not given keep
    the saved model's values.
    """
    written = {a.split("=", 1)[0] for a in argv or [] if a.startswith("-")}
    changes, clashes = [], []
    for f in dataclasses.fields(saved):
        old, new, default = (
            getattr(saved, f.name),
            getattr(given, f.name),
            getattr(defaults, f.name),
        )
        option = "--" + f.name.replace("_", "-")
        flags = OPTION_NAMES.get(f.name, (option,))
        explicit = bool(written & set(flags)) if argv is not None else new != default
        if new == old or not explicit:
            continue
        if f.name in MAY_CHANGE:
            changes.append(f"{option} {old} -> {new}")
            setattr(saved, f.name, new)
        else:
            clashes.append(f"{option} {new} (the saved model has {old})")
    if clashes:
        raise WordlabError(
            "--resume: the command line contradicts the saved model: " + "; ".join(clashes)
        )
    return changes


def start_or_resume(
    cls: type, args: argparse.Namespace, settings: Any, model_file: Path
) -> tuple[Any, bool]:
    """A new model, or (with --resume) the one saved in `model_file` with its settings checked."""
    if not args.resume:
        return cls(settings, progress=not args.quiet), False
    model = cls.load(model_file)
    model.progress = not args.quiet
    argv = getattr(args, "argv", None)
    for change in resume_settings(model.settings, settings, type(settings)(), argv):
        print(f"resuming {model_file}: {change}", file=sys.stderr)
    return model, True


def train(
    model: Any, resumed: bool, fit: Callable[[], Any], args: argparse.Namespace, model_file: Path
) -> None:
    """Fit a new model, or continue a resumed one up to its --epochs, checkpointing to model_file."""
    minutes = args.checkpoint_minutes if args.checkpoint_minutes > 0 else None
    if not resumed:
        fit(checkpoint=model_file, checkpoint_minutes=minutes)
    elif model.epochs_done >= model.settings.epochs:
        print(
            f"{model_file}: already trained for {model.epochs_done} epochs "
            f"(--epochs {model.settings.epochs}); nothing to do",
            file=sys.stderr,
        )
    else:
        try:
            model.train(checkpoint=model_file, checkpoint_minutes=minutes)
        except WordlabError as e:  # e.g. the corpus is gone, or the file cannot be continued
            raise WordlabError(f"--resume {model_file}: {e}") from None


def run_vectors_trainer(cls: type, settings: Any, args: argparse.Namespace, command: str) -> Any:
    """word2vec's and fasttext's command: fit or resume on --input, write vectors and the model."""
    out = check_output_folder(args.output)
    export = getattr(args, "export_fasttext", None)
    if export:
        check_output_file(export, "--export-fasttext")
    if not args.input and not args.resume:
        raise WordlabError("give --input (a corpus), or --resume to continue the model in --output")
    model_file = out / ("model" + SUFFIX)
    model, resumed = start_or_resume(cls, args, settings, model_file)

    def fit(**checkpoints: object) -> None:
        model.fit(
            args.input, text=text_options(args), corpus_cache=args.corpus_cache, **checkpoints
        )

    train(model, resumed, fit, args, model_file)
    vectors_path = save_safely(
        lambda p: model.wv.save(p, args.format), out / FILE_NAMES[args.format], "vectors"
    )
    if export:
        model.save(export, format="fasttext")
    if not args.quiet:
        print(
            f"wordlab {command}: {len(model.wv):,} words x {model.settings.dim}; "
            f"wrote {vectors_path} and {model_file}",
            file=sys.stderr,
        )
    return model
