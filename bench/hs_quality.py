"""Skip-gram / CBOW hierarchical-softmax quality against gensim over several seeds, six test sets.

    python bench/hs_quality.py --corpus ../shared/data/corpora/text8-prefix.txt.xz --seeds 1 2 3
        [--model sg|cbow] [--threads 2]

Both tools train on the same file (gensim on 1,000-word sentences, as its LineSentence would
cut a one-line file) with the same settings (dim 100, window 5, sample 1e-4, 5 epochs, min count
5) and are scored by wordlab's evaluator: Spearman on WS353, SimLex, MC, RG and RW, accuracy on
the Google analogies. Prints one row per seed and tool, then the mean difference wordlab - gensim.
Quality only: the wall times it prints are not a speed benchmark (see word2vec_vs_peers.py).
"""

from __future__ import annotations

import argparse
import lzma
import statistics
import tempfile
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SETS = {
    "WS353": "wordsim353.tsv",
    "SimLex": "simlex999.txt",
    "MC": "mc-30.txt",
    "RG": "rg-65.txt",
    "RW": "rw.txt",
}


def train(tool: str, corpus: Path, seed: int, model: str, threads: int, out: Path) -> float:
    """Train one tool's vectors into `out` (word2vec text format); returns wall seconds."""
    start = time.perf_counter()
    settings = {"window": 5, "sample": 1e-4, "epochs": 5, "min_count": 5, "seed": seed}
    if tool == "wordlab":
        from wordlab import Word2Vec

        Word2Vec(model=model, loss="hs", dim=100, threads=threads, progress=False, **settings).fit(
            str(corpus)
        ).wv.save_word2vec_format(out)
    else:
        from gensim.models import Word2Vec as GensimWord2Vec

        opener = lzma.open if corpus.suffix == ".xz" else open
        with opener(corpus, "rt", encoding="utf-8") as fh:
            words = fh.read().split()
        sentences = [words[i : i + 1000] for i in range(0, len(words), 1000)]
        GensimWord2Vec(
            sentences, vector_size=100, sg=int(model == "sg"), hs=1, negative=0,
            workers=threads, **settings,
        ).wv.save_word2vec_format(out)  # fmt: skip
    return time.perf_counter() - start


def score(path: Path, data: Path) -> dict[str, float]:
    """Spearman on each similarity set and the Google analogies' accuracy."""
    from wordlab import Vectors

    vectors = Vectors.load_word2vec_format(path)
    row = {
        name: vectors.evaluate_word_pairs(data / "similarity" / f)[1][0] for name, f in SETS.items()
    }
    analogies = data / "analogy" / "questions-words.txt"
    row["analogies"] = vectors.evaluate_word_analogies(analogies)[0]
    return row


def main() -> None:
    """Print each run's scores and the mean difference per test set."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--model", choices=["sg", "cbow"], default="sg")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--data", type=Path, default=DATA)
    args = ap.parse_args()
    rows: dict[str, list[dict[str, float]]] = {"wordlab": [], "gensim": []}
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            for tool in rows:
                out = Path(tmp) / f"{tool}{seed}.vec"
                seconds = train(tool, args.corpus, seed, args.model, args.threads, out)
                rows[tool].append(score(out, args.data))
                cells = " ".join(f"{k} {v:.3f}" for k, v in rows[tool][-1].items())
                print(
                    f"{args.model}-hs seed {seed} {tool:8s} {cells} ({seconds:.0f} s)", flush=True
                )
    for name in rows["wordlab"][0]:
        ours = statistics.mean(r[name] for r in rows["wordlab"])
        theirs = statistics.mean(r[name] for r in rows["gensim"])
        print(
            f"{name}: wordlab {ours:.3f} gensim {theirs:.3f} difference {100 * (ours - theirs):+.1f}"
        )


if __name__ == "__main__":
    main()
