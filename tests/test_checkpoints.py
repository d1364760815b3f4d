"""Checkpoints: one model file written atomically, and Ctrl-C + --resume repeating a run exactly.

These tests run wordlab in subprocesses and stop them with real signals (SIGKILL, SIGINT), as a
crash or a user would.
"""

from __future__ import annotations

import os
import random
import shlex
import signal
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
from conftest import write_planted_corpus

from wordlab.cli import main
from wordlab.models.base import TrainingInterrupted
from wordlab.models.word2vec import Word2Vec

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")

# Loads the two models once, then for each line read forks a child that saves them alternately
# to one path until the test kills it with SIGKILL; prints the child's pid, then its wait status.
WRITER = """
import os, sys
from wordlab.models.word2vec import Word2Vec
a, b = Word2Vec.load(sys.argv[1]), Word2Vec.load(sys.argv[2])
print("ready", flush=True)
while sys.stdin.readline():
    pid = os.fork()
    if pid == 0:
        try:
            while True:
                a.save(sys.argv[3])
                b.save(sys.argv[3])
        finally:
            os._exit(1)
    print(pid, flush=True)
    print(os.waitpid(pid, 0)[1], flush=True)
"""


def _zipf_sentences(n_tokens: int, vocab: int, seed: int) -> list[list[str]]:
    """Sentences over a large vocabulary, so that a model file is megabytes and slow to write."""
    rng = np.random.default_rng(seed)
    ranks = np.minimum(rng.zipf(1.1, n_tokens), vocab) - 1
    tokens = [f"w{i}" for i in ranks]
    return [tokens[i : i + 20] for i in range(0, len(tokens), 20)]


def test_a_killed_writer_leaves_one_whole_model(tmp_path) -> None:
    sentences = _zipf_sentences(150_000, 20_000, seed=0)
    model = Word2Vec(dim=100, min_count=1, epochs=2, threads=1, progress=False)
    a = model.fit(sentences, epochs=1).save(tmp_path / "src" / "a")
    b = model.train(epochs=1).save(tmp_path / "src" / "b")
    refs = {1: Word2Vec.load(a), 2: Word2Vec.load(b)}
    assert not np.array_equal(refs[1].syn0, refs[2].syn0)
    assert a.stat().st_size > 5_000_000  # takes milliseconds to write: kills land mid-write
    started = time.perf_counter()
    refs[1].save(tmp_path / "timing")
    save_seconds = time.perf_counter() - started  # kills spread over ~3 saves, however busy
    out = tmp_path / "out"
    out.mkdir()
    target = out / "model.wordlab"
    rng = random.Random(0)
    seen = {1: 0, 2: 0}
    mid_write = left = 0  # kills that left a new temporary file: they landed inside a save
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(a), str(b), str(target)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    pid = None
    try:
        assert writer.stdout.readline().strip() == "ready"
        for _ in range(100):  # until a kill has landed after a rename and one inside a save
            if sum(seen.values()) >= 5 and mid_write >= 5:
                break
            writer.stdin.write("go\n")
            writer.stdin.flush()
            pid = int(writer.stdout.readline())
            time.sleep(rng.uniform(0.0, 3 * save_seconds))
            os.kill(pid, signal.SIGKILL)
            status = int(writer.stdout.readline())
            pid = None
            assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
            names = sorted(p.name for p in out.iterdir())
            strays = [n for n in names if n != target.name]
            mid_write += len(strays) > left
            left = len(strays)
            assert all(n.startswith(".model.wordlab.") and n.endswith(".tmp") for n in strays), (
                names
            )
            if not target.exists():  # killed before the first rename: only temporary files
                continue
            back = Word2Vec.load(out / "model")  # never one of the temporary files
            assert back.epochs_done in refs
            ref = refs[back.epochs_done]
            for name in ("syn0", "syn1", "syn1neg", "counter"):
                np.testing.assert_array_equal(getattr(back, name), getattr(ref, name), name)
            assert back.losses == ref.losses
            seen[back.epochs_done] += 1
    finally:
        if pid is not None:
            os.kill(pid, signal.SIGKILL)
        writer.kill()
        writer.wait()
    assert sum(seen.values()) > 0  # the writer got to rename before some kills
    assert mid_write > 0  # and the kills did land inside saves (nearly all do: it only saves)


