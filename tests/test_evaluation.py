"""Similarity and analogy evaluation: hand-worked scores, dataset readers, agreement with gensim."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import shared_data
from scipy import stats

import wordlab.evaluation.analogy as analogy_module
import wordlab.evaluation.analogy_search as analogy_search
from wordlab.cli import main
from wordlab.errors import WordlabError
from wordlab.evaluation import evaluate_analogy, evaluate_similarity
from wordlab.evaluation.datasets import read_analogies, read_similarity
from wordlab.vectors import Vectors

# ---- readers ---------------------------------------------------------------------------------


def test_similarity_layouts(tmp_path):
    (tmp_path / "tab.tsv").write_text("# comment\nold\tnew\t1.58\n\nA b\tc\t2\n", encoding="utf-8")
    d = read_similarity(tmp_path / "tab.tsv")
    assert d.pairs == [("old", "new", 1.58), ("A b", "c", 2.0)] and d.line_numbers == [2, 4]
    assert d.name == "tab"
    (tmp_path / "men.txt").write_text("sun sunlight 50 9 9\nautomobile car 49\n")
    assert read_similarity(tmp_path / "men.txt").pairs[0] == ("sun", "sunlight", 50.0)
    (tmp_path / "s.csv").write_text("word1,word2,score\nTiger,cat,7.35\n")
    d = read_similarity(tmp_path / "s.csv", lowercase=True)
    assert d.pairs == [("tiger", "cat", 7.35)]


@pytest.mark.parametrize(
    ("text", "line"),
    [("a\tb\t1\nc\td\n", 2), ("a b 1\nc d x\n", 2), ("# only\n\na\t\t3\n", 3)],
)
def test_bad_similarity_line_names_file_and_line(tmp_path, text, line):
    (tmp_path / "bad.txt").write_text(text)
    with pytest.raises(WordlabError, match=rf"bad\.txt:{line}: expected 'word1 word2 score'"):
        read_similarity(tmp_path / "bad.txt")


def test_analogy_layouts_and_errors(tmp_path):
    (tmp_path / "q.txt").write_text(": family\nboy girl man woman\n\n: gram1-x\na b c d\n")
    d = read_analogies(tmp_path / "q.txt")
    assert [s.name for s in d.sections] == ["family", "gram1-x"]
    assert d.sections[1].questions == [("a", "b", "c", "d")] and d.sections[1].line_numbers == [5]
    (tmp_path / "plain.txt").write_text("a b c d\nA B C D\n")
    d = read_analogies(tmp_path / "plain.txt", lowercase=True)
    assert [s.name for s in d.sections] == ["plain"] and d.n_questions == 2
    assert d.sections[0].questions[1] == ("a", "b", "c", "d")
    (tmp_path / "bad.txt").write_text(": s\na b c d\na b c\n")
    with pytest.raises(WordlabError, match=r"bad\.txt:3: expected four words"):
        read_analogies(tmp_path / "bad.txt")
    (tmp_path / "empty.txt").write_text(": s\n")
    with pytest.raises(WordlabError, match="no analogy questions"):
        read_analogies(tmp_path / "empty.txt")


# ---- similarity --------------------------------------------------------------------------------


def test_similarity_against_scipy_with_oov(tmp_path):
    words = ["a", "b", "c", "d", "E"]
    angles = np.array([0.0, 0.3, 1.0, 2.0, 2.5])
    v = Vectors(words, np.stack([np.cos(angles), np.sin(angles)], axis=1))
    pairs = [("a", "b", 9.0), ("a", "c", 6.5), ("a", "d", 2.0), ("b", "d", 3.0), ("c", "e", 4.0)]
    pairs += [("a", "zz", 5.0), ("yy", "b", 1.0)]
    (tmp_path / "p.tsv").write_text("".join(f"{x}\t{y}\t{s}\n" for x, y, s in pairs))
    r = evaluate_similarity(v, tmp_path / "p.tsv")
    cosines = [np.cos(angles[i] - angles[j]) for i, j in [(0, 1), (0, 2), (0, 3), (1, 3), (2, 4)]]
    gold = [9.0, 6.5, 2.0, 3.0, 4.0]
    assert r.pearson == pytest.approx(stats.pearsonr(gold, cosines)[0], abs=1e-6)
    assert r.spearman == pytest.approx(stats.spearmanr(gold, cosines)[0], abs=1e-12)
    assert (r.pairs, r.used, r.oov) == (7, 5, 2)
    assert r.coverage == pytest.approx(5 / 7)
    assert r.to_dict()["oov"] == 2
    # case-sensitive: "e" no longer matches "E"
    assert evaluate_similarity(v, tmp_path / "p.tsv", case_insensitive=False).oov == 3
    # as some papers do: unknown pairs scored 0.0
    d = evaluate_similarity(v, tmp_path / "p.tsv", dummy4unknown=True)
    assert d.used == 7
    assert d.spearman == pytest.approx(stats.spearmanr(gold + [5, 1], cosines + [0, 0])[0])
    with pytest.raises(WordlabError, match="only 1 of 7 pairs"):
        evaluate_similarity(v, tmp_path / "p.tsv", restrict_vocab=2)


# ---- analogy -----------------------------------------------------------------------------------


def _planted_analogies(tmp_path):
    """Orthonormal word bases; city = country + capital, plural = noun + plural: answers known."""
    rng = np.random.default_rng(0)
    basis = np.linalg.qr(rng.standard_normal((48, 48)))[0].T  # 48 orthonormal rows
    capital, plural = basis[24], basis[25]
    words, rows = [], []
    pairs = {"capital-common-countries": [], "gram8-plural": []}
    for i in range(6):
        words += [f"country{i}", f"city{i}", f"noun{i}", f"noun{i}s"]
        rows += [basis[2 * i], basis[2 * i] + capital, basis[2 * i + 1], basis[2 * i + 1] + plural]
        pairs["capital-common-countries"].append((f"country{i}", f"city{i}"))
        pairs["gram8-plural"].append((f"noun{i}", f"noun{i}s"))
    rows += list(rng.standard_normal((30, 22)) @ basis[26:])  # distractors, orthogonal to all
    words += [f"other{i}" for i in range(30)]
    lines = []
    for section, ps in pairs.items():
        lines.append(f": {section}")
        for a, b in ps:
            for c, d in ps:
                if a != c:
                    lines.append(f"{a} {b} {c} {d}")
    lines.append("country0 city0 country1 unknownword")
    (tmp_path / "q.txt").write_text("\n".join(lines) + "\n")
    return Vectors(words, np.array(rows, dtype=np.float32)), tmp_path / "q.txt"


@pytest.mark.parametrize("method", ["3cosadd", "3cosmul"])
def test_planted_analogies_are_solved(tmp_path, method):
    v, path = _planted_analogies(tmp_path)
    r = evaluate_analogy(v, path, method=method)
    assert [s.name for s in r.sections] == ["capital-common-countries", "gram8-plural"]
    assert [(s.correct, s.used, s.skipped) for s in r.sections] == [(30, 30, 0), (30, 30, 1)]
    assert r.semantic.accuracy == 1.0 and r.syntactic.accuracy == 1.0
    assert (r.total.correct, r.total.used, r.total.skipped) == (60, 60, 1)
    assert r.coverage == pytest.approx(60 / 61)
    out = r.to_dict()
    assert out["sections"][1]["skipped"] == 1 and out["accuracy"] == 1.0
    assert v.analogy("country0", "city0", "country3", method=method)[0][0] == "city3"
    # only the first 8 words known: two questions per section (gensim's path for tiny vocabularies)
    small = evaluate_analogy(v, path, restrict_vocab=8, method=method)
    assert (small.total.correct, small.total.used, small.total.skipped) == (4, 4, 57)
    # unknown questions counted wrong instead of skipped
    assert evaluate_analogy(v, path, dummy4unknown=True, method=method).total.used == 61


def test_unknown_method_and_empty(tmp_path):
    v, path = _planted_analogies(tmp_path)
    with pytest.raises(WordlabError, match="unknown analogy method"):
        evaluate_analogy(v, path, method="3cosmax")


# ---- agreement with gensim ---------------------------------------------------------------------


def _vectors_over(paths, tmp_path, seed=0):
    """Random vectors over the datasets' words, with case variants, gaps and a zero vector."""
    vocab: list[str] = []
    for p in paths:
        for line in p.read_text(encoding="utf-8").splitlines():
            if not line.startswith((":", "#")):
                vocab += [w.lower() for w in line.replace("\t", " ").split()[:4]]
    vocab = sorted(set(w for w in vocab if not w.replace(".", "").isdigit()))
    rng = np.random.default_rng(seed)
    rng.shuffle(vocab)
    vocab = [w for i, w in enumerate(vocab) if i % 17 != 5]  # some words unknown
    # case variants: an upper-case variant before (used) or after (ignored) the lower-case word
    vocab = ["PARIS", *vocab[:50], "Athens", *vocab[50:], "Paris", "ATHENS"]
    matrix = rng.standard_normal((len(vocab), 24)).astype(np.float32)
    matrix[3] = 0.0
    v = Vectors(vocab, matrix)
    v.save(tmp_path / "v.txt", "word2vec")
    return v


