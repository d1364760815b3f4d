"""`wordlab ner`: CoNLL-2003 NER with and without word vectors (train, score, save); `ner tag`.

    wordlab ner --train eng.train --dev eng.testa --test eng.testb [--vectors V ...]
    wordlab ner tag MODEL_DIR FILE

Adding an embedder type (e.g. ELMo, issue 8): add its option in `_add_embedder_options` and build
it in `_embedders_from_args`; each embedder becomes one more configuration in the table.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from wordlab.errors import WordlabError
from wordlab.fileio import atomic_open


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `ner` subcommand (run the evaluation) and its `tag` action."""
    p = subparsers.add_parser(
        "ner",
        help="NER on CoNLL-2003 with a CRF, with and without word vectors",
        description=(
            "Train a CRF tagger with discrete features (the baseline) and, for each --vectors "
            "file, with the vectors added as features; choose regularisation on dev, score dev "
            "and test (entity-level P/R/F1 as conlleval). 'wordlab ner tag MODEL FILE' tags text "
            "with a saved tagger."
        ),
    )
    p.add_argument("--train", help="training file (CoNLL columns: word [POS chunk ...] tag)")
    p.add_argument("--dev", help="dev file: chooses regularisation and iterations")
    p.add_argument("--test", help="test file: scored once per configuration")
    _add_embedder_options(p)
    p.add_argument(
        "--no-baseline", action="store_true", help="skip the discrete-features-only configuration"
    )
    p.add_argument("--json", metavar="OUT", help="also write all results as JSON here")
    p.add_argument(
        "--save-model",
        metavar="DIR",
        help="save each configuration's tagger in DIR/<configuration>/",
    )
    g = p.add_argument_group("CRF and features (every combination is tried; dev chooses)")
    g.add_argument(
        "--algorithm",
        choices=("l2sgd", "lbfgs"),
        default=None,
        help="CRFsuite training: l2sgd (default, SGD with L2) or lbfgs (L-BFGS with L1 + L2)",
    )
    g.add_argument(
        "--c1", type=float, nargs="+", default=None, help="L1 penalties to try, lbfgs only (0.1)"
    )
    g.add_argument(
        "--c2", type=float, nargs="+", default=None, help="L2 penalties to try (default 0.1 1)"
    )
    g.add_argument(
        "--max-iterations",
        type=int,
        nargs="+",
        default=None,
        help="epoch (l2sgd) or iteration (lbfgs) caps to try (default 30; lbfgs wants ~200)",
    )
    g.add_argument("--window", type=int, default=None, help="discrete feature window (default 2)")
    g.add_argument(
        "--vector-window",
        type=int,
        default=None,
        help="vector feature window (default 1; the GloVe paper used 2)",
    )
    g.add_argument(
        "--vector-scale",
        type=float,
        default=None,
        help="std of the scaled vector features on the training set (default 1.0)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=run)

    sub = p.add_subparsers(dest="ner_action", metavar="ACTION")
    t = sub.add_parser(
        "tag",
        help="tag a file with a saved tagger",
        description=(
            "Tag FILE with the tagger saved in MODEL (a --save-model directory). FILE is CoNLL "
            "columns (word and the feature columns the tagger was trained with, optionally a "
            "gold tag last: then scores are printed to stderr) or, with --format text, one "
            "sentence per line (only for taggers trained without feature columns)."
        ),
    )
    t.add_argument("model", help="directory written by --save-model")
    t.add_argument("file", help="file to tag")
    t.add_argument("--format", choices=("conll", "text"), default="conll", help="input format")
    t.add_argument("--output", "-o", help="write here instead of standard output")
    t.add_argument(
        "--scheme", choices=("iob2", "iob1"), default="iob2", help="tag scheme of the output"
    )
    t.add_argument(
        "--vectors",
        action="append",
        default=None,
        metavar="FILE",
        help="vectors file(s) to use instead of the paths saved with the tagger, in order",
    )
    t.add_argument("--quiet", action="store_true", help="no progress output")
    t.set_defaults(func=tag)


def _add_embedder_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--vectors",
        action="append",
        default=[],
        metavar="[NAME=]FILE",
        help="word vectors to add as features (repeat for several; each is one configuration)",
    )
    p.add_argument(
        "--elmo",
        action="append",
        default=[],
        metavar="[NAME=]DIR",
        help="ELMo model folder (wordlab elmo train) whose layers become features; needs PyTorch",
    )
    p.add_argument(
        "--elmo-layer",
        default="average",
        help="ELMo features: 'average' of the 3 layers (default) or one layer: 0, 1 or 2",
    )
    p.add_argument(
        "--combine",
        action="store_true",
        help="also train one tagger on all the given vectors and ELMo models together "
        "(e.g. GloVe + ELMo, as the ELMo paper adds ELMo to static vectors)",
    )