# one thread: runs repeat bit for bit; sg on 300k tokens: 3 jobs an epoch of ~0.2 s each
W2V = dict(model="sg", dim=16, sample=0, min_count=1, epochs=2, threads=1, progress=False)


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory) -> tuple[Path, Word2Vec]:
    corpus = tmp_path_factory.mktemp("big") / "corpus.txt"
    write_planted_corpus(corpus, n_lines=25_000)
    return corpus, Word2Vec(**W2V).fit(corpus)


def _assert_same(a: Word2Vec, b: Word2Vec) -> None:
    for name in ("syn0", "syn1neg", "counter"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert a.epochs_done == b.epochs_done and a.losses == b.losses


def test_ctrl_c_inside_an_epoch_checkpoints_a_clean_point(big_corpus, tmp_path) -> None:
    corpus, whole = big_corpus
    model = Word2Vec(**W2V)
    run_job, main_thread = model._run_job, threading.main_thread().ident

    def ctrl_c_during(epoch: int, job: int, worker: int):
        if (epoch, job) == (1, 1):  # Ctrl-C reaches the main thread while this job runs
            signal.pthread_kill(main_thread, signal.SIGINT)
        return run_job(epoch, job, worker)

    model._run_job = ctrl_c_during
    with pytest.raises(TrainingInterrupted) as stop:
        model.fit(corpus, checkpoint=tmp_path / "ckpt", checkpoint_minutes=60)
    assert stop.value.checkpoint == tmp_path / "ckpt.wordlab"
    saved = Word2Vec.load(stop.value.checkpoint)
    # the job in flight finished before the save, and the cursor counts it
    assert saved.epochs_done == 1 and saved.cursor >= 2
    _assert_same(saved.train(), whole)


def test_ctrl_c_between_jobs_names_the_last_checkpoint(big_corpus, tmp_path) -> None:
    corpus, whole = big_corpus

    class CtrlC:
        def on_epoch_end(self, model) -> None:
            raise KeyboardInterrupt

    with pytest.raises(TrainingInterrupted) as stop:
        Word2Vec(**W2V, callbacks=[CtrlC()]).fit(corpus, checkpoint=tmp_path / "ckpt")
    saved = Word2Vec.load(stop.value.checkpoint)
    assert (saved.epochs_done, saved.cursor) == (1, 0)
    _assert_same(saved.train(), whole)
    with pytest.raises(KeyboardInterrupt) as plain:  # no checkpoint asked for: nothing to name
        Word2Vec(**W2V, callbacks=[CtrlC()]).fit(corpus)
    assert type(plain.value) is KeyboardInterrupt


def test_ctrl_c_lets_the_job_in_flight_finish_and_reports_the_cursor() -> None:
    from wordlab.models.threads import Interrupted, run_jobs

    done: list[int] = []
    main_thread = threading.main_thread().ident

    def work(job: int, worker: int) -> tuple[float]:
        if job == 2:
            signal.pthread_kill(main_thread, signal.SIGINT)
        time.sleep(0.3)  # the main thread has long stopped waiting when this job ends
        done.append(job)
        return (1.0,)

    totals = np.zeros(1)
    with pytest.raises(Interrupted) as stop:
        run_jobs(10, work, 1, start=1, totals=totals)
    assert stop.value.cursor == 3 and done == [1, 2] and totals[0] == 2.0
    assert isinstance(stop.value, KeyboardInterrupt)  # a caller that does not catch it stops


def _wordlab(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "wordlab", *args],
        capture_output=True,
        text=True,
        timeout=300,
        **kwargs,
    )