def _subset(path, tmp_path, every=6):
    text = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines = [ln for i, ln in enumerate(text) if ln[0] == ":" or i % every == 0]
    out = tmp_path / "questions.txt"
    out.write_text("".join(lines), encoding="utf-8")
    return out


def _gensim_counts(sections):
    return [(len(s["correct"]), len(s["correct"]) + len(s["incorrect"])) for s in sections[:-1]]


# (tie threshold, cosine-table budget, batch size): the default; gensim's exact path for every
# question; batch scores only, from per-batch cosine tables; batch scores only, one matrix
# product per batch (more distinct words than questions)
MODES = {
    "default": (None, None, 1024),
    "exact": (10.0, None, 1024),
    "batch-tables": (0.0, 0, 1024),
    "direct": (0.0, 0, 3),
}


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::RuntimeWarning")
@pytest.mark.parametrize("mode", MODES)
def test_analogy_agrees_with_gensim(tmp_path, monkeypatch, mode):
    keyedvectors = pytest.importorskip("gensim.models.keyedvectors")
    questions = _subset(shared_data("analogy", "questions-words.txt"), tmp_path, every=8)
    v = _vectors_over([questions], tmp_path)
    kv = keyedvectors.KeyedVectors.load_word2vec_format(tmp_path / "v.txt")
    tie, table, batch = MODES[mode]
    if tie is not None:
        monkeypatch.setattr(analogy_module, "_TIE", tie)
    if table is not None:
        monkeypatch.setattr(analogy_search, "_TABLE_SCORES", table)
    for restrict in (len(v) - 40, len(v)) if mode == "default" else (len(v) - 40,):
        ours = evaluate_analogy(v, questions, restrict_vocab=restrict, batch_size=batch)
        score, sections = kv.evaluate_word_analogies(str(questions), restrict_vocab=restrict)
        assert [(s.correct, s.used) for s in ours.sections] == _gensim_counts(sections)
        assert ours.accuracy == score
        assert ours.total.used > 500 and ours.total.correct > 0


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::RuntimeWarning")
def test_cosmul_analogy_agrees_with_gensim(tmp_path):
    keyedvectors = pytest.importorskip("gensim.models.keyedvectors")

    class CosMul(keyedvectors.KeyedVectors):
        """gensim's evaluation loop with most_similar_cosmul as the objective."""

        def most_similar(self, positive=None, negative=None, topn=10, restrict_vocab=None):
            return self.most_similar_cosmul(positive, negative, topn=topn)

    questions = _subset(shared_data("analogy", "questions-words.txt"), tmp_path, every=12)
    v = _vectors_over([questions], tmp_path, seed=1)
    kv = CosMul.load_word2vec_format(tmp_path / "v.txt")
    kv.vectors[3] = 1.0  # gensim's cosmul has no guard against zero vectors
    v = Vectors(v.words, kv.vectors)
    ours = evaluate_analogy(v, questions, restrict_vocab=None, method="3cosmul")
    score, sections = kv.evaluate_word_analogies(str(questions), restrict_vocab=None)
    assert [(s.correct, s.used) for s in ours.sections] == _gensim_counts(sections)
    assert ours.accuracy == score


