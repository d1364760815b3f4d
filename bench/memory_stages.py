"""Peak memory and wall time of the GloVe stages at several --memory settings, against Stanford's.

Usage (Stanford's binaries built with `make` from a fetched copy; this script only runs them):

    nice -n 10 python bench/memory_stages.py --memory 1 2 --stanford /tmp/peers/stanfordnlp+GloVe/build \
        --corpus ../shared/data/corpora/enwiki-70m.txt.xz --work /tmp/wordlab-memory-bench

Every stage runs alone, one after the other, as its own process under /usr/bin/time (peak
resident memory, wall seconds). wordlab's vocab encodes the corpus from scratch, from the
compressed file (as users run it) and from the plain text Stanford's tools read on stdin. The
baseline is each wordlab stage on a tiny corpus: Python, NumPy and the loaded Numba kernels.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def timed(cmd: list[str], stdin: Path | None = None, stdout: Path | None = None) -> dict:
    """Run `cmd` under /usr/bin/time: {"s": wall seconds, "mb": peak RSS in MB, "out": stdout}."""
    fd, name = tempfile.mkstemp(prefix="wordlab-memory-time.")
    os.close(fd)
    with (
        open(stdin or os.devnull, "rb") as fin,
        open(stdout or os.devnull, "wb") if stdout else tempfile.TemporaryFile() as fout,
    ):
        proc = subprocess.run(
            ["/usr/bin/time", "-f", "%e %M", "-o", name, *cmd],
            stdin=fin,
            stdout=fout,
            stderr=subprocess.PIPE,
            check=False,
        )
        if not stdout:
            fout.seek(0)
            out = fout.read().decode(errors="replace")
        else:
            out = ""
    secs, kb = Path(name).read_text().split()[-2:]
    Path(name).unlink()
    if proc.returncode:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr.decode()[-3000:]}")
    row = {"s": float(secs), "mb": float(kb) / 1024, "out": out.strip()}
    print(f"  {' '.join(Path(c).name for c in cmd[:4])}: {row['mb']:.0f} MB {row['s']:.1f} s")
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--memory", type=float, nargs="+", default=[1.0, 2.0], help="GB settings")
    ap.add_argument("--stanford", type=Path, help="folder with vocab_count, cooccur, shuffle")
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpora" / "enwiki-70m.txt.xz")
    ap.add_argument("--work", type=Path, default=Path("/tmp/wordlab-memory-bench"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--window", type=int, default=10)
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args()

    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    plain = work / "corpus.txt"  # what Stanford's tools read on stdin
    if not plain.exists():
        cat = "xz -dc" if args.corpus.suffix == ".xz" else "cat"
        subprocess.run(f"{cat} '{args.corpus}' > '{plain}.part'", shell=True, check=True)
        Path(f"{plain}.part").rename(plain)
    tiny = work / "tiny.txt"
    tiny.write_text(" ".join(f"w{i % 2000} w{i % 7}" for i in range(10_000)) + "\n")
    wl = [sys.executable, "-m", "wordlab"]
    win, thr, mc = str(args.window), str(args.threads), str(args.min_count)
    rows: dict = {"baseline": {}}

    def wordlab_stages(corpus: Path, tag: str, memory: float) -> dict:
        d = work / f"wordlab-{tag}"
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir()
        m, cache = str(memory), ["--corpus-cache", str(d / "corpus")]
        r = {
            "vocab": timed([*wl, "vocab", "--input", str(corpus), "--output",
                            str(d / "vocab.txt"), "--min-count", mc, "--memory", m, "--quiet",
                            *cache]),
            "cooccur": timed([*wl, "cooccur", "--input", str(corpus), "--vocab",
                              str(d / "vocab.txt"), "--output", str(d / "cooc.bin"), "--window",
                              win, "--threads", thr, "--memory", m, "--quiet", *cache]),
            "shuffle": timed([*wl, "shuffle", "--input", str(d / "cooc.bin"), "--output",
                              str(d / "cooc.shuf.bin"), "--memory", m]),
        }  # fmt: skip
        for name in ("cooc.bin", "cooc.shuf.bin"):
            (d / name).unlink()
        return r

    print("baseline: wordlab's stages on a tiny corpus (twice: the first may compile kernels)")
    wordlab_stages(tiny, "tiny", 0.05)
    rows["baseline"] = wordlab_stages(tiny, "tiny", 0.05)
    for memory in args.memory:
        print(f"--memory {memory:g}")
        r = rows[f"memory {memory:g}"] = {}
        r["wordlab"] = wordlab_stages(args.corpus, f"m{memory:g}", memory)
        d = work / "wordlab-plain"
        shutil.rmtree(d, ignore_errors=True)
        r["wordlab"]["vocab (plain text)"] = timed([*wl, "vocab", "--input", str(plain), "--output",
            str(work / "vocab-plain.txt"), "--min-count", mc, "--memory", str(memory), "--quiet",
            "--corpus-cache", str(d)])  # fmt: skip
        shutil.rmtree(d, ignore_errors=True)
        if args.stanford:
            S, st, m = args.stanford, work / "stanford", str(memory)
            st.mkdir(exist_ok=True)
            r["stanford"] = {
                "vocab": timed([str(S / "vocab_count"), "-min-count", mc, "-verbose", "0"], plain,
                               st / "vocab.txt"),
                "cooccur": timed([str(S / "cooccur"), "-memory", m, "-vocab-file",
                                  str(st / "vocab.txt"), "-verbose", "0", "-window-size", win,
                                  "-overflow-file", str(st / "overflow")], plain, st / "cooc.bin"),
                "shuffle": timed([str(S / "shuffle"), "-memory", m, "-verbose", "0", "-temp-file",
                                  str(st / "shuffle_temp")], st / "cooc.bin", st / "cooc.shuf.bin"),
            }  # fmt: skip
            for name in ("cooc.bin", "cooc.shuf.bin"):
                (st / name).unlink()

    print(f"\n{'':24s} {'peak MB':>8s} {'wall s':>7s}")
    for setting, r in rows.items():
        tools = {"wordlab": r} if setting == "baseline" else r
        for tool, stages in tools.items():
            for stage, v in stages.items():
                print(f"{setting:11s} {tool:8s} {stage:19s} {v['mb']:8.0f} {v['s']:7.1f}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
