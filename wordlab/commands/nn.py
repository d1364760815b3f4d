"""`wordlab nn`: nearest neighbours of words, or an interactive prompt when none is given.

wordlab nn vectors.txt king queen
wordlab nn vectors.txt            # then type: king   or   king -man +woman

Every word given is answered: an unknown one gets a line on stderr and the others still print
(exit status 0 when at least one word was answered, 2 when none). A word absent as written is
looked up lower-cased (`find_word`), and the output says so: `Paris -> paris:`.
"""

from __future__ import annotations

import argparse
import sys

from wordlab.commands.eval import (
    add_case_option,
    add_vectors_options,
    find_word,
    load_vectors,
    not_found,
    shown,
)
from wordlab.errors import WordlabError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `nn` subcommand."""
    p = subparsers.add_parser(
        "nn",
        help="nearest neighbours of words (interactive prompt when no word is given)",
        description=(
            "Print the words nearest by cosine to each WORD. With no WORD, read queries from a "
            "prompt: a query is words to add, and words prefixed with '-' to subtract "
            "('king -man woman'). An empty line or end of input stops. A word absent as written "
            "is looked up lower-cased; an unknown word gets one line on stderr and the others "
            "still answer (exit status 2 only when none could)."
        ),
    )
    add_vectors_options(p)
    add_case_option(p)
    p.add_argument("words", nargs="*", metavar="WORD", help="words to look up")
    p.add_argument("--topn", type=int, default=10, help="neighbours per word (default 10)")
    p.add_argument(
        "--restrict-vocab",
        type=int,
        default=None,
        help="search only the N most frequent words (default: all)",
    )
    p.set_defaults(func=run)


def _query(vectors, text: str, args: argparse.Namespace) -> tuple[str, list[tuple[str, float]]]:
    """The header and neighbours of a prompt query: words to add, '-word' to subtract."""
    positive, negative, names = [], [], []
    for token in text.split():
        sign = token[:1] if token[:1] in "+-" and len(token) > 1 else ""
        word = token[len(sign) :]
        found = find_word(vectors, word, args.case_sensitive)
        if found is None:
            raise WordlabError(not_found(word, args.case_sensitive))
        (negative if sign == "-" else positive).append(found)
        names.append(sign + shown(word, found))
    if not positive and not negative:
        return text, []
    results = vectors.most_similar(
        positive, negative, topn=args.topn, restrict_vocab=args.restrict_vocab
    )
    return " ".join(names), results


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
        answered = 0
        for word in args.words:
            found = find_word(vectors, word, args.case_sensitive)
            if found is None:
                print(f"wordlab nn: {not_found(word, args.case_sensitive)}", file=sys.stderr)
                continue
            results = vectors.most_similar(
                found, topn=args.topn, restrict_vocab=args.restrict_vocab
            )
            _print(shown(word, found), results)
            answered += 1
        return 0 if answered else 2
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
            _print(*_query(vectors, text, args))
        except WordlabError as exc:  # an unknown word should not end the session
            print(f"  {exc}")
    return 0
