"""`wordlab nn`: nearest neighbours of words, or an interactive prompt when none is given.

wordlab nn vectors.txt king queen
wordlab nn vectors.txt            # then type: king   or   king -man +woman
"""

from __future__ import annotations

import argparse
import sys

from wordlab.commands.eval import add_vectors_options, load_vectors
from wordlab.errors import WordlabError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `nn` subcommand."""
    p = subparsers.add_parser(
        "nn",
        help="nearest neighbours of words (interactive prompt when no word is given)",
        description=(
            "Print the words nearest by cosine to each WORD. With no WORD, read queries from a "
            "prompt: a query is words to add, and words prefixed with '-' to subtract "
            "('king -man woman'). An empty line or end of input stops."
        ),
    )
    add_vectors_options(p)
    p.add_argument("words", nargs="*", metavar="WORD", help="words to look up")
    p.add_argument("--topn", type=int, default=10, help="neighbours per word (default 10)")
    p.add_argument(
        "--restrict-vocab",
        type=int,
        default=None,
        help="search only the N most frequent words (default: all)",
    )
    p.set_defaults(func=run)


def _query(vectors, text: str, args: argparse.Namespace) -> list[tuple[str, float]]:
    positive = [w for w in text.split() if not w.startswith("-") or w == "-"]
    negative = [w[1:] for w in text.split() if w.startswith("-") and len(w) > 1]
    positive = [w[1:] if w.startswith("+") and len(w) > 1 else w for w in positive]
    if not positive and not negative:
        return []
    return vectors.most_similar(
        positive, negative, topn=args.topn, restrict_vocab=args.restrict_vocab
    )


def _print(text: str, results: list[tuple[str, float]]) -> None:
    print(f"{text}:")
    for word, score in results:
        print(f"  {score:8.4f}  {word}")


def run(args: argparse.Namespace) -> int:
    """Print neighbours for the words given, or for each query typed at the prompt."""
    if args.topn < 1:
        raise WordlabError("--topn must be at least 1")
    vectors = load_vectors(args)
    if args.words:
        for word in args.words:
            _print(
                word, vectors.most_similar(word, topn=args.topn, restrict_vocab=args.restrict_vocab)
            )
        return 0
    interactive = sys.stdin.isatty()
    if interactive:
        print(f"{len(vectors):,} words, dim {vectors.dim}. Empty line or Ctrl-D to quit.")
    while True:
        try:
            text = input("word> " if interactive else "").strip()
        except EOFError:
            break
        if not text:
            break
        try:
            _print(text, _query(vectors, text, args))
        except WordlabError as exc:  # an unknown word should not end the session
            print(f"  {exc}")
    return 0
