"""Every input reader, fed random bytes, cut or damaged files (plain, .gz, .xz, .bz2): only
WordlabError comes out, and what does load is whole (every value finite, words and rows agree).

Each test draws a file from a valid one of its reader: random bytes, a truncation at a random
offset, a few bytes replaced, inserted or deleted, or whole tokens and lines edited (nan, huge
numbers, stray tags); compressed cases damage the compressed bytes or compress damaged text. Examples are bounded so the file runs in well under a minute, and
Hypothesis keeps no example database (conftest puts its cache under pytest's temporary folder).
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import math
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wordlab.corpus import load_corpus
from wordlab.errors import WordlabError
from wordlab.evaluation.datasets import read_analogies, read_similarity
from wordlab.evaluation.ner.conll import TAG_RE, read_conll
from wordlab.modelio import load_model, pack_words, save_model, unpack_words
from wordlab.models.labelled import read_tokens
from wordlab.textread import TextOptions
from wordlab.vectors import Vectors
from wordlab.wordcounts import read_word_counts

CODECS: dict[str, Callable[[bytes], bytes] | None] = {
    "": None,
    ".gz": lambda b: gzip.compress(b, mtime=0),  # fixed bytes: Hypothesis replays its draws
    ".xz": lzma.compress,
    ".bz2": bz2.compress,
}
# bytes that matter to text parsers, drawn more often than chance would
INTERESTING = b" \t\n\r0123456789.-+eEnaif,:#_\x00\x0b\x7f\x80\xc3\xff"
# tokens that test a parser's checks: non-finite and huge numbers, tags, labels, markers
TOKENS = [
    *(b"nan", b"inf", b"-Infinity", b"1e39", b"0", b"00", b"1", b"-1.5", b"x", b""),
    *(b"99999999999999999999", b"O", b"B-", b"I-LOC", b"E-PER", b"-DOCSTART-", b":"),
    *(b"#", b",", b"a,b", b"__label__x", b"\xff", b"\xc3", b"\x00"),
]
SETTINGS = settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _vectors() -> Vectors:
    rng = np.random.default_rng(0)
    words = ["the", "king", "queen", "ünïcode", "man", "woman"]
    return Vectors(words, rng.normal(size=(len(words), 3)).astype(np.float32))


def _vectors_file(fmt: str) -> Callable[[Path], bytes]:
    def make(folder: Path) -> bytes:
        _vectors().save(folder / "valid", fmt)
        return (folder / "valid").read_bytes()

    return make


def _check_vectors(v: Vectors) -> None:
    assert len(v.words) == v.matrix.shape[0] > 0 and v.matrix.shape[1] > 0
    assert len(set(v.words)) == len(v.words)
    assert np.isfinite(v.matrix).all()


def _vectors_reader(fmt: str) -> Callable[[Path], None]:
    """Vectors.load (detected format, and `fmt` with a limit), and load_word2vec_format."""
    binary, no_header = fmt == "word2vec-binary", fmt == "glove"
    calls = [
        lambda p: Vectors.load(p),
        lambda p: Vectors.load(p, fmt=fmt, limit=3, encoding_errors="replace"),
        lambda p: Vectors.load_word2vec_format(p, binary=binary, no_header=no_header),
    ]

    def read(path: Path) -> None:
        errors = []
        for call in calls:  # each call on its own: the second runs even if the first failed
            try:
                _check_vectors(call(path))
            except WordlabError as exc:
                errors.append(exc)
        if errors:
            raise errors[0]

    return read


def _similarity(path: Path) -> None:
    d = read_similarity(path)
    assert d.pairs and all(a and b and math.isfinite(s) for a, b, s in d.pairs)


def _analogies(path: Path) -> None:
    d = read_analogies(path)
    assert d.n_questions > 0
    assert all(len(q) == 4 for s in d.sections for q in s.questions)


def _conll(path: Path) -> None:
    sentences = read_conll(path)
    assert sentences
    widths = {len(c) for s in sentences for c in s.columns}
    assert len(widths) == 1
    assert all(TAG_RE.match(t) for s in sentences for t in s.tags or ["missing"])


def _tokens(path: Path) -> None:
    tokens = read_tokens(path)
    assert len(tokens.distinct) == len(tokens.counts)


def _corpus(path: Path) -> None:
    corpus = load_corpus(path, TextOptions(), cache_dir=path.parent / "cache", progress=False)
    assert corpus.n_tokens > 0 and len(corpus.words) == len(corpus.counts)
    assert int(corpus.tokens.max()) < len(corpus.words)


def _word_counts(path: Path) -> None:
    words, counts = read_word_counts(path)
    assert len(words) == len(counts)


def _model_file(folder: Path) -> bytes:
    arrays = {
        "wi": np.arange(12, dtype=np.float32).reshape(4, 3),
        "words": pack_words(["a", "b", "c", "d"]),
    }
    path = save_model(folder / "m", arrays, {"kind": "test", "settings": {"dim": 3}})
    return path.read_bytes()


def _model(path: Path) -> None:
    arrays, meta = load_model(path)
    assert isinstance(meta, dict)
    if "words" in arrays:
        unpack_words(arrays["words"])


def _text(content: str) -> Callable[[Path], bytes]:
    return lambda folder: content.encode("utf-8")


# name: (valid file maker, file suffix, reader)
READERS: dict[str, tuple[Callable[[Path], bytes], str, Callable[[Path], None]]] = {
    "vectors-glove": (_vectors_file("glove"), ".txt", _vectors_reader("glove")),
    "vectors-word2vec": (_vectors_file("word2vec"), ".txt", _vectors_reader("word2vec")),
    "vectors-binary": (
        _vectors_file("word2vec-binary"),
        ".bin",
        _vectors_reader("word2vec-binary"),
    ),
    "similarity": (
        _text("# pairs\nold\tnew\t1.58\ncat\tdog\t7.5\nbig\tlarge\t9\n"),
        ".tsv",
        _similarity,
    ),
    "analogy": (
        _text(": family\nboy girl man woman\nking queen man woman\n: gram\na b c d\n"),
        ".txt",
        _analogies,
    ),
    "conll": (
        _text(
            "-DOCSTART- -X- O O\n\nEU NNP I-NP I-ORG\nrejects VBZ I-VP O\n\nPeter NNP B-NP B-PER\n"
        ),
        ".conll",
        _conll,
    ),
    "labelled": (
        _text("__label__pos a good film\n__label__neg a bad film\n__label__pos fine\n"),
        ".txt",
        _tokens,
    ),
    "word counts": (_text("the 120\nking 7\nqueen 5\n"), ".txt", _word_counts),
    "corpus": (_text("the king rules\nthe queen rules\n\nthe end\n"), ".txt", _corpus),
    "model": (_model_file, ".wordlab", _model),
}


def _edited_tokens(data: st.DataObject, valid: bytes) -> bytes:
    """`valid` with whole tokens or lines replaced, added, deleted or repeated (text structure)."""
    lines = valid.split(b"\n")
    for _ in range(data.draw(st.integers(1, 3), label="edits")):
        i = data.draw(st.integers(0, len(lines) - 1))
        op = data.draw(st.sampled_from(["replace", "add", "delete", "repeat line", "drop line"]))
        if op == "repeat line":
            lines.insert(i, lines[i])
            continue
        if op == "drop line" and len(lines) > 1:
            del lines[i]
            continue
        parts = re.split(rb"([ \t])", lines[i])  # tokens at even places, separators between
        k = 2 * data.draw(st.integers(0, len(parts) // 2))
        token = data.draw(st.sampled_from(TOKENS))
        if op == "replace":
            parts[k] = token
        elif op == "add":
            parts[k:k] = [token, b" "]
        elif len(parts) > 1:  # the token and one separator beside it
            start = k if k + 1 < len(parts) else k - 1
            del parts[start : start + 2]
        lines[i] = b"".join(parts)
    return b"\n".join(lines)


def _damaged(data: st.DataObject, valid: bytes) -> bytes:
    """Random bytes, a truncation of `valid`, or `valid` with a few bytes or tokens changed."""
    kind = data.draw(st.sampled_from(["random", "truncate", "corrupt", "tokens"]), label="kind")
    if kind == "random":
        return data.draw(st.binary(max_size=600), label="random")
    if kind == "tokens":
        return _edited_tokens(data, valid)
    if kind == "truncate":
        return valid[: data.draw(st.integers(0, max(len(valid) - 1, 0)), label="cut")]
    out = bytearray(valid)
    byte = st.one_of(st.sampled_from(list(INTERESTING)), st.integers(0, 255))
    for _ in range(data.draw(st.integers(1, 6), label="changes")):
        op = data.draw(st.sampled_from(["replace", "insert", "delete"]))
        i = data.draw(st.integers(0, max(len(out) - 1, 0)))
        if op == "replace" and out:
            out[i] = data.draw(byte)
        elif op == "insert":
            out[i:i] = bytes([data.draw(byte)])
        elif out:
            del out[i]
    return bytes(out)


_VALID: dict[str, bytes] = {}


def _valid(reader: str, folder: Path) -> bytes:
    """The valid file of a reader, made once: the same bytes every example (a zip has a date)."""
    if reader not in _VALID:
        _VALID[reader] = READERS[reader][0](folder)
    return _VALID[reader]


def _write_case(data: st.DataObject, folder: Path, reader: str, codec: str) -> Path:
    suffix = READERS[reader][1]
    valid = _valid(reader, folder)
    compress = CODECS[codec]
    if compress is None:
        content = _damaged(data, valid)
    elif data.draw(st.booleans(), label="damage compressed bytes"):
        content = _damaged(data, compress(valid))
    else:
        content = compress(_damaged(data, valid))
    path = folder / f"case{suffix}{codec}"
    path.write_bytes(content)
    return path


@pytest.mark.parametrize("codec", list(CODECS))
@pytest.mark.parametrize("reader", list(READERS))
def test_valid_files_load(tmp_path, reader, codec):
    make, suffix, read = READERS[reader]
    valid = make(tmp_path)
    compress = CODECS[codec]
    path = tmp_path / f"valid{suffix}{codec}"
    path.write_bytes(compress(valid) if compress else valid)
    if reader == "model" and compress:  # a model file is never compressed: a clear error
        with pytest.raises(WordlabError, match="not a readable model file"):
            read(path)
    else:
        read(path)


@pytest.mark.parametrize("codec", list(CODECS))
@pytest.mark.parametrize("reader", list(READERS))
@SETTINGS
@given(data=st.data())
def test_damaged_files_raise_only_wordlab_error(tmp_path_factory, reader, codec, data):
    with tempfile.TemporaryDirectory(dir=tmp_path_factory.getbasetemp()) as d:
        path = _write_case(data, Path(d), reader, codec)
        try:
            READERS[reader][2](path)
        except WordlabError as exc:
            message = str(exc)
            assert message and "\n" not in message.strip(), message


@pytest.mark.parametrize("fmt", ["glove", "word2vec", "word2vec-binary"])
def test_compressed_vectors_grow_past_the_first_allocation(tmp_path, monkeypatch, fmt):
    import wordlab.vectors_parse as vio

    rng = np.random.default_rng(1)
    v = Vectors([f"w{i}" for i in range(300)], rng.normal(size=(300, 4)).astype(np.float32))
    v.save(tmp_path / "v", fmt)
    (tmp_path / "v.gz").write_bytes(gzip.compress((tmp_path / "v").read_bytes()))
    monkeypatch.setattr(vio, "_INITIAL_BYTES", 64)  # room for 4 rows: the matrix must grow
    loaded = Vectors.load(tmp_path / "v.gz")
    assert loaded.words == v.words
    np.testing.assert_array_equal(loaded.matrix, v.matrix)
    head = Vectors.load(tmp_path / "v.gz", limit=7)  # a limit reads no further: no count check
    np.testing.assert_array_equal(head.matrix, v.matrix[:7])
