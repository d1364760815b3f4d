"""The bidirectional language model: a shared token encoder and softmax, two 2-layer LSTM LMs.

Each direction is a stack of LSTMs with a projection (`proj_size`), dropout on every layer's
input, and a residual connection from each layer's output to the next layer's (as in the
reference). The backward LM reads reversed sequences, so both directions run left to right over
their own input and padding always sits at the end.
"""

from __future__ import annotations

import warnings

import torch
from torch import nn

from wordlab.elmo.charcnn import CharCNN
from wordlab.elmo.config import ElmoConfig

State = list[tuple[torch.Tensor, torch.Tensor]]

# PyTorch says so on every call; its own (non-oneDNN) LSTM kernel is what we want anyway.
warnings.filterwarnings("ignore", message="LSTM with projections is not supported with oneDNN")


def softmax_cutoffs(config: ElmoConfig, n_classes: int) -> list[int]:
    """The configured adaptive-softmax cutoffs that fit a vocabulary of `n_classes`."""
    cutoffs = [c for c in config.softmax_cutoffs if 0 < c < n_classes]
    return cutoffs or [max(1, n_classes // 2)]


class BiLM(nn.Module):
    """Character-aware forward and backward LSTM language models sharing encoder and softmax."""

    def __init__(self, config: ElmoConfig, n_classes: int) -> None:
        super().__init__()
        self.config = config
        self.n_classes = n_classes
        p = config.projection_dim
        self.encoder = CharCNN(config)
        self.forward_lstms = nn.ModuleList(
            nn.LSTM(p, config.lstm_dim, proj_size=p, batch_first=True)
            for _ in range(config.lstm_layers)
        )
        self.backward_lstms = nn.ModuleList(
            nn.LSTM(p, config.lstm_dim, proj_size=p, batch_first=True)
            for _ in range(config.lstm_layers)
        )
        self.dropout = nn.Dropout(config.dropout)
        self.softmax = nn.AdaptiveLogSoftmaxWithLoss(
            p, n_classes, softmax_cutoffs(config, n_classes), div_value=config.softmax_div
        )

    def zero_state(self, batch: int, device: torch.device | str = "cpu") -> tuple[State, State]:
        """Zero (h, c) for every layer of both directions."""
        cfg = self.config

        def one() -> State:
            return [
                (
                    torch.zeros(1, batch, cfg.projection_dim, device=device),
                    torch.zeros(1, batch, cfg.lstm_dim, device=device),
                )
                for _ in range(cfg.lstm_layers)
            ]

        return one(), one()

    def run_direction(
        self, tokens: torch.Tensor, backward: bool, state: State | None = None
    ) -> tuple[list[torch.Tensor], State]:
        """Every layer's outputs (B, T, proj) of one direction over token vectors, and its final state."""
        lstms = self.backward_lstms if backward else self.forward_lstms
        outputs: list[torch.Tensor] = []
        new_state: State = []
        h = tokens
        for i, lstm in enumerate(lstms):
            out, st = lstm(self.dropout(h), None if state is None else state[i])
            if i > 0:
                out = out + h  # residual connection
            outputs.append(out)
            new_state.append(st)
            h = out
        return outputs, new_state

    def log_likelihood(
        self, top: torch.Tensor, targets: torch.Tensor, weights: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Sum of target log-probabilities (weighted) and the weight total, for one direction."""
        out = self.softmax(self.dropout(top).reshape(-1, top.shape[-1]), targets.reshape(-1))
        w = weights.reshape(-1)
        return (out.output * w).sum(), w.sum()

    def loss(
        self,
        chars: torch.Tensor,
        fwd_rows: torch.Tensor,
        fwd_targets: torch.Tensor,
        fwd_weights: torch.Tensor,
        bwd_rows: torch.Tensor,
        bwd_targets: torch.Tensor,
        bwd_weights: torch.Tensor,
        state: tuple[State, State] | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, tuple[State, State]]:
        """Mean negative log-likelihoods (both summed, forward, backward) and the carried states.

        `chars` (U, C) holds the distinct input words; `fwd_rows` / `bwd_rows` (B, T) pick each
        position's word (the backward rows already in reading order, right to left).
        """
        fwd_state, bwd_state = state if state is not None else (None, None)
        words = self.encoder(chars)
        f_out, f_state = self.run_direction(words[fwd_rows], False, fwd_state)
        b_out, b_state = self.run_direction(words[bwd_rows], True, bwd_state)
        f_ll, f_n = self.log_likelihood(f_out[-1], fwd_targets, fwd_weights)
        b_ll, b_n = self.log_likelihood(b_out[-1], bwd_targets, bwd_weights)
        f_nll = -f_ll / f_n.clamp(min=1.0)
        b_nll = -b_ll / b_n.clamp(min=1.0)
        return f_nll + b_nll, f_nll.detach(), b_nll.detach(), (f_state, b_state)

    def layers(self, chars: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """ELMo's L+1 layers for padded sentences: (B, T, C) chars -> (B, L+1, T, 2 * proj).

        Layer 0 is the token vector duplicated to the width of both directions; layer k>0 is the
        forward and backward outputs of LSTM layer k side by side.
        """
        tokens = self.encoder(chars)  # (B, T, p)
        t = chars.shape[1]
        pos = torch.arange(t, device=chars.device)[None, :]
        # Reverse each sentence within its own length; padding stays at the end.
        rev = torch.where(pos < lengths[:, None], lengths[:, None] - 1 - pos, pos)
        rev_idx = rev[:, :, None].expand(-1, -1, tokens.shape[-1])
        f_out, _ = self.run_direction(tokens, False)
        b_out, _ = self.run_direction(tokens.gather(1, rev_idx), True)
        layers = [torch.cat([tokens, tokens], dim=-1)]
        for f, b in zip(f_out, b_out, strict=True):
            layers.append(torch.cat([f, b.gather(1, rev_idx)], dim=-1))
        return torch.stack(layers, dim=1)
