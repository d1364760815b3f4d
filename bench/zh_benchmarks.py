"""Chinese benchmarks (issue 17): segmentation, vectors, MSRA NER, online-shopping classification.

Every tool is timed as a process under /usr/bin/time (wall seconds, peak resident memory), so
start-up, reading and writing count for all alike; vectors are scored by wordlab's evaluation
(the same numbers as gensim's) on zh-wordsim-240/297 and CA8 per section, every word of the
vectors known (`--restrict-vocab 0`), coverage reported beside each score.

- segmentation: People's Daily with its spaces removed (raw text); jieba itself (one process)
  against wordlab's compiled jieba (same tokens: checked) on 1 and 2 threads, in-process and
  `wordlab segment`; both against the gold segmentation (word F1).
- vectors: People's Daily with the gold segmentation and with jieba's; wordlab word2vec
  (CBOW, the C tool's defaults) against gensim, wordlab fastText (`--lang zh`: minn 1, maxn 2)
  against fastText C++ and gensim. wordlab reads the raw text with `--tokenizer jieba` (its
  segmentation inside the timing); the peers read the segmented file `wordlab segment` wrote.
- ner: `wordlab ner` on MSRA (discrete; + character vectors trained by wordlab with
  `--tokenizer char` on People's Daily's raw text and MSRA's training sentences); the whole
  split takes about 15 minutes and 7.5 GB (the vector features, at -1..+1, hold most of it).
- classification: zh-online-shopping, category and sentiment, `wordlab classify train
  --tokenizer char|jieba` on the raw reviews against fastText C++ on the same tokens.

    python bench/zh_benchmarks.py --fasttext-bin /tmp/peers/facebookresearch+fastText/fasttext
    python bench/zh_benchmarks.py --lines 2000 --sentences 2000 --reviews 3000   # a small check
"""

from __future__ import annotations

import argparse
import json
import lzma
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"
PD = DATA / "corpora" / "zh-peoples-daily-1998.seg.txt.xz"
MSRA = DATA / "ner" / "msra"
SHOP = DATA / "classification" / "zh-online-shopping"
W2V = {"dim": 100, "window": 5, "negative": 5, "sample": 1e-3, "epochs": 5, "min_count": 5}
FT = {"dim": 100, "window": 5, "neg": 5, "sample": 1e-4, "epochs": 5, "min_count": 5,
      "minn": 1, "maxn": 2, "lr": 0.05, "bucket": 2_000_000}  # fmt: skip
CLF = {"dim": 50, "wordNgrams": 2, "epoch": 5, "lr": 0.5, "thread": 2}


def timed(cmd: list[str], work: Path) -> tuple[float, float, str]:
    """Run `cmd` under /usr/bin/time: wall seconds, peak RSS (MB), stdout + stderr."""
    stats = work / "time.txt"
    proc = subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", str(stats), *cmd],
                          capture_output=True, text=True, check=False)  # fmt: skip
    if proc.returncode:
        raise RuntimeError(f"{' '.join(cmd[:3])} failed: {(proc.stderr or proc.stdout)[-1500:]}")
    secs, kb = stats.read_text().split()[-2:]
    return float(secs), float(kb) / 1024, proc.stdout + proc.stderr


def wordlab(*args: str) -> list[str]:
    return [sys.executable, "-m", "wordlab", *args]


def slice_lines(src: Path, dst: Path, lines: int, strip_spaces: bool = False) -> Path:
    """The first `lines` lines (0: all) of a (compressed) text, optionally without spaces."""
    with lzma.open(src, "rt", encoding="utf-8") as fh, open(dst, "w", encoding="utf-8") as out:
        for n, line in enumerate(fh):
            if lines and n >= lines:
                break
            out.write("".join(line.split()) + "\n" if strip_spaces else line)
    return dst


