"""Time and score wordlab's fastText (classifier and subword vectors) against the fastText tools.

Classification: IMDB (tab-separated `label id rating text`), converted once to fastText's
`__label__` format (lower-cased, punctuation split off, `<br />` removed, training lines shuffled
with a fixed seed because the files are sorted by label); the same files go to every tool.
Peers: the `fasttext` Python package (bench-only, `pip install fasttext-wheel`) and, if given, the
fastText C++ binary (`--fasttext-bin`, timed as a process: reading, training and saving). wordlab
runs twice: in this process (`Classifier(...).fit`, kernels already loaded) and as a user runs it,
`wordlab classify train` in its own process (start-up, reading, training and saving the model),
the like of the C++ row. wordlab shuffles the examples each epoch (its default); `--no-shuffle`
reads them in file order every epoch, as fastText does.

Vectors (`--vectors`): skip-gram on a byte prefix of enwiki, wordlab vs the C++ binary, the
Python package and gensim's FastText; throughput and WordSim353 / SimLex-999 Spearman and Google
analogy accuracy (evaluated with gensim's KeyedVectors for all, analogies over the 30,000 most
frequent words).

    python bench/fasttext_vs_peers.py --fasttext-bin /tmp/peers/facebookresearch+fastText/fasttext \
        [--vectors --mb 100]
"""

from __future__ import annotations

import argparse
import lzma
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"
_TOKEN = re.compile(r"\w+|[^\w\s]")


def convert_imdb(src: Path, dst: Path, shuffle: bool, limit: int = 0) -> int:
    """IMDB .tsv.xz -> fastText format, one review per line (`limit`: a random sample of that
    many, for a quick check); returns the number of lines."""
    lines = []
    with lzma.open(src, "rt", encoding="utf-8") as fh:
        header = next(fh).rstrip("\n").split("\t")
        assert header[:3] == ["label", "id", "rating"], header
        for line in fh:
            label, _, _, text = line.rstrip("\n").split("\t", 3)
            text = text.lower().replace("<br />", " ")
            lines.append(f"__label__{label} " + " ".join(_TOKEN.findall(text)))
    if limit and limit < len(lines):
        lines = random.Random(1).sample(lines, limit)
    if shuffle:
        random.Random(0).shuffle(lines)
    dst.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


def run_wordlab_clf(train: Path, test: Path, cfg: dict, shuffle: bool) -> tuple[float, float]:
    from wordlab.models.classifier import Classifier

    t = time.perf_counter()
    clf = Classifier(
        dim=cfg["dim"], word_ngrams=cfg["wordNgrams"], epochs=cfg["epoch"], lr=cfg["lr"],
        threads=cfg["thread"], shuffle=shuffle, progress=False,
    ).fit(train)  # fmt: skip
    secs = time.perf_counter() - t
    return secs, clf.test(test).precision


def run_wordlab_cli(
    train: Path, test: Path, cfg: dict, shuffle: bool, work: Path
) -> tuple[float, float]:
    """`wordlab classify train` timed as a process, as the C++ binary is; scored in this process."""
    from wordlab.models.classifier import Classifier

    out = work / "wordlab-clf.wordlab"
    cmd = [
        sys.executable, "-m", "wordlab", "classify", "train", "--input", str(train),
        "--output", str(out), "--dim", str(cfg["dim"]), "--word-ngrams", str(cfg["wordNgrams"]),
        "--epochs", str(cfg["epoch"]), "--lr", str(cfg["lr"]), "--threads", str(cfg["thread"]),
        "--quiet", *([] if shuffle else ["--no-shuffle"]),
    ]  # fmt: skip
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    secs = time.perf_counter() - t
    if proc.returncode:
        raise RuntimeError(f"wordlab classify train failed: {proc.stderr.strip()[-2000:]}")
    return secs, Classifier.load(out).test(test).precision


def run_pip_clf(train: Path, test: Path, cfg: dict) -> tuple[float, float]:
    import fasttext

    t = time.perf_counter()
    m = fasttext.train_supervised(str(train), verbose=0, **cfg)
    secs = time.perf_counter() - t
    return secs, m.test(str(test))[1]


