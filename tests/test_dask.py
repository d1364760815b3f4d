"""Counting on a Dask cluster: the same bytes as one machine, retried tasks, the extra's absence.

A LocalCluster of two in-process workers counts small corpora cut into many byte ranges and
summation blocks (one long line, many short lines, Chinese text), so windows and lines span
the boundaries; every file must equal the single-machine one byte for byte, and the
single-machine sums must equal an independent count in Python in the documented order.
"""

from __future__ import annotations

import sys
import threading
from collections import defaultdict

import numpy as np
import pytest

from wordlab.cli import main
from wordlab.cooccur import RECORD, CooccurSettings, count_cooccurrences, dense_layout
from wordlab.corpus import encode_corpus
from wordlab.distributed import count as cluster_count
from wordlab.distributed import count_cooccurrences_on, scan_corpus
from wordlab.errors import WordlabError
from wordlab.textread import TextOptions
from wordlab.vocab import Vocab

# small units, so that a corpus of a few thousand tokens spans many tasks: summation blocks of
# 1,000 tokens, pass-one ranges of 2.5 kB read in 1.5 kB pieces, a dense table of 2,000 products
# and overflow buffers of 3,000 events (so pairs overflow and spill)
SMALL = dict(block_tokens=1000, max_product=2000, overflow_length=3000)
SPLIT = dict(range_bytes=2500, chunk_bytes=1500)


def _zipf(rng: np.random.Generator, words: list[str], n: int) -> list[str]:
    p = 1.0 / np.arange(1, len(words) + 1)
    return list(rng.choice(words, size=n, p=p / p.sum()))


def one_long_line(rng: np.random.Generator) -> str:
    """text8's shape: one line of 12,000 tokens, no final newline."""
    return " ".join(_zipf(rng, [f"w{i}" for i in range(500)], 12_000))


def short_lines(rng: np.random.Generator) -> str:
    """Lines of 0 to 14 tokens, blank lines, tabs and CRLF endings."""
    words = [f"s{i}" for i in range(300)]
    lines = [" \t".join(_zipf(rng, words, int(rng.integers(0, 15)))) for _ in range(1500)]
    return "\r\n".join(lines[:700]) + "\n\n" + "\n".join(lines[700:]) + "\n"


def chinese(rng: np.random.Generator) -> str:
    """Segmented Chinese with ideographic spaces (U+3000) and some upper-case Latin words."""
    chars = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动"
    words = [chars[i % 40] + chars[(7 * i) % 40] for i in range(200)] + ["GDP", "Beijing", "WTO"]
    lines = []
    for _ in range(900):
        sep = "\u3000" if rng.random() < 0.3 else " "
        lines.append(sep.join(_zipf(rng, words, int(rng.integers(1, 20)))))
    return "\n".join(lines) + "\n"


CASES = {
    # corpus, text options, min count, settings
    "one-long-line": (one_long_line, TextOptions(), 3, CooccurSettings(window=10)),
    "short-lines": (short_lines, TextOptions(), 2, CooccurSettings(window=5, symmetric=False)),
    "chinese": (
        chinese,
        TextOptions(lowercase=True),
        2,
        CooccurSettings(window=8, distance_weighting=False),
    ),  # fmt: skip
}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """Two one-thread workers in this process (quick to start; Numba kernels release the GIL)."""
    distributed = pytest.importorskip("distributed")
    import dask

    # Dask's scratch folders (workers' and its locks) under pytest's, not the system's /tmp
    with dask.config.set({"temporary-directory": str(tmp_path_factory.mktemp("dask"))}):
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        )
        with distributed.Client(cluster) as c:
            yield c
        cluster.close()


def _single(tmp_path, name, text, options, min_count, settings, **small):
    """The single-machine files: (corpus path, encoded corpus, vocab, vocab bytes, cooc bytes)."""
    path = tmp_path / f"{name}.txt"
    path.write_text(text, encoding="utf-8")
    enc = encode_corpus(path, tmp_path / f"{name}-enc", options, progress=False)
    vocab = Vocab.from_corpus(enc, min_count)
    vocab.save(tmp_path / "vocab-single.txt")
    out = tmp_path / "single.bin"
    count_cooccurrences(enc, vocab, out, settings, progress=False, **small)
    return path, enc, vocab, (tmp_path / "vocab-single.txt").read_bytes(), out.read_bytes()


