"""`wordlab eval`: score a vectors file on word-similarity and word-analogy test sets.

wordlab eval vectors.txt --similarity wordsim353.tsv simlex999.txt --analogy questions-words.txt

Also the helpers the vectors commands (`eval`, `nn`, `analogy`) share: which file to read, the
case rule for typed words (`find_word`) and the one `--case-sensitive` option.
"""

from __future__ import annotations

import argparse
import json

from wordlab.errors import WordlabError
from wordlab.fileio import atomic_open


def add_vectors_options(parser: argparse.ArgumentParser) -> None:
    """VECTORS, --format and --limit: which vectors file to read and how."""
    from wordlab.vectors import FORMATS

    parser.add_argument("vectors", metavar="VECTORS", help="vectors file (text or binary)")
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="vectors file format (default: detected from the file)",
    )
    parser.add_argument(
        "--limit", type=int, default=None, help="read only the first N vectors of the file"
    )


def load_vectors(args: argparse.Namespace):
    """The Vectors named by add_vectors_options's arguments."""
    from wordlab.vectors import Vectors

    return Vectors.load(args.vectors, fmt=args.format, limit=args.limit)


def find_word(vectors, word: str, case_sensitive: bool = False) -> str | None:
    """The vocabulary word a typed word stands for: as written, else lower-cased; None if neither.

    The case rule of `wordlab nn` and `analogy` (`--case-sensitive`: as written only). `eval`
    matches dataset words as gensim's case_insensitive=True does (any case variant, the most
    frequent first), so that its numbers stay gensim's: the same word whenever the vocabulary
    is lower-cased, the usual case.
    """
    if word in vectors.index:
        return word
    lower = word.lower()
    if not case_sensitive and lower in vectors.index:
        return lower
    return None


def not_found(word: str, case_sensitive: bool = False) -> str:
    """The one-line message for a typed word that `find_word` could not find."""
    lower = word.lower()
    tried = "" if case_sensitive or lower == word else f" (nor {lower!r})"
    return f"word not in vocabulary: {word!r}{tried}"


def shown(word: str, found: str) -> str:
    """How output names a typed word: `Paris -> paris` when the lower-cased form was used."""
    return word if word == found else f"{word} -> {found}"


