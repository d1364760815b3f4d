"""Reading fastText's labelled text format, and scoring predictions as fastText's `test` does.

Bytes throughout: fastText splits on ASCII whitespace and hashes bytes, so the classifier reads a
file as bytes, checks it is UTF-8 (or replaces what is not), and turns it into distinct-string ids
per token with the compiled tokenizer; a newline is the end-of-line token `</s>`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from wordlab.errors import WordlabError
from wordlab.fileio import open_binary, require_file
from wordlab.kernels.labelled import tokenize

EOS = b"</s>"


@dataclass
class TestResult:
    """fastText's `test` output: examples scored, precision at k, recall at k."""

    n: int
    precision: float
    recall: float
    k: int = 1

    def __str__(self) -> str:
        return f"N\t{self.n}\nP@{self.k}\t{self.precision:.3f}\nR@{self.k}\t{self.recall:.3f}"


@dataclass
class Examples:
    in_ptr: np.ndarray
    inputs: np.ndarray
    lab_ptr: np.ndarray
    labels: np.ndarray
    ntokens: np.ndarray


# ----------------------------------------------------------------------------------------------
# Reading labelled text (bytes throughout: fastText splits on ASCII whitespace and hashes bytes)


@dataclass
class Tokens:
    """A text as distinct-string ids per token (id 0 is the end-of-line token `</s>`)."""

    tok: np.ndarray  # int32, one per token
    distinct: list[bytes]
    hashes: np.ndarray  # uint32 fastText hash of each distinct string
    counts: np.ndarray  # int64 occurrences of each distinct string


_EOS_ARRAY = np.frombuffer(EOS, dtype=np.uint8).copy()


def tokenize_bytes(data: bytes) -> Tokens:
    """Tokens of UTF-8 text as fastText reads them (ASCII whitespace; a newline is `</s>`)."""
    buf = np.frombuffer(data, dtype=np.uint8)
    tok, starts, ends, hashes, counts = tokenize(buf, _EOS_ARRAY)
    distinct = [EOS] + [
        data[a:b] for a, b in zip(starts[1:].tolist(), ends[1:].tolist(), strict=True)
    ]
    return Tokens(tok, distinct, hashes, counts)


def read_tokens(
    path: str | os.PathLike, what: str = "training file", errors: str = "strict"
) -> Tokens:
    """Tokens of a labelled file; invalid UTF-8 stops with its byte offset, or is replaced."""
    require_file(path, what)
    with open_binary(path) as fh:
        data = fh.read()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if errors != "replace":
            raise WordlabError(
                f"{path}: invalid UTF-8 at byte {exc.start} (use --encoding-errors replace "
                "to substitute U+FFFD)"
            ) from None
        data = data.decode("utf-8", "replace").encode("utf-8")
    return tokenize_bytes(data)


def decode(b: bytes) -> str:
    return b.decode("utf-8", "surrogateescape")


def encode(s: str) -> bytes:
    return s.encode("utf-8", "surrogateescape")


def precision_recall(
    top: np.ndarray, lab_ptr: np.ndarray, labels: np.ndarray, has_input: np.ndarray, k: int
) -> TestResult:
    """fastText's Meter: over examples with labels and input, P = hits / predicted, R = hits / gold."""
    n = predicted = gold = hits = 0
    for e in range(top.shape[0]):
        gold_e = labels[lab_ptr[e] : lab_ptr[e + 1]]
        if gold_e.size == 0 or not has_input[e]:
            continue
        n += 1
        pred = top[e][top[e] >= 0]
        predicted += pred.size
        gold += gold_e.size
        hits += int(np.isin(pred, gold_e).sum())
    if n == 0:
        raise WordlabError("no test line has both a label and a known word")
    return TestResult(n, hits / predicted if predicted else 0.0, hits / gold if gold else 0.0, k)