def scores(vectors: Path) -> dict:
    """zh-wordsim Spearman and CA8 accuracy per section and category, with what was covered."""
    from wordlab.evaluation.analogy import combine_results, evaluate_analogy
    from wordlab.evaluation.similarity import evaluate_similarity
    from wordlab.vectors import Vectors

    v = Vectors.load(vectors)
    out: dict = {"words": len(v)}
    for name in ("240", "297"):
        r = evaluate_similarity(v, DATA / "similarity" / f"zh-wordsim-{name}.txt")
        out[f"ws{name}"] = {"spearman": r.spearman, "used": r.used, "pairs": r.pairs}
    results = []
    for cat in ("semantic", "morphological"):
        r = evaluate_analogy(v, DATA / "analogy" / f"zh-ca8-{cat}.txt", restrict_vocab=None)
        results.append(r)
        out[cat] = {s.name: s.to_dict() for s in r.sections}
    out["ca8"] = {g.name: g.to_dict() for g in combine_results(results)}
    return out


def _row(tool: str, corpus: str, secs: float, mb: float, s: dict) -> str:
    ca8 = s["ca8"]

    def acc(name: str) -> str:
        g = ca8.get(name)
        return "-" if not g or g["accuracy"] is None else f"{100 * g['accuracy']:.1f} ({g['used']})"

    ws = " | ".join(f"{s[k]['spearman']:.3f} ({s[k]['used']})" for k in ("ws240", "ws297"))
    return (f"| {corpus} | {tool} | {secs:.1f} | {mb:.0f} | {ws} | {acc('semantic')} | "
            f"{acc('morphological')} |")  # fmt: skip


# -- peers run as processes of this script ---------------------------------------------------------


def peer_main(argv: list[str]) -> None:
    """`zh_benchmarks.py _gensim KIND CORPUS OUT.vec`: one gensim model, as its own process."""
    import logging

    from gensim.models import FastText, Word2Vec
    from gensim.models.word2vec import LineSentence

    logging.getLogger("gensim").setLevel(logging.ERROR)
    kind, corpus, out = argv
    if kind == "w2v":
        m = Word2Vec(LineSentence(corpus), vector_size=W2V["dim"], window=W2V["window"], sg=0,
                     negative=W2V["negative"], sample=W2V["sample"], epochs=W2V["epochs"],
                     min_count=W2V["min_count"], alpha=0.05, workers=2, seed=1)  # fmt: skip
    else:
        m = FastText(LineSentence(corpus), vector_size=FT["dim"], window=FT["window"], sg=1,
                     negative=FT["neg"], sample=FT["sample"], epochs=FT["epochs"],
                     min_count=FT["min_count"], min_n=FT["minn"], max_n=FT["maxn"],
                     alpha=FT["lr"], bucket=FT["bucket"], workers=2, seed=1)  # fmt: skip
    m.wv.save_word2vec_format(out)


# -- sections -----------------------------------------------------------------------------------


def segmentation(args: argparse.Namespace, work: Path, report: dict) -> None:
    import jieba

    from wordlab.tokenizers import jieba_segmenter

    raw = slice_lines(PD, work / "pd.raw.txt", args.lines, strip_spaces=True)
    gold = slice_lines(PD, work / "pd.gold.txt", args.lines)
    text = raw.read_text(encoding="utf-8")
    chars = len(text)
    seg = jieba_segmenter()
    seg.segment(text[:1000])  # dictionary and kernels loaded: not timed
    rows = []
    for threads in (1, 2):
        t = time.perf_counter()
        ours = seg.segment(text, threads).decode("utf-8")
        rows.append((f"wordlab, in-process, {threads} thread(s)", time.perf_counter() - t, None))
    secs, mb, _ = timed(wordlab("segment", "--input", str(raw), "--output", str(work / "pd.jieba.txt"),
                                "--tokenizer", "jieba", "--threads", "2", "--quiet"), work)  # fmt: skip
    rows.append(("`wordlab segment`, 2 threads (start-up, dictionary, reading, writing)", secs, mb))
    tk = jieba.Tokenizer()
    tk.initialize()
    t = time.perf_counter()
    ref = [" ".join(w for w in tk.cut(line) if not w.isspace()) for line in text.split("\n")]
    rows.append(("jieba 0.42 (Python, 1 process), cut only", time.perf_counter() - t, None))
    same = sum(a.split() == b.split() for a, b in zip(ours.split("\n"), ref, strict=True))
    f1 = _segmentation_f1(gold.read_text(encoding="utf-8").split("\n"), ours.split("\n"))
    print(f"\n## Segmentation: People's Daily, {chars:,} characters (spaces removed)\n")
    print("| tool | seconds | M characters/s | peak MB |\n|---|---|---|---|")
    for name, secs, mb in rows:
        print(
            f"| {name} | {secs:.2f} | {chars / secs / 1e6:.2f} | {'-' if mb is None else f'{mb:.0f}'} |"
        )
    print(f"\nwordlab's tokens equal jieba's on {same:,} of {len(ref):,} lines; "
          f"word F1 against the gold segmentation: {100 * f1:.2f}")  # fmt: skip
    report["segmentation"] = {"characters": chars, "rows": rows, "same_lines": same,
                              "lines": len(ref), "gold_f1": f1}  # fmt: skip