@pytest.mark.parametrize("name", CASES)
def test_cluster_files_equal_single_machine_files(tmp_path, client, name):
    make, options, min_count, settings = CASES[name]
    text = make(np.random.default_rng(len(name)))
    path, enc, vocab, vocab_bytes, cooc_bytes = _single(
        tmp_path, name, text, options, min_count, settings, **SMALL
    )
    scan = scan_corpus(client, path, options, False, **SPLIT)
    assert len(scan.tasks) > 16 and scan.n_tokens == enc.n_tokens  # ranges gathered by a tree
    scan.vocab(min_count, None).save(tmp_path / "vocab-cluster.txt")
    assert (tmp_path / "vocab-cluster.txt").read_bytes() == vocab_bytes
    out = tmp_path / "cluster.bin"
    stats = count_cooccurrences_on(
        client, path, vocab, out, settings, options, scan, False, **SMALL, **SPLIT
    )
    assert sum(t["kind"] == "count" for t in stats.tasks) == -(-enc.n_tokens // 1000) > 5
    assert out.read_bytes() == cooc_bytes
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".cluster.bin")]  # cleaned


def _reference(enc, V: int, settings: CooccurSettings, max_product: int, block: int) -> bytes:
    """Records counted in Python in the documented order: a dense pair's weights in token order
    within each block, block sums in block order; an overflow pair's one at a time, d ascending."""
    dense_len, _ = dense_layout(V, max_product)
    weight = [1.0] + [1.0 / d if settings.distance_weighting else 1.0 for d in range(1, 256)]
    starts = set(np.asarray(enc.line_starts).tolist())
    blocks: dict[int, dict] = defaultdict(dict)
    by_distance: dict = defaultdict(lambda: defaultdict(int))
    history: list[int] = []
    for pos, token in enumerate(np.asarray(enc.tokens).tolist()):
        if pos in starts:
            history = []
        if token >= V:
            continue
        for d in range(1, min(len(history), settings.window) + 1):
            c = history[-d]
            for pair in [(c, token), (token, c)][: 2 if settings.symmetric else 1]:
                if pair[1] < dense_len[pair[0]]:
                    sums = blocks[pos // block]
                    sums[pair] = sums.get(pair, 0.0) + weight[d]
                else:
                    by_distance[pair][d] += 1
        history.append(token)
    value: dict = {}
    for b in sorted(blocks):
        for pair, v in blocks[b].items():
            value[pair] = value.get(pair, 0.0) + v
    for pair, counts in by_distance.items():
        total = 0.0
        for d in sorted(counts):
            for _ in range(counts[d]):
                total += weight[d]
        value[pair] = total
    recs = np.zeros(len(value), dtype=RECORD)
    keys = sorted(value)
    recs["word1"] = [a + 1 for a, _ in keys]
    recs["word2"] = [b + 1 for _, b in keys]
    recs["value"] = [value[k] for k in keys]
    return recs.tobytes()


@pytest.mark.parametrize("name", ["one-long-line", "short-lines"])
def test_single_machine_sums_follow_the_documented_order_whatever_the_split(tmp_path, name):
    make, options, min_count, settings = CASES[name]
    text = make(np.random.default_rng(len(name)))
    _, enc, vocab, _, cooc = _single(tmp_path, name, text, options, min_count, settings, **SMALL)
    assert cooc == _reference(enc, len(vocab), settings, SMALL["max_product"], 1000)
    # other thread counts and buffer sizes spill elsewhere: the same bytes
    for threads, overflow in ((1, None), (3, 500)):
        out = tmp_path / f"t{threads}.bin"
        count_cooccurrences(
            enc, vocab, out, CooccurSettings(settings.window, settings.symmetric, threads=threads),
            progress=False, block_tokens=1000, max_product=2000, overflow_length=overflow,
        )  # fmt: skip
        assert out.read_bytes() == cooc


def test_a_task_that_fails_midway_is_retried_and_gives_the_same_bytes(
    tmp_path, client, monkeypatch
):
    make, options, min_count, settings = CASES["one-long-line"]
    path, _, vocab, _, cooc = _single(
        tmp_path, "c", make(np.random.default_rng(3)), options, min_count, settings, **SMALL
    )
    real, lock, failed = cluster_count.flush_block, threading.Lock(), []

    def flush_then_fail_once(shard, *args):  # noqa: ANN001, ANN202
        written = real(shard, *args)  # the block's shards are on disk, renamed ...
        shard.with_name(shard.name + ".keys.999.tmp").write_bytes(b"half")  # ... and debris
        with lock:
            if not failed:
                failed.append(shard.name)
                raise OSError("worker lost mid-task")
        return written

    monkeypatch.setattr(cluster_count, "flush_block", flush_then_fail_once)
    out = tmp_path / "cluster.bin"
    count_cooccurrences_on(client, path, vocab, out, settings, options, None, False, **SMALL)
    assert failed and out.read_bytes() == cooc


def test_an_input_a_worker_cannot_see_names_the_worker_and_the_path(tmp_path, client):
    missing = tmp_path / "not-shared.txt"
    with pytest.raises(WordlabError, match=r"worker .*: input not found: .*not-shared\.txt"):
        scan_corpus(client, missing, TextOptions(), False)


def test_without_the_extra_scheduler_says_what_to_install(tmp_path, monkeypatch, capsys):
    (tmp_path / "c.txt").write_text("a b a b\n")
    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` fails
    argv = ["cooccur", "--input", str(tmp_path / "c.txt"), "--output", str(tmp_path / "c.bin"),
            "--scheduler", "local:2", "--min-count", "1"]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and 'pip install "wordlab[dask]"' in err[0]


def test_commands_with_scheduler_write_the_same_files(tmp_path, client, capsys):
    """vocab, cooccur and glove (counting on the cluster, training here) from the command line."""
    text = short_lines(np.random.default_rng(5))
    (tmp_path / "c.txt").write_text(text)
    address = client.scheduler.address
    for where in ("here", "cluster"):
        extra = ["--scheduler", address] if where == "cluster" else []
        common = ["--input", str(tmp_path / "c.txt"), "--min-count", "2", "--quiet"]
        assert main(["vocab", *common, "--output", str(tmp_path / f"v-{where}.txt"), *extra]) == 0
        assert main(["cooccur", *common, "--output", str(tmp_path / f"c-{where}.bin"),
                     "--vocab", str(tmp_path / "v-here.txt"), "--window", "3", *extra]) == 0  # fmt: skip
        assert main(["glove", *common, "--output", str(tmp_path / f"g-{where}"), "--dim", "4",
                     "--epochs", "2", "--threads", "1", *extra]) == 0  # fmt: skip
    for name in ("v-{}.txt", "c-{}.bin", "g-{}/cooccurrence.bin", "g-{}/vectors.txt"):
        here, there = (tmp_path / name.format(w) for w in ("here", "cluster"))
        assert here.read_bytes() == there.read_bytes(), name


def test_experiment_runs_on_the_cluster_give_the_records_of_one_machine(tmp_path, client):
    from wordlab.distributed import run_experiments_on
    from wordlab.experiments import Config, run_experiments

    corpus = tmp_path / "c.txt"
    corpus.write_text(short_lines(np.random.default_rng(9)) * 4)
    runs = {}
    for where in ("here", "cluster"):
        config = Config(corpus=corpus, out=tmp_path / where, quick=True, progress=False)
        if where == "here":
            data = run_experiments(["sparsity"], config)
        else:
            data = run_experiments_on(client, ["sparsity"], config)
        runs[where] = {k: (r["tokens"], r["entries"]) for k, r in data["runs"].items()}
        assert (tmp_path / where / "report.md").exists()
    assert len(runs["here"]) > 2 and runs["here"] == runs["cluster"]