def add_case_option(parser: argparse.ArgumentParser) -> None:
    """--case-sensitive, spelled and meant alike in every command that looks words up."""
    parser.add_argument(
        "--case-sensitive",
        action="store_true",
        help="match words exactly as written (default: as written, else lower-cased; eval's "
        "dataset words: in any case, the most frequent variant first, as gensim)",
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `eval` subcommand."""
    p = subparsers.add_parser(
        "eval",
        help="score vectors on word similarity and analogy test sets",
        description=(
            "Score word vectors on similarity datasets (Pearson and Spearman against human "
            "scores) and analogy datasets (accuracy per section, semantic, syntactic, total), "
            "with the number of pairs/questions used and skipped as out-of-vocabulary. Numbers "
            "agree with gensim's evaluate_word_pairs / evaluate_word_analogies."
        ),
    )
    add_vectors_options(p)
    p.add_argument("--similarity", nargs="+", default=[], metavar="FILE", help="similarity sets")
    p.add_argument("--analogy", nargs="+", default=[], metavar="FILE", help="analogy sets")
    p.add_argument("--json", metavar="OUT", help="also write all numbers to this JSON file")
    p.add_argument(
        "--restrict-vocab",
        type=int,
        default=30000,
        help="analogies: only the N most frequent words are known and answers (default 30000, "
        "word2vec's and gensim's); 0: every word of the vectors (small corpora, CA8)",
    )
    p.add_argument(
        "--similarity-restrict-vocab",
        type=int,
        default=300000,
        help="similarity: only the N most frequent words are known (default 300000, as gensim)",
    )
    p.add_argument(
        "--method",
        choices=("3cosadd", "3cosmul"),
        default="3cosadd",
        help="analogy objective (default 3cosadd; 3cosmul: Levy and Goldberg 2014)",
    )
    add_case_option(p)
    p.add_argument(
        "--dummy4unknown",
        action="store_true",
        help="score out-of-vocabulary pairs as similarity 0 and questions as wrong, not skipped",
    )
    p.set_defaults(func=run)


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.2f}%"


def run(args: argparse.Namespace) -> int:
    """Load the vectors, score every dataset, print tables (and write JSON)."""
    from wordlab.commands.common import check_output_file, save_safely
    from wordlab.evaluation.analogy import combine_results, evaluate_analogy
    from wordlab.evaluation.similarity import evaluate_similarity

    if not args.similarity and not args.analogy:
        raise WordlabError("give at least one --similarity or --analogy file")
    if args.restrict_vocab < 0:
        raise WordlabError("--restrict-vocab must be at least 0 (0: every word)")
    restrict = args.restrict_vocab or None
    if args.similarity_restrict_vocab < 1:
        raise WordlabError("--similarity-restrict-vocab must be at least 1")
    json_out = check_output_file(args.json, "--json") if args.json else None
    vectors = load_vectors(args)
    print(f"vectors: {args.vectors} ({len(vectors):,} words, dim {vectors.dim})")
    report: dict = {
        "vectors": args.vectors,
        "words": len(vectors),
        "dim": vectors.dim,
        "similarity": [],
        "analogy": [],
    }
    case_insensitive = not args.case_sensitive
    if args.similarity:
        print()
        print(
            f"{'similarity':<24} {'pearson':>8} {'spearman':>9} {'pairs':>6} {'used':>6} "
            f"{'oov':>5} {'coverage':>9}"
        )
        for path in args.similarity:
            r = evaluate_similarity(
                vectors,
                path,
                restrict_vocab=args.similarity_restrict_vocab,
                case_insensitive=case_insensitive,
                dummy4unknown=args.dummy4unknown,
            )
            report["similarity"].append(r.to_dict())
            print(
                f"{r.dataset:<24} {r.pearson:>8.4f} {r.spearman:>9.4f} {r.pairs:>6} {r.used:>6} "
                f"{r.oov:>5} {_pct(r.coverage):>9}"
            )
    results = []
    for path in args.analogy:
        r = evaluate_analogy(
            vectors,
            path,
            restrict_vocab=restrict,
            method=args.method,
            case_insensitive=case_insensitive,
            dummy4unknown=args.dummy4unknown,
        )
        report["analogy"].append(r.to_dict())
        results.append(r)
        known = f"{restrict:,} most frequent words" if restrict else "every word"
        print()
        print(f"analogy: {r.dataset} ({r.method}, {known})")
        print(f"{'section':<30} {'accuracy':>9} {'correct':>8} {'used':>6} {'skipped':>8}")
        groups = [g for g in (r.semantic, r.syntactic) if g is not None]
        for s in [*r.sections, None, *groups, r.total]:
            if s is None:
                print("-" * 65)
                continue
            print(f"{s.name:<30} {_pct(s.accuracy):>9} {s.correct:>8} {s.used:>6} {s.skipped:>8}")
        print(f"coverage: {_pct(r.coverage)} of {r.total.questions} questions")
    if len(results) > 1:  # e.g. CA8's semantic and morphological files: their totals together
        groups = combine_results(results)
        report["analogy_combined"] = [g.to_dict() for g in groups]
        print()
        print(f"analogy, all {len(results)} files: {', '.join(r.dataset for r in results)}")
        print(f"{'group':<30} {'accuracy':>9} {'correct':>8} {'used':>6} {'skipped':>8}")
        for s in groups:
            print(f"{s.name:<30} {_pct(s.accuracy):>9} {s.correct:>8} {s.used:>6} {s.skipped:>8}")
        total = groups[-1]
        covered = 1.0 - total.skipped / total.questions if total.questions else 0.0
        print(f"coverage: {_pct(covered)} "
              f"of {total.questions} questions")  # fmt: skip
    if json_out is not None:

        def write_json(path) -> None:
            with atomic_open(path, "w", encoding="utf-8") as fh:
                json.dump(report, fh, indent=2)
                fh.write("\n")

        save_safely(write_json, json_out, "results")
        print(f"\nwrote {json_out}")
    return 0
