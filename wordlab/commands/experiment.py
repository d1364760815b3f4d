"""`wordlab experiment`: reproduce the GloVe paper's tables and figures on your corpus."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

import wordlab
from wordlab.commands.common import (
    add_run_options,
    add_text_options,
    add_vocab_options,
    check_output_folder,
    text_options,
)
from wordlab.distributed import add_scheduler_option
from wordlab.errors import WordlabError
from wordlab.experiments import EXPERIMENT_NAMES, Config, parse_duration, run_experiments

SIMILARITY_FILES = {"WS353": "wordsim353.tsv", "SimLex999": "simlex999.txt"}
# the paper grid: the word-similarity sets of the paper's Table 3 that we have (no SCWS)
PAPER_SIMILARITY_FILES = {"WS353": "wordsim353.tsv", "MC": "mc-30.txt", "RG": "rg-65.txt",
                          "RW": "rw.txt"}  # fmt: skip
# --lang zh: CA8 (semantic and morphological together), the two Chinese similarity sets, MSRA
ZH_ANALOGY = ("zh-ca8-semantic.txt", "zh-ca8-morphological.txt")
ZH_SIMILARITY = {"WS240": "zh-wordsim-240.txt", "WS297": "zh-wordsim-297.txt"}
NER_TRAIN = ("eng.train", "train.txt.xz", "train.txt")  # CoNLL-2003's name, MSRA's


def default_data_dir() -> Path | None:
    """The project's shared data folder, if it sits beside the current or the package's checkout."""
    for base in (Path.cwd(), Path(wordlab.__file__).resolve().parents[1]):
        candidate = base.parent / "shared" / "data"
        if candidate.is_dir():
            return candidate
    return None


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "experiment",
        help="reproduce the GloVe paper's analyses (figures, tables, report.md)",
        description="Runs: " + ", ".join(EXPERIMENT_NAMES) + " (or all). Finished runs in "
        "OUT/results.json are reused, so an interrupted sweep resumes.",
    )
    p.add_argument(
        "name",
        choices=[*EXPERIMENT_NAMES, "all", "critique", "paper"],
        help="experiment to run, or all (the paper's); critique: GloVe's norms, invariance and "
        "post-processing, with a report of its own; paper: every figure and table at the "
        "paper's protocol (50/100 epochs, 400k words), resumable over several sittings",
    )
    p.add_argument("--corpus", required=True, help="corpus text file (.gz/.bz2/.xz)")
    p.add_argument("--out", required=True, help="output folder: results.json, figures/, report.md")
    p.add_argument(
        "--budget",
        help="time for this invocation (e.g. 60m, 2h): picks the grid (paper: the runs that fit "
        "this sitting; the rest wait for the next)",
    )
    p.add_argument("--quick", action="store_true", help="tiny grids, for trying it out")
    p.add_argument("--level", choices=("quick", "small", "medium", "full"), help="force a grid")
    g = p.add_argument_group("evaluation data")
    g.add_argument(
        "--data",
        help="folder with analogy/questions-words.txt, similarity/{wordsim353.tsv,simlex999.txt} "
        "and ner/conll2003/ (default: ../shared/data when present)",
    )
    g.add_argument(
        "--lang",
        choices=("en", "zh"),
        default="en",
        help="evaluation sets from --data: en (Google analogies, WS353, SimLex999, CoNLL-2003; "
        "default) or zh (CA8 semantic + morphological, zh-wordsim-240/297, MSRA NER)",
    )
    g.add_argument("--analogy", help="analogy questions file (Google format)")
    g.add_argument(
        "--similarity",
        action="append",
        metavar="NAME=FILE",
        help="word-pair similarity file, repeatable (default WS353 and SimLex999 from --data)",
    )
    g.add_argument("--ner-data", help="CoNLL-2003 folder with eng.train, eng.testa, eng.testb")
    g.add_argument(
        "--classification-data",
        help="critique: folder with train.tsv.xz and test.tsv.xz (label id rating text) "
        "(default: DATA/classification/imdb when present)",
    )
    add_vocab_options(p)
    add_text_options(p)
    add_run_options(p)
    add_scheduler_option(p)
    p.set_defaults(func=run)


def config_from(args: argparse.Namespace) -> Config:
    """The experiment Config named on the command line."""
    data = Path(args.data) if args.data else default_data_dir()
    if args.data and not data.is_dir():
        raise WordlabError(f"--data folder not found: {data}")
    zh = getattr(args, "lang", "en") == "zh"
    analogy: Path | tuple[Path, ...] | None = Path(args.analogy) if args.analogy else None
    if analogy is None and data is not None and zh:
        analogy = tuple(data / "analogy" / f for f in ZH_ANALOGY)
    elif (
        analogy is None and data is not None and (data / "analogy" / "questions-words.txt").exists()
    ):
        analogy = data / "analogy" / "questions-words.txt"
    similarity: dict[str, Path] = {}
    if args.similarity:
        for item in args.similarity:
            name, sep, file = item.partition("=")
            if not sep or not name or not file:
                raise WordlabError(f"--similarity {item!r}: expected NAME=FILE")
            similarity[name] = Path(file)
    elif data is not None:
        files = PAPER_SIMILARITY_FILES if args.name == "paper" else SIMILARITY_FILES
        for name, file in (ZH_SIMILARITY if zh else files).items():
            if (data / "similarity" / file).exists():
                similarity[name] = data / "similarity" / file
    ner = Path(args.ner_data) if args.ner_data else None
    folder = data / "ner" / ("msra" if zh else "conll2003") if data is not None else None
    if ner is None and folder is not None and any((folder / f).exists() for f in NER_TRAIN):
        ner = folder
    analogies = analogy if isinstance(analogy, tuple) else [analogy]
    for path in [*analogies, *similarity.values()]:
        if path is not None and not path.exists():
            raise WordlabError(f"evaluation file not found: {path}")
    if ner is not None and not any((ner / f).exists() for f in NER_TRAIN):
        raise WordlabError(f"--ner-data {ner}: no {' or '.join(NER_TRAIN)} there")
    corpus = Path(args.corpus)
    if not corpus.is_file():
        raise WordlabError(f"--corpus file not found: {corpus}")
    return Config(
        corpus=corpus,
        out=Path(args.out),
        analogy=analogy,
        similarity=similarity,
        ner_dir=ner,
        budget=parse_duration(args.budget) if args.budget else None,
        quick=args.quick,
        text=text_options(args),
        min_count=args.min_count,
        max_vocab=args.max_vocab,
        threads=args.threads,
        seed=args.seed,
        progress=not args.quiet,
    )


def classification_dir(args: argparse.Namespace) -> Path | None:
    """The critique's review folder: --classification-data, else DATA/classification/imdb."""
    if args.classification_data:
        folder = Path(args.classification_data)
        if not folder.is_dir():
            raise WordlabError(f"--classification-data folder not found: {folder}")
        return folder
    data = Path(args.data) if args.data else default_data_dir()
    folder = None if data is None else data / "classification" / "imdb"
    return folder if folder is not None and folder.is_dir() else None


def run(args: argparse.Namespace) -> None:
    check_output_folder(args.out, "--out")
    config = config_from(args)
    names = list(EXPERIMENT_NAMES) if args.name == "all" else [args.name]
    command = "wordlab " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    if args.name == "critique":
        if args.scheduler:
            raise WordlabError("--scheduler runs the paper's experiments; run critique without it")
        from wordlab.experiments.critique import run_critique

        run_critique(config, classification_dir(args), level=args.level, command=command)
        print(f"report: {config.out / 'report.md'}")
        return
    if args.name == "paper":
        if args.scheduler or args.level:
            raise WordlabError("the paper grid has one level and runs here: use --quick to try "
                               "it, --budget to size a sitting")  # fmt: skip
        from wordlab.experiments.paper_run import run_paper

        run_paper(config, command=command)
        print(f"report: {config.out / 'report.md'}")
        return
    if args.scheduler:  # independent runs spread over the cluster's workers
        from wordlab.distributed import connect, run_experiments_on

        with connect(args.scheduler) as client:
            run_experiments_on(client, names, config, level=args.level, command=command)
    else:
        run_experiments(names, config, level=args.level, command=command)
    print(f"report: {config.out / 'report.md'}")
