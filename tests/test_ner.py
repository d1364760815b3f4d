"""NER evaluation: CoNLL reading, IOB1 -> IOB2, conlleval-equal scoring, CRF with vector features."""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import numpy as np
import pytest

from wordlab.errors import WordlabError
from wordlab.evaluation.ner import (
    NerSettings,
    NerTagger,
    read_for_tagging,
    run_ner,
    score,
    short_shape,
    train_tagger,
    word_shape,
)
from wordlab.evaluation.ner.conll import Sentence, iob1_to_iob2, iob2_to_iob1, read_conll
from wordlab.evaluation.ner.embedders import Embedder, StaticEmbedder
from wordlab.vectors import Vectors

CONLL = Path(__file__).resolve().parents[2] / "shared" / "data" / "ner" / "conll2003"


# ---- tag schemes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("iob1", "iob2"),
    [
        (["I-PER", "I-PER", "O"], ["B-PER", "I-PER", "O"]),
        # B- in IOB1 only between two adjacent entities of one type
        (["I-LOC", "B-LOC", "I-LOC"], ["B-LOC", "B-LOC", "I-LOC"]),
        # a type change starts a new entity without B-
        (["I-ORG", "I-MISC", "O", "I-MISC"], ["B-ORG", "B-MISC", "O", "B-MISC"]),
        (["O", "O"], ["O", "O"]),
        ([], []),
    ],
)
def test_iob1_to_iob2_hand_examples(iob1, iob2):
    assert iob1_to_iob2(iob1) == iob2
    assert iob1_to_iob2(iob2) == iob2  # valid IOB2 is left alone
    assert iob2_to_iob1(iob2) == iob1


def test_read_conll_converts_and_skips_docstart(tmp_path):
    f = tmp_path / "tiny.conll"
    f.write_text(
        "-DOCSTART- -X- -X- O\n\n"
        "EU NNP I-NP I-ORG\nrejects VBZ I-VP O\nGerman JJ I-NP I-MISC\n\n\n"
        "Peter NNP I-NP I-PER\nBlackburn NNP I-NP I-PER\n"
        "-DOCSTART- -X- -X- O\n"
        "Paris NNP I-NP I-LOC\nLyon NNP I-NP B-LOC\n"
    )
    sents = read_conll(f)
    assert [s.words for s in sents] == [
        ["EU", "rejects", "German"],
        ["Peter", "Blackburn"],
        ["Paris", "Lyon"],
    ]
    assert [s.tags for s in sents] == [
        ["B-ORG", "O", "B-MISC"],
        ["B-PER", "I-PER"],
        ["B-LOC", "B-LOC"],
    ]
    assert sents[0].columns[0] == ("NNP", "I-NP")
    assert [s.line for s in sents] == [3, 8, 11]


def test_read_conll_errors_name_file_and_line(tmp_path):
    f = tmp_path / "bad.conll"
    f.write_text("EU NNP I-NP I-ORG\nrejects VBZ O\n")
    with pytest.raises(WordlabError, match=r"bad.conll:2: expected 4 columns"):
        read_conll(f)
    f.write_text("EU NNP I-NP I-ORG\n\nrejects VBZ I-VP E-ORG\n")
    with pytest.raises(WordlabError, match=r"bad.conll:3: tag 'E-ORG'"):
        read_conll(f)
    f.write_bytes(b"EU NNP I-NP I-ORG\nM\xfcller NNP I-NP I-PER\n")
    with pytest.raises(WordlabError, match=r"bad.conll:2: not valid utf-8 text"):
        read_conll(f)


# ---- scoring ----------------------------------------------------------------------------------