def _segmentation_f1(gold: list[str], pred: list[str]) -> float:
    """Word F1 of a segmentation: words as character spans, matched line by line."""

    def spans(line: str) -> set[tuple[int, int]]:
        out, k = set(), 0
        for w in line.split():
            out.add((k, k + len(w)))
            k += len(w)
        return out

    hit = n_gold = n_pred = 0
    for g, p in zip(gold, pred, strict=False):
        a, b = spans(g), spans(p)
        hit, n_gold, n_pred = hit + len(a & b), n_gold + len(a), n_pred + len(b)
    prec, rec = hit / max(n_pred, 1), hit / max(n_gold, 1)
    return 2 * prec * rec / (prec + rec) if prec + rec else 0.0


def vectors(args: argparse.Namespace, work: Path, report: dict) -> None:
    gold = slice_lines(PD, work / "pd.gold.txt", args.lines)
    raw = slice_lines(PD, work / "pd.raw.txt", args.lines, strip_spaces=True)
    segmented = work / "pd.jieba.txt"
    timed(wordlab("segment", "--input", str(raw), "--output", str(segmented), "--tokenizer",
                  "jieba", "--quiet"), work)  # fmt: skip
    w2v = ["--dim", str(W2V["dim"]), "--window", str(W2V["window"]), "--negative",
           str(W2V["negative"]), "--sample", str(W2V["sample"]), "--epochs", str(W2V["epochs"]),
           "--min-count", str(W2V["min_count"]), "--threads", "2", "--quiet"]  # fmt: skip
    ft = ["--lang", "zh", "--dim", str(FT["dim"]), "--window", str(FT["window"]), "--neg",
          str(FT["neg"]), "--epochs", str(FT["epochs"]), "--min-count", str(FT["min_count"]),
          "--threads", "2", "--quiet"]  # fmt: skip
    print("\n## Vectors: People's Daily (zh-wordsim Spearman (pairs used); CA8 accuracy % "
          "(questions used), every word known)\n")  # fmt: skip
    print("| corpus | tool | seconds | peak MB | wordsim-240 | wordsim-297 | CA8 semantic | "
          "CA8 morphological |\n|---|---|---|---|---|---|---|---|")  # fmt: skip
    report["vectors"] = []
    for corpus, src, text in (("gold", gold, []), ("jieba", raw, ["--tokenizer", "jieba"])):
        peer_input = gold if corpus == "gold" else segmented
        runs = []
        for tool, cmd, vec in (
            ("wordlab word2vec", wordlab("word2vec", "--input", str(src), "--output",
             str(work / "w2v"), "--format", "vec", *text, *w2v,
             "--corpus-cache", str(work / f"cache-{corpus}")), work / "w2v" / "vectors.vec"),
            ("gensim word2vec", [sys.executable, __file__, "_gensim", "w2v", str(peer_input),
             str(work / "gensim-w2v.vec")], work / "gensim-w2v.vec"),
            ("wordlab fastText", wordlab("fasttext", "--input", str(src), "--output",
             str(work / "ft"), *text, *ft, "--corpus-cache", str(work / f"cache-{corpus}")),
             work / "ft" / "vectors.vec"),
            ("gensim fastText", [sys.executable, __file__, "_gensim", "ft", str(peer_input),
             str(work / "gensim-ft.vec")], work / "gensim-ft.vec"),
        ):  # fmt: skip
            runs.append((tool, cmd, vec))
        if args.fasttext_bin:
            out = work / "ftc"
            runs.append(("fastText C++", [args.fasttext_bin, "skipgram", "-input", str(peer_input),
                         "-output", str(out), "-dim", str(FT["dim"]), "-ws", str(FT["window"]),
                         "-neg", str(FT["neg"]), "-epoch", str(FT["epochs"]), "-minCount",
                         str(FT["min_count"]), "-minn", "1", "-maxn", "2", "-thread", "2",
                         "-verbose", "0"], Path(str(out) + ".vec")))  # fmt: skip
        for tool, cmd, vec in runs:
            if args.tools and not any(t in tool for t in args.tools.split(",")):
                continue
            secs, mb, _ = timed(cmd, work)
            s = scores(vec)
            print(_row(tool, corpus, secs, mb, s), flush=True)
            report["vectors"].append({"corpus": corpus, "tool": tool, "seconds": secs,
                                      "peak_mb": mb, **s})  # fmt: skip


