"""ELMo: character encoding, shapes, causality of each direction, ScalarMix, training, save/load,
exact resume, contextual vectors and the NER embedder (tiny models, one thread)."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from wordlab.cli import main  # noqa: E402
from wordlab.corpus import load_corpus  # noqa: E402
from wordlab.elmo.bilm import BiLM  # noqa: E402
from wordlab.elmo.charcnn import (  # noqa: E402
    BOS_CHAR,
    BOW_CHAR,
    EOS_CHAR,
    EOW_CHAR,
    PAD_CHAR,
    CharCNN,
    encode_word,
)
from wordlab.elmo.config import ElmoConfig, get_config  # noqa: E402
from wordlab.elmo.data import BOS_ID, EOS_ID, UNK_ID, StreamBatcher, TokenStream  # noqa: E402
from wordlab.elmo.model import Elmo, ElmoEmbedder  # noqa: E402
from wordlab.elmo.scalar_mix import ScalarMix  # noqa: E402
from wordlab.elmo.train import train_elmo  # noqa: E402
from wordlab.errors import WordlabError  # noqa: E402
from wordlab.modelio import load_model  # noqa: E402

torch.set_num_threads(1)
pytestmark = pytest.mark.filterwarnings("ignore:LSTM with projections")


def tiny(**changes) -> ElmoConfig:
    """A model small enough to train in seconds on one thread."""
    base = dict(
        name="tiny",
        char_dim=4,
        filters=[[1, 4], [2, 4], [3, 8]],
        max_chars=12,
        highway_layers=2,
        projection_dim=8,
        lstm_dim=16,
        softmax_cutoffs=[6],
        min_count=1,
        max_vocab=None,
        batch_size=4,
        unroll=6,
        lr=0.02,
        dropout=0.0,
    )
    base.update(changes)
    return ElmoConfig(**base)


def write(tmp_path, name: str, lines: list[str]):
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def test_char_encoding_bytes_and_markers():
    # "é" is two UTF-8 bytes, C3 A9; ids are byte + 1, then end-of-word and in-word padding.
    assert encode_word("é", 6) == [BOW_CHAR, 0xC3 + 1, 0xA9 + 1, EOW_CHAR, PAD_CHAR, PAD_CHAR]
    assert (BOW_CHAR, EOW_CHAR, PAD_CHAR) == (259, 260, 261)
    assert encode_word("<S>", 4) == [BOW_CHAR, BOS_CHAR, EOW_CHAR, PAD_CHAR]
    assert encode_word("</S>", 3) == [BOW_CHAR, EOS_CHAR, EOW_CHAR]
    # Long words keep their first max_chars - 2 bytes between the markers.
    assert encode_word("abcdefgh", 5) == [BOW_CHAR, 98, 99, 100, EOW_CHAR]


def test_charcnn_shapes_and_padding_independence():
    cfg = tiny()
    torch.manual_seed(0)
    enc = CharCNN(cfg).eval()
    words = ["a", "river", "banks"]
    chars = torch.tensor([encode_word(w, cfg.max_chars) for w in words])
    out = enc(chars)
    assert out.shape == (3, cfg.projection_dim)
    # The same word alone (batch trimmed to fewer characters) gets the same vector.
    alone = enc(chars[:1])
    torch.testing.assert_close(alone[0], out[0])
    assert enc(chars.reshape(1, 3, -1)).shape == (1, 3, cfg.projection_dim)


def test_stream_layout_and_batch_targets(tmp_path):
    path = write(tmp_path, "c.txt", ["a b c", "b a"])
    corpus = load_corpus(path, cache_dir=tmp_path / "cache", progress=False)
    # corpus ids by count then word: a=0, b=1, c=2; a softmax vocabulary of a and b only.
    stream = TokenStream.from_corpus(corpus, ["a", "b"], 8)
    a, b, c = 3, 4, 5
    assert stream.ids.tolist() == [BOS_ID, a, b, c, EOS_ID, BOS_ID, b, a, EOS_ID]
    assert stream.targets[[a, b, c]].tolist() == [3, 4, UNK_ID]  # c is not in the vocabulary
    batch = StreamBatcher(stream, batch_size=1, unroll=4).batch(1)
    # forward window 1 reads positions 4..7 (</S> <S> b a) and predicts 5..8 (<S> b a </S>)
    assert batch.fwd_targets.tolist() == [[BOS_ID, 4, 3, EOS_ID]]
    assert batch.fwd_weights.tolist() == [[0.0, 1.0, 1.0, 1.0]]  # <S> after </S> is not a target
    # backward window 1 reads positions 4, 3, 2, 1 and predicts 3, 2, 1, 0
    assert batch.bwd_targets.tolist() == [[UNK_ID, 4, 3, BOS_ID]]
    assert batch.chars[batch.bwd_rows[0, 0]].tolist() == encode_word("</S>", 8)


def test_scalar_mix_matches_hand_computation():
    mix = ScalarMix(3, initial_weights=[0.0, math.log(2.0), math.log(3.0)], gamma=2.0)
    w = mix.weights().detach()
    torch.testing.assert_close(w, torch.tensor([1 / 6, 2 / 6, 3 / 6]))
    assert float(w.sum()) == pytest.approx(1.0)
    layers = torch.stack([torch.full((2, 4), v) for v in (6.0, 12.0, 18.0)])  # (3, T=2, dim=4)
    # 2 * (6/6 + 24/6 + 54/6) = 2 * 14 = 28
    torch.testing.assert_close(mix(layers), torch.full((2, 4), 28.0))
    torch.testing.assert_close(mix(list(layers)), torch.full((2, 4), 28.0))
    assert float(ScalarMix(3).weights().detach().sum()) == pytest.approx(1.0)


def test_each_direction_sees_only_its_own_side():
    cfg = tiny()
    torch.manual_seed(0)
    bilm = BiLM(cfg, 20).eval()
    s1 = ["<S>", "the", "bank", "of", "the", "river", "</S>"]
    s2 = ["<S>", "the", "bank", "near", "the", "river", "</S>"]  # differs at position 3
    chars = torch.tensor([[encode_word(w, cfg.max_chars) for w in s] for s in (s1, s2)])
    with torch.no_grad():
        out = bilm.layers(chars, torch.tensor([7, 7]))
    assert out.shape == (2, 3, 7, 2 * cfg.projection_dim)
    p = cfg.projection_dim
    for layer in (1, 2):
        fwd, bwd = out[:, layer, :, :p], out[:, layer, :, p:]
        torch.testing.assert_close(fwd[0, :3], fwd[1, :3])  # before the change: forward same
        assert not torch.allclose(fwd[0, 3:], fwd[1, 3:])
        torch.testing.assert_close(bwd[0, 4:], bwd[1, 4:])  # after the change: backward same
        assert not torch.allclose(bwd[0, :4], bwd[1, :4])
    # layer 0 is the token vector twice, context-free
    torch.testing.assert_close(out[:, 0, :, :p], out[:, 0, :, p:])
    torch.testing.assert_close(out[0, 0, 2], out[1, 0, 2])


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny model trained to near-certainty on a repetitive corpus, and its folder."""
    d = tmp_path_factory.mktemp("elmo")
    lines = ["alpha beta gamma delta epsilon zeta"] * 40
    corpus = write(d, "rep.txt", lines)
    model_dir = d / "model"
    elmo = train_elmo(
        corpus,
        model_dir,
        tiny(epochs=16),
        threads=1,
        cache_dir=d / "cache",
        progress=False,
    )
    return elmo, model_dir, corpus, d


