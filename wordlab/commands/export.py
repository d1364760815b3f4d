"""`wordlab export projector`: files for TensorFlow's Embedding Projector.

wordlab export projector glove.txt --output projector/ --limit 10000
"""

from __future__ import annotations

import argparse

from wordlab.errors import WordlabError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `export` subcommand with its `projector` action."""
    from wordlab.vectors import FORMATS

    p = subparsers.add_parser(
        "export",
        help="write vectors for other tools (the Embedding Projector)",
        description="Write word vectors in the files another tool reads.",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    j = actions.add_parser(
        "projector",
        help="vectors.tsv, metadata.tsv and projector_config.json for the Embedding Projector",
        description=(
            "Write the first (by convention the most frequent) --limit words of a vectors file "
            "or .wordlab model as the Embedding Projector's files: vectors.tsv (one row of "
            "tab-separated values per word), metadata.tsv (one word per line) and "
            "projector_config.json (naming both; load it at projector.tensorflow.org or in "
            "TensorBoard)."
        ),
    )
    j.add_argument("source", metavar="SOURCE", help="vectors file or .wordlab model")
    j.add_argument("--output", required=True, help="folder for the three files")
    j.add_argument(
        "--limit",
        type=int,
        default=10000,
        help="the N first (most frequent) words (default 10000; the projector is slow beyond "
        "about 100,000)",
    )
    j.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="vectors file format (default: detected from the file)",
    )
    j.add_argument(
        "--name",
        default=None,
        help="tensor name shown by the projector (default: SOURCE's file name)",
    )
    j.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load the source, check the folder, write the three files."""
    from pathlib import Path

    from wordlab.commands.common import check_free_space, check_output_folder
    from wordlab.serve.models import is_model_file, load_model_vectors
    from wordlab.serve.projector import export_projector
    from wordlab.vectors import Vectors

    if args.limit < 1:
        raise WordlabError(f"--limit must be at least 1, got {args.limit}")
    out = check_output_folder(args.output)
    if is_model_file(args.source):
        vectors, _ = load_model_vectors(args.source)
    else:
        vectors = Vectors.load(args.source, fmt=args.format, limit=args.limit)
    rows = min(args.limit, len(vectors))
    check_free_space(out, rows * (13 * vectors.dim + 32))  # "%.7g" and a tab per value
    name = args.name or Path(args.source).name
    paths = export_projector(vectors, out, limit=args.limit, name=name)
    print(f"wrote {rows:,} words x {vectors.dim} to {', '.join(str(p) for p in paths)}")
    return 0
