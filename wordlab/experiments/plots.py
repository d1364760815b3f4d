"""Figures for the experiment reports: matplotlib on the Agg backend, saved as PNG and SVG."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)

PARTS = (("semantic", "Semantic", "tab:blue", "o"), ("syntactic", "Syntactic", "tab:orange", "s"))
TOTAL = ("total", "Overall", "tab:green", "^")


@contextmanager
def figure(
    folder: Path, name: str, ncols: int = 1, width: float = 6.4, height: float = 4.4
) -> Iterator[tuple]:
    """A figure with `ncols` panels, saved as folder/name.png and .svg when the block ends."""
    fig, axes = plt.subplots(1, ncols, figsize=(width * ncols, height), squeeze=False)
    try:
        yield fig, list(axes[0])
        fig.tight_layout()
        folder.mkdir(parents=True, exist_ok=True)
        fig.savefig(folder / f"{name}.png", dpi=110)
        fig.savefig(folder / f"{name}.svg")
    finally:
        plt.close(fig)


def accuracy_lines(ax, x: list[float], rows: list[dict], label_suffix: str = "") -> None:
    """Semantic, syntactic and overall analogy accuracy (%) against x, one line each."""
    for key, label, colour, marker in (*PARTS, TOTAL):
        pts = [(a, r.get(key)) for a, r in zip(x, rows, strict=True) if r.get(key) is not None]
        if pts:
            ax.plot(
                [p[0] for p in pts],
                [p[1] for p in pts],
                marker=marker,
                color=colour,
                label=label + label_suffix,
            )
    ax.set_ylabel("analogy accuracy (%)")
    ax.grid(alpha=0.3)
