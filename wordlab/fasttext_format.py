"""fastText's own binary model format (`.bin`): write wordlab models for fastText and gensim.

The layout (fastText's `saveModel`, version 12), all little-endian:

    int32 magic 793712314, int32 version 12
    Args:        int32 dim, ws, epoch, minCount, neg, wordNgrams, loss, model, bucket, minn, maxn,
                 lrUpdateRate; float64 t (sampling threshold)
    Dictionary:  int32 size, nwords, nlabels; int64 ntokens, pruneidx_size (-1: not pruned);
                 per entry: UTF-8 bytes + NUL, int64 count, int8 type (0 word, 1 label),
                 words first, then labels
    bool quantized input (0), input matrix:  int64 rows, int64 dim, float32 rows * dim
    bool quantized output (0), output matrix: int64 rows, int64 dim, float32 rows * dim

The input matrix has nwords + bucket rows: wordlab hashes subwords and word n-grams into the same
rows fastText does, so its matrices are written as they are. One exception: with hierarchical
softmax wordlab labels a tree node's decision 1 - code (word2vec.c's convention) where fastText
labels it code, so the output rows are written negated (and fastText's one spare row is added);
the reader undoes both. The classifier's tree is fastText's own, which fastText rebuilds from
the label counts when it loads the model; the unsupervised trainer builds gensim's tree (see
wordlab.vocab.huffman_codes), so fastText would pair its output rows with other nodes: the word
vectors read back the same, continuing HS training in fastText would not. fastText's
`load_model` and gensim's `load_facebook_model` (unsupervised models only) read the result.

    fasttext_bin_from_model(model, "out/model.ftbin")   # a FastText or a Classifier
"""

from __future__ import annotations

import mmap
import os
import struct
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

import numpy as np

from wordlab.errors import WordlabError
from wordlab.fileio import atomic_path, require_file

MAGIC = 793712314
VERSION = 12
_MODELS = {"cbow": 1, "sg": 2, "sup": 3}
_LOSSES = {"hs": 1, "ns": 2, "softmax": 3, "ova": 4}
_ARGS = struct.Struct("<12id")
_DICT_HEAD = struct.Struct("<3i2q")
_ENTRY_TAIL = struct.Struct("<qb")
_MATRIX_HEAD = struct.Struct("<2q")
# wordlab setting name -> (position in the Args block, default when a settings dict lacks it);
# the defaults are fastText's (args.cc) for what wordlab's classifier has no setting for.
_ARG_FIELDS = (
    ("dim", 0), ("window", 5), ("epochs", 5), ("min_count", 1), ("neg", 5),
    ("word_ngrams", 1), ("loss", None), ("model", None), ("bucket", 0), ("minn", 0),
    ("maxn", 0), ("lr_update_rate", 100), ("sample", 1e-4),
)  # fmt: skip


def _encode(s: str) -> bytes:
    # surrogateescape: the classifier keeps undecodable bytes that way; fastText stores bytes
    return s.encode("utf-8", "surrogateescape")


def _entries(strings: list[str], counts: np.ndarray, kind: int, what: str) -> list[bytes]:
    if len(strings) != len(counts):
        raise WordlabError(f"{len(strings)} {what}s but {len(counts)} counts")
    if len(set(strings)) != len(strings):
        raise WordlabError(f"the {what}s are not distinct: fastText would find only the first")
    out = []
    for s, c in zip(strings, np.asarray(counts, dtype=np.int64).tolist(), strict=True):
        b = _encode(s)
        if not b or b"\0" in b:
            raise WordlabError(f"{what} {s!r} cannot be stored: empty or with a NUL byte")
        out.append(b + b"\0" + _ENTRY_TAIL.pack(c, kind))
    return out


def _write_matrix(fh: Any, matrix: np.ndarray) -> None:
    m = np.ascontiguousarray(matrix, dtype="<f4")
    fh.write(b"\0")  # not quantized
    fh.write(_MATRIX_HEAD.pack(m.shape[0], m.shape[1]))
    fh.write(memoryview(m).cast("B"))


