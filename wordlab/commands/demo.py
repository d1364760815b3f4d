"""`wordlab demo`: GloVe on the Jane Austen sample shipped in the package, then nearest neighbours."""

from __future__ import annotations

import argparse
from importlib import resources
from pathlib import Path

from wordlab.commands.common import check_output_folder
from wordlab.models.glove import GloVe
from wordlab.textread import TextOptions

QUERIES = ("elizabeth", "sister", "happy", "letter", "morning", "ten")


def sample_path() -> Path:
    """The shipped public-domain sample: Jane Austen's six novels (Project Gutenberg), .xz."""
    return Path(str(resources.files("wordlab") / "data" / "austen-6-novels.txt.xz"))


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="train GloVe on the shipped Austen sample and print neighbours",
        description=(
            "Train 50-dimensional GloVe on the Jane Austen sample shipped with wordlab (718k "
            "words) and print the nearest neighbours of a few words. OUTPUT gets the stages' "
            "files (vocab.txt, cooccurrence*.bin) and vectors.txt."
        ),
    )
    p.add_argument(
        "--output", default="wordlab-demo", help="folder for the results (default ./wordlab-demo)"
    )
    p.add_argument("--epochs", type=int, default=25, help="training epochs (default 25)")
    p.add_argument("--threads", type=int, default=2, help="threads (default 2)")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> None:
    out = check_output_folder(args.output)
    print(f"GloVe on {sample_path().name} (718k words): dim 50, window 10, min-count 5 -> {out}/")
    model = GloVe(
        dim=50, window=10, min_count=5, epochs=args.epochs, threads=args.threads, x_max=10.0,
        progress=not args.quiet,
    )  # fmt: skip
    model.fit(sample_path(), workdir=out, text=TextOptions(lowercase=True, tokenizer="simple"))
    vectors = model.wv  # fit with a workdir also wrote vectors.txt and model.wordlab there
    print(f"\n{len(vectors):,} vectors -> {out / 'vectors.txt'}\nnearest neighbours:")
    for word in QUERIES:
        near = ", ".join(w for w, _ in vectors.most_similar(word, topn=6))
        print(f"  {word:10s} {near}")