def run_bin_clf(binary: str, train: Path, test: Path, cfg: dict, work: Path) -> tuple[float, float]:
    out = work / "ftbin"
    args = [binary, "supervised", "-input", str(train), "-output", str(out), "-verbose", "0"]
    for k, v in cfg.items():
        args += [f"-{k}", str(v)]
    t = time.perf_counter()
    subprocess.run(args, check=True)
    secs = time.perf_counter() - t
    res = subprocess.run(
        [binary, "test", str(out) + ".bin", str(test)], check=True, capture_output=True, text=True
    ).stdout.split()
    return secs, float(res[res.index("P@1") + 1])


def classification(args: argparse.Namespace, work: Path) -> None:
    train, test = work / "imdb.train.txt", work / "imdb.test.txt"
    sorted_train = args.train_order == "sorted"
    n_train = convert_imdb(
        args.imdb / "train.tsv.xz", train, shuffle=not sorted_train, limit=args.limit
    )
    n_test = convert_imdb(args.imdb / "test.tsv.xz", test, shuffle=False, limit=args.limit)
    print(f"IMDB: {n_train:,} train / {n_test:,} test reviews; {args.reps} runs each, median time")
    print(f"training file: {'sorted by label, as distributed' if sorted_train else 'shuffled'}")
    configs_all = {
        "dim 10, wordNgrams 2, 5 epochs, lr 0.1, 2 threads": dict(
            dim=10, wordNgrams=2, epoch=5, lr=0.1, thread=2
        ),
        "fastText defaults (dim 100, wordNgrams 1, 5 epochs, lr 0.1), 2 threads": dict(
            dim=100, wordNgrams=1, epoch=5, lr=0.1, thread=2
        ),
    }
    configs = {k: v for i, (k, v) in enumerate(configs_all.items()) if str(i + 1) in args.configs}
    shuffle = not args.no_shuffle
    order = "a new order each epoch" if shuffle else "file order every epoch, as fastText"
    print(f"wordlab reads the examples in {order}")
    warm = dict(dim=2, wordNgrams=2, epoch=1, lr=0.1, thread=2)
    run_wordlab_clf(train, test, warm, shuffle)  # JIT load
    for name, cfg in configs.items():
        tools = {
            "wordlab": lambda c=cfg: run_wordlab_clf(train, test, c, shuffle),
            "wordlab (CLI)": lambda c=cfg: run_wordlab_cli(train, test, c, shuffle, work),
        }
        tools["fasttext (pip)"] = lambda c=cfg: run_pip_clf(train, test, c)
        if args.fasttext_bin:
            tools["fastText C++"] = lambda c=cfg: run_bin_clf(
                args.fasttext_bin, train, test, c, work
            )
        results: dict[str, list[tuple[float, float]]] = {k: [] for k in tools}
        failures: dict[str, list[str]] = {k: [] for k in tools}
        for _ in range(args.reps):  # interleaved, so load changes hit every tool alike
            for tool, fn in tools.items():
                try:
                    results[tool].append(fn())
                except (RuntimeError, subprocess.CalledProcessError) as exc:
                    failures[tool].append(str(exc).strip() or type(exc).__name__)
        print(f"\n### {name}")
        print("| tool | train time (s) | P@1 (accuracy) | time vs pip | accuracy - pip (points) |")
        print("|---|---|---|---|---|")
        ref_t = statistics.median(r[0] for r in results["fasttext (pip)"])
        ref_a = statistics.median(r[1] for r in results["fasttext (pip)"])
        for tool, rs in results.items():
            t = statistics.median(r[0] for r in rs)
            a = statistics.median(r[1] for r in rs)
            fails = failures[tool]
            failed = f"; {len(fails)} run(s) failed: {fails[0]}" if fails else ""
            print(
                f"| {tool} | {t:.2f} ({', '.join(f'{r[0]:.2f}' for r in rs)}{failed}) | {a:.4f} | "
                f"{t / ref_t:.2f}x | {100 * (a - ref_a):+.2f} |"
            )


def _evaluate(kv) -> dict[str, float]:
    """WordSim353 / SimLex Spearman and Google analogy accuracy (sem, syn) with gensim."""
    import logging

    logging.getLogger("gensim").setLevel(logging.ERROR)
    out = {}
    for name, f in (("ws353", "wordsim353.tsv"), ("simlex", "simlex999.txt")):
        _, spearman, oov = kv.evaluate_word_pairs(str(DATA / "similarity" / f))
        out[name] = spearman.statistic if hasattr(spearman, "statistic") else spearman[0]
        out[name + "_oov%"] = oov
    _, sections = kv.evaluate_word_analogies(
        str(DATA / "analogy" / "questions-words.txt"), restrict_vocab=30000
    )
    sem = [s for s in sections[:5]]
    syn = [s for s in sections[5:-1]]

    def acc(ss):
        c = sum(len(s["correct"]) for s in ss)
        n = c + sum(len(s["incorrect"]) for s in ss)
        return c / n if n else float("nan")

    out["sem"] = acc(sem)
    out["syn"] = acc(syn)
    return out