def test_similarity_agrees_with_gensim(tmp_path):
    keyedvectors = pytest.importorskip("gensim.models.keyedvectors")
    files = [shared_data("similarity", f) for f in ("wordsim353.tsv", "simlex999.txt")]
    v = _vectors_over(files, tmp_path)
    kv = keyedvectors.KeyedVectors.load_word2vec_format(tmp_path / "v.txt")
    for path in files:
        for restrict, dummy in ((len(v), False), (len(v) - 200, False), (len(v), True)):
            ours = evaluate_similarity(v, path, restrict_vocab=restrict, dummy4unknown=dummy)
            pearson, spearman, oov_ratio = kv.evaluate_word_pairs(
                str(path), restrict_vocab=restrict, dummy4unknown=dummy
            )
            assert ours.pearson == pearson[0] and ours.spearman == spearman[0]  # every digit
            assert ours.pearson_p == pearson[1] and ours.oov_ratio == oov_ratio
            assert ours.oov > 0


# ---- command line ------------------------------------------------------------------------------


def test_cli_eval_nn_analogy(tmp_path, capsys, monkeypatch):
    v, questions = _planted_analogies(tmp_path)
    v.save(tmp_path / "v.bin", "word2vec-binary")
    sim = "country0\tcity0\t8\ncity0\tcity1\t5\ncountry0\tcity1\t1\nnoun2\tx\t1\n"
    (tmp_path / "sim.tsv").write_text(sim)
    args = ["eval", str(tmp_path / "v.bin"), "--similarity", str(tmp_path / "sim.tsv")]
    args += ["--analogy", str(questions), "--json", str(tmp_path / "r.json")]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "gram8-plural" in out and "100.00%" in out and "syntactic" in out
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["similarity"][0]["oov"] == 1 and report["similarity"][0]["used"] == 3
    assert report["similarity"][0]["spearman"] == pytest.approx(1.0)
    assert report["analogy"][0]["total"]["correct"] == 60
    assert main(["analogy", str(tmp_path / "v.bin"), "country0", "city0", "country4"]) == 0
    assert capsys.readouterr().out.splitlines()[1].endswith("city4")
    assert main(["nn", str(tmp_path / "v.bin"), "noun3", "--topn", "2"]) == 0
    assert "noun3:" in capsys.readouterr().out
    limited = ["--format", "word2vec-binary", "--limit", "4", "--topn", "9"]
    assert main(["nn", str(tmp_path / "v.bin"), "country0", *limited]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 4  # the word and its 3 neighbours
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("city1 -country1 country2\nzz\n"))
    assert main(["nn", str(tmp_path / "v.bin"), "--topn", "1"]) == 0
    out = capsys.readouterr().out
    assert "city2" in out and "not in vocabulary" in out
    assert main(["eval", str(tmp_path / "v.bin")]) == 2
    assert "at least one" in capsys.readouterr().err
    assert main(["nn", str(tmp_path / "v.bin"), "nosuchword"]) == 2
    assert "nosuchword" in capsys.readouterr().err


