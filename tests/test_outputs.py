"""Nothing lost, never a traceback: every writing command checks its outputs before any work.

Each refusal goes through the real command in a subprocess: exit status 2, one stderr line
`wordlab CMD: error: ...` naming the output, no traceback, no corpus encoded (the corpus cache
stays empty: the command failed before reading its input) and nothing under the final name.
A final write that fails after the work (disk full) leaves the result in the temp folder.
"""

from __future__ import annotations

import errno
import lzma
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from conftest import write_planted_corpus

from wordlab.cli import main
from wordlab.commands.common import check_output_file, check_output_folder, save_safely
from wordlab.errors import WordlabError

UNDER_PROC = "/proc/wordlab-test/out"  # cannot be made, not even by root

# command -> (its arguments but the output, the output option, "file" or "folder")
COMMANDS = {
    "word2vec": (["word2vec", "--input", "{corpus}", "--epochs", "1", "--quiet"], "--output", "folder"),
    "fasttext": (["fasttext", "--input", "{corpus}", "--epochs", "1", "--quiet"], "--output", "folder"),
    "glove": (["glove", "--input", "{corpus}", "--epochs", "1", "--quiet"], "--output", "folder"),
    "classify": (["classify", "train", "--input", "{labelled}", "--quiet"], "--output", "file"),
    "vocab": (["vocab", "--input", "{corpus}", "--quiet"], "--output", "file"),
    "cooccur": (["cooccur", "--input", "{corpus}", "--quiet"], "--output", "file"),
    "shuffle": (["shuffle", "--input", "{records}"], "--output", "file"),
    "eval": (["eval", "{vectors}", "--similarity", "{pairs}"], "--json", "file"),
    "experiment": (["experiment", "window", "--corpus", "{corpus}", "--quiet"], "--out", "folder"),
}  # fmt: skip


@pytest.fixture
def inputs(tmp_path: Path) -> dict[str, str]:
    """Small valid inputs for every command."""
    corpus = tmp_path / "corpus.txt"
    write_planted_corpus(corpus, n_lines=200)
    labelled = tmp_path / "labelled.txt"
    labelled.write_text("__label__a x y z\n__label__b u v w\n" * 20, encoding="utf-8")
    records = tmp_path / "cooccurrence.bin"
    rec = np.zeros(50, dtype=[("w1", "<i4"), ("w2", "<i4"), ("v", "<f8")])
    rec["w1"], rec["w2"], rec["v"] = 1, np.arange(1, 51), 1.0
    rec.tofile(records)
    vectors = tmp_path / "vectors.txt"
    vectors.write_text("2 2\ncat 1 0\ndog 0.9 0.1\n", encoding="utf-8")
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("cat dog 8.0\ncat cat 10\ndog dog 9\n", encoding="utf-8")
    return {
        "corpus": str(corpus),
        "labelled": str(labelled),
        "records": str(records),
        "vectors": str(vectors),
        "pairs": str(pairs),
    }


