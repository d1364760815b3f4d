"""`word count` files (GloVe's vocab.txt, an encoded corpus's words.txt): writing and reading.

An encoded corpus lists every distinct token (489k on enwiki-70m), but a vocabulary is a prefix
of that list (ids are ranks by count), so `WordFile` reads words only as far as they are asked
for: a trainer with --min-count 5 holds 146k Python strings instead of 489k, and the full list
is never built just to be counted or copied.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import overload

import numpy as np

from wordlab.errors import WordlabError
from wordlab.fileio import atomic_open, atomic_path, open_binary, require_file


def write_word_counts(path: str | os.PathLike, words: Sequence[str], counts: np.ndarray) -> None:
    """Write `word count` lines (GloVe's vocab.txt format), atomically."""
    with atomic_open(path, "w", encoding="utf-8") as fh:
        fh.writelines(f"{w} {int(c)}\n" for w, c in zip(words, counts, strict=True))


def read_word_counts(path: Path) -> tuple[list[str], np.ndarray]:
    """`word count` lines (plain, .gz, .bz2, .xz); a bad line is an error naming file and line."""
    words: list[str] = []
    counts: list[int] = []
    with open_binary(require_file(path, "vocabulary file")) as fh:
        for lineno, raw in enumerate(fh, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise WordlabError(
                    f"{path}:{lineno}: not valid UTF-8 "
                    f"({exc.reason} at byte {exc.start} of the line)"
                ) from None
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 2 or not parts[1].isascii() or not parts[1].isdigit():
                raise WordlabError(
                    f"{path}:{lineno}: expected 'word count', got {line.strip()[:80]!r}"
                )
            count = int(parts[1])
            if count >= 1 << 63:
                raise WordlabError(f"{path}:{lineno}: count {parts[1][:40]} is too large")
            words.append(parts[0])
            counts.append(count)
    return words, np.asarray(counts, dtype=np.int64)


class WordFile(Sequence[str]):
    """The words of a `word count` file that wordlab wrote (one word per line), read lazily.

    `words[:n]` reads the first n lines (and keeps the longest prefix read so far); any other
    index reads them all. `len` costs nothing: the number of words is known from the counts.
    """

    def __init__(self, path: Path, n: int, loaded: list[str] | None = None) -> None:
        self.path = path
        self._n = n
        self._head: list[str] = loaded if loaded is not None else []

    def __len__(self) -> int:
        return self._n

    def _prefix(self, n: int) -> list[str]:
        if len(self._head) < n:
            head: list[str] = []
            with open(self.path, "rb") as fh:
                for lineno, raw in enumerate(fh, 1):
                    if len(head) == n:
                        break
                    try:
                        head.append(raw[: raw.rindex(b" ")].decode("utf-8"))
                    except (ValueError, UnicodeDecodeError):  # no space, or not UTF-8
                        line = raw.strip()[:80]
                        raise WordlabError(
                            f"{self.path}:{lineno}: expected 'word count', got {line!r}"
                        ) from None
            if len(head) < n:
                raise WordlabError(f"{self.path}: {len(head):,} words, expected {self._n:,}")
            self._head = head
        return self._head[:n] if n < len(self._head) else self._head

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> list[str]: ...
    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            start, stop, step = i.indices(self._n)
            if start == 0 and step == 1:
                return list(self._prefix(stop))
            return self._prefix(self._n)[i]
        return self._prefix(self._n)[i]

    def __iter__(self) -> Iterator[str]:
        return iter(self._prefix(self._n))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def write_head(self, path: str | os.PathLike, n: int) -> None:
        """Write the first n `word count` lines to `path` as they are, atomically, in bytes."""
        with atomic_path(path) as tmp, open(self.path, "rb") as src, open(tmp, "wb") as out:
            if n == self._n:
                shutil.copyfileobj(src, out, 1 << 20)
                return
            for k, line in enumerate(src):
                if k == n:
                    break
                out.write(line)
