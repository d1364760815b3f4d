"""ScalarMix: ELMo's task-specific weighting of the biLM layers, gamma * sum_j softmax(s)_j h_j."""

from __future__ import annotations

import torch
from torch import nn


class ScalarMix(nn.Module):
    """Learned softmax-normalised weights over L+1 layers and a scale gamma (Peters et al. 2018, eq. 1).

    For users who train their own PyTorch models on ELMo layers: `mix(layers)` with layers of shape
    (..., L+1, T, dim) along `dim=-3`, or a list of tensors of equal shape.
    """

    def __init__(
        self,
        n_layers: int,
        initial_weights: list[float] | None = None,
        gamma: float = 1.0,
        trainable: bool = True,
    ) -> None:
        super().__init__()
        init = initial_weights if initial_weights is not None else [0.0] * n_layers
        if len(init) != n_layers:
            raise ValueError(f"{len(init)} initial weights for {n_layers} layers")
        self.scalars = nn.Parameter(torch.tensor(init, dtype=torch.float32), trainable)
        self.gamma = nn.Parameter(torch.tensor(float(gamma)), trainable)

    def weights(self) -> torch.Tensor:
        """The normalised layer weights softmax(s); they sum to one."""
        return torch.softmax(self.scalars, dim=0)

    def forward(self, layers: torch.Tensor | list[torch.Tensor]) -> torch.Tensor:
        if isinstance(layers, (list, tuple)):
            layers = torch.stack(list(layers), dim=-3)
        if layers.shape[-3] != self.scalars.shape[0]:
            raise ValueError(f"expected {self.scalars.shape[0]} layers, got {layers.shape[-3]}")
        w = self.weights().to(layers.dtype)
        return self.gamma * (layers * w[:, None, None]).sum(dim=-3)