def _interrupt(args: list[str], model_file: Path) -> tuple[int, str, bool]:
    """Start `wordlab ARGS`, send SIGINT once the first checkpoint exists; (exit code, stderr,
    whether the signal was sent before the run ended)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "wordlab", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    sent = False
    try:
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:
            if model_file.exists():
                proc.send_signal(signal.SIGINT)
                sent = True
                break
            time.sleep(0.005)
        _, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, err, sent


def _resume_after_sigint(args: list[str], model_file: Path, cls: type, epochs: int) -> bool:
    """Run, interrupt, and run the command the interrupted run printed; True if it interrupted."""
    rc, err, sent = _interrupt(args, model_file)
    if rc == 0:  # the signal came too late: the run finished on its own
        return False
    assert sent and rc == 130, err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if "continue with: " in line]
    if not lines:  # the signal came after training, while the outputs were written: finish them
        assert "interrupted" in err, err
        assert _wordlab(*args, "--resume").returncode == 0
        return False
    assert len(lines) == 1, err
    assert str(model_file) in lines[0]
    assert cls.load(model_file).epochs_done < epochs  # the checkpoint is from inside training
    again = shlex.split(lines[0].split("continue with: ", 1)[1])
    assert again[0] == "wordlab" and again[-1] == "--resume"
    resumed = _wordlab(*again[1:])
    assert resumed.returncode == 0, resumed.stderr
    return True


def test_word2vec_resumes_after_sigint_bit_for_bit(tmp_path) -> None:
    corpus = tmp_path / "corpus.txt"
    write_planted_corpus(corpus, n_lines=25_000)  # 300k tokens: 3 jobs an epoch
    common = ["word2vec", "--input", str(corpus), "--model", "sg", "--sample", "0", "--dim", "16",
              "--min-count", "1", "--epochs", "3", "--threads", "1", "--seed", "1",
              "--checkpoint-minutes", "0.0005", "--quiet"]  # fmt: skip
    first = _wordlab(*common, "--output", str(tmp_path / "out1"))
    assert first.returncode == 0, first.stderr
    out2 = tmp_path / "out2"
    interrupted = _resume_after_sigint(
        [*common, "--output", str(out2)], out2 / "model.wordlab", Word2Vec, 3
    )
    want = (tmp_path / "out1" / "vectors.w2v.txt").read_bytes()
    assert (out2 / "vectors.w2v.txt").read_bytes() == want
    a, b = Word2Vec.load(tmp_path / "out1" / "model"), Word2Vec.load(out2 / "model")
    assert a.epochs_done == b.epochs_done == 3
    np.testing.assert_array_equal(a.syn1neg, b.syn1neg)
    assert a.losses == b.losses  # the epoch cut by the signal sums its loss as the whole one
    if not interrupted:  # still a check of a whole run against another, but not of resuming
        warnings.warn(
            "the signal landed after training ended: make the corpus bigger", stacklevel=1
        )


def _labelled_file(path: Path, n: int, seed: int) -> None:
    """fastText-format lines: 3 topics of 40 words plus 200 noise words, the label first."""
    rng = np.random.default_rng(seed)
    names = np.array(["sport", "food", "music"])
    topic = rng.integers(3, size=n)
    own = rng.integers(40, size=(n, 4))
    noise = rng.integers(200, size=(n, 6))
    with open(path, "w", encoding="utf-8") as fh:
        for t, o, z in zip(topic, own, noise, strict=True):
            words = [f"{names[t]}{i}" for i in o] + [f"w{i}" for i in z]
            fh.write(f"__label__{names[t]} " + " ".join(words) + "\n")


def test_classifier_resumes_after_sigint_bit_for_bit(tmp_path) -> None:
    from wordlab.models.classifier import Classifier

    train = tmp_path / "train.txt"
    _labelled_file(train, 80_000, seed=0)  # 40 jobs an epoch, ~0.1 s an epoch
    common = ["classify", "train", "--input", str(train), "--dim", "32", "--epochs", "8",
              "--word-ngrams", "2", "--bucket", "10000", "--threads", "1", "--seed", "1",
              "--checkpoint-minutes", "0.0005", "--quiet"]  # fmt: skip
    first = _wordlab(*common, "--output", str(tmp_path / "one"))
    assert first.returncode == 0, first.stderr
    two = tmp_path / "two.wordlab"
    interrupted = _resume_after_sigint([*common, "--output", str(two)], two, Classifier, 8)
    a, b = Classifier.load(tmp_path / "one"), Classifier.load(two)
    assert a.epochs_done == b.epochs_done == 8
    np.testing.assert_array_equal(a.wi, b.wi)
    np.testing.assert_array_equal(a.wo, b.wo)
    assert a.losses == b.losses
    if not interrupted:
        warnings.warn("the signal landed after training ended: make the file bigger", stacklevel=1)


@pytest.fixture
def small_run(tmp_path):
    corpus = tmp_path / "corpus.txt"
    write_planted_corpus(corpus, n_lines=300)
    out = tmp_path / "out"

    def args(epochs: int) -> list[str]:
        return ["word2vec", "--input", str(corpus), "--output", str(out), "--dim", "8",
                "--min-count", "1", "--epochs", str(epochs), "--threads", "1", "--quiet"]  # fmt: skip

    assert main(args(2)) == 0
    return args, out


def test_resume_with_a_contradicting_setting_is_an_error(small_run, capsys) -> None:
    args, out = small_run
    before = (out / "model.wordlab").read_bytes()
    capsys.readouterr()
    assert main([*args(2), "--resume", "--dim", "16"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err
    assert "--dim 16" in err and "8" in err.split("--dim 16", 1)[1], err
    assert (out / "model.wordlab").read_bytes() == before  # nothing trained, nothing saved


def test_resume_with_a_setting_written_at_its_default_is_checked_too(small_run, capsys) -> None:
    """--dim 100 is the option's default, but written on the command line it is a contradiction."""
    args, _ = small_run
    capsys.readouterr()
    assert main([*args(2), "--resume", "--dim", "100"]) == 2
    err = capsys.readouterr().err
    assert "--dim 100 (the saved model has 8)" in err, err


