"""A trained ELMo: load it, embed sentences into L+1 layers of contextual vectors, score text.

Model files in a folder: `model.wordlab` (every weight, by its PyTorch state_dict name, with the
settings: the ElmoConfig and text options) and `vocab.txt` (the softmax's words). Nothing is
unpickled on loading.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch

from wordlab.corpus import load_corpus
from wordlab.elmo.bilm import BiLM
from wordlab.elmo.charcnn import BOS_TOKEN, EOS_TOKEN, encode_word
from wordlab.elmo.config import ElmoConfig
from wordlab.elmo.data import Batch, StreamBatcher, TokenStream, n_classes
from wordlab.errors import WordlabError
from wordlab.evaluation.ner.embedders import register_embedder_kind
from wordlab.modelio import load_model, save_model
from wordlab.progress import Progress
from wordlab.textread import TextOptions
from wordlab.vocab import Vocab

KIND = "elmo"
LAYER_CHOICES = ("all", "average")


class Elmo:
    """A biLM with its settings and vocabulary; `embed` gives (layers, tokens, dim) per sentence."""

    def __init__(
        self,
        bilm: BiLM,
        config: ElmoConfig,
        vocab: Vocab,
        text_options: TextOptions = TextOptions(),
    ) -> None:
        self.bilm = bilm
        self.config = config
        self.vocab = vocab
        self.text_options = text_options
        self._chars: dict[str, np.ndarray] = {}
        self._alphabet: frozenset[str] | None = None

    @property
    def n_layers(self) -> int:
        """L+1: the token layer and one per LSTM layer."""
        return self.config.lstm_layers + 1

    @property
    def dim(self) -> int:
        """Width of every layer (forward and backward side by side)."""
        return self.config.output_dim

    @property
    def device(self) -> torch.device:
        return next(self.bilm.parameters()).device

    def save(self, directory: str | os.PathLike) -> Path:
        """Write model.wordlab and vocab.txt into `directory`."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        arrays = {n: t.detach().cpu().numpy() for n, t in self.bilm.state_dict().items()}
        settings = {
            "kind": KIND,
            "format": 1,
            "config": self.config.to_dict(),
            "text_options": asdict(self.text_options),
            "n_classes": self.bilm.n_classes,
        }
        save_model(d / "model", arrays, settings)
        self.vocab.save(d / "vocab.txt")
        return d

    @classmethod
    def load(cls, directory: str | os.PathLike, device: str = "cpu") -> Elmo:
        """Open a model folder written by `save` (or by training)."""
        d = Path(directory)
        if not d.is_dir():
            raise WordlabError(f"ELMo model folder not found: {d}")
        arrays, settings = load_model(d / "model", KIND)
        config = ElmoConfig.from_dict(settings["config"])
        vocab = Vocab.load(d / "vocab.txt")
        if settings["n_classes"] != n_classes(vocab.words):
            raise WordlabError(f"{d / 'vocab.txt'} does not match {d / 'model.wordlab'}")
        bilm = BiLM(config, settings["n_classes"])
        try:
            bilm.load_state_dict({k: torch.from_numpy(v) for k, v in arrays.items()}, strict=True)
        except RuntimeError as exc:
            raise WordlabError(
                f"{d / 'model.wordlab'}: weights do not fit the settings ({exc})"
            ) from None
        bilm.to(device).eval()
        return cls(bilm, config, vocab, TextOptions(**settings["text_options"]))

    def _word_chars(self, word: str) -> np.ndarray:
        ids = self._chars.get(word)
        if ids is None:
            ids = np.asarray(encode_word(word, self.config.max_chars), dtype=np.int64)
            if len(self._chars) < 1_000_000:
                self._chars[word] = ids
        return ids

    @property
    def alphabet(self) -> frozenset[str]:
        """Characters of the training vocabulary: the ones whose embeddings were trained."""
        if self._alphabet is None:
            self._alphabet = frozenset("".join(self.vocab.words))
        return self._alphabet

    def foreign_mask(self, tokens: list[str]) -> np.ndarray:
        """True for tokens with no character of the training alphabet (see `layers`)."""
        alphabet = self.alphabet
        lower = self.text_options.lowercase
        return np.array(
            [not any(c in alphabet for c in (t.lower() if lower else t)) for t in tokens],
            dtype=bool,
        )

    def layers(
        self, sentences: list[list[str]], batch_size: int = 64, skip_foreign: bool = False
    ) -> list[np.ndarray]:
        """All L+1 layers for each sentence: arrays of shape (L+1, n_tokens, dim), float32.

        With `skip_foreign`, tokens none of whose characters occur in the training vocabulary
        (punctuation and digits for a corpus normalised like text8, which has neither) are left
        out of the language model's input, which then reads the sentence as its training text
        would have shown it, and get zero vectors; the other tokens are unaffected by them.
        """
        lower = self.text_options.lowercase
        kept: list[np.ndarray] = []
        for sent in sentences:
            mask = self.foreign_mask(sent) if skip_foreign else np.zeros(len(sent), dtype=bool)
            kept.append(np.flatnonzero(~mask))
        results: list[np.ndarray | None] = [None] * len(sentences)
        order = sorted(range(len(sentences)), key=lambda i: len(kept[i]))
        self.bilm.eval()
        dev = self.device
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            width = len(kept[idx[-1]]) + 2
            chars = np.zeros((len(idx), width, self.config.max_chars), dtype=np.int64)
            lengths = np.zeros(len(idx), dtype=np.int64)
            for row, i in enumerate(idx):
                toks = [sentences[i][j] for j in kept[i]]
                toks = [w.lower() for w in toks] if lower else toks
                for j, w in enumerate([BOS_TOKEN, *toks, EOS_TOKEN]):
                    chars[row, j] = self._word_chars(w)
                lengths[row] = len(toks) + 2
            with torch.no_grad():
                out = self.bilm.layers(
                    torch.from_numpy(chars).to(dev), torch.from_numpy(lengths).to(dev)
                )
            out_np = out.cpu().numpy()
            for row, i in enumerate(idx):
                inner = out_np[row, :, 1 : lengths[row] - 1]
                if len(kept[i]) == len(sentences[i]):
                    results[i] = np.ascontiguousarray(inner)
                else:
                    full = np.zeros((inner.shape[0], len(sentences[i]), inner.shape[2]), np.float32)
                    full[:, kept[i]] = inner
                    results[i] = full
        return results  # type: ignore[return-value]

    def embed(
        self,
        sentences: list[list[str]] | list[str],
        layers: str | int = "all",
        batch_size: int = 64,
        skip_foreign: bool = False,
    ) -> list[np.ndarray] | np.ndarray:
        """Contextual vectors: per sentence (L+1, tokens, dim) for layers='all', else (tokens, dim).

        `layers` is 'all', 'average' (the mean of the L+1 layers) or one layer's index. Given one
        sentence (a list of strings) instead of a list of sentences, returns its array alone.
        `skip_foreign`: see `layers`.
        """
        single = len(sentences) > 0 and isinstance(sentences[0], str)
        batch = [list(sentences)] if single else [list(s) for s in sentences]  # type: ignore[arg-type]
        select = self.layer_selector(layers)
        out = [select(a) for a in self.layers(batch, batch_size, skip_foreign)]
        return out[0] if single else out

    def layer_selector(self, layers: str | int) -> Callable[[np.ndarray], np.ndarray]:
        """A function picking the requested layers from an (L+1, tokens, dim) array."""
        if layers == "all":
            return lambda a: a
        if layers == "average":
            return lambda a: a.mean(axis=0)
        try:
            k = int(layers)
        except (TypeError, ValueError):
            raise WordlabError(
                f"--layers must be 'all', 'average' or a layer number, not {layers!r}"
            ) from None
        if not 0 <= k < self.n_layers:
            raise WordlabError(f"--layers {k}: the model has layers 0 to {self.n_layers - 1}")
        return lambda a: a[k]

    def perplexity(
        self,
        text: str | os.PathLike,
        batch_size: int | None = None,
        cache_dir: str | os.PathLike | None = None,
        progress: bool = False,
    ) -> dict[str, float]:
        """Forward, backward and joint perplexity of the model on a text file (or encoded corpus)."""
        corpus = load_corpus(text, self.text_options, cache_dir=cache_dir, progress=progress)
        stream = TokenStream.from_corpus(corpus, self.vocab.words, self.config.max_chars)
        return evaluate(
            self.bilm,
            stream,
            batch_size or self.config.batch_size,
            self.config.unroll,
            self.device,
            progress,
        )


