"""fastText's subword units: the 32-bit hash, character n-grams of `<word>`, and bucket rows.

A word's rows are its own row (if it is in the vocabulary) and `nwords + hash(ngram) % bucket` for
each n-gram of `<word>` with minn..maxn *characters* (so multi-byte scripts work: `<喜`, `喜欢`...).
The hash is fastText's FNV-1a over the UTF-8 bytes taken as signed chars, so the bucket of an
n-gram is the one fastText gives it and models can be compared row by row.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from wordlab.kernels import lazy

K = lazy("wordlab.kernels.subwords")

BOW = "<"
EOW = ">"


def pack_strings(strings: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """UTF-8 bytes of all strings in one uint8 buffer, with int64 offsets (len + 1 entries)."""
    encoded = [s.encode("utf-8") for s in strings]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    if encoded:
        np.cumsum([len(e) for e in encoded], out=offsets[1:])
    buf = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    if buf.size == 0:
        buf = np.zeros(1, dtype=np.uint8)  # Numba wants a non-empty typed buffer
    return buf, offsets


def fasttext_hash(text: str | bytes) -> int:
    """fastText's 32-bit FNV-1a hash of a string (UTF-8 bytes as signed chars), as an int."""
    data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    buf = np.frombuffer(data or b"\0", dtype=np.uint8)
    return int(K.fnv1a_signed(buf, 0, len(data)))


def hash_words(words: Sequence[str]) -> np.ndarray:
    """fastText hash (uint32) of each word, computed in one compiled pass."""
    buf, offsets = pack_strings(words)
    return K.hash_strings(buf, offsets)


def char_ngrams(word: str, minn: int, maxn: int) -> list[str]:
    """The character n-grams of `<word>`, in fastText's order (by start, then by length)."""
    ngrams, _ = _ngrams_with_rows(word, minn, maxn, 1)
    return ngrams


def ngram_rows(word: str, minn: int, maxn: int, bucket: int, nwords: int = 0) -> np.ndarray:
    """Rows `nwords + hash % bucket` of the n-grams of `<word>` (int32), as fastText computes."""
    _, rows = _ngrams_with_rows(word, minn, maxn, bucket, nwords)
    return rows


def _ngrams_with_rows(
    word: str, minn: int, maxn: int, bucket: int, nwords: int = 0
) -> tuple[list[str], np.ndarray]:
    data = (BOW + word + EOW).encode("utf-8")
    buf = np.frombuffer(data, dtype=np.uint8)
    offsets = np.array([0, len(data)], dtype=np.int64)
    _, ids, starts, ends = K.subword_table(buf, offsets, minn, maxn, bucket, False, nwords)
    ngrams = [data[s:e].decode("utf-8") for s, e in zip(starts, ends, strict=True)]
    return ngrams, ids


def subword_table(
    words: Sequence[str], minn: int, maxn: int, bucket: int, with_word: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """CSR rows of every word: (ptr int64 [n+1], ids int32), word i's rows at ids[ptr[i]:ptr[i+1]].

    Row i is the word itself (when `with_word`), n-gram rows start at len(words), as in fastText's
    input matrix of nwords + bucket rows.
    """
    buf, offsets = pack_strings([BOW + w + EOW for w in words])
    ptr, ids, _, _ = K.subword_table(buf, offsets, minn, maxn, bucket, with_word, len(words))
    return ptr, ids
