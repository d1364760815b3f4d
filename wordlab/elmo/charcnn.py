"""ELMo's token encoder: the UTF-8 bytes of a word -> character CNN -> highway -> projection.

Character ids follow the reference implementation (bilm-tf / AllenNLP's ELMoCharacterMapper):
byte values 0-255, 256 begin-of-sentence, 257 end-of-sentence, 258 begin-of-word, 259 end-of-word,
260 padding inside a word; every id is shifted by one so that 0 marks a padding *token*.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from wordlab.elmo.config import ElmoConfig

N_CHARS = 262  # 256 bytes + 5 markers, shifted by one; 0 is the padding token
BOS_CHAR = 256 + 1
EOS_CHAR = 257 + 1
BOW_CHAR = 258 + 1
EOW_CHAR = 259 + 1
PAD_CHAR = 260 + 1
BOS_TOKEN = "<S>"
EOS_TOKEN = "</S>"


def encode_word(word: str, max_chars: int) -> list[int]:
    """Character ids of one word: begin-of-word, its UTF-8 bytes (truncated), end-of-word, padding."""
    if word == BOS_TOKEN:
        body = [BOS_CHAR]
    elif word == EOS_TOKEN:
        body = [EOS_CHAR]
    else:
        body = [b + 1 for b in word.encode("utf-8", errors="replace")[: max_chars - 2]]
    ids = [BOW_CHAR, *body, EOW_CHAR]
    return ids + [PAD_CHAR] * (max_chars - len(ids))


def char_table(words: list[str], max_chars: int) -> tuple[np.ndarray, np.ndarray]:
    """Character ids (len(words), max_chars) int16 and lengths (markers included) for many words."""
    table = np.empty((len(words), max_chars), dtype=np.int16)
    lengths = np.empty(len(words), dtype=np.int16)
    for i, w in enumerate(words):
        ids = encode_word(w, max_chars)
        table[i] = ids
        lengths[i] = max_chars - ids.count(PAD_CHAR)
    return table, lengths


class Highway(nn.Module):
    """Highway layers (Srivastava et al. 2015): y = g * x + (1 - g) * relu(W x), g = sigmoid(V x)."""

    def __init__(self, dim: int, n_layers: int) -> None:
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(dim, 2 * dim) for _ in range(n_layers))
        for layer in self.layers:
            # Carry the input through at first, as in the reference (gate bias 1).
            nn.init.constant_(layer.bias[dim:], 1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            nonlinear, gate = layer(x).chunk(2, dim=-1)
            g = torch.sigmoid(gate)
            x = g * x + (1.0 - g) * torch.relu(nonlinear)
        return x


class CharCNN(nn.Module):
    """Token encoder: (tokens, chars) character ids -> (tokens, projection_dim) vectors.

    Max-pooling skips the positions that only see in-word padding, so a token's vector does not
    depend on how far the batch is padded (the reference pools over a fixed 50 positions).
    """

    def __init__(self, config: ElmoConfig) -> None:
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(N_CHARS, config.char_dim, padding_idx=0)
        self.convs = nn.ModuleList(
            nn.Conv1d(config.char_dim, n, kernel_size=w) for w, n in config.filters
        )
        self.highway = Highway(config.n_filters, config.highway_layers)
        self.projection = nn.Linear(config.n_filters, config.projection_dim)
        self.min_chars = max(w for w, _ in config.filters)

    def forward(self, chars: torch.Tensor) -> torch.Tensor:
        """chars: (..., max_chars) int ids -> (..., projection_dim)."""
        lead = chars.shape[:-1]
        chars = chars.reshape(-1, chars.shape[-1]).long()
        lengths = (chars != 0).sum(-1) - (chars == PAD_CHAR).sum(-1)
        width = int(max(int(lengths.max()) if lengths.numel() else 0, self.min_chars))
        chars = chars[:, :width]
        x = self.embedding(chars).transpose(1, 2)  # (N, char_dim, width)
        pooled = []
        for (w, _), conv in zip(self.config.filters, self.convs, strict=True):
            y = conv(x)  # (N, filters, width - w + 1)
            last = (lengths - w).clamp(min=0)  # last position whose window lies inside the word
            pos = torch.arange(y.shape[-1], device=y.device)
            y = y.masked_fill((pos[None, :] > last[:, None])[:, None, :], float("-inf"))
            pooled.append(torch.relu(y.max(dim=-1).values))
        h = self.highway(torch.cat(pooled, dim=-1))
        return self.projection(h).reshape(*lead, -1)
