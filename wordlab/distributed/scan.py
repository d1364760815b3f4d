"""Pass one over a corpus on a cluster: word counts, and where its tokens are, by byte range.

The text is split into byte ranges that start and end just after ASCII whitespace, so no token
is cut; each task reads its range in the pieces `encode_corpus` reads (same text options, same
compiled tokenizer) and returns its words with their counts and, for every piece, its byte
offset and the number of tokens before it. Counts add exactly and the vocabulary is ordered by
the same compiled sort (count descending, then word), so it equals the single-machine one byte
for byte; the offsets let pass two start a block of tokens anywhere (wordlab.distributed.count).
The ranges' words are added on the workers, 16 ranges a task, until 16 results are left for
this process, so the client never holds more than 16 ranges' words. A compressed file cannot be
entered in the middle: it is one range, read by one task.
"""

from __future__ import annotations

import math
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np

from wordlab.corpus import EncodedCorpus
from wordlab.distributed.cluster import RETRIES, gather, n_workers, require_input, task_report
from wordlab.errors import WordlabError
from wordlab.fileio import open_binary
from wordlab.kernels.corpus import vocabulary_order
from wordlab.textread import (
    _MAX_TOKEN_BYTES,
    CHUNK_BYTES,
    TextOptions,
    iter_token_bytes,
    seek_stream,
)
from wordlab.vocab import Vocab
from wordlab.wordtable import WordTable

RANGE_BYTES = 64 << 20  # text per pass-one task
_MIN_RANGE = 1 << 20  # ranges are split below RANGE_BYTES to feed every worker, not below this
_FAN_IN = 16  # range scans merged by one task, and at most by the client
_COMPRESSED = (".gz", ".bz2", ".xz")
_WHITESPACE = re.compile(rb"[ \t\n\r\x0b\x0c]")


@dataclass
class RangeScan:
    """One range's words (space-separated UTF-8, first seen first), counts, tokens and pieces."""

    words: bytes
    counts: np.ndarray
    tokens: int
    points: np.ndarray  # (n, 3) int64: byte offset, tokens before it in the range, 1: a line starts
    tasks: list[dict[str, Any]] = field(default_factory=list)  # what the tasks reported


@dataclass
class CorpusScan:
    """A corpus after pass one: its full vocabulary, as an EncodedCorpus has it, and its pieces."""

    words: list[str]  # every distinct word, count descending, then word
    counts: np.ndarray
    n_tokens: int
    points: np.ndarray  # (n, 3) int64: byte offset, tokens before it, 1 where a line starts
    tasks: list[dict[str, Any]] = field(default_factory=list)

    def vocab(self, min_count: int, max_vocab: int | None, min_size: int = 2) -> Vocab:
        """The vocabulary `Vocab.from_corpus` keeps, from these counts (the same rule and errors)."""
        return Vocab.from_corpus(cast(EncodedCorpus, self), min_count, max_vocab, min_size)

    def matches(self, vocab: Vocab) -> bool:
        """True when `vocab` is a prefix of this corpus's vocabulary (its ids are the corpus's)."""
        return vocab.matches_corpus(cast(EncodedCorpus, self))


def compressed(path: str | os.PathLike) -> bool:
    """True for the suffixes `open_binary` decompresses."""
    return Path(path).suffix.lower() in _COMPRESSED


def boundary(path: str | os.PathLike, x: int) -> tuple[int, bool]:
    """The first offset >= x just after ASCII whitespace (or the end), and whether a line starts there."""
    if x <= 0:
        return 0, True
    with open_binary(path) as fh:
        seek_stream(fh, x - 1)
        pos = x - 1
        while True:
            block = fh.read(1 << 16)
            if not block:
                return pos, False
            found = _WHITESPACE.search(block)
            if found:
                return pos + found.start() + 1, block[found.start()] == 10
            pos += len(block)
            if pos - x > _MAX_TOKEN_BYTES:
                raise WordlabError(
                    f"{path}: no whitespace in {pos - x:,} bytes from byte offset {x}"
                )


def input_size(path: str) -> int:
    """The input's size in bytes as a worker sees it (checks that it sees a text file)."""
    p = require_input(path)
    if p.is_dir():
        raise WordlabError(f"{p}: --scheduler splits a text file, not an encoded corpus folder")
    return p.stat().st_size


