"""Chinese end to end: tokenizers, jieba segmentation and its cache, CA8, two-column NER, classifier."""

from __future__ import annotations

import importlib.util
import lzma
import re
from pathlib import Path

import numpy as np
import pytest

from wordlab.cli import main
from wordlab.corpus import encode_corpus
from wordlab.errors import WordlabError
from wordlab.textread import TextOptions

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
HAS_JIEBA = importlib.util.find_spec("jieba") is not None
HAS_OPENCC = importlib.util.find_spec("opencc") is not None
needs_jieba = pytest.mark.skipif(
    not HAS_JIEBA, reason='jieba not installed: pip install "wordlab[zh]"'
)
needs_opencc = pytest.mark.skipif(
    not HAS_OPENCC, reason='opencc-python-reimplemented not installed: pip install "wordlab[zh]"'
)

MIXED = "我爱北京天安门，iPhone 6s售价５８８８元（约3.14万）ＡＢＣ！don't　stop"


def _data(*parts: str) -> Path:
    path = DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not available: {path}")
    return path


def _raw_people_daily(lines: int) -> list[str]:
    """The first lines of People's Daily with the gold segmentation's spaces taken out."""
    path = _data("corpora", "zh-peoples-daily-1998.seg.txt.xz")
    out = []
    with lzma.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            out.append("".join(line.split()))
            if len(out) == lines:
                break
    return out


# -- tokenizers on hand-made strings -------------------------------------------------------------


def test_char_tokenizer_splits_cjk_keeps_latin_words_and_numbers():
    tokens = TextOptions(tokenizer="char").tokenize(MIXED)
    assert tokens == [
        "我", "爱", "北", "京", "天", "安", "门", "，", "iPhone", "6s", "售", "价", "５８８８",
        "元", "（", "约", "3.14", "万", "）", "ＡＢＣ", "！", "don't", "stop",
    ]  # fmt: skip
    # every non-space character of the line is in exactly one token, in order
    assert "".join(tokens) == re.sub(r"\s", "", MIXED)


def test_nfkc_folds_full_width_before_tokenizing():
    tokens = TextOptions(tokenizer="char", normalize="nfkc").tokenize(MIXED)
    assert "5888" in tokens and "ABC" in tokens and "," in tokens and "!" in tokens
    assert "(" in tokens and "３" not in "".join(tokens)
    # full-width space U+3000 separates tokens with either tokenizer
    assert TextOptions().tokenize("一　二") == ["一", "二"]


def test_whitespace_and_simple_unchanged():
    assert TextOptions().tokenize("a  b\tc") == ["a", "b", "c"]
    assert TextOptions(tokenizer="simple").tokenize("Don't stop, now!") == [
        "Don't", "stop", ",", "now", "!",
    ]  # fmt: skip
    # options added for Chinese leave older caches' keys as they were
    assert TextOptions(lowercase=True).key() == {
        "lowercase": True, "tokenizer": "whitespace", "encoding_errors": "strict",
    }  # fmt: skip


def test_chunk_bytes_equals_tokenize_for_every_tokenizer():
    text = MIXED + "\n第二行 second line\n\n" + MIXED + "\n"
    for name in ("whitespace", "simple", "char") + (("jieba",) if HAS_JIEBA else ()):
        options = TextOptions(tokenizer=name, normalize="nfkc")
        lines = options.chunk_bytes(text).decode("utf-8").split("\n")
        assert [line.split() for line in lines] == [options.tokenize(x) for x in text.split("\n")]


def test_user_options_are_checked():
    with pytest.raises(WordlabError, match="--tokenizer must be one of"):
        TextOptions(tokenizer="spaces")
    with pytest.raises(WordlabError, match="--normalize"):
        TextOptions(normalize="nfd")
    with pytest.raises(WordlabError, match="--user-dict is jieba's"):
        TextOptions(user_dict="dict.txt")


