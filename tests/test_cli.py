"""The `wordlab` command as a whole: every command described, every option spelled one way."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from wordlab.cli import build_parser, main
from wordlab.commands.common import MIN_COUNT

# the commands that read a text corpus, and so encode it into the corpus cache
READS_CORPUS = {
    "vocab",
    "cooccur",
    "glove",
    "word2vec",
    "fasttext",
    "elmo train",
    "elmo perplexity",
}
# reference tools whose default differs from MIN_COUNT: fastText supervised says 1; ELMo's
# vocabulary is its configuration's (small 5, original 3)
MIN_COUNT_DEFAULTS = {"classify train": 1, "elmo train": None}


def all_parsers(
    parser: argparse.ArgumentParser, name: str = ""
) -> list[tuple[str, argparse.ArgumentParser]]:
    """(command name, parser) of every subcommand, recursively, e.g. ('classify train', ...)."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub_name, sub in action.choices.items():
                full = f"{name} {sub_name}".strip()
                found.append((full, sub))
                found.extend(all_parsers(sub, full))
    return found


def options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    """Option string -> action, for every optional argument of one parser."""
    return {s: a for a in parser._actions for s in a.option_strings}


@pytest.fixture(scope="module")
def parsers() -> dict[str, argparse.ArgumentParser]:
    return dict(all_parsers(build_parser()))


def test_every_command_has_a_description(parsers):
    assert {"vocab", "shuffle", "classify train", "elmo embed", "ner tag", "demo"} <= set(parsers)
    for name, parser in parsers.items():
        assert parser.description and parser.description.strip(), f"`wordlab {name}` has none"


def test_corpus_cache_is_one_option_defined_once(parsers):
    helps = set()
    for name, parser in parsers.items():
        opts = options(parser)
        cache_like = {s for s in opts if "cache" in s}
        assert cache_like <= {"--corpus-cache"}, f"`wordlab {name}` spells it {cache_like}"
        assert ("--corpus-cache" in opts) == (name in READS_CORPUS), name
        if "--corpus-cache" in opts:
            action = opts["--corpus-cache"]
            assert action.dest == "corpus_cache" and action.default is None
            helps.add(action.help)
    assert len(helps) == 1  # the same definition everywhere


def test_min_count_and_seed_defaults(parsers):
    from wordlab.models.classifier import ClassifierSettings
    from wordlab.models.fasttext import FastTextSettings
    from wordlab.models.glove import GloVeSettings
    from wordlab.models.word2vec import Word2VecSettings

    assert MIN_COUNT == 5
    for settings in (Word2VecSettings, FastTextSettings, GloVeSettings):
        assert settings().min_count == MIN_COUNT  # the API's default is the command's
    assert ClassifierSettings().min_count == MIN_COUNT_DEFAULTS["classify train"]
    with_min_count = set()
    for name, parser in parsers.items():
        opts = options(parser)
        if "--min-count" in opts:
            with_min_count.add(name)
            assert opts["--min-count"].default == MIN_COUNT_DEFAULTS.get(name, MIN_COUNT), name
        if "--seed" in opts:
            assert opts["--seed"].default == 1, name
    assert {"vocab", "cooccur", "glove", "word2vec", "fasttext", "classify train"} <= with_min_count
    assert "fastText supervised" in options(parsers["classify train"])["--min-count"].help
    for name in ("glove", "word2vec", "fasttext", "classify train", "elmo train", "shuffle"):
        assert "--seed" in options(parsers[name]), name


def test_vocab_writes_nothing_under_home(tmp_path):
    """A command run as a user would (a subprocess) encodes into WORDLAB_CACHE, not into HOME."""
    home, cache = tmp_path / "home", Path(os.environ["WORDLAB_CACHE"])
    home.mkdir()
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c a b a\n" * 5)
    env = {**os.environ, "HOME": str(home)}
    proc = subprocess.run(
        [sys.executable, "-m", "wordlab", "vocab", "--input", str(corpus), "--output",
         str(tmp_path / "vocab.txt"), "--quiet"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "vocab.txt").read_text().split() == ["a", "15", "b", "10", "c", "5"]
    assert list(home.iterdir()) == []
    assert any(p.name.startswith("c.txt.") for p in (cache / "corpora").iterdir())


def test_glove_encodes_into_the_corpus_cache(tmp_path):
    """`wordlab glove --input` keeps the encoded corpus in the corpus cache, not in OUTPUT."""
    corpus = tmp_path / "glove.txt"
    corpus.write_text("a b c d a b a c\n" * 20)
    args = ["glove", "--input", str(corpus), "--dim", "4", "--epochs", "1", "--min-count", "1"]
    args += ["--threads", "1", "--quiet"]
    assert main([*args, "--output", str(tmp_path / "out")]) == 0
    assert not (tmp_path / "out" / "corpus").exists()
    cache = Path(os.environ["WORDLAB_CACHE"]) / "corpora"
    assert any(p.name.startswith("glove.txt.") for p in cache.iterdir())
    enc = tmp_path / "enc"
    assert main([*args, "--output", str(tmp_path / "out2"), "--corpus-cache", str(enc)]) == 0
    assert (enc / "meta.json").exists()
