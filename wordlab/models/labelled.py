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
from wordlab.kernels.ahead import classifier_kernels as K
from wordlab.subwords import BOW, EOW, pack_strings

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
    tok, starts, ends, hashes, counts = K.tokenize(buf, _EOS_ARRAY)
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


# ----------------------------------------------------------------------------------------------
# The dictionary and the examples of a classifier (fastText's dictionary.cc and getLine)


def dictionary_of(
    tokens: Tokens, label_prefix: str, min_count: int, min_count_label: int, path: object
) -> tuple[list[str], np.ndarray, list[str], np.ndarray]:
    """(words, word counts, labels, label counts) of a training stream, each by count then text."""
    counts = tokens.counts
    distinct = tokens.distinct
    prefix = encode(label_prefix)
    is_label = np.fromiter((d.startswith(prefix) for d in distinct), bool, len(distinct))
    is_label[0] = False  # </s>
    word_ids = np.flatnonzero(~is_label & (counts >= min_count)).tolist()
    label_ids = np.flatnonzero(is_label & (counts >= min_count_label)).tolist()
    if not label_ids:
        raise WordlabError(
            f"{path}: no labels found (labels are tokens starting with {label_prefix!r}; "
            "set --label-prefix if yours differ)"
        )
    if not any(i != 0 for i in word_ids):
        raise WordlabError(f"{path}: no words to learn from (only labels, or --min-count too high)")
    cl = counts.tolist()
    word_ids.sort(key=lambda i: (-cl[i], distinct[i]))
    label_ids.sort(key=lambda i: (-cl[i], distinct[i]))
    return (
        [decode(distinct[i]) for i in word_ids],
        counts[word_ids].astype(np.int64),
        [decode(distinct[i]) for i in label_ids],
        counts[label_ids].astype(np.int64),
    )


def examples_of(
    tokens: Tokens,
    word_index: dict[bytes, int],
    label_index: dict[bytes, int],
    label_prefix: str,
    minn: int,
    maxn: int,
    rows_bucket: int,
    word_ngrams: int,
) -> Examples:
    """Each line's input rows (words, their character n-grams, word n-grams) and label ids.

    Rows follow fastText's input matrix: a known word's own row, then `nwords + hash % bucket`
    for its character n-grams (when maxn > 0) and for the line's word n-grams.
    """
    tok, distinct = tokens.tok, tokens.distinct
    nwords = len(word_index)
    prefix = encode(label_prefix)
    kind = np.zeros(len(distinct), dtype=np.int8)
    label = np.full(len(distinct), -1, dtype=np.int32)
    word = np.full(len(distinct), -1, dtype=np.int32)
    for i, d in enumerate(distinct):
        wid = word_index.get(d, -1)
        word[i] = wid
        if i == 0:
            kind[i] = 2
        elif wid < 0 and d.startswith(prefix):
            kind[i] = 1
            label[i] = label_index.get(d, -1)
    # rows of each distinct token: its own row if known, then its character n-grams
    use_sub = maxn > 0 and rows_bucket > 0
    if use_sub:
        bracketed = [
            BOW + decode(d) + EOW if k == 0 else "" for d, k in zip(distinct, kind, strict=True)
        ]
        buf, offsets = pack_strings(bracketed)
        sub_ptr, sub_ids, _, _ = K.subword_table(
            buf, offsets, minn, maxn, rows_bucket, False, nwords
        )
    else:  # no n-grams: nothing to hash (and one compiled kernel fewer to load at start-up)
        sub_ptr, sub_ids = np.zeros(len(distinct) + 1, np.int64), np.zeros(0, np.int32)
    ptr = np.zeros(len(distinct) + 1, dtype=np.int64)
    own = (word >= 0).astype(np.int64)
    np.cumsum(own + np.diff(sub_ptr), out=ptr[1:])
    ids = np.empty(int(ptr[-1]), dtype=np.int32)
    ids[ptr[:-1][word >= 0]] = word[word >= 0]
    rest = np.repeat(ptr[:-1] + own, np.diff(sub_ptr)) + (
        np.arange(sub_ids.shape[0]) - np.repeat(sub_ptr[:-1], np.diff(sub_ptr))
    )
    ids[rest] = sub_ids
    in_ptr, inputs, lab_ptr, labels, ntok = K.build_examples(
        kind[tok], label[tok], tokens.hashes[tok], ptr, ids, tok, nwords, word_ngrams, rows_bucket
    )
    return Examples(in_ptr, inputs, lab_ptr, labels, ntok)