def _split_name(value: str) -> tuple[str | None, str]:
    name, sep, path = value.partition("=")
    if sep and name and "/" not in name and not Path(value).exists():
        return name, path
    return None, value


def _embedders_from_args(args: argparse.Namespace) -> list:
    from wordlab.evaluation.ner.embedders import StaticEmbedder

    out = []
    for value in args.vectors:
        name, path = _split_name(value)
        out.append(StaticEmbedder.load(path, name=name))
    if args.elmo:
        from wordlab.commands.elmo import require_torch

        require_torch()
        from wordlab.elmo.model import ElmoEmbedder

        for value in args.elmo:
            name, path = _split_name(value)
            out.append(ElmoEmbedder(path, args.elmo_layer, name=name or "elmo"))
    return out


def _settings(args: argparse.Namespace):
    from wordlab.evaluation.ner import NerSettings

    s = NerSettings()
    if args.c1 is not None:
        s.c1 = tuple(args.c1)
    if args.c2 is not None:
        s.c2 = tuple(args.c2)
    if args.max_iterations is not None:
        s.max_iterations = tuple(args.max_iterations)
    for opt in ("algorithm", "window", "vector_window", "vector_scale"):
        if getattr(args, opt) is not None:
            setattr(s, opt, getattr(args, opt))
    if s.window < 0 or s.vector_window < 0:
        raise WordlabError("--window and --vector-window must be >= 0")
    if s.vector_scale <= 0:
        raise WordlabError("--vector-scale must be positive")
    if any(n < 1 for n in s.max_iterations):
        raise WordlabError("--max-iterations must be >= 1")
    if any(c < 0 for c in (*s.c1, *s.c2)):
        raise WordlabError("--c1 and --c2 must be >= 0")
    return s


def run(args: argparse.Namespace) -> int:
    """Run the evaluation: table on stdout, optional JSON and saved taggers."""
    from wordlab.commands.common import check_output_file, check_output_folder, save_safely
    from wordlab.evaluation.ner import format_table, run_ner
    from wordlab.evaluation.ner.conll import read_conll

    missing = [f"--{k}" for k in ("train", "dev", "test") if not getattr(args, k)]
    if missing:
        raise WordlabError(f"missing {', '.join(missing)} (or use 'wordlab ner tag MODEL FILE')")
    if args.combine and len(args.vectors) + len(args.elmo) < 2:
        raise WordlabError("--combine needs at least two --vectors / --elmo to combine")
    settings = _settings(args)
    json_out = check_output_file(args.json, "--json") if args.json else None
    if args.save_model:
        check_output_folder(args.save_model, "--save-model")
    train, dev, test = (read_conll(getattr(args, k)) for k in ("train", "dev", "test"))
    embedders = _embedders_from_args(args)
    if args.no_baseline and not embedders:
        raise WordlabError("--no-baseline leaves nothing to run: give --vectors")
    if args.combine:
        embedders = [*embedders, list(embedders)]
    result = run_ner(
        train,
        dev,
        test,
        embedders,
        settings=settings,
        baseline=not args.no_baseline,
        save_dir=args.save_model,
        quiet=args.quiet,
    )
    result["files"] = {k: str(Path(getattr(args, k)).resolve()) for k in ("train", "dev", "test")}
    print(format_table(result))
    if json_out is not None:

        def write_json(path) -> None:
            with atomic_open(path, "w", encoding="utf-8") as fh:
                json.dump(result, fh, indent=2)
                fh.write("\n")

        save_safely(write_json, json_out, "results")
    return 0


def tag(args: argparse.Namespace) -> int:
    """Tag a file with a saved tagger; print scores to stderr when the file has gold tags."""
    from wordlab.commands.common import check_output_file
    from wordlab.evaluation.ner import NerTagger, read_for_tagging, score
    from wordlab.evaluation.ner.conll import write_conll
    from wordlab.evaluation.ner.embedders import StaticEmbedder

    output = check_output_file(args.output) if args.output else None
    embedders = None
    if args.vectors:
        embedders = [StaticEmbedder.load(v) for v in args.vectors]
    tagger = NerTagger.load(args.model, embedders=embedders)
    sentences = read_for_tagging(args.file, tagger.n_columns, fmt=args.format)
    predicted = tagger.tag(sentences, quiet=args.quiet)
    text = write_conll(None, sentences, predicted, scheme=args.scheme)
    if output is not None:
        with atomic_open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
    if sentences and all(s.tags is not None for s in sentences):
        o = score([s.tags for s in sentences], predicted)["overall"]
        print(
            f"{args.file}: {o['n_gold']} entities, precision {o['precision']:.2f} "
            f"recall {o['recall']:.2f} F1 {o['f1']:.2f}",
            file=sys.stderr,
        )
    return 0
