"""The seven experiments by name, in the report's order (importing this loads matplotlib).

STUDIES are experiments that write a report of their own (`wordlab experiment critique`): they
run on the same runner, cache and budget, but are not part of `all`, the paper's reproductions.
"""

from __future__ import annotations

from wordlab.experiments import (
    corpus_size,
    critique,
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

STUDIES: dict[str, Experiment] = {critique.EXPERIMENT.name: critique.EXPERIMENT}
