"""Time wordlab's evaluation against gensim's on one real vectors file, and check equal scores.

    python bench/eval_vs_gensim.py [--vectors FILE] [--corpus text8-prefix.txt.xz --bytes N]
                                   [--dim 100 --epochs 3 --min-count 2] [--restrict-vocab 30000]

Without --vectors, trains gensim Word2Vec (CBOW) on a prefix of the corpus (cached in --work) and
saves it in word2vec text format. Then, on the same file: load time (wordlab `Vectors.load` vs
gensim `load_word2vec_format`); WordSim353 and SimLex-999 (`evaluate_similarity` vs
`evaluate_word_pairs`: Pearson and Spearman must agree to 1e-6, and we also report whether every
digit agrees); the Google analogies over the `--restrict-vocab` most frequent words
(`evaluate_analogy` vs `evaluate_word_analogies`: correct/total per section must be equal), and
wordlab's 3CosMul for reference. Exits 1 on any disagreement.
"""

from __future__ import annotations

import argparse
import lzma
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"

from wordlab.evaluation.analogy import evaluate_analogy  # noqa: E402
from wordlab.evaluation.similarity import evaluate_similarity  # noqa: E402
from wordlab.vectors import Vectors  # noqa: E402


def train_vectors(args: argparse.Namespace) -> Path:
    """gensim Word2Vec on a corpus prefix, cached by its settings; returns the .txt vectors."""
    from gensim.models import Word2Vec
    from gensim.models.word2vec import LineSentence

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    tag = f"{Path(args.corpus).name.split('.')[0]}-{args.bytes or 'all'}"
    out = work / f"w2v-{tag}-d{args.dim}-e{args.epochs}-m{args.min_count}.txt"
    if out.exists():
        return out
    text = work / f"{tag}.txt"
    if not text.exists():
        with lzma.open(args.corpus, "rb") as src, open(text, "wb") as dst:
            dst.write(src.read(args.bytes) if args.bytes else src.read())
    t = time.perf_counter()
    model = Word2Vec(
        LineSentence(str(text)),
        vector_size=args.dim,
        window=5,
        min_count=args.min_count,
        workers=args.threads,
        epochs=args.epochs,
        seed=1,
    )
    print(f"trained gensim Word2Vec in {time.perf_counter() - t:.1f} s: {len(model.wv)} words")
    model.wv.save_word2vec_format(str(out))
    return out


def timed(fn, *args, **kwargs):
    """(result, seconds)."""
    t = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - t


def main() -> int:
    """Run the comparison and print a table; 1 if any number differs."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--vectors", help="a word2vec-format text file (default: train one)")
    p.add_argument("--corpus", default=str(DATA / "corpora" / "text8-prefix.txt.xz"))
    p.add_argument("--bytes", type=int, default=None, help="corpus prefix in bytes")
    p.add_argument("--dim", type=int, default=100)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--min-count", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--restrict-vocab", type=int, default=30000)
    p.add_argument("--work", default="/tmp/wordlab-eval-bench")
    args = p.parse_args()

    from gensim.models import KeyedVectors

    path = Path(args.vectors) if args.vectors else train_vectors(args)
    vectors, t_ours = timed(Vectors.load, path)
    kv, t_gensim = timed(KeyedVectors.load_word2vec_format, str(path))
    print(f"vectors: {path} ({len(vectors):,} words, dim {vectors.dim})")
    print(f"{'step':<34} {'wordlab s':>10} {'gensim s':>10} {'ratio':>7}  agreement")
    print(
        f"{'load (word2vec text)':<34} {t_ours:>10.2f} {t_gensim:>10.2f} "
        f"{t_ours / t_gensim:>7.2f}  same matrix: {(vectors.matrix == kv.vectors).all()}"
    )
    ok = bool((vectors.matrix == kv.vectors).all())

    for name in ("wordsim353.tsv", "simlex999.txt"):
        f = DATA / "similarity" / name
        ours, t_ours = timed(evaluate_similarity, vectors, f)
        (pearson, spearman, oov), t_gensim = timed(kv.evaluate_word_pairs, str(f))
        same = ours.spearman == spearman[0] and ours.pearson == pearson[0]
        close = abs(ours.spearman - spearman[0]) <= 1e-6 and abs(ours.pearson - pearson[0]) <= 1e-6
        ok &= close and ours.oov_ratio == oov
        print(
            f"{'similarity ' + ours.dataset:<34} {t_ours:>10.3f} {t_gensim:>10.3f} "
            f"{t_ours / t_gensim:>7.2f}  spearman {ours.spearman:.6f} vs {spearman[0]:.6f} "
            f"({'every digit' if same else 'within 1e-6' if close else 'DIFFERENT'}), "
            f"{ours.used}/{ours.pairs} pairs used"
        )

    questions = DATA / "analogy" / "questions-words.txt"
    ours, t_ours = timed(evaluate_analogy, vectors, questions, restrict_vocab=args.restrict_vocab)
    (score, sections), t_gensim = timed(
        kv.evaluate_word_analogies, str(questions), restrict_vocab=args.restrict_vocab
    )
    theirs = [(len(s["correct"]), len(s["correct"]) + len(s["incorrect"])) for s in sections[:-1]]
    mine = [(s.correct, s.used) for s in ours.sections]
    ok &= mine == theirs and ours.accuracy == score
    print(
        f"{'analogy 3cosadd (google)':<34} {t_ours:>10.2f} {t_gensim:>10.2f} "
        f"{t_ours / t_gensim:>7.3f}  {ours.total.correct}/{ours.total.used} vs "
        f"{len(sections[-1]['correct'])}/{theirs and sum(u for _, u in theirs)} "
        f"({'equal in every section' if mine == theirs else 'DIFFERENT'})"
    )
    cosmul, t_cosmul = timed(
        evaluate_analogy, vectors, questions, restrict_vocab=args.restrict_vocab, method="3cosmul"
    )
    print(
        f"{'analogy 3cosmul (wordlab only)':<34} {t_cosmul:>10.2f} {'-':>10} {'-':>7}  "
        f"{cosmul.total.correct}/{cosmul.total.used}"
    )
    for s in [ours.semantic, ours.syntactic, ours.total]:
        print(
            f"  3cosadd {s.name:<10} {100 * s.accuracy:6.2f}%  ({s.correct}/{s.used}, "
            f"{s.skipped} skipped)"
        )
    print("all numbers agree" if ok else "DISAGREEMENT")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
