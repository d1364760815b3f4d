"""fastText's `.bin` format: wordlab models written, then read by gensim, fastText and ourselves."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from wordlab.errors import WordlabError
from wordlab.fasttext_format import fasttext_bin_from_model, read_fasttext_bin, write_fasttext_bin
from wordlab.models.classifier import Classifier
from wordlab.models.fasttext import FastText, FastTextSettings

UNSEEN = ["unseenword", "animalz", "qq", "véhicule", "喜欢"]


def _fasttext():
    """The fastText Python bindings (`pip install fasttext-wheel`), or skip."""
    return pytest.importorskip("fasttext", reason="fastText's bindings: pip install fasttext-wheel")


def _corpus(path: Path, n_lines: int = 300, seed: int = 0) -> Path:
    """Lines from 4 topics of 6 words each, so that the words share contexts and n-grams."""
    rng = np.random.default_rng(seed)
    topics = [[f"{t}{i}" for i in range(6)] for t in ("animal", "vehicle", "fruit", "colour")]
    lines = []
    for _ in range(n_lines):
        t = int(rng.integers(4))
        lines.append(" ".join(topics[t][int(rng.integers(6))] for _ in range(10)))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _labelled(path: Path, n: int, seed: int) -> Path:
    """Three topics with their own words plus shared noise words; the label anywhere on the line."""
    rng = np.random.default_rng(seed)
    topics = {t: [f"{t}{j}" for j in range(12)] for t in ("sport", "food", "music")}
    noise = [f"w{j}" for j in range(30)]
    lines = []
    for _ in range(n):
        name = list(topics)[int(rng.integers(3))]
        words = list(rng.choice(topics[name], 3)) + list(rng.choice(noise, 5))
        cut = int(rng.integers(len(words)))
        lines.append(" ".join(words[:cut] + [f"__label__{name}"] + words[cut:]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _train(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **settings) -> FastText:
    monkeypatch.setenv("WORDLAB_CACHE", str(tmp_path / "cache"))  # the encoded corpus: tmp only
    base = dict(dim=16, epochs=1, bucket=5000, min_count=2, threads=1)
    model = FastText(FastTextSettings(**{**base, **settings}), progress=False)
    return model.fit(_corpus(tmp_path / "corpus.txt"))


@pytest.fixture(params=[("sg", "ns"), ("cbow", "hs")], ids=["sg-ns", "cbow-hs"])
def trained(request, tmp_path, monkeypatch) -> tuple[FastText, Path]:
    model_kind, loss = request.param
    model = _train(tmp_path, monkeypatch, model=model_kind, loss=loss)
    return model, fasttext_bin_from_model(model, tmp_path / "model.bin")


def test_round_trip(trained):
    model, path = trained
    d = read_fasttext_bin(path)
    assert d["words"] == list(model.vocab.words) and not d["supervised"]
    np.testing.assert_array_equal(d["counts"], model.vocab.counts)
    # the file holds every bucket; the model only those its words' n-grams hash into
    nwords = len(model.vocab)
    assert model.wi.shape[0] == nwords + model.bucket_rows.size < nwords + 5000
    np.testing.assert_array_equal(d["wi"][:nwords], model.wi[:nwords])
    np.testing.assert_array_equal(d["wi"][nwords + model.bucket_rows], model.wi[nwords:])
    np.testing.assert_array_equal(d["wi"], model.input_matrix())
    np.testing.assert_array_equal(d["wo"], model.wo)  # hs rows negated back, spare row dropped
    s = model.settings
    assert d["settings"]["model"] == s.model and d["settings"]["loss"] == s.loss
    assert (d["settings"]["dim"], d["settings"]["bucket"], d["settings"]["minn"]) == (16, 5000, 3)
    assert d["settings"]["sample"] == s.sample and d["version"] == 12
    again = write_fasttext_bin(
        path.with_name("again.bin"), settings=d["settings"], words=d["words"],
        counts=d["counts"], wi=d["wi"], wo=d["wo"], supervised=False,
    )  # fmt: skip
    assert again.read_bytes() == path.read_bytes()
    assert sorted(p.name for p in path.parent.glob("*.bin*")) == ["again.bin", "model.bin"]


def test_gensim_reads_the_same_vectors(trained):
    pytest.importorskip("gensim")
    from gensim.models.fasttext import load_facebook_model

    model, path = trained
    loaded = load_facebook_model(str(path))
    assert list(loaded.wv.index_to_key) == list(model.vocab.words)
    vectors = model.vectors
    for word in model.vocab.words:
        np.testing.assert_allclose(loaded.wv[word], vectors[word], atol=1e-5)
        np.testing.assert_allclose(loaded.wv[word], model.word_vector(word), atol=1e-5)
    for word in UNSEEN:
        assert word not in loaded.wv.key_to_index
        np.testing.assert_allclose(loaded.wv[word], model.word_vector(word), atol=1e-5)


def test_fasttext_reads_the_same_vectors(trained):
    fasttext = _fasttext()
    model, path = trained
    ft = fasttext.load_model(str(path))
    assert ft.get_dimension() == 16 and list(ft.words) == list(model.vocab.words)
    for word in list(model.vocab.words) + UNSEEN:
        np.testing.assert_allclose(ft.get_word_vector(word), model.word_vector(word), atol=1e-5)


def test_plain_word_vectors_without_buckets(tmp_path, monkeypatch):
    fasttext = _fasttext()
    model = _train(tmp_path, monkeypatch, maxn=0)
    path = fasttext_bin_from_model(model, tmp_path / "plain.bin")
    assert read_fasttext_bin(path)["settings"]["bucket"] == 0  # as fastText writes it
    ft = fasttext.load_model(str(path))
    for word in model.vocab.words:
        np.testing.assert_allclose(ft.get_word_vector(word), model.word_vector(word), atol=1e-5)
    assert not ft.get_word_vector("unseenword").any()


def _fasttext_predict(ft, text: str, k: int) -> list[tuple[str, float]]:
    # the bindings' own predict() fails on NumPy 2 (np.array(copy=False)) and multilinePredict
    # repeats the first probability in fasttext-wheel 0.9.2: call the C++ predict directly
    return [(label, prob) for prob, label in ft.f.predict(text + "\n", k, 0.0, "strict")]


TEXTS = [
    "sport3 w1 sport7 w2",
    "food1 food2",
    "music3 unknownword w4 food5",
    "w1 w2 w3",
    "nothing known here",
    "sport1 __label__food w3",
    "mus1c fo0d",
]


@pytest.mark.parametrize(
    "loss, extra",
    [
        ("softmax", dict(word_ngrams=2)),
        ("hs", dict(word_ngrams=2)),
        ("ova", dict(minn=2, maxn=4)),
        ("softmax", dict(word_ngrams=3, minn=3, maxn=5)),
    ],
    ids=["softmax-bigrams", "hs-bigrams", "ova-subwords", "softmax-both"],
)
def test_classifier_predicts_the_same(tmp_path, loss, extra):
    fasttext = _fasttext()
    clf = Classifier(
        dim=8, epochs=3, lr=0.5, loss=loss, bucket=10_000, threads=1, progress=False, **extra
    )
    clf.fit(_labelled(tmp_path / "train.txt", 400, 1))
    path = fasttext_bin_from_model(clf, tmp_path / "clf.bin")
    d = read_fasttext_bin(path)
    assert d["supervised"] and d["labels"] == clf.labels and d["words"] == clf.words
    np.testing.assert_array_equal(d["wo"], clf.wo)
    ft = fasttext.load_model(str(path))
    assert list(ft.labels) == clf.labels
    k = len(clf.labels)
    ours = clf.predict(TEXTS, k=k)
    for text, mine in zip(TEXTS, ours, strict=True):
        theirs = _fasttext_predict(ft, text, k)
        if loss == "ova":
            # fastText reads sigmoids from a 512-entry table over [-8, 8]: steps of 1/32 in x,
            # slope <= 1/4, so its probabilities differ from exact ones by up to 1/128
            assert dict(theirs).keys() == dict(mine).keys()
            for label, p in mine:
                assert dict(theirs)[label] == pytest.approx(p + 1e-5, abs=1 / 128)
            continue
        assert [lab for lab, _ in theirs] == [lab for lab, _ in mine], text
        # fastText reports exp(log(p + 1e-5)) (its std_log), per node of the tree for hs
        for (_, q), (_, p) in zip(theirs, mine, strict=True):
            assert q == pytest.approx(p + 1e-5, abs=2e-5 if loss == "hs" else 1e-6)


# ----------------------------------------------------------------------------------------------
# Bad files and bad input


def _small(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    return write_fasttext_bin(
        tmp_path / "small.bin",
        settings=dict(model="sg", loss="ns", minn=3, maxn=4),
        words=["alpha", "beta", "gamma"],
        counts=np.array([5, 3, 2]),
        wi=rng.random((3 + 7, 4), dtype=np.float32),
        wo=np.zeros((3, 4), dtype=np.float32),
        supervised=False,
    )


def _damaged(tmp_path: Path, data: bytes) -> str:
    bad = tmp_path / "bad.bin"
    bad.write_bytes(data)
    with pytest.raises(WordlabError) as err:
        read_fasttext_bin(bad)
    assert str(bad) in str(err.value)
    return str(err.value)


def test_bad_files_name_the_file_and_offset(tmp_path):
    data = _small(tmp_path).read_bytes()
    d = read_fasttext_bin(tmp_path / "small.bin")
    assert d["settings"]["bucket"] == 7 and d["ntokens"] == 10
    assert "magic number" in _damaged(tmp_path, b"\0\0\0\0" + data[4:])
    assert "at byte 4" in _damaged(tmp_path, data[:4] + struct.pack("<i", 13) + data[8:])
    assert "at byte 0" in _damaged(tmp_path, b"")
    assert "ends inside the settings" in _damaged(tmp_path, data[:30])
    assert "does not fit" in _damaged(tmp_path, data[:-100])  # the output matrix cut short
    assert "bytes after the output matrix" in _damaged(tmp_path, data + b"\0")
    head = 8 + 56  # magic, version, Args
    pruned = data[: head + 20] + struct.pack("<q", 0) + data[head + 28 :]
    assert f"at byte {head + 20}" in _damaged(tmp_path, pruned)
    no_end = data[: head + 28] + b"x" * 10
    assert "has no end" in _damaged(tmp_path, no_end)


def test_writer_refuses_inconsistent_input(tmp_path):
    wi = np.zeros((5, 4), dtype=np.float32)
    wo = np.zeros((2, 4), dtype=np.float32)
    common = dict(settings=dict(model="sg", loss="ns", maxn=0), wi=wi, wo=wo)
    with pytest.raises(WordlabError, match="not distinct"):
        write_fasttext_bin(
            tmp_path / "a.bin", words=["x", "x"], counts=[1, 1], supervised=False, **common
        )
    with pytest.raises(WordlabError, match="needs its labels"):
        write_fasttext_bin(tmp_path / "a.bin", words=["x"], counts=[1], supervised=True, **common)
    with pytest.raises(WordlabError, match="output matrix has 2 rows for 1"):
        write_fasttext_bin(tmp_path / "a.bin", words=["x"], counts=[1], supervised=False, **common)
    with pytest.raises(WordlabError, match="NUL"):
        write_fasttext_bin(
            tmp_path / "a.bin", words=["x", "y\0"], counts=[1, 1], supervised=False, **common
        )
    with pytest.raises(WordlabError, match="not trained"):
        fasttext_bin_from_model(FastText(progress=False), tmp_path / "a.bin")
    assert list(tmp_path.iterdir()) == []  # nothing half-written is left behind
