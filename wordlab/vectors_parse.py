"""Parsing vectors files row by row: format detection, the text and binary readers, their checks.

wordlab.vectors_io chooses the format and calls these; every error names the file and its line
(text) or byte offset (binary). A plain file's matrix is allocated once at its final size; a
compressed one starts bounded and doubles.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np

from wordlab.errors import WordlabError
from wordlab.fileio import open_binary

_LINE_LIMIT = 1 << 16  # bytes read to judge a header or a first record: both are short
_MAX_WORD_BYTES = 10_000  # a longer "word" in a binary file means its records are misaligned
_BLOCK = 1 << 16  # binary rows checked for non-finite values at a time
_INITIAL_BYTES = 1 << 28  # a compressed file's matrix starts at most this big, then doubles
_COMPRESSED = (".gz", ".bz2", ".xz")
# bytes that text never holds (whitespace aside): a line with one is binary data
_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1f\x7f]")


def _parse_header(line: bytes) -> tuple[int, int] | None:
    parts = line.split()
    if len(parts) == 2 and all(x.isdigit() for x in parts):
        return int(parts[0]), int(parts[1])
    return None


def _check_dim(path: Path, n: int, dim: int) -> None:
    if dim == 0:
        raise WordlabError(
            f"{path}:1: the header '{n} {dim}' gives dimension 0: a vector needs at least one number"
        )


def _looks_like_text(line: bytes, encoding: str) -> bool:
    """Whether a record reads as text (a malformed text row, say) rather than raw float32 bytes."""
    if _CONTROL.search(line):
        return False
    try:
        line.decode(encoding)
    except UnicodeDecodeError as exc:  # a multi-byte character cut by the read limit is still text
        return not line.endswith(b"\n") and exc.start >= len(line) - 3
    except UnicodeError:
        return False
    return True


def detect_format(path: Path, encoding: str = "utf-8") -> str:
    """glove (no header), word2vec text, word2vec-binary, or "binary" (binary data, no header).

    Judged from the first two records: a well-formed text row, or one that is text at all (so a
    malformed text row is reported as such, with its line), means text.
    """
    with open_binary(path) as fh:
        first = fh.readline(_LINE_LIMIT)
        header = _parse_header(first)
        if header is None:
            return "binary" if _CONTROL.search(first) else "glove"
        n, dim = header
        _check_dim(path, n, dim)
        second = fh.readline(_LINE_LIMIT)
    if n == 0 or not second.strip():
        return "word2vec"
    if dim <= len(second):
        parts = second.rsplit(None, dim)
        if len(parts) == dim + 1 and all(_is_number(x) for x in parts[1:]):
            return "word2vec"
    return "word2vec" if _looks_like_text(second, encoding) else "word2vec-binary"


def _count_lines(path: Path) -> int:
    n = 0
    last = b"\n"
    with open_binary(path) as fh:
        while block := fh.read(1 << 22):
            n += block.count(b"\n")
            last = block[-1:]
    return n + (last != b"\n")


def _capacity(path: Path, n: int, dim: int, min_row_bytes: int) -> int:
    """Rows to allocate first: all `n` if the file can hold them, else what it can (it grows).

    A plain file of S bytes holds at most S / min_row_bytes rows, so a header that promises
    more costs no memory before the reader finds the file's end; a compressed file starts
    at _INITIAL_BYTES and doubles.
    """
    if path.suffix.lower() in _COMPRESSED:
        bound = _INITIAL_BYTES // (4 * dim) + 1
    else:
        bound = path.stat().st_size // min_row_bytes + 1
    return max(1, min(n, bound))


def _grow(matrix: np.ndarray, n: int) -> np.ndarray:
    """Double the rows of `matrix` (at most `n`), in place where the allocator can."""
    matrix.resize((min(n, max(2 * matrix.shape[0], 1024)), matrix.shape[1]), refcheck=False)
    return matrix


def _trimmed(matrix: np.ndarray | None, rows: int, dim: int | None) -> np.ndarray:
    if matrix is None:
        return np.empty((0, dim or 0), np.float32)
    if rows < matrix.shape[0]:
        matrix.resize((rows, matrix.shape[1]), refcheck=False)
    return matrix


def read_text(
    path: Path, has_header: bool, limit: int | None, errors: str, encoding: str
) -> tuple[list[str], np.ndarray]:
    """Rows of a text file, each checked: a word, `dim` finite numbers; the header's count kept."""
    with open_binary(path) as fh, np.errstate(over="ignore", invalid="ignore"):
        line_no = 0
        n_header = None
        if has_header:
            first = fh.readline(_LINE_LIMIT)
            line_no = 1
            header = _parse_header(first)
            if header is None:
                raise WordlabError(f"{path}:1: expected a 'count dim' header, got {first[:80]!r}")
            n_header, dim = header
            _check_dim(path, n_header, dim)
            n = n_header
            same = f"the header's dimension is {dim}"
        elif limit is not None:
            n, dim = limit, None  # the matrix grows as rows come
        else:
            n, dim = _count_lines(path), None
        if limit is not None:
            n = min(n, limit)
        words: list[str] = []
        matrix: np.ndarray | None = None
        i = 0
        while i < n:
            line = fh.readline()
            line_no += 1
            if not line:
                if has_header:
                    raise WordlabError(
                        f"{path}: the header promises {n_header} vectors but the file ends after {i}"
                    )
                break
            if not line.strip():
                if has_header:
                    raise WordlabError(f"{path}:{line_no}: empty line")
                continue
            if dim is None:
                dim = len(line.split()) - 1
                if dim < 1:
                    raise WordlabError(f"{path}:{line_no}: expected a word and numbers")
                same = f"line {line_no} has {dim}"
            # words may contain spaces (GloVe 840B's ". . ."): split the numbers from the right
            parts = line.rsplit(None, min(dim, len(line)))
            if len(parts) != dim + 1:
                raise WordlabError(
                    f"{path}:{line_no}: expected a word and {dim} numbers, "
                    f"got {len(parts) - 1} ({same})"
                )
            head = parts[0].split()
            if len(head) > 1 and _is_number(head[-1]):  # a number too many, taken for the word
                extra = len(head) - next(k for k in range(len(head)) if _is_number(head[k]))
                raise WordlabError(
                    f"{path}:{line_no}: expected a word and {dim} numbers, "
                    f"got {dim + extra} ({same})"
                )
            try:
                row = np.array(parts[1:], dtype=np.float32)
            except ValueError:
                bad = next((x for x in parts[1:] if not _is_number(x)), parts[1])
                raise WordlabError(f"{path}:{line_no}: not a number: {bad[:40]!r}") from None
            finite = np.isfinite(row)
            if not finite.all():
                j = int(np.argmin(finite))
                raise WordlabError(
                    f"{path}:{line_no}: number {j + 1} is {parts[j + 1][:40].decode('ascii', 'replace')}"
                    ": vectors must be finite float32 numbers (no nan or inf, |x| < 3.4e38)"
                )
            try:
                words.append(parts[0].strip().decode(encoding, errors))
            except UnicodeError as exc:
                raise WordlabError(
                    f"{path}:{line_no}: word is not valid {encoding} ({exc})"
                ) from None
            if matrix is None:
                matrix = np.empty((_capacity(path, n, dim, 2 * dim + 1), dim), np.float32)
            elif i == matrix.shape[0]:
                matrix = _grow(matrix, n)
            matrix[i] = row
            i += 1
        if n_header is not None and (limit is None or limit >= n_header):
            while line := fh.readline(_LINE_LIMIT):
                line_no += 1
                if line.strip():
                    raise WordlabError(
                        f"{path}:{line_no}: the header promises {n_header} vectors but the file "
                        "holds more"
                    )
    return _drop_duplicates(words, _trimmed(matrix, i, dim), path)


