"""The seven experiments by name, in the report's order (importing this loads matplotlib)."""

from __future__ import annotations

from wordlab.experiments import (
    corpus_size,
    methods,
    ner,
    sparsity,
    training_time,
    vector_size,
    window,
)
from wordlab.experiments.common import Experiment

EXPERIMENTS: dict[str, Experiment] = {
    m.EXPERIMENT.name: m.EXPERIMENT
    for m in (vector_size, window, corpus_size, training_time, methods, sparsity, ner)
}
