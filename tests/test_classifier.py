"""fastText-style classifier: learning, word n-gram rows, P@k / R@k, save/load, CLI, errors."""

from __future__ import annotations

import io
import lzma
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from wordlab.cli import main
from wordlab.errors import WordlabError
from wordlab.models.classifier import Classifier, ClassifierSettings
from wordlab.models.labelled import precision_recall, tokenize_bytes
from wordlab.subwords import fasttext_hash

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def _synthetic(path: Path, n: int, seed: int, multi: bool = False) -> None:
    """Three topics with their own words plus shared noise words; label(s) in varying places."""
    rng = np.random.default_rng(seed)
    topics = {t: [f"{t}{j}" for j in range(12)] for t in ("sport", "food", "music")}
    noise = [f"w{j}" for j in range(30)]
    lines = []
    names = list(topics)
    for _ in range(n):
        k = int(rng.integers(3))
        labs = [names[k]]
        words = list(rng.choice(topics[names[k]], 3)) + list(rng.choice(noise, 5))
        if multi and rng.random() < 0.5:
            k2 = (k + 1 + int(rng.integers(2))) % 3
            labs.append(names[k2])
            words += list(rng.choice(topics[names[k2]], 3))
        rng.shuffle(words)
        tagged = [f"__label__{lab}" for lab in labs]
        cut = int(rng.integers(len(words)))
        lines.append(" ".join(words[:cut] + tagged + words[cut:]))
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("loss", ["softmax", "hs", "ns"])
def test_learns_separable_task(tmp_path, loss):
    _synthetic(tmp_path / "train.txt", 600, 1)
    _synthetic(tmp_path / "test.txt", 200, 2)
    clf = Classifier(
        dim=8, epochs=10, lr=0.5, loss=loss, word_ngrams=2, bucket=10_000, progress=False
    )
    clf.fit(tmp_path / "train.txt")
    assert sorted(clf.labels) == ["__label__food", "__label__music", "__label__sport"]
    result = clf.test(tmp_path / "test.txt", k=1)
    assert result.n == 200
    assert result.precision == result.recall == 1.0
    top = clf.predict(["sport3 w1 sport7 w2", "food1 food2"], k=3)
    assert top[0][0][0] == "__label__sport" and top[1][0][0] == "__label__food"
    assert len(top[0]) == 3 and top[0][0][1] > top[0][1][1] >= top[0][2][1]
    if loss != "ns":  # softmax and hierarchical softmax give a distribution
        assert sum(p for _, p in top[0]) == pytest.approx(1.0, abs=1e-4)
    passed = clf.predict(["sport3 w1"], k=3, threshold=0.5)[0]
    assert [lab for lab, _ in passed] == ["__label__sport"] and passed[0][1] >= 0.5


def test_one_vs_all_multilabel(tmp_path):
    _synthetic(tmp_path / "train.txt", 800, 3, multi=True)
    _synthetic(tmp_path / "test.txt", 200, 4, multi=True)
    clf = Classifier(dim=8, epochs=10, lr=0.5, loss="ova", threads=1, progress=False)
    clf.fit(tmp_path / "train.txt")
    preds = clf.predict(["sport1 sport2 food3 food4 w5", "music1 music2 w3"], k=3, threshold=0.5)
    assert {lab for lab, _ in preds[0]} == {"__label__sport", "__label__food"}
    assert [lab for lab, _ in preds[1]] == ["__label__music"]
    r = clf.test(tmp_path / "test.txt", k=2, threshold=0.5)
    assert r.precision > 0.95 and r.recall > 0.95


def test_precision_recall_by_hand():
    # 3 examples; gold {0}, {1, 2}, {} (skipped), {2} with no input (skipped)
    lab_ptr = np.array([0, 1, 3, 3, 4])
    labels = np.array([0, 1, 2, 2])
    has_input = np.array([True, True, True, False])
    top = np.array([[0, 1], [2, -1], [1, 0], [2, 1]])
    r = precision_recall(top, lab_ptr, labels, has_input, k=2)
    # predicted: 2 + 1 = 3, hits: 1 (label 0) + 1 (label 2) = 2, gold: 1 + 2 = 3
    assert (r.n, r.precision, r.recall) == (2, 2 / 3, 2 / 3)
    assert str(r).splitlines() == ["N\t2", "P@2\t0.667", "R@2\t0.667"]


def test_word_ngram_rows_follow_fasttext_formula():
    clf = Classifier(word_ngrams=3, bucket=1000, dim=4)
    clf.words, clf.labels = ["</s>", "b", "a"], ["__label__x"]
    clf.word_counts, clf.label_counts = np.array([2, 1, 1]), np.array([1])
    clf._index()
    ex = clf._examples(tokenize_bytes(b"a __label__x b zz\n"))
    # words a, b, (unknown zz: no row but still hashed), </s>; labels as label ids
    assert ex.labels.tolist() == [0] and ex.ntokens.tolist() == [5]
    toks = ["a", "b", "zz", "</s>"]

    def as_int32(h):  # fastText keeps word hashes in an int32 vector, then widens to uint64
        return (h - (1 << 32) if h >= 1 << 31 else h) % (1 << 64)

    expect = [2, 1, 0]
    for i in range(len(toks)):
        h = as_int32(fasttext_hash(toks[i]))
        for j in range(i + 1, min(i + 3, len(toks))):
            h = (h * 116049371 + as_int32(fasttext_hash(toks[j]))) % (1 << 64)
            expect.append(3 + h % 1000)
    assert ex.inputs.tolist() == expect