def write_fasttext_bin(
    path: str | os.PathLike,
    *,
    settings: dict[str, Any],
    words: list[str],
    counts: np.ndarray,
    wi: np.ndarray,
    wo: np.ndarray,
    supervised: bool,
    labels: list[str] | None = None,
    label_counts: np.ndarray | None = None,
) -> Path:
    """Write a model as fastText's `.bin` (atomically), so fastText and gensim can load it.

    `settings` uses wordlab's names (dim, window, epochs, min_count, neg, word_ngrams, loss, model,
    minn, maxn, lr_update_rate, sample); `wi` holds len(words) word rows then the bucket rows.
    """
    nwords = len(words)
    labels = list(labels or [])
    if supervised and not labels:
        raise WordlabError("a supervised model needs its labels")
    if not supervised and labels:
        raise WordlabError("labels given for an unsupervised model")
    wi = np.asarray(wi)
    wo = np.asarray(wo)
    if wi.ndim != 2 or wo.ndim != 2 or wi.shape[1] != wo.shape[1]:
        raise WordlabError(f"input {wi.shape} and output {wo.shape} matrices do not match")
    dim = wi.shape[1]
    bucket = wi.shape[0] - nwords
    if bucket < 0:
        raise WordlabError(f"the input matrix has {wi.shape[0]} rows for {nwords} words")
    args = {name: settings.get(name, default) for name, default in _ARG_FIELDS}
    args.update(dim=dim, bucket=bucket, model="sup" if supervised else args["model"])
    if int(args["maxn"]) > 0 and bucket == 0:
        raise WordlabError("maxn > 0 but the input matrix has no bucket rows for the n-grams")
    if supervised and int(args["word_ngrams"]) > 1 and bucket == 0:
        raise WordlabError("word_ngrams > 1 but the input matrix has no bucket rows")
    if args["model"] not in _MODELS or args["loss"] not in _LOSSES:
        raise WordlabError(f"fastText has no model {args['model']!r} with loss {args['loss']!r}")
    if args["loss"] == "ova" and not supervised:
        raise WordlabError("the one-vs-all loss is for supervised models only")
    args["model"] = _MODELS[args["model"]]
    args["loss"] = _LOSSES[args["loss"]]
    # fastText's output matrix has one row per target (hs uses the first targets - 1 of them)
    targets = len(labels) if supervised else nwords
    if settings.get("loss") == "hs":
        wo = -wo.astype(np.float32)  # sigmoid(-x) = 1 - sigmoid(x): wordlab's 1 - code labels
    if wo.shape[0] > targets:
        raise WordlabError(f"the output matrix has {wo.shape[0]} rows for {targets} targets")
    if wo.shape[0] < targets:
        wo = np.vstack([wo, np.zeros((targets - wo.shape[0], dim), dtype=np.float32)])
    counts = np.asarray(counts, dtype=np.int64)
    lcounts = np.asarray(label_counts if label_counts is not None else [], dtype=np.int64)
    entries = _entries(list(words), counts, 0, "word")
    entries += _entries(labels, lcounts, 1, "label")
    ntokens = int(counts.sum() + lcounts.sum())
    values = [args[name] for name, _ in _ARG_FIELDS]
    head = struct.pack("<2i", MAGIC, VERSION) + _ARGS.pack(*map(int, values[:-1]), values[-1])
    head += _DICT_HEAD.pack(len(entries), nwords, len(labels), ntokens, -1)
    final = Path(path)
    with atomic_path(final) as tmp, open(tmp, "wb") as fh:
        fh.write(head)
        fh.write(b"".join(entries))
        _write_matrix(fh, wi)
        _write_matrix(fh, wo)
    return final


def _settings_dict(settings: Any) -> dict[str, Any]:
    if is_dataclass(settings):
        return asdict(settings)
    return dict(settings) if isinstance(settings, dict) else dict(vars(settings))


def fasttext_bin_from_model(model: Any, path: str | os.PathLike) -> Path:
    """Write a trained wordlab FastText or Classifier as fastText's `.bin`, to use it in fastText."""
    if getattr(model, "wi", None) is None or getattr(model, "wo", None) is None:
        raise WordlabError("the model is not trained yet: nothing to write")
    settings = _settings_dict(model.settings)
    vocab = getattr(model, "vocab", None)
    if hasattr(model, "labels") and hasattr(model, "label_counts"):  # a Classifier
        if vocab is not None and hasattr(vocab, "words"):
            words, counts = list(vocab.words), vocab.counts
        else:
            words, counts = list(model.words), model.word_counts
        return write_fasttext_bin(
            path, settings=settings, words=words, counts=counts, wi=model.input_matrix(),
            wo=model.wo,
            supervised=True, labels=list(model.labels), label_counts=model.label_counts,
        )  # fmt: skip
    if vocab is None:
        raise WordlabError(f"cannot write a {type(model).__name__} as a fastText model")
    return write_fasttext_bin(
        path, settings=settings, words=list(vocab.words), counts=vocab.counts,
        wi=model.input_matrix(), wo=model.wo, supervised=False,
    )  # fmt: skip


# ----------------------------------------------------------------------------------------------
# Reading (for round trips and checks): validates every size against the file before using it