def scan_range(
    path: str, x0: int, x1: int | None, options: TextOptions, chunk_bytes: int
) -> RangeScan:
    """Task: count the words of bytes [x0, x1) of `path`, moved on to token boundaries."""
    started = time.perf_counter()
    require_input(path)
    a, starts_line = boundary(path, x0)
    b = None if x1 is None else boundary(path, x1)[0]
    table = WordTable()
    points: list[tuple[int, int, int]] = []
    if b is None or b > a:
        for offset, _, piece in iter_token_bytes(path, options, chunk_bytes, a, b):
            points.append((offset, table.n_tokens, int(starts_line)))
            table.count(piece)
            starts_line = piece.endswith(b"\n")
    return RangeScan(
        b" ".join(table.words()), table.counts[1 : table.n_words].copy(),
        table.n_tokens, np.asarray(points, dtype=np.int64).reshape(-1, 3),
        [task_report("scan", started, tokens=table.n_tokens)],
    )  # fmt: skip


def _combine(scans: list[RangeScan]) -> tuple[WordTable, np.ndarray, RangeScan]:
    """Consecutive ranges as one: counts added word by word, token offsets shifted."""
    table = WordTable()
    points, n_tokens = [], 0
    for scan in scans:
        ids = table.ids(scan.words)  # the range's words are distinct: one id each
        table.counts[ids] += scan.counts
        points.append(scan.points + np.array([0, n_tokens, 0]))
        n_tokens += scan.tokens
    counts = table.counts[: table.n_words]
    whole = RangeScan(b"", counts[1:], n_tokens, np.concatenate(points).reshape(-1, 3),
                      [t for scan in scans for t in scan.tasks])  # fmt: skip
    return table, counts, whole


def combine(scans: list[RangeScan]) -> RangeScan:
    """Task: consecutive ranges' scans as one (a step of the tree that gathers pass one)."""
    table, _, whole = _combine(scans)
    whole.words = b" ".join(table.words())
    return whole


def merge_scans(path: str, scans: list[RangeScan]) -> CorpusScan:
    """Add the ranges' counts word by word and order the words as `encode_corpus` does."""
    table, counts, whole = _combine(scans)
    if whole.tokens == 0:
        raise WordlabError(f"{path}: the corpus is empty (no tokens)")
    order = vocabulary_order(counts, table.word_start, table.word_len, table.pool, table.n_words)
    spelled = table.words()
    return CorpusScan(
        [spelled[i - 1].decode("utf-8") for i in order.tolist()], counts[order], whole.tokens,
        whole.points, whole.tasks,
    )  # fmt: skip


def scan_corpus(
    client: Any,
    path: str | os.PathLike,
    options: TextOptions,
    progress: bool = True,
    range_bytes: int = RANGE_BYTES,
    chunk_bytes: int = CHUNK_BYTES,
) -> CorpusScan:
    """Pass one on the cluster of `client`: the corpus's vocabulary and where its pieces are."""
    path = str(Path(path).resolve())
    size = gather(client, [client.submit(input_size, path, pure=False)], "input", False)[0]
    if compressed(path):
        bounds: list[tuple[int, int | None]] = [(0, None)]
    else:
        n = max(math.ceil(size / range_bytes), min(2 * n_workers(client), size // _MIN_RANGE), 1)
        xs = [size * i // n for i in range(n)]
        bounds = list(zip(xs, [*xs[1:], None], strict=True))
    futures = client.map(
        scan_range, [path] * len(bounds), [a for a, _ in bounds], [b for _, b in bounds],
        [options] * len(bounds), [chunk_bytes] * len(bounds), retries=RETRIES, pure=False,
    )  # fmt: skip
    gather(client, futures, "counting words", progress, fetch=False)
    while len(futures) > _FAN_IN:  # the ranges' words meet on the workers, _FAN_IN at a time
        futures = [
            client.submit(combine, futures[i : i + _FAN_IN], retries=RETRIES, pure=False)
            for i in range(0, len(futures), _FAN_IN)
        ]
    return merge_scans(path, gather(client, futures, "gathering words", False))
