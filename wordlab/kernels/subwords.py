"""fastText's subword hashing in compiled code: FNV-1a, character n-gram tables, word n-gram rows.

Hashing follows fastText's `Dictionary::hash`: 32-bit FNV-1a over the UTF-8 bytes, each byte
taken as a *signed* char (so bytes >= 0x80 are sign-extended before the xor), which is what every
released fastText model used. Strings reach the kernels as one uint8 buffer plus int64 offsets.
"""

from __future__ import annotations

import numpy as np

from wordlab.kernels.jit import njit

# the 32-bit FNV-1a offset basis and prime, as fastText's Dictionary::hash
_FNV_OFFSET = 2166136261
_FNV_PRIME = 16777619
_MASK32 = 0xFFFFFFFF
# fastText multiplies word hashes by this constant when it hashes word n-grams (addWordNgrams).
WORD_NGRAM_MULT = 116049371


@njit(cache=True, nogil=True)
def fnv1a_signed(buf: np.ndarray, start: int, end: int) -> np.uint32:
    """FNV-1a 32-bit of buf[start:end], bytes as signed chars (fastText's hash)."""
    h = np.uint64(_FNV_OFFSET)
    for i in range(start, end):
        b = np.uint64(buf[i])
        if b >= 128:
            b = b | np.uint64(0xFFFFFF00)  # int8 -> uint32 sign extension
        h = ((h ^ b) * np.uint64(_FNV_PRIME)) & np.uint64(_MASK32)
    return np.uint32(h)


@njit(cache=True, nogil=True)
def hash_strings(buf: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """fastText hash of each string buf[offsets[i]:offsets[i+1]]."""
    n = offsets.shape[0] - 1
    out = np.empty(n, dtype=np.uint32)
    for i in range(n):
        out[i] = fnv1a_signed(buf, offsets[i], offsets[i + 1])
    return out


@njit(cache=True, nogil=True)
def _count_ngrams(buf: np.ndarray, start: int, end: int, minn: int, maxn: int) -> int:
    """How many character n-grams `_emit_ngrams` yields for one bracketed word."""
    count = 0
    for i in range(start, end):
        if (buf[i] & 0xC0) == 0x80:  # a UTF-8 continuation byte starts no character
            continue
        j = i
        n = 1
        while j < end and n <= maxn:
            j += 1
            while j < end and (buf[j] & 0xC0) == 0x80:
                j += 1
            if n >= minn and not (n == 1 and (i == start or j == end)):
                count += 1
            n += 1
    return count


@njit(cache=True, nogil=True)
def _emit_ngrams(
    buf: np.ndarray,
    start: int,
    end: int,
    minn: int,
    maxn: int,
    bucket: int,
    offset: int,
    out: np.ndarray,
    pos: int,
    starts: np.ndarray,
    ends: np.ndarray,
) -> int:
    """Write offset + hash % bucket of each n-gram of buf[start:end] at out[pos:]; return new pos.

    The word is already bracketed (`<word>`); n counts characters, not bytes, and the lone `<`
    and `>` are not n-grams (fastText's computeSubwords). `starts`/`ends` receive byte spans.
    """
    for i in range(start, end):
        if (buf[i] & 0xC0) == 0x80:
            continue
        j = i
        n = 1
        while j < end and n <= maxn:
            j += 1
            while j < end and (buf[j] & 0xC0) == 0x80:
                j += 1
            if n >= minn and not (n == 1 and (i == start or j == end)):
                h = fnv1a_signed(buf, i, j)
                out[pos] = offset + np.int64(h % np.uint32(bucket))
                starts[pos] = i
                ends[pos] = j
                pos += 1
            n += 1
    return pos


@njit(cache=True, nogil=True)
def subword_table(
    buf: np.ndarray,
    offsets: np.ndarray,
    minn: int,
    maxn: int,
    bucket: int,
    with_word: bool,
    offset: int,
):
    """CSR table of each bracketed word's rows: its own id (if `with_word`) then its n-gram rows.

    N-gram rows are `offset + hash % bucket` (offset = nwords in a model); with bucket == 0 or
    maxn < minn a word has only its own row. Returns (ptr int64, ids int32, starts, ends).
    """
    n = offsets.shape[0] - 1
    ptr = np.zeros(n + 1, dtype=np.int64)
    use_ngrams = bucket > 0 and maxn >= minn and maxn > 0
    for w in range(n):
        c = 1 if with_word else 0
        if use_ngrams:
            c += _count_ngrams(buf, offsets[w], offsets[w + 1], minn, maxn)
        ptr[w + 1] = ptr[w] + c
    total = ptr[n]
    ids = np.empty(total, dtype=np.int32)
    starts = np.empty(total, dtype=np.int64)
    ends = np.empty(total, dtype=np.int64)
    for w in range(n):
        pos = ptr[w]
        if with_word:
            ids[pos] = w
            starts[pos] = -1
            ends[pos] = -1
            pos += 1
        if use_ngrams:
            _emit_ngrams(
                buf, offsets[w], offsets[w + 1], minn, maxn, bucket, offset, ids, pos, starts, ends
            )
    return ptr, ids, starts, ends


@njit(cache=True, nogil=True)
def word_ngram_row(h: np.uint64, bucket: int) -> np.int64:
    """Bucket of a word n-gram's 64-bit hash (its row is nwords + this), as fastText's pushHash."""
    return np.int64(h % np.uint64(bucket))