class _Reader:
    def __init__(self, path: Path, buf: mmap.mmap) -> None:
        self.path, self.buf, self.pos = path, buf, 0

    def fail(self, what: str, at: int | None = None) -> WordlabError:
        at = self.pos if at is None else at
        return WordlabError(f"{self.path}: not a valid fastText model: {what} at byte {at}")

    def take(self, fmt: struct.Struct, what: str) -> tuple:
        if self.pos + fmt.size > len(self.buf):
            raise self.fail(f"the file ends inside the {what}")
        values = fmt.unpack_from(self.buf, self.pos)
        self.pos += fmt.size
        return values

    def matrix(self, what: str) -> np.ndarray:
        at = self.pos
        (quant,) = self.take(struct.Struct("<b"), f"{what} header")
        if quant:
            raise self.fail(f"the {what} is quantized (.ftz models are not supported)", at)
        rows, dim = self.take(_MATRIX_HEAD, f"{what} header")
        size = rows * dim * 4
        if rows < 0 or dim < 0 or self.pos + size > len(self.buf):
            raise self.fail(f"the {what} of {rows} x {dim} floats does not fit in the file", at)
        m = np.frombuffer(self.buf, dtype="<f4", count=rows * dim, offset=self.pos)
        self.pos += size
        return m.reshape(rows, dim).astype(np.float32)


def read_fasttext_bin(path: str | os.PathLike) -> dict[str, Any]:
    """Read a fastText `.bin` (words, counts, labels, wi, wo, settings) to check or reuse it."""
    p = require_file(path, "fastText model")
    with open(p, "rb") as fh:
        if os.fstat(fh.fileno()).st_size == 0:
            raise WordlabError(f"{p}: not a valid fastText model: the file is empty at byte 0")
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            return _read(_Reader(p, buf))


def _read(r: _Reader) -> dict[str, Any]:
    magic, version = r.take(struct.Struct("<2i"), "header")
    if magic != MAGIC:
        raise r.fail(f"magic number {magic}, expected {MAGIC}", 0)
    if version not in (11, VERSION):
        raise r.fail(f"format version {version}, expected 11 or {VERSION}", 4)
    at = r.pos
    values = r.take(_ARGS, "settings")
    settings = {name: v for (name, _), v in zip(_ARG_FIELDS, values, strict=True)}
    models = {v: k for k, v in _MODELS.items()}
    losses = {v: k for k, v in _LOSSES.items()}
    if settings["model"] not in models or settings["loss"] not in losses:
        raise r.fail(f"unknown model {settings['model']} or loss {settings['loss']}", at)
    settings["model"] = models[settings["model"]]
    settings["loss"] = losses[settings["loss"]]
    if version == 11 and settings["model"] == "sup":
        settings["maxn"] = 0  # as fastText: version 11 classifiers had no character n-grams
    at = r.pos
    size, nwords, nlabels, ntokens, pruned = r.take(_DICT_HEAD, "dictionary header")
    if min(size, nwords, nlabels) < 0 or size != nwords + nlabels:
        raise r.fail(f"dictionary of {size} entries with {nwords} words, {nlabels} labels", at)
    if pruned != -1:
        raise r.fail("the dictionary is pruned (quantized models are not supported)", at + 20)
    names: list[bytes] = []
    counts = np.zeros(size, dtype=np.int64)
    buf = r.buf
    for i in range(size):
        end = buf.find(b"\0", r.pos)
        if end < 0:
            raise r.fail(f"entry {i} of {size} has no end")
        name = buf[r.pos : end]
        r.pos = end + 1
        at = r.pos
        count, kind = r.take(_ENTRY_TAIL, f"entry {i}")
        if kind != (0 if i < nwords else 1):
            raise r.fail(f"entry {i} has type {kind}; words must come first, then labels", at)
        names.append(name)
        counts[i] = count
    wi = r.matrix("input matrix")
    if wi.shape != (nwords + settings["bucket"], settings["dim"]):
        raise r.fail(
            f"input matrix {wi.shape}, expected ({nwords} words + {settings['bucket']} buckets, "
            f"{settings['dim']})"
        )
    wo = r.matrix("output matrix")
    targets = nlabels if settings["model"] == "sup" else nwords
    if wo.shape != (targets, settings["dim"]):
        raise r.fail(f"output matrix {wo.shape}, expected ({targets}, {settings['dim']})")
    if r.pos != len(buf):
        raise r.fail(f"{len(buf) - r.pos} bytes after the output matrix")
    if settings["loss"] == "hs":  # back to wordlab's convention (see the module's docstring)
        wo = -wo[: max(targets - 1, 1)]
    text = [b.decode("utf-8", "surrogateescape") for b in names]
    return {
        "settings": settings,
        "supervised": settings["model"] == "sup",
        "version": version,
        "ntokens": ntokens,
        "words": text[:nwords],
        "counts": counts[:nwords],
        "labels": text[nwords:],
        "label_counts": counts[nwords:],
        "wi": wi,
        "wo": wo,
    }
