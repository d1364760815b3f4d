"""CRF features for NER: discrete features of words and columns, and scaled embedding features.

- Discrete features (`token_features`): word, lower-cased word, shape and short shape, prefixes and
  suffixes up to `affix` characters, capitalisation / digit / hyphen / punctuation flags, for the
  token and its neighbours at -window..+window; the feature columns of the file (POS and chunk in
  CoNLL-2003) at the same positions; lower-cased word, short-shape and column bigrams around the
  token; a flag on every token of an all-capitals sentence (headlines).
- Vector features: for each embedder (see `embedders`) and each position -k..+k (k = 1 by
  default; the GloVe paper used k = 2, which costs about 1.7 times the CRF training time), every
  dimension times one scale factor per embedder, chosen so that the scaled training-set vectors
  have standard deviation `vector_scale` (Turian et al. 2010 scale embeddings the same way).
  OOV tokens have the zero vector plus an OOV indicator feature at that position.
- Chinese characters (`NerSettings.features == "char"`, MSRA's one character per token): the
  character and its neighbours at -window..+window, the character bigrams around it and its
  trigram, the character types (Han, numeral, letter, punctuation) at -1..+1 and their pattern;
  with `segmenter == "jieba"`, the jieba word holding the character, the character's place in it
  (B/M/E/S) at -1..+1, and the word's tag in jieba's dictionary (nr person, ns place, nt
  organisation...: a gazetteer) alone and with the place.
  Static vectors then give each character the vector of the longest vocabulary word that covers
  it (`CharWordEmbedder`): character vectors as they are, word vectors mapped to the characters
  of the word.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from wordlab.errors import WordlabError
from wordlab.evaluation.ner.chars import char_features, char_type, word_places
from wordlab.evaluation.ner.clusters import assign, fit_centroids
from wordlab.evaluation.ner.conll import Sentence
from wordlab.evaluation.ner.embedders import (
    CharWordEmbedder,
    Embedder,
    StaticEmbedder,
    oov_masks,
)
from wordlab.evaluation.ner.settings import NerSettings


def word_shape(word: str) -> str:
    """Upper -> X, lower -> x, digit -> d, anything else kept: "McCain-2" -> "XxXxxx-d"."""
    return "".join(
        "X" if c.isupper() else "x" if c.islower() else "d" if c.isdigit() else c for c in word
    )


def short_shape(shape: str) -> str:
    """A shape with runs of one character collapsed: "XxXxxx-d" -> "XxXx-d"."""
    out = []
    for c in shape:
        if not out or out[-1] != c:
            out.append(c)
    return "".join(out)


def token_features(word: str, affix: int = 4) -> list[str]:
    """Discrete features of one word on its own (no position): the paper-style baseline set."""
    lw = word.lower()
    sh = word_shape(word)
    f = ["w=" + word, "lw=" + lw, "sh=" + sh, "ssh=" + short_shape(sh)]
    for k in range(1, affix + 1):
        if len(word) >= k:
            f.append(f"p{k}=" + word[:k])
            f.append(f"s{k}=" + word[-k:])
    if word.istitle():
        f.append("title")
    if word.isupper():
        f.append("upper")
    if word.islower():
        f.append("lower")
    if word.isdigit():
        f.append("digit")
    elif any(c.isdigit() for c in word):
        f.append("hasdigit")
    if "-" in word:
        f.append("hyphen")
    if not any(c.isalnum() for c in word):
        f.append("punct")
    return f


class Featurizer:
    """Turns sentences into CRFsuite items (one {feature: value} dict per token)."""

    def __init__(
        self,
        settings: NerSettings,
        n_columns: int,
        embedders: Sequence[Embedder] = (),
        scales: Sequence[float] | None = None,
        centroids: Sequence[Sequence[np.ndarray]] | None = None,
    ) -> None:
        self.settings = settings
        self.n_columns = n_columns
        if settings.features == "char":  # a character gets the vector of its word (or itself)
            embedders = [
                CharWordEmbedder.wrap(e) if type(e) is StaticEmbedder else e for e in embedders
            ]
        self.embedders = list(embedders)
        self.scales = list(scales) if scales is not None else None
        # per embedder, k-means centroids of its vectors (character features; else empty)
        self.centroids = [list(c) for c in centroids] if centroids is not None else None
        self._labels: list[list[np.ndarray]] | None = None
        self._cache: dict[str, list[str]] = {}
        k = settings.vector_window
        self._offsets = range(-k, k + 1)
        self._vec_names = [
            {o: [f"e{j}:{o}:{d}" for d in range(e.dim)] for o in self._offsets}
            for j, e in enumerate(self.embedders)
        ]

    def estimate_scales(self, sentences: Sequence[Sentence]) -> list[float]:
        """One factor per embedder: vector_scale / std of its in-vocabulary training vectors."""
        sample = [s.words for s in sentences[: self.settings.scale_sentences]]
        scales = []
        for e in self.embedders:
            total = total_sq = 0.0
            count = 0
            for lo in range(0, len(sample), self.settings.embed_batch):
                batch = sample[lo : lo + self.settings.embed_batch]
                arrays = e.embed(batch)
                masks = oov_masks(e, batch)
                for i, a in enumerate(arrays):
                    a = np.asarray(a, dtype=np.float64)
                    if masks is not None:
                        a = a[~masks[i]]
                    total += a.sum()
                    total_sq += (a * a).sum()
                    count += a.size
            if count == 0:
                raise WordlabError(
                    f"embedder {e.name!r} has no vector for any of the first "
                    f"{len(sample)} training sentences' tokens"
                )
            mean = total / count
            std = float(np.sqrt(max(total_sq / count - mean * mean, 0.0)))
            scales.append(self.settings.vector_scale / std if std > 0 else 1.0)
        self.scales = scales
        self.centroids = [
            fit_centroids(e.matrix, self.settings.vector_clusters) if self._clustered(e) else []
            for e in self.embedders
        ]
        return scales

    def _clustered(self, e: Embedder) -> bool:
        """Whether an embedder gets cluster features: static vectors with character features."""
        return (
            self.settings.features == "char"
            and bool(self.settings.vector_clusters)
            and hasattr(e, "matrix")
            and hasattr(e, "rows")
        )

    def _cluster_features(self, k: int, sent: Sentence, items: list[dict[str, float]]) -> None:
        """Add embedder k's cluster ids of the tokens at -1..+1 to each item."""
        if self._labels is None:
            self._labels = [
                assign(e.matrix, c) if c else [] for e, c in zip(self.embedders, self.centroids or [], strict=True)
            ]  # fmt: skip
        if not self._labels[k]:
            return
        rows = self.embedders[k].rows(sent.words)
        n = len(items)
        for j, labels in enumerate(self._labels[k]):
            ids = labels[rows].tolist()
            for i, item in enumerate(items):
                for o in (-1, 0, 1):
                    if 0 <= i + o < n:
                        item[f"e{k}:k{j}:{o}={ids[i + o]}"] = 1.0

    def _local(self, word: str) -> list[str]:
        f = self._cache.get(word)
        if f is None:
            f = token_features(word, self.settings.affix)
            if len(self._cache) < 2_000_000:
                self._cache[word] = f
        return f

    def _ngrams(self, word: str) -> list[str]:
        key = "\0" + word
        f = self._cache.get(key)
        if f is None:
            w = f"<{word}>"
            top = self.settings.char_ngrams
            f = sorted(
                {"ng=" + w[i : i + n] for n in range(2, top + 1) for i in range(len(w) - n + 1)}
            )
            if len(self._cache) < 2_000_000:
                self._cache[key] = f
        return f

    def _discrete(self, sent: Sentence) -> list[dict[str, float]]:
        n = len(sent)
        w = self.settings.window
        words = sent.words
        cols = sent.columns
        if self.n_columns and (not cols or len(cols[0]) != self.n_columns):
            have = len(cols[0]) if cols else 0
            raise WordlabError(
                f"line {sent.line}: the tagger was trained with {self.n_columns} feature "
                f"column(s) between word and tag, this input has {have}"
            )
        if self.settings.features == "char":
            return self._discrete_chars(sent)
        local = [self._local(x) for x in words]
        lower = [x.lower() for x in words]
        shapes = [short_shape(word_shape(x)) for x in words]
        # headlines are often all capitals: tell the model capitalisation means less there
        alpha = [x for x in words if any(c.isalpha() for c in x)]
        shouting = len(alpha) > 1 and all(x.isupper() for x in alpha)
        items = []
        for i in range(n):
            feats = ["bias", "caps_sentence"] if shouting else ["bias"]
            for o in range(-w, w + 1):
                j = i + o
                if 0 <= j < n:
                    p = f"{o}:"
                    feats.extend(p + x for x in local[j])
                    if o == 0 and self.settings.char_ngrams > 1:
                        feats.extend(self._ngrams(words[j]))
                    for c in range(self.n_columns):
                        feats.append(f"{o}:c{c}={cols[j][c]}")
                else:
                    feats.append(f"{o}:pad")
            prev_w = lower[i - 1] if i > 0 else "<s>"
            next_w = lower[i + 1] if i + 1 < n else "</s>"
            feats.append(f"lw-1|0={prev_w}|{lower[i]}")
            feats.append(f"lw0|1={lower[i]}|{next_w}")
            prev_s = shapes[i - 1] if i > 0 else "<s>"
            next_s = shapes[i + 1] if i + 1 < n else "</s>"
            feats.append(f"ssh-1|0={prev_s}|{shapes[i]}")
            feats.append(f"ssh0|1={shapes[i]}|{next_s}")
            for c in range(self.n_columns):
                prev_c = cols[i - 1][c] if i > 0 else "<s>"
                next_c = cols[i + 1][c] if i + 1 < n else "</s>"
                feats.append(f"c{c}-1|0={prev_c}|{cols[i][c]}")
                feats.append(f"c{c}0|1={cols[i][c]}|{next_c}")
            items.append(dict.fromkeys(feats, 1.0))
        return items

    def _discrete_chars(self, sent: Sentence) -> list[dict[str, float]]:
        """Character features (Chinese NER), plus the file's feature columns at -1..+1."""
        words, cols, n = sent.words, sent.columns, len(sent)
        types = [char_type(c) for c in words]
        if self.settings.segmenter == "jieba":
            held, place, tags = word_places(words)
        items = []
        for i in range(n):
            feats = char_features(words, i, self.settings.window, types)
            if self.settings.segmenter == "jieba":
                p = [place[j] if 0 <= j < n else "X" for j in (i - 1, i, i + 1)]
                feats += [f"-1:seg={p[0]}", f"0:seg={p[1]}", f"1:seg={p[2]}"]
                feats += ["segs=" + "".join(p), "segw=" + held[i]]
                feats += ["segt=" + tags[i], f"segtp={tags[i]}|{p[1]}"]
            for c in range(self.n_columns):
                for o in (-1, 0, 1):
                    if 0 <= i + o < n:
                        feats.append(f"{o}:c{c}={cols[i + o][c]}")
            items.append(dict.fromkeys(feats, 1.0))
        return items

    def items(self, sentences: Sequence[Sentence]) -> Iterator[list[dict[str, float]]]:
        """CRFsuite items of each sentence, in order, computing embeddings batch by batch."""
        if self.embedders and self.scales is None:
            raise WordlabError("vector scales not estimated (call estimate_scales first)")
        batch_size = self.settings.embed_batch
        for lo in range(0, len(sentences), batch_size):
            batch = sentences[lo : lo + batch_size]
            vecs = []
            for e, scale in zip(self.embedders, self.scales or (), strict=False):
                words = [s.words for s in batch]
                arrays = e.embed(words)
                masks = oov_masks(e, words)
                vecs.append(
                    (
                        [(np.asarray(a, dtype=np.float32) * scale).tolist() for a in arrays],
                        masks,
                    )
                )
            for b, sent in enumerate(batch):
                items = self._discrete(sent)
                n = len(sent)
                for k, (arrays, masks) in enumerate(vecs):
                    rows = arrays[b]
                    if len(rows) != n:
                        raise WordlabError(
                            f"embedder {self.embedders[k].name!r} returned {len(rows)} vectors "
                            f"for a sentence of {n} tokens (line {sent.line})"
                        )
                    mask = masks[b] if masks is not None else None
                    names = self._vec_names[k]
                    for i in range(n):
                        item = items[i]
                        for o in self._offsets:
                            j = i + o
                            if 0 <= j < n:
                                item.update(zip(names[o], rows[j], strict=True))
                                if mask is not None and mask[j]:
                                    item[f"e{k}:{o}:oov"] = 1.0
                    if self.centroids:
                        self._cluster_features(k, sent, items)
                yield items
