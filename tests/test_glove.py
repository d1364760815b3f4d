"""GloVe training: planted structure, decreasing cost, exact resume, divergence, CLI end to end."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import write_planted_corpus

from wordlab.cli import main
from wordlab.corpus import encode_corpus
from wordlab.errors import WordlabError
from wordlab.models.glove import GloVe
from wordlab.vectors import Vectors
from wordlab.vocab import Vocab


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    d = tmp_path_factory.mktemp("planted")
    topics = write_planted_corpus(d / "corpus.txt")
    return d, topics


def test_recovers_planted_topics_and_cost_decreases(planted):
    d, topics = planted
    model = GloVe(
        dim=16, window=5, min_count=1, epochs=20, threads=2, x_max=10.0, progress=False
    ).fit(d / "corpus.txt", workdir=d / "work")
    assert len(model.losses) == 20
    assert model.losses[-1] < 0.5 * model.losses[0]
    assert all(b <= a * 1.05 for a, b in zip(model.losses, model.losses[1:], strict=False))
    vectors = model.vectors
    for topic in topics:
        for word in topic:
            near = [w for w, _ in vectors.most_similar(word, topn=5)]
            assert set(near) <= set(topic), (word, near)
    assert (d / "work" / "vocab.txt").exists() and (d / "work" / "cooccurrence.bin").exists()


def test_resume_continues_exactly(planted, tmp_path):
    d, _ = planted
    enc = encode_corpus(d / "corpus.txt", d / "enc", progress=False)
    vocab = Vocab.from_corpus(enc, min_count=1)
    kw = dict(dim=8, window=3, min_count=1, epochs=4, threads=1, x_max=10.0, progress=False)
    straight = GloVe(**kw).fit(enc, workdir=tmp_path / "a")
    shuffled = tmp_path / "a" / "cooccurrence.shuf.bin"
    half = GloVe(**kw).fit_cooccurrences(shuffled, vocab, epochs=2)
    assert half.epochs_done == 2
    half.save(tmp_path / "half")
    resumed = GloVe.load(tmp_path / "half").train()  # finds the shuffled file again
    assert resumed.epochs_done == 4
    np.testing.assert_array_equal(resumed.params, straight.params)
    np.testing.assert_array_equal(resumed.gradsq, straight.gradsq)
    assert resumed.losses == pytest.approx(straight.losses, rel=1e-12)


def test_same_seed_one_thread_repeats(planted, tmp_path):
    d, _ = planted
    runs = [GloVe(dim=8, window=3, min_count=1, epochs=2, threads=1, seed=5, progress=False).fit(
        d / "corpus.txt", workdir=tmp_path / f"r{i}").vectors.matrix for i in range(2)]  # fmt: skip
    np.testing.assert_array_equal(runs[0], runs[1])


def test_divergence_stops_with_a_clear_error(planted, tmp_path):
    d, _ = planted
    model = GloVe(
        dim=8, window=3, min_count=1, epochs=3, threads=1, lr=1e30, grad_clip=1e30, progress=False
    )
    with pytest.raises(WordlabError, match="diverged"):
        model.fit(d / "corpus.txt", workdir=tmp_path)


def test_output_choices_and_bad_settings(planted, tmp_path):
    d, _ = planted
    model = GloVe(dim=4, min_count=1, epochs=1, threads=1, output="concat", progress=False).fit(
        d / "corpus.txt", workdir=tmp_path
    )
    V = len(model.vocab)
    assert model.vectors.dim == 8
    np.testing.assert_array_equal(model.vectors.matrix[:, :4], model.params[:V, :4])
    with pytest.raises(WordlabError, match="--dim"):
        GloVe(dim=0)
    with pytest.raises(WordlabError, match="unknown GloVe setting"):
        GloVe(dims=3)


def test_cli_pipeline_stages_and_resume(planted, tmp_path, capsys):
    d, topics = planted
    corpus = str(d / "corpus.txt")
    out = tmp_path / "out"
    args = ["glove", "--input", corpus, "--output", str(out), "--dim", "8", "--window", "4", "--min-count", "1",
            "--epochs", "2", "--threads", "1", "--x-max", "10", "--quiet", "--format", "glove", "word2vec-binary"]  # fmt: skip
    assert main(args) == 0
    for name in (
        "vocab.txt",
        "cooccurrence.bin",
        "cooccurrence.shuf.bin",
        "vectors.txt",
        "vectors.bin",
        "model.wordlab",
    ):
        assert (out / name).exists(), name
    first = Vectors.load(out / "vectors.txt")
    assert Vectors.load(out / "vectors.bin").words == first.words
    assert (
        main(
            [
                "glove",
                "--output",
                str(out),
                "--resume",
                "--epochs",
                "3",
                "--threads",
                "1",
                "--quiet",
            ]
        )
        == 0
    )
    assert GloVe.load(out / "model").epochs_done == 3
    # the stages on their own, like the Stanford tools
    stages = tmp_path / "stages"
    assert main(["vocab", "--input", corpus, "--output", str(stages / "vocab.txt"), "--quiet"]) == 0
    assert main(["cooccur", "--input", corpus, "--output", str(stages / "co.bin"), "--vocab", str(stages / "vocab.txt"),
                 "--window", "4", "--quiet"]) == 0  # fmt: skip
    assert (stages / "co.bin").read_bytes() == (out / "cooccurrence.bin").read_bytes()
    assert main(["glove", "--cooccur", str(stages / "co.bin"), "--vocab", str(stages / "vocab.txt"), "--output",
                 str(stages), "--dim", "8", "--epochs", "1", "--quiet"]) == 0  # fmt: skip
    assert len(Vectors.load(stages / "vectors.txt")) == sum(len(t) for t in topics)


def test_cli_errors_are_one_line(tmp_path, capsys):
    assert (
        main(["glove", "--input", str(tmp_path / "missing.txt"), "--output", str(tmp_path / "o")])
        == 2
    )
    err = capsys.readouterr().err
    assert "corpus file not found" in err and "Traceback" not in err
    assert (
        main(["glove", "--cooccur", str(tmp_path / "x.bin"), "--output", str(tmp_path / "o")]) == 2
    )
    assert "--vocab" in capsys.readouterr().err


def test_demo_trains_on_the_shipped_sample(tmp_path, capsys):
    """The README's first command: GloVe on the packaged Austen sample prints neighbours."""
    assert main(["demo", "--output", str(tmp_path / "demo"), "--epochs", "2", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "nearest neighbours" in out and "elizabeth" in out
    assert len(Vectors.load(tmp_path / "demo" / "vectors.txt")) > 5000


def test_cooccurrence_file_that_does_not_fit_the_vocabulary(planted, tmp_path):
    d, _ = planted
    model = GloVe(dim=4, min_count=1, epochs=1, threads=1, progress=False).fit(
        d / "corpus.txt", workdir=tmp_path
    )
    small = Vocab(model.vocab.words[:3], model.vocab.counts[:3])
    with pytest.raises(WordlabError, match="outside 1..3"):
        GloVe(dim=4, epochs=1, threads=1, progress=False).fit_cooccurrences(
            tmp_path / "cooccurrence.shuf.bin", small
        )
