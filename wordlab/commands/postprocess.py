"""`wordlab postprocess`: centre, remove top directions, reduce by PCA or normalise a vectors file.

wordlab postprocess vectors.txt --output vectors.abtt.txt --center --remove-top 3
wordlab postprocess vectors.txt --output vectors.abtt.txt --center --remove-top   # D = dim/100

The operations and their parameters (and what they removed) go to OUTPUT.json beside the output,
so that every post-processed file says how it was made.
"""

from __future__ import annotations

import argparse
import datetime
import json
from pathlib import Path

from wordlab import __version__
from wordlab.commands.common import check_output_file, save_safely
from wordlab.errors import WordlabError
from wordlab.fileio import atomic_open
from wordlab.postprocess import AUTO


def settings_path(output: str | Path) -> Path:
    """The companion settings file of a post-processed vectors file: OUTPUT + '.json'."""
    return Path(str(output) + ".json")


def _directions(text: str) -> int | str:
    """--remove-top's value: a positive number of directions (or 'auto')."""
    if text == AUTO:
        return AUTO
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of directions, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `postprocess` subcommand."""
    from wordlab.vectors import FORMATS

    p = sub.add_parser(
        "postprocess",
        help="centre / all-but-the-top / PCA / normalise word vectors",
        description=(
            "Write a post-processed copy of VECTORS: --center subtracts the mean vector, "
            "--remove-top D projects out the top D principal directions (all-but-the-top, Mu and "
            "Viswanath 2018; D = dim/100 when no number is given), --pca K keeps the top K "
            "principal coordinates, --normalize scales rows to unit length; applied in that "
            "order. The operations and their parameters go to OUTPUT.json."
        ),
    )
    p.add_argument("vectors", metavar="VECTORS", help="vectors file (format detected)")
    p.add_argument("--output", required=True, help="post-processed vectors file to write")
    p.add_argument("--center", action="store_true", help="subtract the mean vector")
    p.add_argument(
        "--remove-top",
        nargs="?",
        const=AUTO,
        default=None,
        type=_directions,
        metavar="D",
        help="remove the top D principal directions (default D: dim/100, at least 1)",
    )
    p.add_argument("--pca", type=int, default=None, metavar="K", help="reduce to K dimensions")
    p.add_argument("--normalize", action="store_true", help="scale every vector to unit length")
    p.add_argument(
        "--format", choices=FORMATS, default="glove", help="output format (default glove)"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> None:
    """Check the outputs, post-process the vectors, write them and their settings."""
    from wordlab.postprocess import postprocess_vectors
    from wordlab.vectors import Vectors

    if not (args.center or args.remove_top or args.normalize or args.pca):
        raise WordlabError("nothing to do: give --center, --remove-top, --pca and/or --normalize")
    if args.pca is not None and args.pca < 1:
        raise WordlabError(f"--pca must be at least 1, got {args.pca}")
    output = check_output_file(args.output)
    companion = check_output_file(settings_path(output), "--output (settings file)")
    if Path(args.vectors).resolve() in (output.resolve(), companion.resolve()):
        raise WordlabError(f"--output {output}: would overwrite the input; give another file")
    vectors = Vectors.load(args.vectors)
    result, settings = postprocess_vectors(
        vectors, args.center, args.remove_top, args.normalize, args.pca
    )
    record = {
        "input": str(Path(args.vectors).resolve()),
        "output": str(output.resolve()),
        "format": args.format,
        "words": len(result),
        "wordlab": __version__,
        "written": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        **settings,
    }
    save_safely(lambda p: result.save(p, args.format), output, "vectors")

    def write_settings(path: Path) -> None:
        with atomic_open(path, "w", encoding="utf-8") as fh:
            json.dump(record, fh, indent=1)
            fh.write("\n")

    save_safely(write_settings, companion, "settings")
    print(
        f"{len(result):,} vectors, dim {settings['dim_in']} -> {settings['dim_out']} "
        f"({', '.join(settings['operations'])}) -> {output} (settings: {companion})"
    )
