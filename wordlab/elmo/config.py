"""ELMo's settings: one dataclass holding the architecture and the training schedule, saved with
every model, and the two named configurations (`small` for 2 CPU cores, `original` as the paper)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from wordlab.errors import WordlabError


@dataclass
class ElmoConfig:
    """Architecture (character CNN, biLSTM, softmax) and training schedule of an ELMo biLM.

    Defaults are the `small` configuration; `original` follows Peters et al. (2018) and the
    options file of the released 5.5B model's smaller sibling (char filters totalling 2048,
    LSTM 4096 projected to 512, token projection 512).
    """

    name: str = "small"
    # token encoder
    char_dim: int = 16
    filters: list[list[int]] = field(
        default_factory=lambda: [[1, 32], [2, 32], [3, 64], [4, 128], [5, 256]]
    )  # [width, number of filters]; 512 in all for `small`
    max_chars: int = 50  # bytes per token, begin/end-of-word markers included (reference: 50)
    highway_layers: int = 2
    projection_dim: int = 128  # token representation and LSTM projection size
    # biLM
    lstm_dim: int = 512
    lstm_layers: int = 2
    dropout: float = 0.1
    softmax_cutoffs: list[int] = field(default_factory=lambda: [4000, 20000])
    softmax_div: float = 4.0
    # vocabulary of the softmax (inputs are characters, so every word has an input vector)
    min_count: int = 5
    max_vocab: int | None = 100_000
    # training
    batch_size: int = 64  # parallel streams of text
    unroll: int = 20  # tokens per truncated-BPTT window (reference: 20)
    lr: float = 1e-3  # Adam
    clip: float = 5.0  # gradient norm clipping
    epochs: int = 1
    seed: int = 1

    def __post_init__(self) -> None:
        if not self.filters or any(len(f) != 2 or min(f) < 1 for f in self.filters):
            raise WordlabError(f"filters must be [width, count] pairs, got {self.filters}")
        self.filters = [[int(w), int(n)] for w, n in self.filters]
        self.softmax_cutoffs = [int(c) for c in self.softmax_cutoffs]
        widest = max(w for w, _ in self.filters)
        if self.max_chars < max(3, widest):
            raise WordlabError(f"max_chars must be at least {max(3, widest)}, got {self.max_chars}")
        for name in ("char_dim", "projection_dim", "lstm_dim", "lstm_layers", "batch_size"):
            if getattr(self, name) < 1:
                raise WordlabError(f"{name} must be positive, got {getattr(self, name)}")
        if self.unroll < 1 or self.epochs < 1:
            raise WordlabError("unroll and epochs must be positive")
        if not 0.0 <= self.dropout < 1.0:
            raise WordlabError(f"dropout must be in [0, 1), got {self.dropout}")

    @property
    def n_filters(self) -> int:
        """Width of the character CNN's output (sum of filter counts)."""
        return sum(n for _, n in self.filters)

    @property
    def output_dim(self) -> int:
        """Width of each ELMo layer: forward and backward states side by side."""
        return 2 * self.projection_dim

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able settings."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ElmoConfig:
        """Settings read back from JSON; unknown keys are an error, not silently ignored."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise WordlabError(f"unknown ELMo settings: {', '.join(unknown)}")
        return cls(**data)

    def updated(self, **changes: Any) -> ElmoConfig:
        """A copy with the given settings changed (None values are left as they are)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


CONFIGS: dict[str, ElmoConfig] = {
    "small": ElmoConfig(),
    "original": ElmoConfig(
        name="original",
        filters=[[1, 32], [2, 32], [3, 64], [4, 128], [5, 256], [6, 512], [7, 1024]],
        projection_dim=512,
        lstm_dim=4096,
        softmax_cutoffs=[20000, 100000],
        max_vocab=None,
        min_count=3,
        batch_size=128,
    ),
}


def get_config(name: str) -> ElmoConfig:
    """The named configuration (a fresh copy, safe to modify)."""
    if name not in CONFIGS:
        raise WordlabError(f"--config must be one of {', '.join(CONFIGS)}, not {name!r}")
    return ElmoConfig.from_dict(CONFIGS[name].to_dict())