def _is_number(x: bytes) -> bool:
    try:
        float(x)
        return True
    except ValueError:
        return False


def read_binary(
    path: Path, limit: int | None, errors: str, encoding: str
) -> tuple[list[str], np.ndarray]:
    """Records `word<space>` + dim float32, each checked; errors name the byte offset."""
    with open_binary(path) as fh:
        first = fh.readline(_LINE_LIMIT)
        header = _parse_header(first)
        if header is None:
            raise WordlabError(f"{path}:1: expected a 'count dim' header, got {first[:80]!r}")
        n_header, dim = header
        _check_dim(path, n_header, dim)
        n = n_header if limit is None else min(n_header, limit)
        matrix: np.ndarray | None = None
        words: list[str] = []
        offsets: list[int] = []  # where each record of the block not yet checked starts
        nbytes = 4 * dim
        buf = b""
        base = len(first)  # offset of buf[0] in the (decompressed) file
        pos = 0
        eof = False
        for i in range(n):
            while True:
                sp = buf.find(b" ", pos)
                if sp >= 0 and len(buf) - sp - 1 >= nbytes:
                    break
                if (sp if sp >= 0 else len(buf)) - pos > _MAX_WORD_BYTES:
                    break  # reported below as not a word
                if eof:
                    raise WordlabError(
                        f"{path}: the header promises {n_header} vectors but the file ends after "
                        f"{i} (truncated at byte {base + len(buf):,})"
                    )
                base += pos
                buf = buf[pos:]
                pos = 0
                more = fh.read(1 << 20)
                eof = not more
                buf += more
            start = pos
            while start < len(buf) and buf[start] == 0x0A:  # the C tool ends each vector with \n
                start += 1
            raw = buf[start:sp] if sp >= 0 else buf[start : start + 41]
            if sp < 0 or not raw or len(raw) > _MAX_WORD_BYTES or b"\n" in raw or b"\x00" in raw:
                hint = f" (is the header's dimension {dim} right?)" if i else ""
                raise WordlabError(
                    f"{path}: byte {base + start:,}: expected the word of vector {i + 1} of "
                    f"{n_header} and a space, got {raw[:40]!r}{hint}"
                )
            try:
                words.append(raw.decode(encoding, errors))
            except UnicodeError as exc:
                at = base + start + getattr(exc, "start", 0)
                raise WordlabError(
                    f"{path}: byte {at:,}: the word of vector {i + 1} is not valid {encoding} "
                    f"({getattr(exc, 'reason', exc)})"
                ) from None
            if matrix is None:
                matrix = np.empty((_capacity(path, n, dim, nbytes + 2), dim), np.float32)
            elif i == matrix.shape[0]:
                matrix = _grow(matrix, n)
            matrix[i] = np.frombuffer(buf, dtype="<f4", count=dim, offset=sp + 1)
            offsets.append(base + start)
            pos = sp + 1 + nbytes
            if len(offsets) == _BLOCK:
                _check_finite(path, matrix, words, i + 1 - len(offsets), offsets)
                offsets.clear()
        if matrix is not None:
            _check_finite(path, matrix, words, n - len(offsets), offsets)
        if limit is None or limit >= n_header:  # nothing but whitespace may follow
            at, rest = base + pos, buf[pos:]
            while rest:
                stripped = rest.lstrip()
                if stripped:
                    raise WordlabError(
                        f"{path}: byte {at + len(rest) - len(stripped):,}: the header promises "
                        f"{n_header} vectors but the file holds more data after them"
                    )
                at += len(rest)
                rest = fh.read(1 << 20)
    return _drop_duplicates(words, _trimmed(matrix, n, dim), path)


