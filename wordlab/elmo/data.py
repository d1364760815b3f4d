"""Training and evaluation data for the biLM: an encoded corpus as one stream of token ids with
sentence markers, cut into parallel streams for truncated back-propagation through time.

Each line becomes `<S> w1 ... wn </S>`. Input ids index a character table built once per word
*type* (every corpus word, so rare and unseen words keep their own characters); target ids index
the softmax vocabulary, with words outside it mapped to `<UNK>`. The forward LM reads each stream
from its start, the backward LM from its end, so both carry their LSTM state across batches as the
reference implementation does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wordlab.corpus import EncodedCorpus
from wordlab.elmo.charcnn import BOS_TOKEN, EOS_TOKEN, char_table
from wordlab.errors import WordlabError

BOS_ID, EOS_ID, UNK_ID = 0, 1, 2
N_SPECIAL = 3
UNK_TOKEN = "<UNK>"


def n_classes(vocab_words: list[str]) -> int:
    """Softmax size: the special tokens, then the vocabulary in order."""
    return N_SPECIAL + len(vocab_words)


@dataclass
class TokenStream:
    """A corpus as input ids with markers, their character table and the softmax target of each id."""

    ids: np.ndarray  # int32 input ids: 0 <S>, 1 </S>, 2 <UNK>, 3 + corpus word id
    chars: np.ndarray  # int16 (n_input_ids, max_chars) character ids of each input id
    targets: np.ndarray  # int32 softmax class of each input id

    @classmethod
    def from_corpus(
        cls, corpus: EncodedCorpus, vocab_words: list[str], max_chars: int
    ) -> TokenStream:
        """Stream of an encoded corpus; `vocab_words` are the softmax's words (in class order)."""
        n_lines, ls = corpus.n_lines, np.asarray(corpus.line_starts, dtype=np.int64)
        n = corpus.n_tokens + 2 * n_lines
        ids = np.empty(n, dtype=np.int32)
        line = np.arange(n_lines, dtype=np.int64)
        ids[ls[:-1] + 2 * line] = BOS_ID
        ids[ls[1:] + 2 * line + 1] = EOS_ID
        step = 1 << 22
        for start in range(0, corpus.n_tokens, step):
            stop = min(start + step, corpus.n_tokens)
            pos = np.arange(start, stop, dtype=np.int64)
            line_of = np.searchsorted(ls, pos, side="right") - 1
            ids[pos + 2 * line_of + 1] = np.asarray(corpus.tokens[start:stop]) + N_SPECIAL
        words = [BOS_TOKEN, EOS_TOKEN, UNK_TOKEN, *corpus.words]
        chars, _ = char_table(words, max_chars)
        index = {w: i for i, w in enumerate(vocab_words)}
        targets = np.array(
            [BOS_ID, EOS_ID, UNK_ID]
            + [index.get(w, UNK_ID - N_SPECIAL) + N_SPECIAL for w in corpus.words],
            dtype=np.int32,
        )
        return cls(ids, chars, targets)

    def __len__(self) -> int:
        return int(self.ids.shape[0])


@dataclass
class Batch:
    """One step for both directions: the distinct words' character ids (U, C), each position's
    row in them (B, T), target classes and target weights. Encoding each distinct word once
    spares the character CNN most of its work (frequent words repeat within a batch)."""

    chars: np.ndarray
    fwd_rows: np.ndarray
    fwd_targets: np.ndarray
    fwd_weights: np.ndarray
    bwd_rows: np.ndarray
    bwd_targets: np.ndarray
    bwd_weights: np.ndarray

    @property
    def n_tokens(self) -> int:
        return int(self.fwd_targets.size)


class StreamBatcher:
    """Cuts a TokenStream into `batch_size` contiguous streams and serves window k of each.

    Forward window k of stream b covers positions b*S + k*T ... + T - 1 (targets one to the right);
    backward window k runs leftwards from the end of stream b (targets one to the left). The
    forward LM does not predict `<S>` after `</S>`, nor the backward LM `</S>` before `<S>`: those
    targets are given weight 0.
    """

    def __init__(self, stream: TokenStream, batch_size: int, unroll: int) -> None:
        self.stream = stream
        self.unroll = unroll
        self.batch_size = batch_size
        self.span = len(stream) // batch_size
        self.n_batches = (self.span - 1) // unroll
        if self.n_batches < 1:
            raise WordlabError(
                f"corpus too small: {len(stream):,} tokens (with sentence markers) cannot fill "
                f"{batch_size} streams of more than {unroll} tokens; lower --batch-size or --unroll"
            )
        self.starts = np.arange(batch_size, dtype=np.int64) * self.span

    @property
    def tokens_per_batch(self) -> int:
        return self.batch_size * self.unroll

    def batch(self, k: int) -> Batch:
        """Window k (0 <= k < n_batches) of every stream, for both directions."""
        s = self.stream
        offs = np.arange(self.unroll, dtype=np.int64)
        f_idx = self.starts[:, None] + k * self.unroll + offs[None, :]
        b_idx = (self.starts + self.span - 1)[:, None] - k * self.unroll - offs[None, :]
        f_in, f_next = s.ids[f_idx], s.ids[f_idx + 1]
        b_in, b_prev = s.ids[b_idx], s.ids[b_idx - 1]
        words, rows = np.unique(np.concatenate([f_in, b_in]), return_inverse=True)
        rows = rows.reshape(2, *f_in.shape).astype(np.int64)
        return Batch(
            s.chars[words],
            rows[0],
            s.targets[f_next],
            (f_next != BOS_ID).astype(np.float32),
            rows[1],
            s.targets[b_prev],
            (b_prev != EOS_ID).astype(np.float32),
        )
