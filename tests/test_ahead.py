"""The classifier's kernels compiled ahead of time: numba's results, without importing numba."""

from __future__ import annotations

import lzma
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import shared_data
from wordlab import Classifier
from wordlab.kernels import ahead
from wordlab.kernels.ahead import classifier_kernels


def _imdb_slice(path: Path, n: int = 600) -> Path:
    """n reviews spread over IMDB's training file (positive, then negative), as fastText's lines."""
    lines = []
    with lzma.open(shared_data("classification", "imdb", "train.tsv.xz"), "rt") as fh:
        next(fh)
        for i, row in enumerate(fh):
            if i % (25_000 // n) == 0:
                label, _, _, text = row.rstrip("\n").split("\t")
                lines.append(f"__label__{label} {text.lower()}\n")
            if len(lines) == n:
                break
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _numba_functions() -> dict:
    return {name: ahead._checked(name, None) for name in ahead.ENTRIES}


@pytest.mark.parametrize("loss", ["softmax", "hs", "ns"])
def test_ahead_of_time_kernels_train_the_same_classifier_as_numba(tmp_path, monkeypatch, loss):
    """One thread, same seed: every parameter and prediction identical, bit for bit."""
    train = _imdb_slice(tmp_path / "train.txt")
    assert classifier_kernels.compiled_ahead  # a C compiler is there: the module was built

    def fit() -> Classifier:
        clf = Classifier(dim=16, epochs=3, threads=1, seed=5, loss=loss, word_ngrams=2)
        clf.settings.minn, clf.settings.maxn, clf.settings.bucket = 3, 5, 20_000
        return clf.fit(train)

    ahead_model = fit()
    monkeypatch.setattr(classifier_kernels, "_functions", _numba_functions())
    numba_model = fit()
    a, _ = ahead_model._state()
    b, _ = numba_model._state()
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    texts = ["a wonderful film", "dull and far too long"]
    assert str(ahead_model.predict(texts, k=2)) == str(numba_model.predict(texts, k=2))


def test_small_classify_command_runs_without_numba(tmp_path):
    """After the first run built the module, `classify train`/`test` never import numba."""
    train = _imdb_slice(tmp_path / "train.txt", n=100)
    script = (
        "import sys; from wordlab.cli import main\n"
        "try: main(sys.argv[1:])\n"
        "except SystemExit as e: assert not e.code, e.code\n"
        "print('numba' in sys.modules)\n"
    )
    model = tmp_path / "clf.wordlab"
    train_args = ["classify", "train", "--input", str(train), "--output", str(model), "--quiet"]
    for args, expected in [(train_args, None), (train_args, "False"), (["classify", "test", str(model), str(train)], "False")]:  # fmt: skip
        run = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
        if expected is not None:
            assert run.stdout.splitlines()[-1] == expected


def test_argument_checks_follow_the_exported_layout():
    """A call goes ahead of time only with the declared dtype, rank, order and writability."""
    check = ahead._argument_check("i8[:]")
    a = np.arange(6, dtype=np.int64)
    assert check(a)
    assert not check(a.astype(np.int32))  # another dtype
    assert not check(a[::2])  # not contiguous
    assert not check(a.reshape(2, 3))  # another rank
    a.flags.writeable = False
    assert not check(a)  # the kernel may write
    assert ahead._argument_check("i8[:]r")(a)  # only read: allowed
    assert ahead._argument_check("i8")(np.int64(3)) and not ahead._argument_check("i8")(3.0)
    assert ahead._argument_check("f8")(3) and not ahead._argument_check("i8")(True)


def test_a_call_that_does_not_match_runs_numbas_function():
    """A read-only count array (the tree kernel may write) goes to numba, with the same tree."""
    from wordlab.kernels.huffman import huffman_tree

    counts = np.array([50, 20, 20, 9, 4, 4, 1], dtype=np.int64)
    expected = huffman_tree(counts.copy())
    counts.flags.writeable = False
    got = classifier_kernels.huffman_tree(counts)
    for x, y in zip(got, expected, strict=True):
        np.testing.assert_array_equal(x, y)


def test_a_failed_build_is_remembered_and_numba_used(tmp_path, monkeypatch):
    """No C compiler: one build attempt, a `.failed` note, and numba's functions from then on."""
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    attempts = []

    def failing_build(folder: Path, name: str) -> Path:
        attempts.append(name)
        raise RuntimeError("no C compiler")

    monkeypatch.setattr(ahead, "build", failing_build)
    kernels = ahead.AheadKernels()
    assert not kernels.compiled_ahead
    assert not ahead.AheadKernels().compiled_ahead
    assert len(attempts) == 1
    note = next((tmp_path / "wordlab-ahead").glob("*.failed")).read_text()
    assert "no C compiler" in note
    counts = np.array([5, 3, 1], dtype=np.int64)
    codes, _, offsets = kernels.huffman_tree(counts)
    assert offsets.tolist() == [0, 1, 3, 5] and sorted(codes[1:3].tolist()) == [0, 1]


def test_a_build_replaces_the_modules_of_earlier_sources(tmp_path, monkeypatch):
    """A fresh build lands under NUMBA_CACHE_DIR, deletes older modules, keeps other files."""
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    folder = ahead.cache_dir()
    assert folder == tmp_path / "wordlab-ahead"
    folder.mkdir()
    stale = folder / "_wordlab_ahead_0123456789abcdef.cpython-311-x86_64-linux-gnu.so"
    stale.write_bytes(b"an earlier build")
    other = folder / "notes.txt"
    other.write_text("not ours")
    name = ahead.module_name()
    built = ahead.build(folder, name)
    assert built.name.startswith(name) and built.stat().st_size > 0
    assert not stale.exists() and other.exists()
    assert [p.name for p in folder.iterdir() if p.is_dir()] == []  # no temporary folder left
    kernels = ahead.AheadKernels()
    assert kernels.compiled_ahead
    counts = np.array([9, 5, 5, 2, 1], dtype=np.int64)
    from wordlab.kernels.huffman import huffman_tree

    for x, y in zip(kernels.huffman_tree(counts), huffman_tree(counts.copy()), strict=True):
        np.testing.assert_array_equal(x, y)