def _check_finite(
    path: Path, matrix: np.ndarray, words: list[str], lo: int, offsets: list[int]
) -> None:
    """Raise, naming the record's byte offset, if rows lo.. (one per offset) hold nan or inf."""
    block = matrix[lo : lo + len(offsets)]
    bad = ~np.isfinite(block)
    if bad.any():
        r, j = (int(x) for x in np.argwhere(bad)[0])
        raise WordlabError(
            f"{path}: byte {offsets[r]:,}: vector {lo + r + 1} ({words[lo + r]!r}) holds "
            f"{block[r, j]} at position {j + 1}: vectors must be finite numbers"
        )


def _drop_duplicates(
    words: list[str], matrix: np.ndarray, path: Path
) -> tuple[list[str], np.ndarray]:
    """Keep the first row of a word listed twice (as gensim does), compacting in place.

    One warning line on stderr says how many rows were dropped.
    """
    if len(set(words)) == len(words):
        return words, matrix
    seen: set[str] = set()
    keep: list[int] = []
    for i, w in enumerate(words):
        if w not in seen:
            seen.add(w)
            keep.append(i)
    for j, i in enumerate(keep):
        if i != j:
            matrix[j] = matrix[i]
    matrix.resize((len(keep), matrix.shape[1]), refcheck=False)
    dropped = len(words) - len(keep)
    print(
        f"wordlab: warning: {path}: {dropped:,} duplicate word{'s' if dropped > 1 else ''} "
        "skipped (each word keeps its first vector)",
        file=sys.stderr,
    )
    return [words[i] for i in keep], matrix