def test_resume_with_more_epochs_reports_and_continues(small_run, capsys) -> None:
    args, out = small_run
    two = Word2Vec.load(out / "model")
    capsys.readouterr()
    assert main([*args(3), "--resume"]) == 0
    err = capsys.readouterr().err
    assert "--epochs 2 -> 3" in err, err
    three = Word2Vec.load(out / "model")
    assert three.epochs_done == 3 and three.settings.epochs == 3 and len(three.losses) == 3
    assert three.losses[:2] == two.losses
    assert not np.array_equal(three.syn0, two.syn0)
    # asking again for what is done trains nothing
    assert main([*args(3), "--resume"]) == 0
    assert "nothing to do" in capsys.readouterr().err
    np.testing.assert_array_equal(Word2Vec.load(out / "model").syn0, three.syn0)


def test_resume_without_a_saved_model_is_an_error(tmp_path, capsys) -> None:
    assert main(["word2vec", "--output", str(tmp_path / "none"), "--resume", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "not found" in err and os.fspath(tmp_path / "none") in err


def test_checkpoint_minutes_save_after_the_last_epoch_not_each(tmp_path) -> None:
    """With minutes, short epochs are not each saved; the last one is; without, every epoch is."""
    sentences = _zipf_sentences(20_000, 500, seed=1)
    saved: dict[str, list[int]] = {}
    for name, minutes in (("minutes", 60.0), ("every", None)):
        model = Word2Vec(**{**W2V, "epochs": 3})
        real_save, calls = model.save, saved.setdefault(name, [])

        def spy(path, format="wordlab", _real=real_save, _calls=calls, _m=model):  # noqa: A002
            _calls.append(_m.epochs_done)
            return _real(path, format)

        model.save = spy
        model.fit(sentences, checkpoint=tmp_path / name, checkpoint_minutes=minutes)
        assert Word2Vec.load(tmp_path / f"{name}.wordlab").epochs_done == 3
    assert saved == {"minutes": [3], "every": [1, 2, 3]}
