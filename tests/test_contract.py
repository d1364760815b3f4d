"""The trainer contract GloVe, Word2Vec, FastText and Classifier share (wordlab.models.base).

Each behaviour is checked on every model it applies to, on a tiny planted corpus with one thread,
against an independent computation: the same model trained another way (a file instead of token
lists, the CLI instead of the API, in two calls instead of one, through a saved file).
"""

from __future__ import annotations

import gc
import json
import math
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from conftest import write_planted_corpus

from wordlab.cli import main
from wordlab.errors import WordlabError
from wordlab.modelio import FORMAT_VERSION
from wordlab.models.classifier import Classifier, ClassifierSettings
from wordlab.models.fasttext import FastText, FastTextSettings
from wordlab.models.glove import GloVe, GloVeSettings
from wordlab.models.word2vec import Word2Vec, Word2VecSettings
from wordlab.vectors import FILE_NAMES, Vectors

EPOCHS = 3
# per model: class, tiny settings (threads=1: runs repeat bit for bit), the arrays that are its
# state, and the CLI arguments that give the same settings
MODELS = {
    "glove": (
        GloVe,
        dict(dim=8, window=3, min_count=1, epochs=EPOCHS, threads=1, x_max=10.0),
        ("params", "gradsq"),
        ["glove", "--dim", "8", "--window", "3", "--min-count", "1", "--x-max", "10",
         "--format", "glove"],
    ),
    "word2vec": (
        Word2Vec,
        dict(dim=8, window=3, min_count=1, epochs=EPOCHS, threads=1, sample=1e-2),
        ("syn0", "syn1", "syn1neg", "counter"),
        ["word2vec", "--dim", "8", "--window", "3", "--min-count", "1", "--sample", "0.01",
         "--format", "word2vec"],
    ),
    "fasttext": (
        FastText,
        dict(dim=8, window=3, min_count=1, epochs=EPOCHS, threads=1, bucket=2000, minn=3, maxn=4),
        ("wi", "wo"),
        ["fasttext", "--dim", "8", "--window", "3", "--min-count", "1", "--bucket", "2000",
         "--minn", "3", "--maxn", "4", "--format", "vec"],
    ),
    "classifier": (
        Classifier,
        dict(dim=8, epochs=EPOCHS, lr=0.5, threads=1, word_ngrams=2, bucket=2000),
        ("wi", "wo"),
        ["classify", "train", "--dim", "8", "--lr", "0.5", "--word-ngrams", "2",
         "--bucket", "2000"],
    ),
}  # fmt: skip
VECTOR_MODELS = ["glove", "word2vec", "fasttext"]
ALL_MODELS = [*VECTOR_MODELS, "classifier"]