class ElmoEmbedder:
    """The NER evaluation's embedder protocol: `name`, `dim`, `embed(sentences)` -> (tokens, dim) each.

    `layer` is 'average' (mean of the L+1 layers, the default) or one layer's index. `spec()`
    lets a saved NER tagger find the model again. With `skip_foreign` (the default), tokens made
    only of characters the biLM never saw in training (punctuation and numbers in CoNLL text, for
    a model trained on text normalised like text8) are left out of its input, get zero vectors
    and are reported by `oov_mask`, so the tagger marks them instead of reading noise.
    """

    def __init__(
        self,
        model: Elmo | str | os.PathLike,
        layer: str | int = "average",
        name: str = "elmo",
        skip_foreign: bool = True,
    ) -> None:
        self.model = model if isinstance(model, Elmo) else Elmo.load(model)
        self.path = None if isinstance(model, Elmo) else str(Path(model).resolve())
        if layer not in LAYER_CHOICES:
            try:
                layer = int(layer)
            except (TypeError, ValueError):
                raise WordlabError(
                    f"ELMo layer must be 'all', 'average' or a layer number, not {layer!r}"
                ) from None
        self.layer = layer
        self.model.layer_selector(layer)  # validate now, not at the first sentence
        self.name = name
        self.dim = self.model.dim
        self.skip_foreign = skip_foreign

    def embed(self, sentences: list[list[str]]) -> list[np.ndarray]:
        """One float32 array (n_tokens, dim) per sentence."""
        return self.model.embed(sentences, self.layer, skip_foreign=self.skip_foreign)  # type: ignore[return-value]

    def oov_mask(self, sentences: list[list[str]]) -> list[np.ndarray]:
        """True where a token was left out of the biLM's input (all False without skipping)."""
        if not self.skip_foreign:
            return [np.zeros(len(s), dtype=bool) for s in sentences]
        return [self.model.foreign_mask(s) for s in sentences]

    def spec(self) -> dict[str, Any]:
        """JSON description (model folder and layer) saved with an NER tagger."""
        # "module": importing it registers the kind, so `wordlab ner tag` can rebuild the embedder
        return {
            "kind": KIND,
            "module": __name__,
            "path": self.path,
            "layer": self.layer,
            "name": self.name,
            "skip_foreign": self.skip_foreign,
        }

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> ElmoEmbedder:
        """Rebuild the embedder described by `spec`."""
        if not spec.get("path"):
            raise WordlabError("the saved tagger's ELMo model has no path: pass the embedder")
        return cls(
            spec["path"],
            spec.get("layer", "average"),
            spec.get("name", "elmo"),
            spec.get("skip_foreign", False),  # taggers saved before the option read everything
        )