def _mixed_case_vectors(tmp_path):
    rng = np.random.default_rng(4)
    words = ["paris", "Paris", "london", "Berlin", "rome"] + [f"w{i}" for i in range(25)]
    v = Vectors(words, rng.standard_normal((len(words), 12)).astype(np.float32))
    v.save(tmp_path / "mixed.txt", "word2vec")
    return tmp_path / "mixed.txt"


def _answers(out: str) -> list[list[str]]:
    """The neighbour words printed under each header line."""
    blocks: list[list[str]] = []
    for line in out.splitlines():
        if line.startswith("  "):
            blocks[-1].append(line.split()[-1])
        else:
            blocks.append([])
    return blocks


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_cli_nn_answers_every_word_with_one_case_rule(tmp_path, capsys, monkeypatch):
    keyedvectors = pytest.importorskip("gensim.models.keyedvectors")
    path = _mixed_case_vectors(tmp_path)
    kv = keyedvectors.KeyedVectors.load_word2vec_format(str(path))

    def gensim_words(*args, **kwargs):
        return [w for w, _ in kv.most_similar(*args, **kwargs)]

    # as written if present, else lower-cased (and said so); unknown words one line each
    words = ["London", "nosuch", "Paris", "BERLIN", "paris"]
    assert main(["nn", str(path), *words, "--topn", "4"]) == 0
    captured = capsys.readouterr()
    headers = [ln for ln in captured.out.splitlines() if not ln.startswith("  ")]
    assert headers == ["London -> london:", "Paris:", "paris:"]
    assert _answers(captured.out) == [
        gensim_words("london", topn=4),
        gensim_words("Paris", topn=4),
        gensim_words("paris", topn=4),
    ]
    assert captured.err.splitlines() == [
        "wordlab nn: word not in vocabulary: 'nosuch'",
        "wordlab nn: word not in vocabulary: 'BERLIN' (nor 'berlin')",
    ]
    assert main(["nn", str(path), "nosuch", "BERLIN"]) == 2  # none answered
    assert len(capsys.readouterr().err.splitlines()) == 2
    assert main(["nn", str(path), "London", "--case-sensitive"]) == 2
    assert "'London'" in capsys.readouterr().err
    # the prompt follows the same rule
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("London -Paris W3\nROMEX\n"))
    assert main(["nn", str(path), "--topn", "3"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "London -> london -Paris W3 -> w3:"
    assert [ln.split()[-1] for ln in out.splitlines()[1:4]] == gensim_words(
        ["london", "w3"], ["Paris"], topn=3
    )
    assert "word not in vocabulary: 'ROMEX' (nor 'romex')" in out


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_cli_analogy_uses_the_same_case_rule(tmp_path, capsys):
    keyedvectors = pytest.importorskip("gensim.models.keyedvectors")
    path = _mixed_case_vectors(tmp_path)
    kv = keyedvectors.KeyedVectors.load_word2vec_format(str(path))
    assert main(["analogy", str(path), "London", "Paris", "ROME", "--topn", "3"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "London -> london : Paris :: ROME -> rome : ?  (3cosadd)"
    expected = [w for w, _ in kv.most_similar(["Paris", "rome"], ["london"], topn=3)]
    assert _answers(out) == [expected]
    args = ["analogy", str(path), "london", "paris", "rome", "--method", "3cosmul"]
    assert main(args) == 0
    expected = [w for w, _ in kv.most_similar_cosmul(["paris", "rome"], ["london"], topn=5)]
    assert _answers(capsys.readouterr().out) == [expected]
    assert main(["analogy", str(path), "london", "BERLIN", "rome"]) == 2
    assert "'BERLIN' (nor 'berlin')" in capsys.readouterr().err
    assert main(["analogy", str(path), "London", "Paris", "rome", "--case-sensitive"]) == 2
    assert "'London'" in capsys.readouterr().err


def test_find_word_rule():
    from wordlab.commands.eval import find_word

    v = Vectors(["paris", "Paris", "london", "Berlin"], np.eye(4, dtype=np.float32))
    assert [find_word(v, w) for w in ("Paris", "paris", "London", "BERLIN", "berlin")] == [
        "Paris",
        "paris",
        "london",
        None,
        None,
    ]
    assert find_word(v, "London", case_sensitive=True) is None