def _labelled(path: Path, n: int = 300, seed: int = 0) -> list[str]:
    """fastText-format lines: a topic label anywhere in a line of topic and noise words."""
    rng = np.random.default_rng(seed)
    topics = {t: [f"{t}{j}" for j in range(8)] for t in ("sport", "food", "music")}
    noise = [f"w{j}" for j in range(20)]
    lines = []
    for _ in range(n):
        name = list(topics)[int(rng.integers(3))]
        words = list(rng.choice(topics[name], 3)) + list(rng.choice(noise, 4))
        cut = int(rng.integers(len(words) + 1))
        lines.append(" ".join(words[:cut] + [f"__label__{name}"] + words[cut:]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return lines


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("contract")
    write_planted_corpus(d / "corpus.txt", n_lines=600)
    _labelled(d / "labelled.txt")
    return {"text": d / "corpus.txt", "labelled": d / "labelled.txt"}


def _corpus(kind: str, data: dict[str, Path]) -> Path:
    return data["labelled"] if kind == "classifier" else data["text"]


def _new(kind: str, callbacks=(), **overrides):
    cls, settings, _, _ = MODELS[kind]
    return cls(**{**settings, **overrides}, callbacks=callbacks, progress=False)


def _assert_same_state(kind: str, a, b) -> None:
    """The two models hold bit-identical parameters and training records."""
    for name in MODELS[kind][2]:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert a.epochs_done == b.epochs_done
    assert a.losses == b.losses
    assert a.learning_rates == b.learning_rates


def test_public_names_and_a_light_import() -> None:
    from wordlab import Classifier as C
    from wordlab import FastText as F
    from wordlab import GloVe as G
    from wordlab import Vectors as V
    from wordlab import Word2Vec as W

    assert (GloVe, Word2Vec, FastText, Classifier, Vectors) == (G, W, F, C, V)
    code = (
        "import sys, wordlab\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('numba', 'torch'))\n"
        "print(heavy)\n"
        "sys.exit(1 if heavy else 0)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize("kind", ALL_MODELS)
def test_seed_defaults_to_one(kind: str) -> None:
    cls = MODELS[kind][0]
    assert cls().settings.seed == 1 == cls.settings_class().seed


@pytest.mark.parametrize("kind", ALL_MODELS)
def test_sentences_in_memory_train_as_the_same_file(kind: str, data) -> None:
    path = _corpus(kind, data)
    lines = path.read_text(encoding="utf-8").splitlines()
    sentences = lines if kind == "classifier" else [line.split() for line in lines]
    from_file = _new(kind).fit(path)
    from_memory = _new(kind).fit(sentences)
    _assert_same_state(kind, from_file, from_memory)
    assert from_file.wv.words == from_memory.wv.words
    np.testing.assert_array_equal(from_file.wv.matrix, from_memory.wv.matrix)
    if kind == "classifier":  # token lists are lines too
        tokens = _new(kind).fit([line.split() for line in lines])
        _assert_same_state(kind, from_file, tokens)


@pytest.mark.parametrize("kind", VECTOR_MODELS)
def test_wv_equals_the_vectors_the_cli_writes(kind: str, data, tmp_path) -> None:
    _, _, _, cli = MODELS[kind]
    out = tmp_path / "out"
    args = [*cli, "--input", str(data["text"]), "--output", str(out), "--epochs", str(EPOCHS),
            "--threads", "1", "--seed", "1", "--quiet"]  # fmt: skip
    assert main(args) == 0
    written = Vectors.load(out / FILE_NAMES[cli[-1]])
    model = _new(kind).fit(data["text"])
    assert written.words == model.wv.words
    np.testing.assert_allclose(written.matrix, model.wv.matrix, rtol=0, atol=1e-6)
    # the model file the CLI saved holds the very same state
    _assert_same_state(kind, model, MODELS[kind][0].load(out / "model.wordlab"))


def test_classifier_cli_saves_the_model_the_api_trains(data, tmp_path) -> None:
    _, _, _, cli = MODELS["classifier"]
    out = tmp_path / "clf"  # .wordlab is added
    args = [*cli, "--input", str(data["labelled"]), "--output", str(out), "--epochs", str(EPOCHS),
            "--threads", "1", "--seed", "1", "--quiet"]  # fmt: skip
    assert main(args) == 0
    assert not out.exists() and (tmp_path / "clf.wordlab").is_file()
    saved = Classifier.load(out)
    model = _new("classifier").fit(data["labelled"])
    _assert_same_state("classifier", model, saved)
    assert saved.labels == model.labels and saved.wv.words == model.wv.words


@pytest.mark.parametrize("kind", ALL_MODELS)
def test_save_load_round_trip_in_one_zip_file(kind: str, data, tmp_path) -> None:
    cls = MODELS[kind][0]
    model = _new(kind).fit(_corpus(kind, data))
    folder = tmp_path / "saved"
    path = model.save(folder / "m")
    assert path == folder / "m.wordlab" and path.is_file()
    assert [p.name for p in folder.iterdir()] == ["m.wordlab"]  # one file, no leftovers
    assert model.save(folder / "again.wordlab") == folder / "again.wordlab"
    assert model.wv is model.wv and model.vectors is model.wv  # built once
    with zipfile.ZipFile(path) as zf:
        meta = json.loads(zf.read("meta.json"))
    assert meta["kind"] == cls.kind and meta["format_version"] == FORMAT_VERSION
    for where in (folder / "m", path):
        back = cls.load(where)
        assert type(back) is cls and back.settings == model.settings
        _assert_same_state(kind, model, back)
        assert back.wv.words == model.wv.words
        np.testing.assert_array_equal(back.wv.matrix, model.wv.matrix)
    if kind == "fasttext":  # unseen words still come from the subwords after loading
        np.testing.assert_array_equal(back.wv["animalzz"], model.wv["animalzz"])
        assert np.any(back.wv["animalzz"] != 0)
    if kind == "classifier":
        texts = ["sport1 w2 sport3", "food4 music5"]
        assert back.predict(texts, k=3) == model.predict(texts, k=3)
    other = Word2Vec if cls is not Word2Vec else GloVe
    with pytest.raises(WordlabError, match=cls.kind):
        other.load(path)


def test_model_file_of_another_kind_is_refused(data, tmp_path) -> None:
    path = _new("glove", epochs=1).fit(data["text"]).save(tmp_path / "glove")
    with pytest.raises(WordlabError, match="glove"):
        Word2Vec.load(path)
    with pytest.raises(WordlabError, match="not found"):
        Word2Vec.load(tmp_path / "missing")


@pytest.mark.parametrize("kind", ALL_MODELS)
def test_fit_in_parts_equals_one_fit(kind: str, data, tmp_path) -> None:
    corpus = _corpus(kind, data)
    whole = _new(kind).fit(corpus)
    assert whole.epochs_done == EPOCHS and len(whole.losses) == EPOCHS
    # two calls: the learning-rate schedule spans the planned settings.epochs
    parts = _new(kind).fit(corpus, epochs=1)
    assert parts.epochs_done == 1 and parts.settings.epochs == EPOCHS
    assert not np.array_equal(
        getattr(parts, MODELS[kind][2][0]), getattr(whole, MODELS[kind][2][0])
    )
    parts.train(epochs=EPOCHS - 1)
    _assert_same_state(kind, whole, parts)
    # through a file, the first model gone (GloVe: its temporary co-occurrence files with it)
    half = _new(kind).fit(corpus, epochs=2)
    half.save(tmp_path / "half")
    records = getattr(half, "records_path", None)
    del half
    gc.collect()
    if records is not None:
        assert not records.exists()  # so the loaded model counts them again from the corpus
    resumed = MODELS[kind][0].load(tmp_path / "half").train()  # the rest of the plan
    _assert_same_state(kind, whole, resumed)
    np.testing.assert_array_equal(resumed.wv.matrix, whole.wv.matrix)


@pytest.mark.parametrize("kind", ALL_MODELS)
def test_a_model_fitted_in_memory_continues_on_its_sentences_given_again(
    kind: str, data, tmp_path
) -> None:
    path = _corpus(kind, data)
    lines = path.read_text(encoding="utf-8").splitlines()
    sentences = lines if kind == "classifier" else [line.split() for line in lines]
    whole = _new(kind).fit(path)
    half = _new(kind).fit(sentences, epochs=2)
    half.save(tmp_path / "half")
    del half
    gc.collect()  # GloVe: its co-occurrence files go with it
    back = MODELS[kind][0].load(tmp_path / "half")
    with pytest.raises(WordlabError, match=r"train\(corpus="):
        back.train()
    back.train(corpus=sentences)
    _assert_same_state(kind, whole, back)


class Recorder:
    """A callback with all four methods, recording (method, epochs done) at each call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    def on_train_begin(self, model) -> None:
        self.calls.append(("train_begin", model.epochs_done))

    def on_epoch_begin(self, model) -> None:
        self.calls.append(("epoch_begin", model.epochs_done))

    def on_epoch_end(self, model) -> None:
        self.calls.append(("epoch_end", model.epochs_done))

    def on_train_end(self, model) -> None:
        self.calls.append(("train_end", model.epochs_done))


class EpochEnds:
    """A callback with one method only, keeping the loss it sees after each epoch."""

    def __init__(self) -> None:
        self.losses: list[float] = []

    def on_epoch_end(self, model) -> None:
        self.losses.append(model.losses[-1])


@pytest.mark.parametrize("kind", ALL_MODELS)
def test_callbacks_are_called_once_per_epoch_in_order(kind: str, data) -> None:
    rec, ends = Recorder(), EpochEnds()
    model = _new(kind, callbacks=[rec, ends]).fit(_corpus(kind, data))
    expected = [("train_begin", 0)]
    for e in range(EPOCHS):
        expected += [("epoch_begin", e), ("epoch_end", e + 1)]
    assert rec.calls == [*expected, ("train_end", EPOCHS)]
    assert len(model.losses) == EPOCHS and all(math.isfinite(x) for x in model.losses)
    assert ends.losses == model.losses
    for name in ("learning_rates", "words_per_second", "epoch_seconds"):
        assert len(getattr(model, name)) == EPOCHS, name
    # a second call is a second train_begin ... train_end
    rec.calls.clear()
    model.train(epochs=1)
    assert rec.calls == [
        ("train_begin", EPOCHS),
        ("epoch_begin", EPOCHS),
        ("epoch_end", EPOCHS + 1),
        ("train_end", EPOCHS + 1),
    ]


def test_a_callback_without_any_callback_method_is_refused() -> None:
    for cls, *_ in MODELS.values():
        with pytest.raises(WordlabError, match="on_epoch_end"):
            cls(callbacks=[object()])
        with pytest.raises(WordlabError, match="on_epoch_end"):
            cls(callbacks=[lambda model: None])


@pytest.mark.parametrize(
    ("cls", "settings_cls"),
    [
        (GloVe, GloVeSettings),
        (Word2Vec, Word2VecSettings),
        (FastText, FastTextSettings),
        (Classifier, ClassifierSettings),
    ],
)
def test_settings_object_and_keywords(cls, settings_cls) -> None:
    with pytest.raises(WordlabError, match=r"dim=50.*100"):
        cls(settings_cls(dim=100), dim=50)
    model = cls(settings_cls(dim=50, epochs=2), dim=50)
    assert model.settings.dim == 50 and model.settings.epochs == 2
    assert cls(dim=50).settings == settings_cls(dim=50)
    with pytest.raises(WordlabError, match="dims"):
        cls(dims=3)
    # the object given is copied, not shared: training past the plan must not change it
    given = settings_cls(dim=50)
    assert cls(given).settings is not given


@pytest.mark.parametrize("kind", ALL_MODELS)
def test_train_past_the_plan(kind: str, data) -> None:
    model = _new(kind).fit(_corpus(kind, data))
    before = getattr(model, MODELS[kind][2][0]).copy()
    with pytest.raises(WordlabError, match=r"train\(epochs="):
        model.train()
    assert model.epochs_done == EPOCHS and len(model.losses) == EPOCHS  # nothing ran
    model.train(epochs=2)
    assert model.epochs_done == EPOCHS + 2 and model.settings.epochs == EPOCHS + 2
    assert len(model.losses) == EPOCHS + 2 and all(math.isfinite(x) for x in model.losses)
    assert not np.array_equal(getattr(model, MODELS[kind][2][0]), before)
    with pytest.raises(WordlabError, match="at least 1"):
        model.train(epochs=0)


def test_train_before_fit_and_wv_before_training_are_errors() -> None:
    for cls, *_ in MODELS.values():
        with pytest.raises(WordlabError, match="fit"):
            cls().train(epochs=1)
        with pytest.raises(WordlabError, match="not trained"):
            cls().wv  # noqa: B018