def test_save_load_identical_predictions(tmp_path):
    _synthetic(tmp_path / "train.txt", 300, 5)
    clf = Classifier(
        dim=6, epochs=3, loss="hs", word_ngrams=2, bucket=5000, minn=2, maxn=3, progress=False
    )
    clf.fit(tmp_path / "train.txt")
    assert clf.save(tmp_path / "clf") == tmp_path / "clf.wordlab"
    back = Classifier.load(tmp_path / "clf")
    assert back.settings == clf.settings
    texts = ["sport1 w3 unseen", "music9 food2 w1", "nothing known here"]
    assert back.predict(texts, k=3) == clf.predict(texts, k=3)
    assert back.predict(texts, k=3)[2] != []  # unknown words still have character n-grams
    # same seed and one thread: the same model again
    one = dict(dim=6, epochs=2, word_ngrams=2, bucket=5000, threads=1, seed=3, progress=False)
    a = Classifier(**one).fit(tmp_path / "train.txt")
    b = Classifier(**one).fit(tmp_path / "train.txt")
    assert np.array_equal(a.wi, b.wi) and np.array_equal(a.wo, b.wo)


def test_cli_train_test_predict(tmp_path, monkeypatch, capsys):
    _synthetic(tmp_path / "train.txt", 300, 6)
    _synthetic(tmp_path / "test.txt", 60, 7)
    model = str(tmp_path / "clf.wordlab")
    assert main(["classify", "train", "--input", str(tmp_path / "train.txt"), "--output", model,
                 "--word-ngrams", "2", "--dim", "10", "--epochs", "5", "--lr", "0.5",
                 "--bucket", "10000", "--quiet"]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["classify", "test", model, str(tmp_path / "test.txt"), "--k", "1"]) == 0
    assert capsys.readouterr().out.split() == ["N", "60", "P@1", "1.000", "R@1", "1.000"]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"food1 food5 w2\nmusic3\n")))
    assert main(["classify", "predict", model, "-", "--k", "3", "--threshold", "0.1"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and out[0].split()[0] == "__label__food"
    assert out[1].split()[0] == "__label__music"
    assert all(float(p) >= 0.1 for p in out[0].split()[1::2])


def test_clear_errors(tmp_path, capsys):
    (tmp_path / "nolabels.txt").write_text("just words here\nand more\n")
    with pytest.raises(WordlabError, match="no labels"):
        Classifier(progress=False).fit(tmp_path / "nolabels.txt")
    (tmp_path / "empty.txt").write_text("\n\n")
    with pytest.raises(WordlabError, match="no labels|empty"):
        Classifier(progress=False).fit(tmp_path / "empty.txt")
    (tmp_path / "void.txt").write_text("")
    with pytest.raises(WordlabError, match="empty"):
        Classifier(progress=False).fit(tmp_path / "void.txt")
    with pytest.raises(WordlabError, match="--loss"):
        ClassifierSettings(loss="hinge")
    assert main(["classify", "train", "--input", str(tmp_path / "nolabels.txt"),
                 "--output", str(tmp_path / "m"), "--quiet"]) == 2  # fmt: skip
    assert "no labels" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["classify", "train", "--input", "x", "--output", "y", "--no-such-option"])


def _imdb_lines(name: str, n: int, step: int) -> list[str]:
    lines = []
    with lzma.open(DATA / "classification" / "imdb" / name, "rt", encoding="utf-8") as fh:
        next(fh)
        for k, line in enumerate(fh):
            if k % step == 0:  # the files are sorted by label: every step-th review, both classes
                label, _, _, text = line.rstrip("\n").split("\t", 3)
                text = " ".join(re.findall(r"\w+|[^\w\s]", text.lower().replace("<br />", " ")))
                lines.append(f"__label__{label} {text}")
            if len(lines) == n:
                break
    return lines


@pytest.mark.skipif(not (DATA / "classification" / "imdb").exists(), reason="no shared data")
def test_imdb_slice(tmp_path):
    train, test = tmp_path / "train.txt", tmp_path / "test.txt"
    rng = np.random.default_rng(0)
    lines = _imdb_lines("train.tsv.xz", 2500, 10)
    rng.shuffle(lines)
    train.write_text("\n".join(lines) + "\n")
    test.write_text("\n".join(_imdb_lines("test.tsv.xz", 1000, 25)) + "\n")
    clf = Classifier(
        dim=10, word_ngrams=2, epochs=10, lr=0.5, bucket=200_000, threads=2, progress=False
    )
    r = clf.fit(train).test(test)
    # fastText 0.9.3 with the same settings on these files: P@1 0.834 (wordlab: 0.828)
    assert r.n == 1000 and r.precision > 0.78
