"""Bad input files through the command line: exit status 2, one line `wordlab CMD: error: ...`
naming the file and the line (or byte offset), never a traceback. Duplicates are one warning.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from wordlab.cli import main

SIMILARITY = "old\tnew\t1.58\ncat\tdog\t7.5\nbig\tlarge\t9\n"
ANALOGY = ": family\nboy girl man woman\n"
CONLL = "EU NNP I-ORG\nrejects VBZ O\n\nPeter NNP I-PER\nspoke VBD O\n"


def _fails(capsys, argv: list[str], *fragments: str) -> str:
    """Run `wordlab argv`; check exit 2 and one error line holding every fragment; return it."""
    status = main(argv)
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert status == 2, err
    assert len(lines) == 1, err
    command = argv[0]
    assert lines[0].startswith(f"wordlab {command}: error: "), err
    assert "Traceback" not in err and "internal error" not in err, err
    for fragment in fragments:
        assert fragment in lines[0], err
    return lines[0]


def _write(path: Path, content: str | bytes) -> str:
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return str(path)


def _binary(words: list[str], rows: list[list[float]], header: str | None = None) -> bytes:
    dim = len(rows[0])
    out = (header or f"{len(words)} {dim}").encode() + b"\n"
    for w, row in zip(words, rows, strict=True):
        out += w.encode() + b" " + struct.pack(f"<{dim}f", *row) + b"\n"
    return out


# ---- vectors files -----------------------------------------------------------------------------

BAD_VECTORS = [
    # (file name, content, fragments of the message)
    ("short.txt", "2 3\na 1 2 3\nb 1 2\n", ["short.txt:3:", "3 numbers, got 2"]),
    ("long.txt", "2 3\na 1 2 3\nb 1 2 3 4\n", ["long.txt:3:", "3 numbers, got 4"]),
    ("glove.txt", "a 1 2\nb 1 2\nc 1\n", ["glove.txt:3:", "2 numbers, got 1", "line 1 has 2"]),
    ("glove_long.txt", "a 1 2\nb 1 2 3\n", ["glove_long.txt:2:", "2 numbers, got 3"]),
    ("nan.txt", "2 2\na 1 2\nb nan 2\n", ["nan.txt:3:", "finite"]),
    ("inf.txt", "a 1 2\nb -inf 2\n", ["inf.txt:2:", "finite"]),
    ("overflow.txt", "a 1 2\nb 1 1e39\n", ["overflow.txt:2:", "finite"]),
    ("more.txt", "1 2\na 1 2\nb 3 4\n", ["more.txt:3:", "promises 1 vectors", "more"]),
    ("fewer.txt", "3 2\na 1 2\nb 3 4\n", ["fewer.txt", "promises 3 vectors", "ends after 2"]),
    ("dim0.txt", "2 0\na\nb\n", ["dim0.txt:1:", "dimension 0"]),
    ("empty.txt", "0 3\n", ["empty.txt", "no vectors"]),
    # a bad first row was taken for binary data ("looks like a word2vec binary file")
    ("row2.txt", "2 3\na 1 2\nb 1 2 3\n", ["row2.txt:2:", "3 numbers, got 2"]),
    ("word_only.txt", "2 3\na\nb 1 2 3\n", ["word_only.txt:2:", "3 numbers, got 0"]),
    ("notnum.txt", "2 3\na 1 x 3\nb 1 2 3\n", ["notnum.txt:2:", "not a number"]),
    ("model.bin", b"\xba\x16\x4f\x2f\x0c\x00\x00\x00" * 8, ["model.bin", "not a vectors file"]),
]


@pytest.mark.parametrize(("name", "content", "fragments"), BAD_VECTORS)
def test_bad_vectors_files(tmp_path, capsys, name, content, fragments):
    path = _write(tmp_path / name, content)
    _fails(capsys, ["nn", path, "a"], *fragments)


def test_bad_binary_vectors_name_the_byte(tmp_path, capsys):
    good = _binary(["a", "b", "c"], [[1, 2], [3, 4], [5, 6]])
    cut = _write(tmp_path / "cut.bin", good[:-5])
    _fails(capsys, ["nn", cut, "a"], "cut.bin", "ends after 2", f"byte {len(good) - 5}")
    nan = _write(tmp_path / "nan.bin", _binary(["a", "b"], [[1, 2], [3, float("nan")]]))
    _fails(capsys, ["nn", nan, "a"], "nan.bin: byte 15:", "'b'", "finite")
    more = _write(tmp_path / "more.bin", _binary(["a", "b", "c"], [[1, 2], [3, 4], [5, 6]], "2 2"))
    _fails(capsys, ["nn", more, "a"], "more.bin: byte 26:", "promises 2 vectors", "more data")
    dim0 = _write(tmp_path / "dim0.bin", b"2 0\na \nb \n")
    _fails(capsys, ["nn", dim0, "a", "--format", "word2vec-binary"], "dim0.bin:1:", "dimension 0")
    # a word that is not one: the records do not line up with the header's dim
    bad = _write(tmp_path / "bad.bin", b"2 2\n \x00\x00\x80?\x00\x00\x00@\nb " + b"\x00" * 8)
    _fails(capsys, ["nn", bad, "a"], "bad.bin: byte 4:", "expected the word of vector 1")
    # a text file read as binary, a binary one read as text: the message says which is which
    text = _write(tmp_path / "v.txt", "2 2\na 1 2\nb 3 4\n")
    _fails(capsys, ["nn", text, "a", "--format", "word2vec-binary"], "text")
    binary = _write(tmp_path / "v.bin", good)
    _fails(capsys, ["nn", binary, "a", "--format", "word2vec"], "binary")


def test_duplicate_words_are_one_warning(tmp_path, capsys):
    path = _write(tmp_path / "dup.txt", "a 1 0\nb 0 1\na 5 5\nc 1 1\nb 2 2\nd 1 0\n")
    assert main(["nn", path, "a"]) == 0
    captured = capsys.readouterr()
    assert captured.err.strip().splitlines() == [
        f"wordlab: warning: {path}: 2 duplicate words skipped (each word keeps its first vector)"
    ]
    assert "d" in captured.out


def test_zero_vectors_evaluate_without_a_traceback(tmp_path, capsys):
    vectors = _write(tmp_path / "z.txt", "old 0 0\nnew 0 0\ncat 0 0\ndog 0 0\nbig 1 0\n")
    sim = _write(tmp_path / "sim.tsv", SIMILARITY)
    ana = _write(tmp_path / "ana.txt", ": s\nold new cat dog\nbig old new cat\n")
    assert main(["eval", vectors, "--similarity", sim, "--analogy", ana]) == 0
    assert "Traceback" not in capsys.readouterr().err
    assert main(["nn", vectors, "old"]) == 0
    assert "0.0000" in capsys.readouterr().out


# ---- similarity and analogy sets -------------------------------------------------------------

BAD_SIMILARITY = [
    ("extra.tsv", "old\tnew\t1.5\ncat\tdog\t7.5\tanimals\n", ["extra.tsv:2:", "4 fields"]),
    ("words.txt", "old new 1.5\nnew york city 7\n", ["words.txt:2:", "not a number: 'city'"]),
    ("score.tsv", "old\tnew\t1.5\ncat\tdog\thigh\n", ["score.tsv:2:", "not a number: 'high'"]),
    ("nan.tsv", "old\tnew\tnan\ncat\tdog\t2\n", ["nan.tsv:1:", "not finite: 'nan'"]),
    ("inf.csv", "w1,w2,score\nold,new,1\ncat,dog,inf\n", ["inf.csv:3:", "not finite: 'inf'"]),
    ("few.tsv", "old\tnew\t1\ncat\tdog\n", ["few.tsv:2:", "2 fields"]),
]


@pytest.mark.parametrize(("name", "content", "fragments"), BAD_SIMILARITY)
def test_bad_similarity_files(tmp_path, capsys, name, content, fragments):
    vectors = _write(tmp_path / "v.txt", "old 1 0\nnew 0 1\ncat 1 1\ndog 1 2\n")
    path = _write(tmp_path / name, content)
    _fails(capsys, ["eval", vectors, "--similarity", path], *fragments)


@pytest.mark.parametrize(
    ("content", "line", "found"),
    [("boy girl man\n", 1, 3), (": s\na b c d\na b c d e\n", 3, 5), (": s\n\na\n", 3, 1)],
)
def test_bad_analogy_files(tmp_path, capsys, content, line, found):
    vectors = _write(tmp_path / "v.txt", "a 1 0\nb 0 1\nc 1 1\nd 1 2\n")
    path = _write(tmp_path / "q.txt", content)
    _fails(capsys, ["eval", vectors, "--analogy", path], f"q.txt:{line}:", f"got {found}")


# ---- CoNLL files -------------------------------------------------------------------------------

BAD_CONLL = [
    ("iobes.conll", "EU NNP S-ORG\nrejects VBZ O\n", ["iobes.conll:1:", "'S-ORG'"]),
    ("tag.conll", "EU NNP I-ORG\n\nPeter NNP PER\n", ["tag.conll:3:", "'PER'"]),
    ("bare.conll", "EU NNP I-ORG\nrejects VBZ B-\n", ["bare.conll:2:", "'B-'"]),
    ("cols.conll", "EU NNP I-ORG\nrejects O\n", ["cols.conll:2:", "expected 3 columns"]),
    ("wide.conll", "EU I-ORG\n\nPeter NNP I-PER\n", ["wide.conll:3:", "expected 2 columns"]),
    ("one.conll", "EU\nrejects\n", ["one.conll:1:", "at least 2 columns"]),
    ("empty.conll", "\n-DOCSTART- -X- O\n\n", ["empty.conll", "no tokens"]),
]


@pytest.mark.parametrize(("name", "content", "fragments"), BAD_CONLL)
def test_bad_conll_files(tmp_path, capsys, name, content, fragments):
    good = _write(tmp_path / "good.conll", CONLL)
    bad = _write(tmp_path / name, content)
    _fails(capsys, ["ner", "--train", bad, "--dev", good, "--test", good], *fragments)


# ---- classification files ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "fragments"),
    [
        ("a good film\na bad one\n", ["no labels found", "__label__"]),
        ("__label__pos\n__label__neg\n", ["no words to learn from"]),
        (b"__label__pos good \xff film\n", ["invalid UTF-8 at byte 18"]),
        ("", ["the training file is empty"]),
    ],
)
def test_bad_classification_files(tmp_path, capsys, content, fragments):
    path = _write(tmp_path / "train.txt", content)
    out = str(tmp_path / "model")
    _fails(capsys, ["classify", "train", "--input", path, "--output", out], "train.txt", *fragments)


# ---- compressed inputs, damaged mid-stream -----------------------------------------------------


def _damaged(data: bytes, suffix: str) -> bytes:
    """`data` compressed, then cut short (.gz, .xz) or with a byte changed mid-stream (.bz2)."""
    packed = {".gz": gzip.compress, ".xz": lzma.compress, ".bz2": bz2.compress}[suffix](data)
    if suffix == ".bz2":
        middle = len(packed) // 2
        return packed[:middle] + bytes([packed[middle] ^ 0xFF]) + packed[middle + 1 :]
    return packed[: len(packed) * 2 // 3]


def _long(text: str, times: int = 3000) -> bytes:
    return (text * times).encode("utf-8")  # long enough for an error well after the start


@pytest.mark.parametrize("suffix", [".gz", ".xz", ".bz2"])
def test_damaged_compressed_inputs(tmp_path, capsys, suffix):
    def damaged(name: str, content: bytes) -> str:
        return _write(tmp_path / (name + suffix), _damaged(content, suffix))

    rows = "".join(f"w{i} {i} 1 2\n" for i in range(3000)).encode()
    vectors = damaged("v.txt", rows)
    _fails(capsys, ["nn", vectors, "w1"], vectors)
    good_vectors = _write(tmp_path / "good.txt", "old 1 0\nnew 0 1\n")
    sim = damaged("sim.tsv", _long(SIMILARITY))
    _fails(capsys, ["eval", good_vectors, "--similarity", sim], sim)
    ana = damaged("ana.txt", _long("boy girl man woman\n"))
    _fails(capsys, ["eval", good_vectors, "--analogy", ana], ana)
    conll = damaged("train.conll", _long(CONLL + "\n"))
    good = _write(tmp_path / "good.conll", CONLL)
    _fails(capsys, ["ner", "--train", conll, "--dev", good, "--test", good], conll)
    labelled = damaged("train.txt", _long("__label__pos a good film\n"))
    model = str(tmp_path / "model")
    _fails(capsys, ["classify", "train", "--input", labelled, "--output", model], labelled)
    corpus = damaged("corpus.txt", _long("the king rules the land\n", 20000))
    cache = str(tmp_path / "cache")
    vocab = str(tmp_path / "vocab.txt")
    argv = ["vocab", "--input", corpus, "--output", vocab, "--corpus-cache", cache, "--quiet"]
    _fails(capsys, argv, corpus)
    assert not Path(vocab).exists()


def test_one_line_from_a_real_process(tmp_path):
    path = _write(tmp_path / "nan.txt", "2 2\na 1 2\nb nan 2\n")
    result = subprocess.run(
        [sys.executable, "-m", "wordlab", "nn", path, "a"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"wordlab nn: error: {path}:3: number 1 is nan: vectors must be finite float32 numbers "
        "(no nan or inf, |x| < 3.4e38)"
    ]