def _msra_slice(split: str, sentences: int, work: Path) -> Path:
    out = work / f"msra.{split}.txt"
    n = 0
    with lzma.open(MSRA / f"{split}.txt.xz", "rt", encoding="utf-8") as fh, open(out, "w") as dst:
        for line in fh:
            dst.write(line)
            if not line.strip():
                n += 1
                if sentences and n >= sentences:
                    break
    return out


def ner(args: argparse.Namespace, work: Path, report: dict) -> None:
    files = [_msra_slice(s, args.sentences, work) for s in ("train", "dev", "test")]
    text = work / "zh-chars.txt"  # People's Daily's raw text and MSRA's training sentences
    slice_lines(PD, text, args.lines, strip_spaces=True)
    with open(files[0], encoding="utf-8") as fh, open(text, "a", encoding="utf-8") as out:
        out.write("\n".join("".join(r.split("\t")[0] for r in s.split("\n") if r)
                            for s in fh.read().split("\n\n")) + "\n")  # fmt: skip
    secs_v, _, _ = timed(wordlab("word2vec", "--input", str(text), "--tokenizer", "char",
                                 "--output", str(work / "chars"), "--model", "sg", "--dim", "50",
                                 "--epochs", "10", "--min-count", "2", "--format", "vec",
                                 "--quiet"), work)  # fmt: skip
    out = work / "ner.json"
    secs, mb, log = timed(wordlab("ner", "--train", str(files[0]), "--dev", str(files[1]),
                                  "--test", str(files[2]), "--vectors",
                                  f"chars={work / 'chars' / 'vectors.vec'}", "--json", str(out), "--quiet"), work)  # fmt: skip
    result = json.loads(out.read_text())
    print(f"\n## MSRA NER ({result['data']['train_sentences']:,} training sentences; character "
          f"vectors: wordlab word2vec sg 50d, {secs_v:.0f}s)\n")  # fmt: skip
    print(log.strip())
    print(f"\n(wall {secs:.0f}s for both configurations, peak {mb:.0f} MB)")
    report["ner"] = result


