"""fastText's bucket rows, stored only where a vocabulary word's n-gram hashes.

fastText allocates `nwords + bucket` input rows (2M buckets by default: 800 MB at dim 100) and
initialises them all, though training only ever touches the buckets that some n-gram of a
vocabulary word hashes into: on a small corpus a few percent of them. wordlab keeps the word rows
and only those buckets (`bucket_rows`, sorted), and gives every other bucket its initial value on
demand: an unseen word's n-gram can hash anywhere, and the fastText file format needs them all.

The initial values are exactly those of one `rng.random((nwords + bucket, dim), float32)` call
(then scaled to (-1/dim, 1/dim), as fastText), whichever rows are kept, so results equal those
of the full matrix: training reads and writes the same values in the same order. Rows are drawn
in chunks (the whole stream, one chunk in memory) or, for a few rows, by advancing the generator
to the row (PCG64's `advance`, two float32 values per 64-bit step).
"""

from __future__ import annotations

import numpy as np

_CHUNK_ROWS = 1 << 14
_FEW_ROWS = 64  # fewer rows than this: jump to each instead of drawing the stream


def _scale(values: np.ndarray, dim: int) -> np.ndarray:
    values *= np.float32(2.0 / dim)
    values -= np.float32(1.0 / dim)
    return values


def initial_rows(seed: int, dim: int, rows: np.ndarray) -> np.ndarray:
    """The initial values of input rows `rows` (sorted, unique) of the full matrix."""
    rows = np.asarray(rows, dtype=np.int64)
    out = np.empty((rows.size, dim), dtype=np.float32)
    if rows.size == 0:
        return out
    if rows.size < _FEW_ROWS:
        for i, row in enumerate(rows.tolist()):
            bits = np.random.PCG64(seed)  # default_rng(seed)'s generator
            first = row * dim  # float32 index in the stream: two per 64-bit step
            bits.advance(first // 2)
            gen = np.random.Generator(bits)
            if first % 2:
                gen.random(1, dtype=np.float32)  # the low half of that step
            out[i] = gen.random(dim, dtype=np.float32)
        return _scale(out, dim)
    gen = np.random.default_rng(seed)
    done = 0
    for start in range(0, int(rows[-1]) + 1, _CHUNK_ROWS):
        block = gen.random((_CHUNK_ROWS, dim), dtype=np.float32)
        stop = start + _CHUNK_ROWS
        take = rows[done : np.searchsorted(rows, stop)]
        out[done : done + take.size] = block[take - start]
        done += take.size
    return _scale(out, dim)


def compact_rows(full_ids: np.ndarray, nwords: int) -> tuple[np.ndarray, np.ndarray]:
    """(ids, bucket_rows): full-matrix row ids mapped to the rows kept, and the buckets kept.

    One pass with a dense map over the buckets (a few MB) rather than sorting the ids: a
    classifier's examples hold tens of millions of them.
    """
    full_ids = np.asarray(full_ids)
    hashed = full_ids >= nwords
    offsets = full_ids[hashed].astype(np.int64) - nwords
    used = np.zeros(int(offsets.max()) + 1 if offsets.size else 0, dtype=np.bool_)
    used[offsets] = True
    rank = np.cumsum(used, dtype=np.int64) - 1  # a kept bucket's place among the kept
    ids = full_ids.astype(np.int32, copy=True)
    ids[hashed] = nwords + rank[offsets]
    return ids, np.flatnonzero(used).astype(np.int64)


def rows_of(
    wi: np.ndarray, nwords: int, bucket_rows: np.ndarray, full_ids: np.ndarray, seed: int
) -> np.ndarray:
    """Input rows of full-matrix ids: the kept ones from wi, the others their initial values."""
    full_ids = np.asarray(full_ids, dtype=np.int64)
    out = np.empty((full_ids.size, wi.shape[1]), dtype=np.float32)
    pos = np.searchsorted(bucket_rows, np.maximum(full_ids - nwords, 0))
    kept = full_ids < nwords
    if bucket_rows.size:
        pos = np.minimum(pos, bucket_rows.size - 1)
        kept |= bucket_rows[pos] == full_ids - nwords
    stored = np.where(full_ids < nwords, full_ids, nwords + pos)
    out[kept] = wi[stored[kept]]
    missing = np.unique(full_ids[~kept])
    if missing.size:
        values = initial_rows(seed, wi.shape[1], missing)
        out[~kept] = values[np.searchsorted(missing, full_ids[~kept])]
    return out


def full_matrix(
    wi: np.ndarray, nwords: int, bucket_rows: np.ndarray, bucket: int, seed: int
) -> np.ndarray:
    """The whole nwords + bucket input matrix fastText's file holds: kept rows, others initial."""
    full = initial_rows(seed, wi.shape[1], np.arange(nwords + bucket))
    full[:nwords] = wi[:nwords]
    full[nwords + bucket_rows] = wi[nwords:]
    return full