def test_without_the_extra_jieba_says_what_to_install(monkeypatch, capsys, tmp_path):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name in ("jieba", "opencc") else real(name, *a),
    )
    with pytest.raises(WordlabError, match=re.escape('pip install "wordlab[zh]"')):
        TextOptions(tokenizer="jieba")
    with pytest.raises(WordlabError, match="--t2s needs"):
        TextOptions(t2s=True)
    (tmp_path / "raw.txt").write_text("我爱北京\n", encoding="utf-8")
    args = ["--input", str(tmp_path / "raw.txt"), "--output", str(tmp_path / "seg.txt")]
    assert main(["segment", *args, "--tokenizer", "jieba"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and 'pip install "wordlab[zh]"' in err[0]


@needs_opencc
def test_t2s_converts_traditional_to_simplified():
    assert TextOptions(tokenizer="char", t2s=True).tokenize("漢字轉換") == ["汉", "字", "转", "换"]


# -- jieba ---------------------------------------------------------------------------------------


def _jieba_tokens(tokenizer, text: str) -> list[str]:
    """jieba's own tokens, without whitespace and NUL (separators for wordlab's corpus encoder)."""
    return [w for w in tokenizer.cut(text) if not w.isspace() and w != "\x00"]


@needs_jieba
def test_jieba_kernel_equals_jieba_on_hand_made_and_real_text():
    import jieba

    lines = [
        MIXED,
        "结婚的和尚未结婚的",
        "他来到了网易杭研大厦，C++和Python 3.10都好用，占比12.5%。",
        "ａｂｃ１２３ＡＢＣ——“引号”……",
        "",
        "   ",
        "😀表情和\ttab以及\x00空字符",
        *_raw_people_daily(400),
    ]
    ref = jieba.Tokenizer()
    options = TextOptions(tokenizer="jieba")
    for line in lines:
        assert options.tokenize(line) == _jieba_tokens(ref, line), line


@needs_jieba
def test_jieba_threads_and_pieces_give_the_same_tokens(monkeypatch):
    from wordlab import tokenizers

    text = "\n".join(_raw_people_daily(300))
    whole = tokenizers.jieba_segmenter().segment(text, 1)
    monkeypatch.setattr(tokenizers, "_PIECE_CHARS", 500)  # many pieces, cut at newlines
    assert tokenizers.jieba_segmenter().segment(text, 2) == whole
    spaced = text.replace("\n", "  ")  # no newline: cut at other whitespace
    one_line = tokenizers.jieba_segmenter().segment(spaced, 2)
    assert one_line.split() == whole.split()


@needs_jieba
def test_user_dict_words_are_kept_and_bad_files_named(tmp_path):
    import jieba

    text = "他喜欢去长沙岳麓书院和橘子洲头看看"
    udict = tmp_path / "user.txt"
    udict.write_text("岳麓书院 10\n橘子洲头\n", encoding="utf-8")
    options = TextOptions(tokenizer="jieba", user_dict=str(udict))
    ref = jieba.Tokenizer()
    ref.load_userdict(str(udict))
    assert options.tokenize(text) == _jieba_tokens(ref, text)
    assert "岳麓书院" in options.tokenize(text) and "橘子洲头" in options.tokenize(text)
    bad = tmp_path / "bad.txt"
    bad.write_bytes("好词 3\n".encode() + b"\xff\xfe 1\n")
    with pytest.raises(WordlabError, match=re.escape(f"{bad}:2: not valid UTF-8")):
        TextOptions(tokenizer="jieba", user_dict=str(bad)).tokenize(text)


@needs_jieba
def test_segmented_corpus_is_cached_and_reused(tmp_path, monkeypatch):
    from wordlab import tokenizers

    raw = tmp_path / "raw.txt"
    raw.write_text("\n".join(_raw_people_daily(200)) + "\n", encoding="utf-8")
    options = TextOptions(tokenizer="jieba")
    first = encode_corpus(raw, tmp_path / "enc", options, progress=False)
    ref_tokens = [
        w for line in raw.read_text(encoding="utf-8").split("\n") for w in options.tokenize(line)
    ]
    assert first.n_tokens == len(ref_tokens)
    assert [first.words[i] for i in np.asarray(first.tokens[:50])] == ref_tokens[:50]

    def no_segmenting(*args, **kwargs):
        raise AssertionError("the cached segmentation should have been reused")

    monkeypatch.setattr(tokenizers.JiebaSegmenter, "segment", no_segmenting)
    again = encode_corpus(raw, tmp_path / "enc", options, progress=False)
    assert again.n_tokens == first.n_tokens and again.words == first.words
    # other text options are another encoding
    with pytest.raises(AssertionError, match="reused"):
        encode_corpus(raw, tmp_path / "enc", TextOptions(tokenizer="jieba", normalize="nfkc"))


@needs_jieba
def test_segment_command_writes_jieba_words(tmp_path, capsys):
    import jieba

    lines = _raw_people_daily(100)
    raw = tmp_path / "raw.txt"
    raw.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "seg.txt"
    base = ["segment", "--input", str(raw), "--tokenizer", "jieba"]
    assert main([*base, "--output", str(out), "--threads", "2"]) == 0
    ref = jieba.Tokenizer()
    got = out.read_text(encoding="utf-8").split("\n")[:-1]
    assert got == [" ".join(_jieba_tokens(ref, line)) for line in lines]
    assert "characters/s" in capsys.readouterr().err
    assert main([*base, "--output", str(tmp_path)]) == 2  # a folder: refused before any work
    assert "is a folder" in capsys.readouterr().err


# -- CA8 ------------------------------------------------------------------------------------------

CA8_SEMANTIC = """: geography
北京 中国 东京 日本
北京 中国 巴黎 法国
: people
父亲 母亲 儿子 女儿
"""
CA8_MORPHOLOGICAL = """: A
看 看看 听 听听
: prefix
老 老虎 小 小虎
"""


def _ca8_vectors():
    """Vectors in which the semantic questions are answerable and the morphological ones not."""
    from wordlab.vectors import Vectors

    words = [
        "北京",
        "中国",
        "东京",
        "日本",
        "巴黎",
        "法国",
        "父亲",
        "母亲",
        "儿子",
        "女儿",
        "看",
        "看看",
        "听",
    ]
    rng = np.random.default_rng(0)
    capital, country = rng.normal(size=8), rng.normal(size=8)
    base = {w: rng.normal(size=8) * 0.1 for w in words}
    for city, land in (("北京", "中国"), ("东京", "日本"), ("巴黎", "法国")):
        place = rng.normal(size=8)
        base[city] = place + capital
        base[land] = place + country
    return Vectors(words, np.array([base[w] for w in words], dtype=np.float32))


def test_ca8_sections_carry_their_category_and_group(tmp_path, capsys):
    from wordlab.evaluation.analogy import evaluate_analogy
    from wordlab.evaluation.datasets import read_analogies, read_analogy_sets

    sem, mor = tmp_path / "zh-ca8-semantic.txt", tmp_path / "zh-ca8-morphological.txt"
    sem.write_text(CA8_SEMANTIC, encoding="utf-8")
    mor.write_text(CA8_MORPHOLOGICAL, encoding="utf-8")
    d = read_analogies(mor)
    assert [(s.name, s.category, len(s.questions)) for s in d.sections] == [
        ("A", "morphological", 1), ("prefix", "morphological", 1),
    ]  # fmt: skip
    assert d.sections[1].line_numbers == [4]
    both = read_analogy_sets([sem, mor])
    assert [s.category for s in both.sections] == ["semantic"] * 2 + ["morphological"] * 2
    r = evaluate_analogy(_ca8_vectors(), both, restrict_vocab=None)
    by_name = {s.name: s for s in r.sections}
    assert (by_name["geography"].used, by_name["people"].used) == (2, 1)
    assert (by_name["A"].used, by_name["A"].skipped, by_name["prefix"].skipped) == (0, 1, 1)
    assert r.semantic.name == "semantic" and r.syntactic.name == "morphological"
    assert r.semantic.correct == by_name["geography"].correct + by_name["people"].correct
    assert r.semantic.used == 3 and r.syntactic.skipped == 2 and r.total.questions == 5
    assert by_name["geography"].correct == 2  # the planted capital -> country offset
    # the command: per file, then the two files together, coverage printed
    vec = tmp_path / "v.txt"
    _ca8_vectors().save(vec, "word2vec")
    assert main(["eval", str(vec), "--analogy", str(sem), str(mor), "--restrict-vocab", "0"]) == 0
    out = capsys.readouterr().out
    assert "every word" in out and "analogy, all 2 files" in out
    assert re.search(r"morphological\s+-\s+0\s+0\s+2", out)
    assert "coverage: 60.00% of 5 questions" in out


def test_google_files_keep_the_gram_rule(tmp_path):
    from wordlab.evaluation.datasets import read_analogies

    path = tmp_path / "questions-words.txt"
    path.write_text(": capital\na b c d\n: gram1-x\ne f g h\n")
    assert [s.category for s in read_analogies(path).sections] == [None, None]


# -- NER ------------------------------------------------------------------------------------------


def test_two_column_reader_and_its_errors(tmp_path):
    from wordlab.evaluation.ner.conll import read_conll

    good = tmp_path / "msra.txt"
    good.write_text("我\tO\n去\tO\n北\tB-LOC\n京\tI-LOC\n\n　\tO\n张\tB-PER\n", encoding="utf-8")
    sents = read_conll(good)
    assert [s.words for s in sents] == [["我", "去", "北", "京"], ["　", "张"]]
    assert sents[0].tags == ["O", "O", "B-LOC", "I-LOC"] and sents[1].line == 6
    assert sents[0].columns == [(), (), (), ()]
    cases = {
        "我\tO\n去\tO\tX\n": "2: expected 2 columns",
        "我\tO\n去\tB-\n": "2: tag 'B-' is not O",
        "我\tO\n\tO\n": "2: empty token",
        "我\n": "1: expected at least 2 columns",
    }
    for text, message in cases.items():
        bad = tmp_path / "bad.txt"
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(WordlabError, match=re.escape(f"{bad}:{message}")):
            read_conll(bad)


def test_msra_slice_reads_as_characters_and_picks_char_features():
    from wordlab.evaluation.ner.chars import resolve_features
    from wordlab.evaluation.ner.conll import read_conll
    from wordlab.evaluation.ner.settings import NerSettings

    path = _data("ner", "msra", "dev.txt.xz")
    sents = read_conll(path)
    with lzma.open(path, "rt", encoding="utf-8") as fh:
        rows = [line.rstrip("\n").split("\t") for line in fh]
    tokens = [r for r in rows if r != [""]]
    assert sum(len(s) for s in sents) == len(tokens)
    assert [w for s in sents for w in s.words] == [r[0] for r in tokens]
    assert resolve_features(NerSettings(), sents[:200]).features == "char"


def _planted_ner(n: int, seed: int):
    """Sentences of characters with planted person and place names in fixed frames."""
    from wordlab.evaluation.ner.conll import Sentence

    rng = np.random.default_rng(seed)
    people, places = ["张伟", "李娜", "王芳", "刘洋"], ["北京", "上海", "广州", "深圳"]
    filler = list("今天我们的在了和是有这个大学公司开会")
    out = []
    for _ in range(n):
        who, where = people[rng.integers(4)], places[rng.integers(4)]
        pre, post = (str(c) for c in rng.choice(filler, 2)), (str(c) for c in rng.choice(filler, 2))
        words = [*pre, *who, "去", *where, *post]
        tags = ["O"] * 2 + ["B-PER", "I-PER", "O", "B-LOC", "I-LOC"] + ["O"] * 2
        out.append(Sentence(words=words, columns=[()] * len(words), tags=tags))
    return out


def test_char_features_learn_planted_chinese_entities(tmp_path):
    from wordlab.evaluation.ner import NerSettings, run_ner

    settings = NerSettings(c2=(0.1,), max_iterations=(20,))
    r = run_ner(_planted_ner(150, 1), _planted_ner(40, 2), _planted_ner(40, 3), settings=settings,
                save_dir=tmp_path / "taggers", quiet=True)  # fmt: skip
    assert r["settings"]["features"] == "char"
    assert r["configurations"][0]["test"]["overall"]["f1"] == 100.0
    from wordlab.evaluation.ner import NerTagger

    tagger = NerTagger.load(tmp_path / "taggers" / "discrete")
    assert tagger.settings.features == "char"


def test_vectors_with_char_features_keep_their_clusters_when_saved(tmp_path):
    from wordlab.evaluation.ner import NerSettings, NerTagger, run_ner
    from wordlab.evaluation.ner.embedders import StaticEmbedder
    from wordlab.vectors import Vectors

    train, dev, test = _planted_ner(120, 1), _planted_ner(30, 2), _planted_ner(30, 3)
    chars = sorted({c for s in train for c in s.words})
    rng = np.random.default_rng(0)
    vectors = Vectors(chars, rng.normal(size=(len(chars), 6)).astype(np.float32))
    settings = NerSettings(c2=(0.1,), max_iterations=(10,), vector_clusters=(3, 8))
    r = run_ner(train, dev, test, [StaticEmbedder(vectors, name="chars")], settings=settings,
                baseline=False, save_dir=tmp_path / "t", quiet=True)  # fmt: skip
    assert r["settings"]["vector_scale"] == 0.1  # character features: Turian et al.'s scale
    tagger = NerTagger.load(tmp_path / "t" / "chars", embedders=[StaticEmbedder(vectors)])
    assert [c.shape for c in tagger.centroids[0]] == [(3, 6), (8, 6)]
    items = next(tagger._featurizer.items(test[:1]))
    assert any(k.startswith("e0:k1:0=") for k in items[0])  # cluster ids are features
    assert 0 < sum(k.startswith("e0:0:") for k in items[0]) == 6  # and the dense vector too
    assert r["configurations"][0]["test"]["overall"]["f1"] == tagger.evaluate(test)["overall"]["f1"]


def test_word_vectors_reach_characters_by_position():
    from wordlab.evaluation.ner.embedders import CharWordEmbedder, StaticEmbedder
    from wordlab.vectors import Vectors

    words = ["北京", "大学", "北", "我", "北京大学生"]
    matrix = np.arange(len(words) * 3, dtype=np.float32).reshape(len(words), 3) + 1
    emb = CharWordEmbedder.wrap(StaticEmbedder(Vectors(words, matrix), name="w"))
    sentence = list("我在北京大学北边")
    rows = emb.rows(sentence)
    # longest match left to right: 我 | 在 (unknown) | 北京 | 大学 | 北 | 边 (unknown)
    assert rows.tolist() == [3, 5, 0, 0, 1, 1, 2, 5]
    vecs = emb.embed([sentence])[0]
    assert np.array_equal(vecs[2], matrix[0]) and np.array_equal(vecs[3], matrix[0])
    assert not vecs[1].any() and emb.oov_mask([sentence])[0].tolist() == [
        False, True, False, False, False, False, False, True,
    ]  # fmt: skip


# -- classification -------------------------------------------------------------------------------


def _planted_reviews(path: Path, n: int, seed: int) -> list[str]:
    """Raw Chinese reviews (no spaces): the label is planted in which characters appear."""
    rng = np.random.default_rng(seed)
    topics = {"书籍": "书页作者故事情节", "水果": "甜酸新鲜果汁口感", "酒店": "房间前台早餐床位"}
    noise = "的了很是也都还不错一般"
    labels = []
    with open(path, "w", encoding="utf-8") as fh:
        for _ in range(n):
            label = list(topics)[rng.integers(3)]
            chars = list(rng.choice(list(topics[label]), 4)) + list(rng.choice(list(noise), 6))
            rng.shuffle(chars)
            fh.write(f"__label__{label} {''.join(chars)}\n")
            labels.append(label)
    return labels


@pytest.mark.parametrize("tokenizer", ["char", "jieba"])
def test_classifier_learns_planted_labels_from_raw_chinese(tmp_path, tokenizer):
    if tokenizer == "jieba" and not HAS_JIEBA:
        pytest.skip('jieba not installed: pip install "wordlab[zh]"')
    from wordlab.models.classifier import Classifier

    _planted_reviews(tmp_path / "train.txt", 600, 1)
    _planted_reviews(tmp_path / "test.txt", 200, 2)
    model = tmp_path / "clf.wordlab"
    args = ["classify", "train", "--input", str(tmp_path / "train.txt"), "--output", str(model),
            "--tokenizer", tokenizer, "--epochs", "10", "--lr", "0.5", "--dim", "10", "--quiet"]  # fmt: skip
    assert main(args) == 0
    clf = Classifier.load(model)
    assert clf.settings.tokenizer == tokenizer
    if tokenizer == "char":  # every single character is a word of the model
        assert "书" in clf.words and "书页" not in clf.words
    result = clf.test(tmp_path / "test.txt")
    assert result.n == 200 and result.precision >= 0.95
    # raw text predicts with the saved tokenizer
    assert clf.predict(["这本书的作者故事很好"])[0][0][0] == "__label__书籍"
    assert clf.predict(["早餐和房间都不错"])[0][0][0] == "__label__酒店"


def test_fasttext_lang_zh_sets_character_ngrams(tmp_path):
    from wordlab.models.fasttext import FastText

    corpus = tmp_path / "c.txt"
    corpus.write_text("中国 人民 中国人 人民 北京 北京人 中国\n" * 30, encoding="utf-8")
    out = tmp_path / "ft"
    base = ["fasttext", "--input", str(corpus), "--output", str(out), "--epochs", "1",
            "--dim", "5", "--bucket", "1000", "--min-count", "1", "--quiet"]  # fmt: skip
    assert main([*base, "--lang", "zh"]) == 0
    s = FastText.load(out / "model.wordlab").settings
    assert (s.minn, s.maxn) == (1, 2)
    assert main([*base, "--output", str(tmp_path / "ft2"), "--lang", "zh", "--maxn", "3"]) == 0
    s = FastText.load(tmp_path / "ft2" / "model.wordlab").settings
    assert (s.minn, s.maxn) == (1, 3)


def test_experiment_lang_zh_uses_the_chinese_sets(tmp_path):
    from wordlab.cli import build_parser
    from wordlab.commands.experiment import config_from
    from wordlab.evaluation.datasets import read_analogy_sets

    data = _data()
    corpus = _data("corpora", "zh-peoples-daily-1998.seg.txt.xz")
    base = [
        "experiment",
        "all",
        "--corpus",
        str(corpus),
        "--out",
        str(tmp_path),
        "--data",
        str(data),
    ]
    c = config_from(build_parser("experiment").parse_args([*base, "--lang", "zh"]))
    assert [p.name for p in c.analogy] == ["zh-ca8-semantic.txt", "zh-ca8-morphological.txt"]
    assert sorted(c.similarity) == ["WS240", "WS297"] and c.ner_dir == data / "ner" / "msra"
    sets = read_analogy_sets(list(c.analogy))
    assert {s.category for s in sets.sections} == {"semantic", "morphological"}
    english = config_from(build_parser("experiment").parse_args(base))
    assert english.analogy.name == "questions-words.txt" and "WS353" in english.similarity


@needs_jieba
def test_corpus_prefix_of_raw_chinese_counts_jieba_words(tmp_path):
    from wordlab.experiments.runner import write_prefix

    lines = _raw_people_daily(50)
    raw = tmp_path / "raw.txt"
    raw.write_text("\n".join(lines) + "\n", encoding="utf-8")
    options = TextOptions(tokenizer="jieba")
    words = [w for line in lines for w in options.tokenize(line)]
    target = len(words) // 3
    assert write_prefix(raw, tmp_path / "prefix.txt", target, options) == target
    prefix = (tmp_path / "prefix.txt").read_text(encoding="utf-8").split("\n")
    assert sum(len(options.tokenize(line)) for line in prefix) == target