def test_loss_falls_and_perplexity_nears_one(trained):
    elmo, model_dir, corpus, d = trained
    log = [
        __import__("json").loads(x)
        for x in (model_dir / "train_log.jsonl").read_text().splitlines()
    ]
    assert log[-1]["final"] and log[-1]["epoch"] == 16
    ppl = elmo.perplexity(corpus, batch_size=4, cache_dir=d / "cache")
    assert ppl["tokens"] > 200
    assert ppl["ppl_fwd"] < 1.3 and ppl["ppl_bwd"] < 1.3
    fresh = BiLM(elmo.config, elmo.bilm.n_classes)
    from wordlab.elmo.train import evaluate

    stream = TokenStream.from_corpus(
        load_corpus(corpus, cache_dir=d / "cache", progress=False), elmo.vocab.words, 12
    )
    before = evaluate(fresh, stream, 4, 6)
    assert before["ppl_fwd"] > 5 * ppl["ppl_fwd"]  # an untrained model is far worse


def test_embed_shapes_unseen_words_and_context(trained):
    elmo, *_ = trained
    sents = [["alpha", "beta", "gamma"], ["zeta", "bank"], ["unseenword", "beta"], []]
    out = elmo.embed(sents)
    assert [a.shape for a in out] == [(3, 3, 16), (3, 2, 16), (3, 2, 16), (3, 0, 16)]
    assert all(a.dtype == np.float32 for a in out)
    one = elmo.embed(["alpha", "beta", "gamma"])  # a single sentence gives its array alone
    np.testing.assert_allclose(one, out[0], atol=1e-5)
    # Unseen words get finite, distinct, non-zero token vectors from their characters.
    u1, u2 = elmo.embed([["unseenword"], ["otherunseen"]], layers=0)
    assert np.isfinite(u1).all() and np.abs(u1).sum() > 0 and not np.allclose(u1, u2)
    # Same word, different contexts: same token layer, different LSTM layers.
    a, b = elmo.embed([["alpha", "beta", "gamma"], ["zeta", "beta", "alpha"]])
    np.testing.assert_allclose(a[0, 1], b[0, 1], atol=1e-6)
    for layer in (1, 2):
        assert not np.allclose(a[layer, 1], b[layer, 1], atol=1e-3)
    avg = elmo.embed([["alpha", "beta"]], layers="average")[0]
    np.testing.assert_allclose(avg, elmo.embed([["alpha", "beta"]])[0].mean(axis=0), atol=1e-6)
    with pytest.raises(WordlabError):
        elmo.embed([["a"]], layers=3)