def pip_unsupervised(corpus: Path, seed: int, **kwargs):
    """`fasttext.train_unsupervised` with a seed, also on fasttext-wheel 0.9.2, whose function
    takes no `seed=` although its C++ arguments have one (it fills them from its defaults)."""
    import fasttext
    import fasttext.FastText as impl

    try:
        return fasttext.train_unsupervised(str(corpus), seed=seed, **kwargs)
    except TypeError as exc:
        if "seed" not in str(exc):
            raise
    saved = impl.unsupervised_default.get("seed", 0)
    impl.unsupervised_default["seed"] = seed
    try:
        return fasttext.train_unsupervised(str(corpus), **kwargs)
    finally:
        impl.unsupervised_default["seed"] = saved


def vectors(args: argparse.Namespace, work: Path) -> None:
    from gensim.models import KeyedVectors

    corpus = work / "enwiki-prefix.txt"
    with lzma.open(DATA / "corpora" / "enwiki-70m.txt.xz", "rb") as fh:
        data = fh.read(int(args.mb * 1_000_000))
    corpus.write_bytes(data[: data.rfind(b"\n") + 1])
    n_words = len(corpus.read_bytes().split())
    e, dim = args.vector_epochs, 100
    print(f"\nVectors: {corpus.stat().st_size:,} bytes of enwiki ({n_words:,} words), skip-gram, "
          f"dim {dim}, minn 3, maxn 6, {e} epochs, 2 threads, min count 5")  # fmt: skip
    rows = []

    def record(tool: str, seed: int, secs: float, kv) -> None:
        ev = _evaluate(kv)
        rows.append((tool, seed, secs, n_words * e / secs, ev))
        print(f"  {tool} (seed {seed}): {secs:.1f}s {ev}", flush=True)

    from wordlab.corpus import load_corpus
    from wordlab.models.fasttext import FastText

    tools = set(args.vector_tools.split(","))
    # each tool's own default unless --ns-exponent is given (fastText 0.5, gensim 0.75)
    ns = {} if args.ns_exponent is None else {"ns_exponent": args.ns_exponent}
    enc = None
    if "wordlab" in tools:
        enc = load_corpus(corpus, cache_dir=work / "enc", progress=False)
        # load wordlab's compiled kernels once, untimed, as the classification bench does
        words = [f"w{i}" for i in range(20)]
        FastText(model="sg", dim=2, epochs=1, min_count=1, bucket=1000, threads=2, progress=False,
                 **ns).fit([words] * 50)  # fmt: skip
    for seed in args.seeds:
        if "wordlab" in tools:
            t = time.perf_counter()
            ft = FastText(
                model="sg", dim=dim, epochs=e, minn=3, maxn=6, threads=2, seed=seed,
                progress=False, **ns,
            )  # fmt: skip
            ft.fit(enc)
            secs = time.perf_counter() - t
            v = ft.wv
            kv = KeyedVectors(dim)
            kv.add_vectors(v.words, v.matrix)
            record("wordlab", seed, secs, kv)
            del ft, v

        if args.fasttext_bin and "c" in tools:
            out = work / "ftvec"
            t = time.perf_counter()
            subprocess.run(
                [args.fasttext_bin, "skipgram", "-input", str(corpus), "-output", str(out),
                 "-dim", str(dim), "-epoch", str(e), "-thread", "2", "-minn", "3", "-maxn", "6",
                 "-seed", str(seed), "-verbose", "0"],
                check=True,
            )  # fmt: skip
            record("fastText C++", seed, time.perf_counter() - t, KeyedVectors.load_word2vec_format(
                str(out) + ".vec"))  # fmt: skip

        if "pip" in tools:
            t = time.perf_counter()
            m = pip_unsupervised(
                corpus, seed, model="skipgram", dim=dim, epoch=e, thread=2, minn=3, maxn=6,
                verbose=0,
            )  # fmt: skip
            secs = time.perf_counter() - t
            kv = KeyedVectors(dim)
            words = m.words
            kv.add_vectors(words, np.stack([m.get_word_vector(w) for w in words]))
            record("fasttext (pip)", seed, secs, kv)
            del m

        if "gensim" in tools:
            from gensim.models import FastText as GensimFastText
            from gensim.models.word2vec import LineSentence

            t = time.perf_counter()
            g = GensimFastText(
                LineSentence(str(corpus)), vector_size=dim, sg=1, epochs=e, workers=2, min_n=3,
                max_n=6, min_count=5, sample=1e-4, alpha=0.05, negative=5, window=5,
                bucket=2_000_000, seed=seed, **ns,
            )  # fmt: skip
            record("gensim FastText", seed, time.perf_counter() - t, g.wv)
            del g

    print(
        "\n| tool | seed | train time (s) | words/s | WS353 | SimLex | analogy sem | analogy syn |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for tool, seed, secs, wps, ev in rows:
        print(
            f"| {tool} | {seed} | {secs:.1f} | {wps:,.0f} | {ev['ws353']:.3f} | {ev['simlex']:.3f} | "
            f"{100 * ev['sem']:.1f} | {100 * ev['syn']:.1f} |"
        )
    if len(args.seeds) > 1:
        print("\nMeans over the seeds:\n")
        print("| tool | runs | train time (s) | WS353 | SimLex | analogy sem | analogy syn |")
        print("|---|---|---|---|---|---|---|")
        for tool in dict.fromkeys(r[0] for r in rows):
            mine = [r for r in rows if r[0] == tool]
            mean = {
                k: statistics.mean(r[4][k] for r in mine) for k in ("ws353", "simlex", "sem", "syn")
            }
            print(
                f"| {tool} | {len(mine)} | {statistics.mean(r[2] for r in mine):.1f} | "
                f"{mean['ws353']:.3f} | {mean['simlex']:.3f} | {100 * mean['sem']:.1f} | "
                f"{100 * mean['syn']:.1f} |"
            )


def main() -> None:
    """Run the comparisons and print markdown tables."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--fasttext-bin", help="fastText C++ binary (optional peer)")
    p.add_argument("--imdb", type=Path, default=DATA / "classification" / "imdb")
    p.add_argument("--reps", type=int, default=3, help="runs per tool and setting")
    p.add_argument(
        "--limit",
        type=int,
        default=0,
        help="use N random reviews of each IMDB file (a quick check)",
    )
    p.add_argument("--no-classification", action="store_true")
    p.add_argument("--configs", default="12", help="classification settings to run: 1, 2 or 12")
    p.add_argument(
        "--train-order",
        choices=("shuffled", "sorted"),
        default="shuffled",
        help="IMDB's training lines shuffled once (default) or sorted by label, as distributed",
    )
    p.add_argument(
        "--no-shuffle",
        action="store_true",
        help="wordlab reads the training examples in file order every epoch, as fastText does "
        "(default: wordlab's own default, a new order each epoch)",
    )
    p.add_argument("--vectors", action="store_true", help="also run the subword-vector bench")
    p.add_argument("--mb", type=float, default=100, help="enwiki prefix in MB (issue: 100)")
    p.add_argument("--vector-epochs", type=int, default=5)
    p.add_argument(
        "--ns-exponent",
        type=float,
        default=None,
        help="vector bench: noise exponent for wordlab and gensim (default: each tool's own)",
    )
    p.add_argument(
        "--seeds",
        type=lambda v: [int(x) for x in v.split(",")],
        default=[0],
        help="vector bench: comma-separated seeds, each tool trained once per seed (means shown)",
    )
    p.add_argument(
        "--vector-tools",
        default="wordlab,c,pip,gensim",
        help="vector bench tools, comma-separated (c: the --fasttext-bin binary)",
    )
    args = p.parse_args()
    unknown = set(args.vector_tools.split(",")) - {"wordlab", "c", "pip", "gensim"}
    if unknown:
        p.error(f"--vector-tools: unknown {', '.join(sorted(unknown))} (wordlab, c, pip, gensim)")
    with tempfile.TemporaryDirectory(prefix="wordlab-ft-bench-") as tmp:
        work = Path(tmp)
        if not args.no_classification:
            classification(args, work)
        if args.vectors:
            vectors(args, work)


if __name__ == "__main__":
    main()