def wordlab(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """Run `wordlab ARGS` in a subprocess with its own corpus cache (tmp_path/cache)."""
    env = {**os.environ, "WORDLAB_CACHE": str(tmp_path / "cache")}
    env.pop("WORDLAB_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "wordlab", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )


def assert_one_line_error(result: subprocess.CompletedProcess, command: str, *named: str) -> str:
    """Exit status 2, exactly one stderr line `wordlab CMD: error: ...` naming each of `named`."""
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    lines = result.stderr.splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"wordlab {command}: error: "), lines[0]
    for name in named:
        assert name in lines[0], lines[0]
    return lines[0]


def assert_refused_before_work(
    tmp_path: Path, command: str, output: Path, inputs: dict[str, str]
) -> str:
    """Run `command` with `output` as its output: refused at once, nothing read or written."""
    args, option, _ = COMMANDS[command]
    argv = [a.format(**inputs) for a in args] + [option, str(output)]
    result = wordlab(tmp_path, *argv)
    line = assert_one_line_error(result, command.split()[0], option, str(output))
    cache = tmp_path / "cache"
    assert not cache.exists() or not any(cache.iterdir()), "the corpus was read before the check"
    leftovers = [
        p for p in tmp_path.rglob("*") if p.name.startswith(".wordlab-probe-") or p.suffix == ".tmp"
    ]
    assert not leftovers
    return line


@pytest.mark.parametrize("command", list(COMMANDS))
def test_output_under_proc_is_refused(tmp_path, inputs, command):
    assert_refused_before_work(tmp_path, command, Path(UNDER_PROC), inputs)
    assert not Path(UNDER_PROC).parent.exists()


@pytest.mark.parametrize("command", list(COMMANDS))
def test_output_inside_a_regular_file_is_refused(tmp_path, inputs, command):
    parent = tmp_path / "a-file"
    parent.write_text("keep me\n")
    line = assert_refused_before_work(tmp_path, command, parent / "out", inputs)
    assert "is a file, not a folder" in line
    assert parent.read_text() == "keep me\n"


@pytest.mark.parametrize("command", list(COMMANDS))
def test_output_of_the_wrong_kind_is_refused(tmp_path, inputs, command):
    """A folder where a file is wanted, a file where a folder is wanted: both left as they were."""
    kind = COMMANDS[command][2]
    if kind == "file":
        output = tmp_path / "a-folder.wordlab"  # classify would add .wordlab to another name
        output.mkdir()
        (output / "inside.txt").write_text("keep me\n")
        assert "is a folder" in assert_refused_before_work(tmp_path, command, output, inputs)
        assert [p.name for p in output.iterdir()] == ["inside.txt"]
    else:
        output = tmp_path / "a-file"
        output.write_text("keep me\n")
        line = assert_refused_before_work(tmp_path, command, output, inputs)
        assert "is not a folder" in line
        assert output.read_text() == "keep me\n"


@pytest.mark.parametrize("command", list(COMMANDS))
def test_output_in_a_read_only_folder_is_refused(tmp_path, inputs, command):
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("running as root: a read-only folder is still writable")
        output = folder / "out"
        assert "cannot write in" in assert_refused_before_work(tmp_path, command, output, inputs)
        assert not output.exists()
    finally:
        folder.chmod(0o700)


def test_eval_checks_json_before_loading_the_vectors(tmp_path):
    """The vectors file does not even exist: the error is still about --json."""
    (tmp_path / "a-file").write_text("")
    result = wordlab(
        tmp_path, "eval", "missing.txt", "--analogy", "q.txt", "--json", "a-file/out.json"
    )
    assert_one_line_error(result, "eval", "--json a-file/out.json")


def test_shuffle_refuses_a_disk_without_room(tmp_path, monkeypatch):
    """shuffle's output is as large as its input: a disk with less free space is refused now."""
    from wordlab.commands import common

    source = tmp_path / "records.bin"
    source.write_bytes(bytes(16 * 1000))

    class Usage:
        free = 100

    monkeypatch.setattr(common.shutil, "disk_usage", lambda path: Usage)
    assert main(["shuffle", "--input", str(source), "--output", str(tmp_path / "out.bin")]) == 2
    assert not (tmp_path / "out.bin").exists()


def test_check_output_helpers_name_the_option_and_the_path(tmp_path):
    (tmp_path / "f").write_text("")
    with pytest.raises(WordlabError, match=r"^--json .*f/x\.json: cannot write there"):
        check_output_file(tmp_path / "f" / "x.json", "--json")
    with pytest.raises(WordlabError, match=r"^--save-model .*f: exists and is not a folder"):
        check_output_folder(tmp_path / "f", "--save-model")
    with pytest.raises(WordlabError, match="exists and is not a regular file"):
        check_output_file("/dev/null")
    with pytest.raises(WordlabError, match="free there"):
        check_output_folder(tmp_path / "new", size=1 << 62)
    assert check_output_file(tmp_path / "new" / "deeper" / "x.txt") == (
        tmp_path / "new" / "deeper" / "x.txt"
    )
    assert (tmp_path / "new" / "deeper").is_dir()
    assert not list((tmp_path / "new" / "deeper").iterdir())  # the probe file is gone


# --- broken corpora: one line naming the file ---


@pytest.fixture
def broken_corpora(tmp_path: Path) -> dict[str, Path]:
    text = "".join(f"word{i % 97} word{i % 13} word{i % 7}\n" for i in range(20000)).encode()
    truncated = tmp_path / "truncated.txt.xz"
    packed = lzma.compress(text)
    truncated.write_bytes(packed[: len(packed) // 2])
    mislabelled = tmp_path / "plain.txt.gz"
    mislabelled.write_bytes(text[:5000])
    return {"truncated": truncated, "mislabelled": mislabelled}


@pytest.mark.parametrize("which", ["truncated", "mislabelled"])
@pytest.mark.parametrize("command", ["word2vec", "vocab"])
def test_a_broken_compressed_corpus_is_one_line(tmp_path, broken_corpora, which, command):
    corpus = broken_corpora[which]
    output = tmp_path / ("out" if command == "word2vec" else "vocab.txt")
    result = wordlab(
        tmp_path, command, "--input", str(corpus), "--output", str(output), "--min-count", "1",
        "--quiet",
    )  # fmt: skip
    assert_one_line_error(result, command, str(corpus))
    if command == "vocab":
        assert not output.exists()
    else:
        assert not [p for p in output.iterdir() if not p.name.startswith(".")]


# --- save_safely: a final write that fails after the work ---


def enospc(path: Path) -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))


@pytest.fixture
def temp_folder(tmp_path: Path, monkeypatch) -> Path:
    """The system temp folder, redirected under tmp_path for the test."""
    folder = tmp_path / "system-temp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_save_safely_writes_to_the_temp_folder_and_says_where(tmp_path, temp_folder):
    final = tmp_path / "out" / "vectors.txt"

    def write(path: Path) -> None:
        if path == final:
            raise enospc(path)
        path.write_text("the result\n")

    with pytest.raises(WordlabError) as err:
        save_safely(write, final, "vectors")
    (rescued,) = temp_folder.glob("wordlab-rescued-*/vectors.txt")
    assert rescued.read_text() == "the result\n"
    message = str(err.value)
    assert str(final) in message and str(rescued) in message
    assert "No space left on device" in message
    assert save_safely(lambda p: p.write_text("ok"), tmp_path / "fine.txt", "x") == (
        tmp_path / "fine.txt"
    )


def test_save_safely_names_both_places_when_both_fail(tmp_path, temp_folder):
    final = tmp_path / "vectors.txt"

    def write(path: Path) -> None:
        raise enospc(path)

    with pytest.raises(WordlabError, match=r"vectors\.txt .*No space.*, nor to .*wordlab-rescued"):
        save_safely(write, final, "vectors")
    assert not list(temp_folder.iterdir())  # the empty rescue folder is removed


def fail_on(monkeypatch, cls: type, method: str, final: Path) -> None:
    """Make cls.method(path, ...) raise ENOSPC when path is `final`, work elsewhere."""
    original = getattr(cls, method)

    def patched(self, path, *args, **kwargs):
        if Path(path) == final:
            raise enospc(path)
        return original(self, path, *args, **kwargs)

    monkeypatch.setattr(cls, method, patched)


def test_vocab_full_disk_keeps_the_vocabulary(tmp_path, temp_folder, monkeypatch, capsys):
    from wordlab.wordcounts import WordFile

    corpus = tmp_path / "corpus.txt"
    write_planted_corpus(corpus, n_lines=100)
    final = tmp_path / "vocab.txt"
    fail_on(monkeypatch, WordFile, "write_head", final)
    args = ["vocab", "--input", str(corpus), "--output", str(final), "--min-count", "1"]
    assert main([*args, "--quiet"]) == 2
    (rescued,) = temp_folder.glob("wordlab-rescued-*/vocab.txt")
    assert len(rescued.read_text().splitlines()) == 24
    line = capsys.readouterr().err.strip()
    assert line.startswith("wordlab vocab: error: could not write the vocabulary to ")
    assert str(rescued) in line and "\n" not in line
    assert not final.exists()


def test_word2vec_full_disk_keeps_the_vectors(tmp_path, temp_folder, monkeypatch, capsys):
    from wordlab.vectors import FILE_NAMES, Vectors

    corpus = tmp_path / "corpus.txt"
    write_planted_corpus(corpus, n_lines=100)
    out = tmp_path / "w2v"
    final = out / FILE_NAMES["word2vec"]  # the default --format
    fail_on(monkeypatch, Vectors, "save", final)
    argv = ["word2vec", "--input", str(corpus), "--output", str(out), "--dim", "8"]
    argv += ["--epochs", "1", "--min-count", "1", "--threads", "1", "--quiet"]
    assert main(argv) == 2
    (rescued,) = temp_folder.glob(f"wordlab-rescued-*/{final.name}")
    assert Vectors.load(rescued).dim == 8
    line = capsys.readouterr().err.strip()
    assert line.startswith("wordlab word2vec: error: could not write the vectors to ")
    assert str(rescued) in line
    assert not final.exists()
    assert (out / "model.wordlab").exists()  # the checkpointed model is there too