def test_skip_foreign_reads_the_sentence_without_unseen_characters(trained):
    elmo, model_dir, *_ = trained
    with_punct = ["alpha", ",", "beta", "1996", "gamma", "."]
    plain = ["alpha", "beta", "gamma"]
    np.testing.assert_array_equal(elmo.foreign_mask(with_punct), [0, 1, 0, 1, 0, 1])
    (skipped,) = elmo.embed([with_punct], skip_foreign=True)
    (clean,) = elmo.embed([plain])
    assert skipped.shape == (3, 6, 16)
    np.testing.assert_allclose(skipped[:, [0, 2, 4]], clean, atol=1e-5)
    assert not skipped[:, [1, 3, 5]].any()
    (read,) = elmo.embed([with_punct])  # without skipping the LSTM layers read the commas too
    assert not np.allclose(read[2, [0, 2, 4]], clean[2], atol=1e-3)
    (none,) = elmo.embed([[",", "."]], skip_foreign=True)
    assert none.shape == (3, 2, 16) and not none.any()
    emb = ElmoEmbedder(model_dir)
    assert emb.skip_foreign and emb.oov_mask([with_punct])[0].tolist() == [0, 1, 0, 1, 0, 1]
    np.testing.assert_allclose(emb.embed([with_punct])[0], skipped.mean(axis=0), atol=1e-5)
    assert not ElmoEmbedder(model_dir, skip_foreign=False).oov_mask([with_punct])[0].any()


def test_save_load_round_trip_is_identical(trained, tmp_path):
    elmo, model_dir, *_ = trained
    sents = [["beta", "gamma", "delta"], ["some", "new", "words", "here"]]
    again = Elmo.load(model_dir)
    for x, y in zip(elmo.embed(sents), again.embed(sents), strict=True):
        np.testing.assert_array_equal(x, y)
    elmo.save(tmp_path / "copy")
    third = Elmo.load(tmp_path / "copy")
    for x, y in zip(elmo.embed(sents), third.embed(sents), strict=True):
        np.testing.assert_array_equal(x, y)
    assert third.config == elmo.config and third.vocab.words == elmo.vocab.words


