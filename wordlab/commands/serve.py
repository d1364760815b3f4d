"""`wordlab serve`: explore vectors and models in the browser, side by side, offline.

wordlab serve glove.txt w2v.txt model.wordlab --port 8765 [--similarity FILE ...] [--analogy FILE ...]
"""

from __future__ import annotations

import argparse
import contextlib
import sys

from wordlab.commands.eval import add_case_option
from wordlab.errors import WordlabError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `serve` subcommand."""
    from wordlab.vectors import FORMATS

    p = subparsers.add_parser(
        "serve",
        help="explore vectors in the browser: neighbours, analogies, maps, scores",
        description=(
            "Serve a local page (and a JSON API under /api/) to explore word vectors side by "
            "side: nearest neighbours, analogies (3CosAdd, 3CosMul), the similarity of two "
            "words, 2-D maps (PCA; t-SNE with scikit-learn, UMAP with umap-learn) and, with "
            "dataset files, each model's evaluation scores. SOURCE is a vectors file (read once, "
            "then kept as a memory-mapped copy under $WORDLAB_CACHE, else ~/.cache/wordlab, so "
            "the next start is quick) or a .wordlab model (a fastText model answers unseen "
            "words from their character n-grams). The page loads nothing from the internet. "
            "It listens on 127.0.0.1 only unless --host says otherwise."
        ),
    )
    p.add_argument("sources", nargs="+", metavar="SOURCE", help="vectors files or .wordlab models")
    p.add_argument("--port", type=int, default=8765, help="TCP port (default 8765; 0: any free)")
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only; anything else lets "
        "other machines read the vectors, and a warning is printed)",
    )
    p.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="format of the vectors files (default: detected from each file)",
    )
    p.add_argument(
        "--limit", type=int, default=None, help="read only the first N vectors of each file"
    )
    p.add_argument(
        "--in-memory",
        action="store_true",
        help="read vectors files into memory, keeping no memory-mapped copy on disk",
    )
    add_case_option(p)
    g = p.add_argument_group("evaluation table (as `wordlab eval` prints it)")
    g.add_argument("--similarity", nargs="+", default=[], metavar="FILE", help="similarity sets")
    g.add_argument("--analogy", nargs="+", default=[], metavar="FILE", help="analogy sets")
    g.add_argument(
        "--method",
        choices=("3cosadd", "3cosmul"),
        default="3cosadd",
        help="analogy objective of the table (default 3cosadd)",
    )
    g.add_argument(
        "--restrict-vocab",
        type=int,
        default=30000,
        help="analogies: only the N most frequent words are known and answers (default 30000)",
    )
    p.add_argument(
        "--blas-threads",
        type=int,
        default=1,
        help="BLAS threads per query (default 1: a query is one matrix-vector product, bound by "
        "memory speed; concurrent queries run in their own threads)",
    )
    p.add_argument("--quiet", action="store_true", help="do not log each request")
    p.set_defaults(func=run)


def _blas_threads(n: int):
    """Limit BLAS threads for the server's lifetime (threadpoolctl, if installed)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - optional
        return contextlib.nullcontext()
    return threadpool_limits(n, user_api="blas")


def _load(args: argparse.Namespace):
    """The API over every source named, with the evaluation table when datasets are given."""
    from wordlab.serve.api import Api
    from wordlab.serve.models import load_source, unique_names
    from wordlab.serve.scores import evaluate_models

    models = []
    for source, name in zip(args.sources, unique_names(args.sources), strict=True):
        m = load_source(source, args.format, args.limit, args.in_memory, name=name)
        print(f"{m.name}: {len(m.vectors):,} words, dim {m.vectors.dim} ({m.source})", flush=True)
        models.append(m)
    evaluation = None
    if args.similarity or args.analogy:
        print("scoring the models on the datasets given...", flush=True)
        evaluation = evaluate_models(
            models,
            args.similarity,
            args.analogy,
            method=args.method,
            restrict_vocab=args.restrict_vocab,
            case_sensitive=args.case_sensitive,
        )
    return Api(models, evaluation, case_sensitive=args.case_sensitive)


def run(args: argparse.Namespace) -> int:
    """Bind the port, load every source (and score it if asked), then serve until Ctrl-C."""
    from wordlab.serve.models import warm
    from wordlab.serve.scores import check_datasets
    from wordlab.serve.server import ExplorerServer, is_loopback

    if not 0 <= args.port <= 65535:
        raise WordlabError(f"--port must be 0 to 65535, got {args.port}")
    if args.limit is not None and args.limit < 1:
        raise WordlabError(f"--limit must be at least 1, got {args.limit}")
    if args.restrict_vocab < 1 or args.blas_threads < 1:
        raise WordlabError("--restrict-vocab and --blas-threads must be at least 1")
    check_datasets([*args.similarity, *args.analogy])
    try:  # bind first: a port in use is reported before minutes of loading
        server = ExplorerServer(args.host, args.port, None, quiet=args.quiet)
    except OSError as exc:
        raise WordlabError(
            f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}"
        ) from None
    try:
        server.api = _load(args)
        if not is_loopback(args.host):
            print(
                f"warning: listening on {args.host}: anyone who can reach this machine can "
                "read these vectors; use --host 127.0.0.1 to keep them local",
                file=sys.stderr,
            )
        with _blas_threads(args.blas_threads):
            for m in server.api.models.values():
                warm(m)
            print(
                f"serving {len(server.api.models)} model(s) on {server.url} (Ctrl-C stops)",
                flush=True,
            )
            try:
                server.serve_forever()
            except KeyboardInterrupt:
                print("stopped")
    finally:
        server.server_close()
    return 0
