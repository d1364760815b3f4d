"""Shared test fixtures: paths to the project's shared data, small planted corpora."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def pytest_sessionstart(session: pytest.Session) -> None:
    """Hypothesis keeps its cache under pytest's temporary folder, not in the working tree.

    Set before collection, where Hypothesis's plugin first writes (`.hypothesis/constants`).
    """
    from hypothesis.configuration import set_hypothesis_home_dir

    set_hypothesis_home_dir(session.config._tmp_path_factory.getbasetemp() / "hypothesis")


@pytest.fixture(autouse=True, scope="session")
def _private_corpus_cache(tmp_path_factory):
    """Tests encode corpora under a temporary WORDLAB_CACHE, never in the user's ~/.cache/wordlab.

    Session-wide, so module-scoped fixtures see it too; set in the environment, so subprocesses
    started by tests inherit it.
    """
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WORDLAB_CACHE", str(tmp_path_factory.mktemp("wordlab-cache")))
        yield


def shared_data(*parts: str) -> Path:
    """A file under ../shared/data, or skip the test when the data is not beside the repo."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not available: {path}")
    return path


def write_planted_corpus(path: Path, n_lines: int = 1500, seed: int = 0) -> list[list[str]]:
    """Lines drawn from 4 topics of 6 words each (a quarter of the words from any topic, as noise):
    words of one topic share contexts.

    Returns the topics, so a test can check that neighbours come from the same topic.
    """
    rng = np.random.default_rng(seed)
    topics = [[f"{name}{i}" for i in range(6)] for name in ("animal", "vehicle", "fruit", "colour")]
    with open(path, "w", encoding="utf-8") as fh:
        for _ in range(n_lines):
            t = rng.integers(len(topics))
            line = [
                topics[t if rng.random() < 0.75 else rng.integers(len(topics))][rng.integers(6)]
                for _ in range(12)
            ]
            fh.write(" ".join(line) + "\n")
    return topics