def test_score_equals_hand_computed_conlleval():
    # IOB1 gold, as CoNLL-2003 ships it
    gold = [
        ["I-PER", "I-PER", "O", "I-LOC", "O"],  # PER(0-2) LOC(3)
        ["I-ORG", "I-ORG", "B-ORG", "O"],  # ORG(0-2) ORG(2)
        ["O", "I-MISC", "I-LOC"],  # MISC(1) LOC(2)
    ]
    pred = [
        ["B-PER", "I-PER", "O", "B-ORG", "O"],  # PER correct; ORG wrong type
        ["B-ORG", "I-ORG", "I-ORG", "O"],  # ORG(0-3): wrong span, and misses ORG(2)
        ["O", "I-MISC", "B-LOC"],  # I- after O opens an entity, as in conlleval: both right
    ]
    s = score(gold, pred)
    # gold 6 entities, predicted 5, correct 3 (PER, MISC, LOC of sentence 3)
    o = s["overall"]
    assert (o["n_gold"], o["n_pred"], o["n_correct"]) == (6, 5, 3)
    p, r = 3 / 5, 3 / 6
    assert o["precision"] == pytest.approx(100 * p)
    assert o["recall"] == pytest.approx(100 * r)
    assert o["f1"] == pytest.approx(100 * 2 * p * r / (p + r))
    assert list(s["per_type"]) == ["PER", "LOC", "ORG", "MISC"]
    assert s["per_type"]["PER"]["f1"] == pytest.approx(100.0)
    assert s["per_type"]["LOC"]["recall"] == pytest.approx(50.0)
    assert s["per_type"]["LOC"]["precision"] == pytest.approx(100.0)
    assert s["per_type"]["ORG"]["n_correct"] == 0
    assert s["per_type"]["ORG"]["f1"] == 0.0


def _conlleval_chunks(seqs):
    """Chunks by conlleval's own startOfChunk/endOfChunk rules (IOB part), written independently."""
    chunks = set()
    for s, tags in enumerate(seqs):
        start, prev_tag, prev_type = None, "O", ""
        for i, t in enumerate([*tags, "O"]):  # a sentence ends like an O
            tag, typ = (t[0], t[2:]) if t != "O" else ("O", "")
            end = (prev_tag in "BI" and tag in "BO") or (prev_tag != "O" and prev_type != typ)
            begin = (tag == "B") or (prev_tag == "O" and tag == "I")
            begin = begin or (tag != "O" and prev_type != typ)
            if end and start is not None:
                chunks.add((s, prev_type, start, i))
                start = None
            if begin:
                start = i
            prev_tag, prev_type = tag, typ
    return chunks