def classification(args: argparse.Namespace, work: Path, report: dict) -> None:
    from wordlab.models.classifier import Classifier
    from wordlab.models.labelled import read_tokens
    from wordlab.tokenizers import retokenize_labelled

    print("\n## zh-online-shopping classification (accuracy = P@1; " +
          ", ".join(f"{k} {v}" for k, v in CLF.items()) + ")\n")  # fmt: skip
    print("| label | tokenizer | tool | seconds | peak MB | accuracy |\n|---|---|---|---|---|---|")
    report["classification"] = []
    for column, label in ((0, "category"), (1, "sentiment")):
        paths = {}
        for split in ("train", "test"):
            with lzma.open(SHOP / f"{split}.tsv.xz", "rt", encoding="utf-8") as fh:
                next(fh)
                rows = [line.rstrip("\n").split("\t", 2) for line in fh]
            if args.reviews:
                rows = rows[:: max(1, len(rows) // args.reviews)]
            paths[split] = work / f"shop.{label}.{split}.txt"
            paths[split].write_text("".join(f"__label__{r[column]} {' '.join(r[2].split())}\n"
                                            for r in rows), encoding="utf-8")  # fmt: skip
        for tokenizer in ("char", "jieba"):
            model = work / "clf.wordlab"
            secs, mb, _ = timed(wordlab(
                "classify", "train", "--input", str(paths["train"]), "--output", str(model),
                "--tokenizer", tokenizer, "--dim", str(CLF["dim"]), "--word-ngrams",
                str(CLF["wordNgrams"]), "--epochs", str(CLF["epoch"]), "--lr", str(CLF["lr"]),
                "--threads", str(CLF["thread"]), "--quiet"), work)  # fmt: skip
            acc = Classifier.load(model).test(paths["test"]).precision
            rows_out = [("wordlab", secs, mb, acc)]
            if args.fasttext_bin:  # the same tokens, written for fastText
                spaced = {}
                for split, p in paths.items():
                    t = read_tokens(p)
                    spaced[split] = work / f"{p.stem}.{tokenizer}.txt"
                    spaced[split].write_bytes(
                        retokenize_labelled(t.tok, t.distinct, tokenizer, "__label__")
                    )
                ft_args = [f"-{k}" if i % 2 == 0 else str(v) for k, v in CLF.items()
                           for i in (0, 1)]  # fmt: skip
                secs, mb, _ = timed([args.fasttext_bin, "supervised", "-input", str(spaced["train"]),
                                     "-output", str(work / "ftclf"), "-verbose", "0", *ft_args],
                                    work)  # fmt: skip
                res = subprocess.run([args.fasttext_bin, "test", str(work / "ftclf.bin"),
                                      str(spaced["test"])], capture_output=True, text=True,
                                     check=True).stdout.split()  # fmt: skip
                rows_out.append(("fastText C++", secs, mb, float(res[res.index("P@1") + 1])))
            for tool, secs, mb, acc in rows_out:
                print(f"| {label} | {tokenizer} | {tool} | {secs:.1f} | {mb:.0f} | {acc:.4f} |")
                report["classification"].append({"label": label, "tokenizer": tokenizer,
                                                 "tool": tool, "seconds": secs, "peak_mb": mb,
                                                 "accuracy": acc})  # fmt: skip


SECTIONS = {"segmentation": segmentation, "vectors": vectors, "ner": ner,
            "classification": classification}  # fmt: skip


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_gensim":
        peer_main(sys.argv[2:])
        return
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sections", default=",".join(SECTIONS), help="comma-separated, default all")
    p.add_argument("--fasttext-bin", help="fastText C++ binary (vectors and classification)")
    p.add_argument("--tools", help="vectors: only tools whose name has one of these words")
    p.add_argument("--lines", type=int, default=0, help="People's Daily lines (0: all)")
    p.add_argument("--sentences", type=int, default=0, help="MSRA sentences per split (0: all)")
    p.add_argument("--reviews", type=int, default=0, help="about this many reviews (0: all)")
    p.add_argument("--json", help="also write every number here")
    p.add_argument("--work", help="folder for intermediate files (default: a temporary one)")
    args = p.parse_args()
    report: dict = {"args": vars(args)}
    with tempfile.TemporaryDirectory(prefix="wordlab-zh-bench-") as tmp:
        work = Path(args.work) if args.work else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for name in args.sections.split(","):
            SECTIONS[name](args, work, report)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
