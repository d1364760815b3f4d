"""The README's Python examples run as written, on small files made to the names they use."""

from __future__ import annotations

import lzma
import re
from pathlib import Path

import numpy as np

README = Path(__file__).resolve().parents[1] / "README.md"
TOPICS = {
    "royal": "king queen prince princess throne crown kingdom",
    "animal": "cat dog horse cow sheep goat mouse",
    "fruit": "apple pear plum cherry grape melon lemon",
    "colour": "red blue green yellow purple orange white",
}


def python_blocks() -> list[str]:
    """Every ```python block of the README, in order."""
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def write_inputs(folder: Path) -> None:
    """corpus.txt.xz (topic sentences), wordsim353.tsv, questions-words.txt, reviews.train.txt."""
    rng = np.random.default_rng(0)
    topics = [t.split() for t in TOPICS.values()]
    lines = []
    for _ in range(3000):
        t = topics[rng.integers(len(topics))]
        lines.append(" ".join(t[rng.integers(len(t))] for _ in range(10)))
    with lzma.open(folder / "corpus.txt.xz", "wt", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    pairs = [("king", "queen", 9), ("cat", "dog", 8), ("king", "apple", 1), ("red", "blue", 7)]
    (folder / "wordsim353.tsv").write_text("".join(f"{a}\t{b}\t{s}\n" for a, b, s in pairs))
    (folder / "questions-words.txt").write_text(": family\nking queen prince princess\n")
    reviews = [
        f"__label__{'pos' if i % 2 else 'neg'} "
        + ("a wonderful film great" if i % 2 else "a dull film awful")
        for i in range(200)
    ]
    (folder / "reviews.train.txt").write_text("\n".join(reviews) + "\n")


def test_readme_has_python_examples():
    blocks = python_blocks()
    assert blocks and all("wordlab" in b for b in blocks)


def test_readme_python_examples_run(tmp_path, monkeypatch, capsys):
    """Every block runs as written, in order, in one folder holding the files they name."""
    write_inputs(tmp_path)
    monkeypatch.chdir(tmp_path)
    for index, block in enumerate(python_blocks()):
        exec(compile(block, f"README.md python block {index + 1}", "exec"), {})
    out = capsys.readouterr().out
    assert "queen" in out  # the first example prints king's neighbours: the royal topic first
    assert (tmp_path / "w2v.wordlab").is_file() and (tmp_path / "ft.bin").is_file()