# -- batches and perplexity (shared with training) ----------------------------------------------
def to_tensors(batch: Batch, device: torch.device) -> list[torch.Tensor]:
    """A batch's arrays as tensors on `device` (character ids as int64 for the embedding)."""
    return [
        torch.from_numpy(np.ascontiguousarray(a)).to(device)
        for a in (
            batch.chars.astype(np.int64),
            batch.fwd_rows,
            batch.fwd_targets.astype(np.int64),
            batch.fwd_weights,
            batch.bwd_rows,
            batch.bwd_targets.astype(np.int64),
            batch.bwd_weights,
        )
    ]


def evaluate(
    model: BiLM,
    stream: TokenStream,
    batch_size: int,
    unroll: int,
    device: torch.device | str = "cpu",
    progress: bool = False,
) -> dict[str, float]:
    """Forward and backward perplexity over a stream, states carried as in training, no dropout."""
    batch_size = max(1, min(batch_size, len(stream) // (unroll + 1)))
    batcher = StreamBatcher(stream, batch_size, unroll)
    dev = torch.device(device)
    model.eval()
    state = model.zero_state(batch_size, dev)
    ll_f = ll_b = n_f = n_b = 0.0
    with (
        torch.no_grad(),
        Progress(
            batcher.n_batches * batcher.tokens_per_batch, "perplexity", "tok", progress
        ) as bar,
    ):
        for k in range(batcher.n_batches):
            chars, fr, ft, fw, br, bt, bw = to_tensors(batcher.batch(k), dev)
            words = model.encoder(chars)
            f_out, f_state = model.run_direction(words[fr], False, state[0])
            b_out, b_state = model.run_direction(words[br], True, state[1])
            state = (f_state, b_state)
            a, n = model.log_likelihood(f_out[-1], ft, fw)
            ll_f, n_f = ll_f + float(a), n_f + float(n)
            a, n = model.log_likelihood(b_out[-1], bt, bw)
            ll_b, n_b = ll_b + float(a), n_b + float(n)
            bar.update(batcher.tokens_per_batch)
    return {
        "ppl_fwd": math.exp(-ll_f / max(n_f, 1.0)),
        "ppl_bwd": math.exp(-ll_b / max(n_b, 1.0)),
        "ppl": math.exp(-(ll_f + ll_b) / max(n_f + n_b, 1.0)),
        "tokens": int(n_f),
    }


register_embedder_kind(KIND, ElmoEmbedder.from_spec)
