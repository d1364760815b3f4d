"""Peak memory of the GloVe stages stays within --memory plus the interpreter's own baseline.

Each stage runs as `python -m wordlab ...` in a fresh wrapper process that prints its only
child's peak resident memory (RUSAGE_CHILDREN), so earlier runs never mask a later one. The
baseline is the same stage on a tiny corpus (Python, NumPy and the loaded Numba kernels, about
165 MB; 100 MB for shuffle, which loads no kernel), measured after a warm-up run of the same
commands so that no run compiles kernels. Before the fix, on this corpus at --memory 0.05:
vocab 349 MB, cooccur 247 MB, shuffle 539 MB; after: about 206, 203 and 139 MB.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from wordlab.cooccur import CooccurSettings, count_cooccurrences, shuffle_records
from wordlab.corpus import encode_corpus
from wordlab.errors import WordlabError
from wordlab.vocab import Vocab
from wordlab.wordtable import WordTable

pytestmark = pytest.mark.skipif(
    sys.platform != "linux", reason="ru_maxrss is in kilobytes on Linux only"
)

BUDGET_GB = 0.05
# allocator fragmentation (freed pages not yet returned), page and measurement granularity
SLACK_MB = 10

_WRAPPER = (
    "import resource, subprocess, sys\n"
    "r = subprocess.run([sys.executable, '-m', 'wordlab', *sys.argv[1:]])\n"
    "if r.returncode:\n"
    "    sys.exit(r.returncode)\n"
    "print('peak-kb', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def _run(*args: object) -> tuple[float, str]:
    """Run `wordlab *args` as the only child of a fresh process: (its peak RSS in MB, stdout)."""
    done = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    kb = int(done.stdout.rsplit("peak-kb", 1)[1])
    return kb / 1024, done.stdout


def _zipf_corpus(path, n_tokens: int, n_words: int, seed: int = 0) -> None:
    """Words w00000.. drawn with probability ~ 1/rank, 20 to a line, written with numpy."""
    rng = np.random.default_rng(seed)
    p = 1.0 / np.arange(1, n_words + 1)
    ids = rng.choice(n_words, size=n_tokens, p=p / p.sum())
    width = len(str(n_words - 1))
    digits = [(48 + (np.arange(n_words) // 10**k) % 10) for k in range(width - 1, -1, -1)]
    spelled = np.stack([np.full(n_words, ord("w")), *digits], axis=1).astype(np.uint8)
    text = np.empty((n_tokens, width + 2), dtype=np.uint8)
    text[:, :-1] = spelled[ids]
    text[:, -1] = ord(" ")
    text[19::20, -1] = ord("\n")
    text[-1, -1] = ord("\n")
    path.write_bytes(text.tobytes())


def _stages(tmp_path, corpus, name: str, memory: float) -> dict[str, tuple[float, str]]:
    """vocab (at BUDGET_GB: its read buffers alone need 16 MB), cooccur and shuffle of `corpus`
    at `memory` GB: {stage: (peak MB, stdout)}."""
    cache, vocab = tmp_path / f"{name}-enc", tmp_path / f"{name}-vocab.txt"
    cooc, shuf = tmp_path / f"{name}-cooc.bin", tmp_path / f"{name}-shuf.bin"
    return {
        "vocab": _run(
            "vocab", "--input", corpus, "--output", vocab, "--corpus-cache", cache,
            "--memory", BUDGET_GB, "--quiet",
        ),
        "cooccur": _run(
            "cooccur", "--input", corpus, "--vocab", vocab, "--output", cooc,
            "--corpus-cache", cache, "--memory", memory, "--threads", 2, "--quiet",
        ),
        "shuffle": _run("shuffle", "--input", cooc, "--output", shuf, "--memory", memory),
    }  # fmt: skip


def test_glove_stages_stay_within_memory(tmp_path):
    tiny, corpus = tmp_path / "tiny.txt", tmp_path / "corpus.txt"
    # tiny: 2,000 words, so that some pairs overflow the dense table at 0.01 GB and the spill
    # and merge kernels load in the baseline too
    _zipf_corpus(tiny, 20_000, 2_000)
    _zipf_corpus(corpus, 4_000_000, 50_000)
    _stages(tmp_path, tiny, "warm", 0.01)  # compiles any kernel not yet cached
    # ... but the word table grows only past 32k distinct words: compile its rehash kernel into
    # the cache here, or the big run would compile it (and set up numba's compiler) in the stage
    WordTable().ids(" ".join(f"w{i}" for i in range(40_000)).encode())
    base = _stages(tmp_path, tiny, "tiny", 0.01)
    big = _stages(tmp_path, corpus, "big", BUDGET_GB)

    spills = int(big["cooccur"][1].split("(")[1].split()[0])
    assert spills > 2  # the overflow buffers filled: the bound on them was reached
    assert (tmp_path / "big-cooc.bin").stat().st_size > 0.8 * BUDGET_GB * (1 << 30)  # chunked
    for stage in ("vocab", "cooccur", "shuffle"):
        peak, baseline = big[stage][0], base[stage][0]
        limit = BUDGET_GB * 1024 + baseline + SLACK_MB
        assert peak <= limit, f"{stage}: {peak:.0f} MB > {limit:.0f} MB (baseline {baseline:.0f})"


def test_a_budget_too_small_stops_before_any_work_with_the_size_needed(tmp_path):
    corpus = tmp_path / "c.txt"
    _zipf_corpus(corpus, 20_000, 5_000)
    with pytest.raises(WordlabError, match="raise --memory"):  # 16 MB of read buffers alone
        encode_corpus(corpus, tmp_path / "small", progress=False, memory=0.01)
    enc = encode_corpus(corpus, tmp_path / "enc", progress=False, memory=BUDGET_GB)
    vocab = Vocab.from_corpus(enc, min_count=1)
    temp = tmp_path / "temp"
    temp.mkdir()
    with pytest.raises(WordlabError, match=r"too small .* use --memory 0\.\d+ or more"):
        count_cooccurrences(
            enc, vocab, tmp_path / "c.bin", CooccurSettings(memory=0.0005), temp, progress=False
        )
    assert not list(temp.iterdir()) and not (tmp_path / "c.bin").exists()
    count_cooccurrences(enc, vocab, tmp_path / "c.bin", CooccurSettings(memory=0.01), temp, False)
    with pytest.raises(WordlabError, match="--memory must be positive"):
        shuffle_records(tmp_path / "c.bin", tmp_path / "s.bin", memory=0)