def test_resume_continues_exactly(tmp_path):
    lines = ["one two three four five six", "six five four three two one two"] * 12
    corpus = write(tmp_path, "c.txt", lines)
    cfg = tiny(dropout=0.2, epochs=2)  # dropout: the RNG state must be restored too
    kw = dict(threads=1, cache_dir=tmp_path / "cache", progress=False)
    train_elmo(corpus, tmp_path / "straight", cfg, max_batches=9, **kw)
    train_elmo(corpus, tmp_path / "split", cfg, max_batches=5, **kw)
    with pytest.raises(WordlabError, match="--resume"):
        train_elmo(corpus, tmp_path / "split", cfg, **kw)
    train_elmo(corpus, tmp_path / "split", cfg, max_batches=4, resume=True, **kw)
    a, _ = load_model(tmp_path / "straight" / "model")
    b, _ = load_model(tmp_path / "split" / "model")
    assert sorted(a) == sorted(b)
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)
    # The checkpoint holds only tensors and plain values: it loads with weights_only=True.
    ckpt = torch.load(tmp_path / "split" / "checkpoint.pt", weights_only=True)
    assert ckpt["tokens"] == 9 * cfg.batch_size * cfg.unroll


def test_ner_embedder_protocol(trained):
    from wordlab.evaluation.ner.embedders import Embedder, embedder_from_spec

    elmo, model_dir, *_ = trained
    emb = ElmoEmbedder(model_dir, layer="average")
    assert isinstance(emb, Embedder) and emb.dim == 16 and emb.name == "elmo"
    vecs = emb.embed([["alpha", "beta"], ["gamma"]])
    assert [v.shape for v in vecs] == [(2, 16), (1, 16)]
    again = embedder_from_spec(emb.spec())
    np.testing.assert_allclose(again.embed([["alpha", "beta"]])[0], vecs[0], atol=1e-5)
    assert ElmoEmbedder(elmo, layer=2).embed([["alpha"]])[0].shape == (1, 16)


def test_cli_embed_and_perplexity(trained, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("WORDLAB_CACHE", str(tmp_path / "cache"))
    _, model_dir, corpus, _ = trained
    sents = write(tmp_path, "s.txt", ["alpha beta", "gamma delta epsilon"])
    out = tmp_path / "emb.npz"
    assert (
        main(["elmo", "embed", str(model_dir), str(sents), "--output", str(out), "--threads", "1"])
        == 0
    )
    with np.load(out) as z:
        assert z["0"].shape == (3, 2, 16) and z["1"].shape == (3, 3, 16)
    assert (
        main(["elmo", "perplexity", str(model_dir), str(corpus), "--quiet", "--threads", "1"]) == 0
    )
    assert "perplexity forward" in capsys.readouterr().out
    assert (
        main(["elmo", "embed", str(model_dir), str(sents), "--output", str(out), "--layers", "7"])
        == 2
    )


def test_configs():
    small, original = get_config("small"), get_config("original")
    assert small.n_filters == 512 and small.projection_dim == 128 and small.lstm_dim == 512
    assert original.n_filters == 2048 and original.lstm_dim == 4096 and original.output_dim == 1024
    assert ElmoConfig.from_dict(small.to_dict()) == small
    with pytest.raises(WordlabError):
        get_config("huge")
    with pytest.raises(WordlabError):
        ElmoConfig.from_dict({"bogus": 1})


def test_cli_without_torch_says_how_to_install(monkeypatch, capsys):
    import wordlab.commands.elmo as cmd

    monkeypatch.setattr(cmd.importlib.util, "find_spec", lambda name: None)
    assert main(["elmo", "perplexity", "m", "t"]) == 2
    assert "pip install torch==2.13.0" in capsys.readouterr().err
    # Registering the command does not import torch, so `wordlab --help` works without it.
    code = (
        "import argparse, sys; import wordlab.commands.elmo as m; "
        "m.register(argparse.ArgumentParser().add_subparsers()); print('torch' in sys.modules)"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.strip() == "False"


def test_ner_command_with_elmo_features(trained, tmp_path, capsys):
    _, model_dir, *_ = trained
    rows = [("alpha", "B-PER"), ("beta", "O"), ("gamma", "B-LOC"), ("delta", "O")]
    text = "\n\n".join("\n".join(f"{w} {t}" for w, t in rows[i:] + rows[:i]) for i in range(4))
    conll = write(tmp_path, "tiny.conll", [text])
    args = ["ner", "--train", str(conll), "--dev", str(conll), "--test", str(conll)]
    args += ["--elmo", f"ctx={model_dir}", "--elmo-layer", "2", "--max-iterations", "5", "--quiet"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "ctx" in out and "discrete" in out
    assert main([*args[:7], "--elmo", str(model_dir), "--elmo-layer", "top", "--quiet"]) == 2
