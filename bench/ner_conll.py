"""NER benchmark (issue 7, GloVe paper Table 4): CRF on CoNLL-2003 without and with 50-d vectors.

    python bench/ner_conll.py [--data DIR] [--vectors NAME=FILE ...] [--gensim cbow sg]
                              [--corpus enwiki-70m.txt.xz --corpus-bytes 100000000]
                              [--work /tmp/ner_bench] [--jobs 2] [--json OUT]

Runs the discrete baseline and one configuration per vectors file (files given with --vectors,
and/or 50-d gensim Word2Vec vectors trained here on a prefix of the corpus, cached in --work),
each with regularisation chosen on dev (eng.testa) and test (eng.testb) scored once; prints F1
dev/test, training time and the paper's rows beside ours. Configurations run in --jobs processes.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "ner" / "conll2003"
DEFAULT_CORPUS = REPO.parent / "shared" / "data" / "corpora" / "enwiki-70m.txt.xz"

# GloVe paper (Pennington et al. 2014), Table 4: CoNLL-2003 F1 with 50-d vectors, dev / test
PAPER = {
    "Discrete": (91.0, 85.4),
    "SVD": (90.8, 85.7),
    "HPCA": (92.6, 88.7),
    "CW": (92.2, 87.4),
    "CBOW": (93.1, 88.2),
    "GloVe": (93.2, 88.3),
}


def gensim_vectors(kind: str, corpus: Path, n_bytes: int, work: Path, threads: int) -> Path:
    """Train (once, cached in `work`) 50-d gensim Word2Vec vectors on a prefix of `corpus`."""
    from gensim.models import Word2Vec
    from gensim.models.word2vec import LineSentence

    out = work / f"gensim-{kind}50.txt"
    if out.exists():
        return out
    work.mkdir(parents=True, exist_ok=True)
    text = work / f"corpus-{n_bytes}.txt"
    if not text.exists():
        tmp = text.with_suffix(".tmp")
        subprocess.run(f"xz -dc '{corpus}' | head -c {n_bytes} > '{tmp}'", shell=True, check=True)
        tmp.rename(text)
    t0 = time.perf_counter()
    model = Word2Vec(
        LineSentence(str(text)),
        vector_size=50,
        window=5,
        min_count=5,
        sg=1 if kind == "sg" else 0,
        workers=threads,
        seed=1,
        epochs=5,
    )
    model.wv.save_word2vec_format(str(out), binary=False)
    print(f"gensim {kind}: trained in {time.perf_counter() - t0:.0f}s -> {out}", flush=True)
    return out


def run_one(data: str, name: str | None, path: str | None, grid: dict, quiet: bool) -> dict:
    """One configuration in its own process: the baseline (path None) or one vectors file."""
    from wordlab.evaluation.ner import NerSettings, run_ner
    from wordlab.evaluation.ner.embedders import StaticEmbedder

    settings = NerSettings(**grid)
    d = Path(data)
    embedders = [] if path is None else [StaticEmbedder.load(path, name=name)]
    t0 = time.perf_counter()
    result = run_ner(
        d / "eng.train",
        d / "eng.testa",
        d / "eng.testb",
        embedders,
        settings=settings,
        baseline=path is None,
        quiet=quiet,
    )
    result["wall_seconds"] = time.perf_counter() - t0
    return result


def main() -> int:
    """Run the configurations, print the table, optionally write JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(DEFAULT_DATA), help="folder with eng.train/testa/testb")
    ap.add_argument("--vectors", action="append", default=[], metavar="NAME=FILE")
    ap.add_argument("--gensim", nargs="*", default=[], choices=("cbow", "sg"))
    ap.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    ap.add_argument("--corpus-bytes", type=int, default=100_000_000, help="about 17M words")
    ap.add_argument("--work", default="/tmp/ner_bench", help="cache for corpus and vectors")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--algorithm", choices=("l2sgd", "lbfgs"), default="l2sgd")
    ap.add_argument("--c1", type=float, nargs="+", default=[0.1], help="lbfgs only")
    ap.add_argument("--c2", type=float, nargs="+", default=[0.1, 1.0])
    ap.add_argument("--max-iterations", type=int, nargs="+", default=[30])
    ap.add_argument("--vector-window", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2, help="configurations trained at once")
    ap.add_argument("--json", help="write all results here")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()

    configs: list[tuple[str | None, str | None]] = [] if args.no_baseline else [(None, None)]
    for v in args.vectors:
        name, _, path = v.partition("=")
        configs.append((name, path) if path else (Path(name).stem, name))
    for kind in args.gensim:
        path = gensim_vectors(kind, Path(args.corpus), args.corpus_bytes, Path(args.work), 2)
        configs.append((f"gensim-{kind}50", str(path)))
    grid = {
        "algorithm": args.algorithm,
        "vector_window": args.vector_window,
        "c1": tuple(args.c1),
        "c2": tuple(args.c2),
        "max_iterations": tuple(args.max_iterations),
    }
    print(f"grid (chosen on dev): {grid}; {len(configs)} configuration(s), {args.jobs} at once")

    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [
            pool.submit(run_one, args.data, name, path, grid, args.quiet) for name, path in configs
        ]
        results = [f.result() for f in futures]

    from wordlab.evaluation.ner import format_params

    rows = [c for r in results for c in r["configurations"]]
    base = next((c for c in rows if c["name"] == "discrete"), None)
    print()
    head = f"{'configuration':<22} {'dev F1':>7} {'test F1':>7} {'vs base':>8} {'train s':>8}"
    print(head + "  chosen on dev")
    for c in rows:
        gain = ""
        if base is not None and c is not base:
            gain = f"{c['test']['overall']['f1'] - base['test']['overall']['f1']:+.2f}"
        print(
            f"{c['name']:<22} {c['dev']['overall']['f1']:7.2f} {c['test']['overall']['f1']:7.2f}"
            f" {gain:>8} {c['train_seconds']:8.0f}  {format_params(c['params'])}"
        )
    print("\npaper (GloVe, Table 4)  dev F1 test F1")
    for k, (dv, ts) in PAPER.items():
        print(f"{k:<22} {dv:7.1f} {ts:7.1f}")
    if args.json:
        Path(args.json).write_text(json.dumps({"configurations": rows, "grid": grid}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