def test_score_agrees_with_conlleval_rules_on_random_tags():
    rng = random.Random(7)
    tags = ["O", "O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
    for _ in range(30):
        gold = [[rng.choice(tags) for _ in range(rng.randint(1, 12))] for _ in range(8)]
        pred = [[rng.choice(tags) for _ in g] for g in gold]
        g, p = _conlleval_chunks(gold), _conlleval_chunks(pred)
        o = score(gold, pred)["overall"]
        assert (o["n_gold"], o["n_pred"], o["n_correct"]) == (len(g), len(p), len(g & p))


def test_shapes():
    assert word_shape("McCain-2") == "XxXxxx-d"
    assert short_shape(word_shape("McCain-2")) == "XxXx-d"


# ---- embedders ----------------------------------------------------------------------------------


def test_static_embedder_lookup_order():
    v = Vectors(["paris", "Paris", "lyon"], np.array([[1, 0], [0, 1], [2, 2]], dtype=np.float32))
    e = StaticEmbedder(v, name="toy")
    assert isinstance(e, Embedder)
    (a,) = e.embed([["Paris", "LYON", "Zurich"]])
    assert a.dtype == np.float32 and a.shape == (3, 2)
    np.testing.assert_array_equal(a, [[0, 1], [2, 2], [0, 0]])  # exact, lower-cased, OOV
    np.testing.assert_array_equal(e.oov_mask([["Paris", "LYON", "Zurich"]])[0], [0, 0, 1])


# ---- a task that needs the vectors ------------------------------------------------------------


def _vector_task(seed: int = 0):
    """Made-up names whose type (PER or LOC) only their vector tells; test names are unseen."""
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"

    def names(n):
        return ["".join(rng.choice(letters) for _ in range(7)) for _ in range(n)]

    kinds = {"PER": names(60), "LOC": names(60)}
    words, rows = [], []
    centre = {"PER": np.array([1.0, -1.0, 0.5]), "LOC": np.array([-1.0, 1.0, -0.5])}
    for kind, ws in kinds.items():
        for w in ws:
            words.append(w)
            rows.append(centre[kind] + 0.2 * nrng.standard_normal(3))
    for w in ("we", "saw", "near", "today", "."):
        words.append(w)
        rows.append(0.2 * nrng.standard_normal(3))
    vectors = Vectors(words, np.array(rows, dtype=np.float32))

    def sentences(lo, hi):
        out = []
        for i in range(lo, hi):
            for kind in ("PER", "LOC"):
                name = kinds[kind][i]
                out.append(
                    Sentence(
                        words=["we", "saw", name, "today", "."],
                        columns=[()] * 5,
                        tags=["O", "O", f"B-{kind}", "O", "O"],
                    )
                )
        return out

    return vectors, sentences(0, 30), sentences(30, 45), sentences(45, 60)


SMALL = NerSettings(window=1, vector_window=0, c1=(0.0,), c2=(0.1, 1.0), max_iterations=(50,))


def test_vector_feature_is_needed_and_learnt(tmp_path):
    vectors, train, dev, test = _vector_task()
    gold = [s.tags for s in test]
    plain = train_tagger(train, dev, settings=SMALL, quiet=True)
    f1_plain = score(gold, plain.tag(test))["overall"]["f1"]
    emb = StaticEmbedder(vectors, name="toy")
    with_vec = train_tagger(train, dev, [emb], settings=SMALL, quiet=True)
    f1_vec = score(gold, with_vec.tag(test))["overall"]["f1"]
    assert f1_vec == pytest.approx(100.0)
    assert f1_plain <= 70.0  # the type of an unseen name is a guess without its vector
    assert len(with_vec.info["grid"]) == 2  # both c2 values tried on dev

    # save / load: the CRFsuite model file + JSON, and the embedder rebuilt from its file
    vec_file = tmp_path / "toy.txt"
    vectors.save(vec_file)
    emb_file = StaticEmbedder.load(vec_file, name="toy")
    tagger = train_tagger(train, dev, [emb_file], settings=SMALL, quiet=True)
    saved = tagger.save(tmp_path / "model")
    assert sorted(p.name for p in saved.iterdir()) == ["model.crfsuite", "ner.json"]
    meta = json.loads((saved / "ner.json").read_text())
    assert meta["embedders"][0]["path"] == str(vec_file.resolve())
    again = NerTagger.load(saved)
    assert again.tag(test) == tagger.tag(test)
    assert again.params == tagger.params


def test_run_ner_and_cli_tag(tmp_path, capsys):
    vectors, train, dev, test = _vector_task(1)
    result = run_ner(
        train, dev, test, [StaticEmbedder(vectors, name="toy")], settings=SMALL, quiet=True
    )
    names = [c["name"] for c in result["configurations"]]
    assert names == ["discrete", "toy"]
    toy = result["configurations"][1]
    assert toy["test"]["overall"]["f1"] > result["configurations"][0]["test"]["overall"]["f1"]
    assert set(toy["test"]["per_type"]) == {"PER", "LOC"}
    json.dumps(result)  # JSON-able

    # the command line: run on files, save, then `ner tag` the test file with gold tags
    from wordlab.commands import ner as ner_cmd

    def write(path, sents):
        lines = ["\n".join(f"{w} {t}" for w, t in zip(s.words, s.tags, strict=True)) for s in sents]
        path.write_text("\n\n".join(lines) + "\n")
        return str(path)

    files = [
        write(tmp_path / f"{k}.conll", s) for k, s in zip("abc", (train, dev, test), strict=True)
    ]
    vec_file = tmp_path / "toy.txt"
    vectors.save(vec_file)
    parser = argparse.ArgumentParser(prog="wordlab")
    ner_cmd.register(parser.add_subparsers(dest="command"))
    common = ["--window", "1", "--vector-window", "0", "--c1", "0", "--c2", "0.1"]
    common += ["--max-iterations", "50", "--quiet"]
    args = parser.parse_args(
        ["ner", "--train", files[0], "--dev", files[1], "--test", files[2]]
        + ["--vectors", f"toy={vec_file}", "--no-baseline", "--json", str(tmp_path / "r.json")]
        + ["--save-model", str(tmp_path / "models"), *common]
    )
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "toy" in out and "PER" in out
    assert json.loads((tmp_path / "r.json").read_text())["configurations"][0]["name"] == "toy"
    args = parser.parse_args(["ner", "tag", str(tmp_path / "models" / "toy"), files[2]])
    assert args.func(args) == 0
    captured = capsys.readouterr()
    lines = [ln.split() for ln in captured.out.splitlines() if ln]
    assert len(lines) == sum(len(s) for s in test) and all(len(x) == 3 for x in lines)
    assert "F1 100.00" in captured.err
    # gold-free input and a wrong number of columns
    sents = read_for_tagging(files[2], n_columns=0)
    assert sents[0].tags is not None
    with pytest.raises(WordlabError, match="feature column"):
        read_for_tagging(files[2], n_columns=2)


def test_cli_combine_trains_one_tagger_on_all_embedders(tmp_path, capsys):
    vectors, train, dev, test = _vector_task(2)
    rng = np.random.default_rng(2)
    noise = Vectors(vectors.words, rng.standard_normal(vectors.matrix.shape).astype(np.float32))
    files = []
    for k, sents in zip("abc", (train, dev, test), strict=True):
        lines = ["\n".join(f"{w} {t}" for w, t in zip(s.words, s.tags, strict=True)) for s in sents]
        (tmp_path / f"{k}.conll").write_text("\n\n".join(lines) + "\n")
        files.append(str(tmp_path / f"{k}.conll"))
    vectors.save(tmp_path / "toy.txt")
    noise.save(tmp_path / "noise.txt")
    from wordlab.commands import ner as ner_cmd

    parser = argparse.ArgumentParser(prog="wordlab")
    ner_cmd.register(parser.add_subparsers(dest="command"))
    base = ["ner", "--train", files[0], "--dev", files[1], "--test", files[2], "--no-baseline"]
    base += ["--window", "1", "--vector-window", "0", "--c1", "0", "--c2", "0.1", "--quiet"]
    base += ["--max-iterations", "50", "--vectors", f"toy={tmp_path / 'toy.txt'}"]
    args = parser.parse_args([*base, "--combine", "--json", str(tmp_path / "r.json")])
    with pytest.raises(WordlabError, match="--combine needs at least two"):
        args.func(args)
    args = parser.parse_args(
        [*base, "--vectors", f"noise={tmp_path / 'noise.txt'}", "--combine"]
        + ["--json", str(tmp_path / "r.json")]
    )
    assert args.func(args) == 0
    configs = json.loads((tmp_path / "r.json").read_text())["configurations"]
    assert [c["name"] for c in configs] == ["toy", "noise", "toy+noise"]
    f1 = {c["name"]: c["test"]["overall"]["f1"] for c in configs}
    assert len(configs[2]["embedders"]) == 2
    # noise vectors tell nothing about unseen names; with the informative ones beside them the
    # combined tagger still types every test name right
    assert f1["toy+noise"] == pytest.approx(100.0) and f1["noise"] < 80.0


# ---- real data --------------------------------------------------------------------------------


@pytest.mark.skipif(not CONLL.is_dir(), reason="shared CoNLL-2003 data not present")
def test_conll2003_reads_and_learns_from_a_slice():
    train = read_conll(CONLL / "eng.train")
    dev = read_conll(CONLL / "eng.testa")
    assert (len(train), len(dev)) == (14041, 3250)  # the standard sentence counts
    assert sum(map(len, train)) == 203621
    assert all(len(s.columns[0]) == 2 for s in train[:50])  # POS, chunk
    settings = NerSettings(c1=(0.1,), c2=(0.01,), max_iterations=(40,))
    tagger = train_tagger(train[:400], dev[:200], settings=settings, quiet=True)
    f1 = score([s.tags for s in dev[:200]], tagger.tag(dev[:200]))["overall"]["f1"]
    assert f1 > 40.0  # 400 sentences and 40 iterations already find many entities
