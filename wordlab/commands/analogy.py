"""`wordlab analogy`: answer "a is to b as c is to ?" with a vectors file.

wordlab analogy vectors.txt man king woman      # -> queen

A word absent as written is looked up lower-cased (`find_word`, as `nn` does), and the question
line says so: `Man -> man : king :: woman : ?`.
"""

from __future__ import annotations

import argparse

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
    """Add the `analogy` subcommand."""
    p = subparsers.add_parser(
        "analogy",
        help='answer "a is to b as c is to ?"',
        description=(
            'Print the best answers to "A is to B as C is to ?" by 3CosAdd (b - a + c, as '
            "word2vec) or 3CosMul (Levy and Goldberg 2014); A, B and C are never answers."
        ),
    )
    add_vectors_options(p)
    add_case_option(p)
    p.add_argument("a", metavar="A")
    p.add_argument("b", metavar="B")
    p.add_argument("c", metavar="C")
    p.add_argument("--topn", type=int, default=5, help="answers to print (default 5)")
    p.add_argument("--method", choices=("3cosadd", "3cosmul"), default="3cosadd")
    p.add_argument(
        "--restrict-vocab",
        type=int,
        default=None,
        help="answer only with the N most frequent words (default: all)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the ranked answers with their scores."""
    if args.topn < 1:
        raise WordlabError("--topn must be at least 1")
    vectors = load_vectors(args)
    words = []
    for word in (args.a, args.b, args.c):
        found = find_word(vectors, word, args.case_sensitive)
        if found is None:
            raise WordlabError(not_found(word, args.case_sensitive))
        words.append(found)
    results = vectors.analogy(
        *words, method=args.method, topn=args.topn, restrict_vocab=args.restrict_vocab
    )
    a, b, c = (shown(w, f) for w, f in zip((args.a, args.b, args.c), words, strict=True))
    print(f"{a} : {b} :: {c} : ?  ({args.method})")
    for word, score in results:
        print(f"  {score:8.4f}  {word}")
    return 0
