"""The shared machinery of the experiments: run specs, cached results, corpus prefixes, scoring.

Every model an experiment needs is a `Spec` (kind, corpus prefix, settings). Its key is a stable
text built from those, so the same run asked for by two experiments (GloVe at 100 dims and window
10 is in three of them) is trained once, and a run already in `results.json` is never repeated:
an interrupted sweep resumes where it stopped. `results.json` is rewritten atomically after every
run. Intermediate files (encoded corpora, prefixes, co-occurrence counts) live in `OUT/cache/`.
What a run trains is not decided here: `Runner.run` is given the function that executes a spec.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from wordlab import __version__
from wordlab.corpus import EncodedCorpus, load_corpus
from wordlab.errors import WordlabError
from wordlab.fileio import atomic_open
from wordlab.textread import TextOptions, iter_text_chunks
from wordlab.vocab import Vocab

SCHEMA = "wordlab-experiments/1"
RESULTS = "results.json"


@dataclass
class Config:
    """What every experiment shares: data, output folder, budget, vocabulary and run options."""

    corpus: Path
    out: Path
    analogy: Path | tuple[Path, ...] | None = None  # several: read as one set (CA8's two files)
    similarity: dict[str, Path] = field(default_factory=dict)  # name -> pairs file
    ner_dir: Path | None = None  # folder with eng.train, eng.testa, eng.testb
    budget: float | None = None  # seconds for the whole invocation; None: no limit
    quick: bool = False
    text: TextOptions = field(default_factory=TextOptions)
    min_count: int = 5
    max_vocab: int | None = None
    threads: int = 2
    seed: int = 1
    progress: bool = True


@dataclass(frozen=True)
class Spec:
    """One run: a model (or a count) of `kind` on the first `words` tokens (None: all) with `settings`."""

    kind: str
    words: int | None
    settings: tuple[tuple[str, Any], ...]

    @classmethod
    def make(cls, kind: str, words: int | None = None, **settings: Any) -> Spec:
        """A spec from keyword settings (lists become tuples so specs hash)."""
        items = tuple(
            sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in settings.items())
        )
        return cls(kind, words, items)

    @property
    def params(self) -> dict[str, Any]:
        """The settings as a dict."""
        return dict(self.settings)

    @property
    def key(self) -> str:
        """Stable, readable identifier of the run: kind, corpus size and settings."""
        corpus = "all" if self.words is None else str(self.words)
        body = ",".join(f"{k}={_plain(v)}" for k, v in self.settings)
        return f"{self.kind}[{corpus}]({body})"


def _plain(value: Any) -> str:
    if isinstance(value, tuple):
        return "-".join(map(str, value))
    return str(value)


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


RUN_FIELDS = {"key": str, "kind": str, "settings": dict, "seed": int, "started": str,
              "wall_seconds": float}  # fmt: skip
EXPERIMENT_FIELDS = {"title": str, "reference": str, "grid": str, "figures": list,
                     "verdicts": list, "runs": list, "missing": list, "table": list,
                     "level": str}  # fmt: skip


def validate(data: dict[str, Any]) -> list[str]:
    """Problems with results.json's structure (empty when it follows the schema)."""
    problems = []
    if data.get("schema") != SCHEMA:
        problems.append(f"schema is {data.get('schema')!r}, not {SCHEMA!r}")
    for name, kind in (("runs", dict), ("experiments", dict), ("invocations", list)):
        if not isinstance(data.get(name), kind):
            problems.append(f"{name!r} missing or not a {kind.__name__}")
    for key, run in (data.get("runs") or {}).items():
        for name, kind in RUN_FIELDS.items():
            value = run.get(name)
            if not isinstance(value, kind) and not (kind is float and isinstance(value, int)):
                problems.append(f"run {key}: {name!r} missing or not {kind.__name__}")
        if run.get("key") != key:
            problems.append(f"run {key}: stored under another key")
        if run.get("kind") != "cooccur" and not isinstance(run.get("scores"), dict):
            problems.append(f"run {key}: no scores")
    for name, exp in (data.get("experiments") or {}).items():
        for field_name, kind in EXPERIMENT_FIELDS.items():
            if not isinstance(exp.get(field_name), kind):
                problems.append(f"experiment {name}: {field_name!r} missing or not {kind.__name__}")
        for key in exp.get("runs", []):
            if key not in data.get("runs", {}) and key not in exp.get("missing", []):
                problems.append(f"experiment {name}: run {key} neither stored nor missing")
    return problems


Execute = Callable[["Runner", Spec], dict[str, Any]]  # trains and scores one spec: its record


class Runner:
    """Runs specs once each, keeps their records in OUT/results.json, and stops at the deadline."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.out = Path(config.out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.cache = self.out / "cache"
        self.path = self.out / RESULTS
        self.started = time.monotonic()
        self.deadline = None if config.budget is None else self.started + config.budget
        self.data = self._load()
        self._corpora: dict[int | None, EncodedCorpus] = {}
        self._datasets: dict[str, Any] = {}

    # -- results.json ---------------------------------------------------------------------------
    def _load(self) -> dict[str, Any]:
        if not self.path.exists():
            return {"schema": SCHEMA, "runs": {}, "experiments": {}, "invocations": []}
        try:
            data = json.loads(self.path.read_text())
        except json.JSONDecodeError as exc:
            raise WordlabError(
                f"{self.path}: not valid JSON ({exc}); move it away to start over"
            ) from None
        problems = validate(data)
        if problems:
            raise WordlabError(f"{self.path}: not a results file of this version: {problems[0]}")
        corpus = str(Path(self.config.corpus).resolve())
        if data.get("corpus", {}).get("path", corpus) != corpus:
            raise WordlabError(
                f"{self.path} holds runs on {data['corpus']['path']}, not {corpus}; "
                "use another --out folder"
            )
        # run keys name the model settings only: the vocabulary, text options and seed that
        # every run of a folder shares must not change under them
        c = self.config
        now = {"min_count": c.min_count, "max_vocab": c.max_vocab, "seed": c.seed,
               "text_options": asdict(c.text)}  # fmt: skip
        for inv in data.get("invocations", [])[:1]:
            saved_text = data.get("corpus", {}).get("text_options", now["text_options"])
            # options added since the folder was made count at their defaults
            before = {**{k: inv.get(k) for k in now},
                      "text_options": {**asdict(TextOptions()), **saved_text}}  # fmt: skip
            changed = [k for k in now if before[k] != now[k]]
            if changed:
                raise WordlabError(
                    f"{self.path} holds runs made with other {', '.join(changed)} "
                    f"({', '.join(f'{k}={before[k]}' for k in changed)}); use another --out folder"
                )
        return data

    def save(self) -> None:
        """Write results.json atomically (an interrupted write leaves the previous one)."""
        with atomic_open(self.path, "w", encoding="utf-8") as fh:
            json.dump(self.data, fh, indent=1, default=_json_default)
            fh.write("\n")

    def begin(self, names: list[str], level: str, estimate: float) -> None:
        """Record the invocation (command settings, machine) and the corpus it runs on."""
        c = self.config
        corpus = self.corpus()
        self.data["corpus"] = {
            "path": str(Path(c.corpus).resolve()),
            "tokens": corpus.n_tokens,
            "lines": corpus.n_lines,
            "distinct_words": len(corpus.words),
            "text_options": asdict(c.text),
        }
        self.data["invocations"].append(
            {
                "started": _now(),
                "experiments": names,
                "level": level,
                "budget_seconds": c.budget,
                "estimated_seconds": estimate,
                "quick": c.quick,
                "min_count": c.min_count,
                "max_vocab": c.max_vocab,
                "threads": c.threads,
                "seed": c.seed,
                "wordlab": __version__,
                "python": platform.python_version(),
                "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
            }
        )
        self.save()

    def record(self, spec: Spec) -> dict[str, Any] | None:
        """The stored record of a finished run, or None."""
        return self.data["runs"].get(spec.key)

    def out_of_time(self) -> bool:
        """True once the budget is spent: no new run starts after that."""
        return self.deadline is not None and time.monotonic() > self.deadline

    def run(self, spec: Spec, execute: Execute) -> dict[str, Any] | None:
        """The record of `spec`: stored, or computed now by `execute` (None once the budget is spent).

        `execute(runner, spec)` trains and scores (experiments.models.execute); it is passed in so
        that this bookkeeping does not depend on the models.
        """
        done = self.record(spec)
        if done is not None:
            return done
        if self.out_of_time():
            return None
        if self.config.progress:
            print(f"[experiment] {spec.key}", flush=True)
        started = _now()
        t0 = time.perf_counter()
        result = execute(self, spec)
        rec = {
            "key": spec.key,
            "kind": spec.kind,
            "corpus_words": spec.words,
            "settings": spec.params,
            "seed": self.config.seed,
            "min_count": self.config.min_count,
            "max_vocab": self.config.max_vocab,
            "threads": self.config.threads,
            "started": started,
            # a run continued from a checkpoint (experiments.partial) adds its earlier sittings
            "wall_seconds": time.perf_counter() - t0 + result.get("earlier_sittings_seconds", 0.0),
            **result,
        }
        self.data["runs"][spec.key] = rec
        self.save()
        return rec

    # -- corpora --------------------------------------------------------------------------------
    def corpus(self, words: int | None = None) -> EncodedCorpus:
        """The encoded corpus, or its prefix of about `words` tokens (written and encoded once)."""
        if words in self._corpora:
            return self._corpora[words]
        c = self.config
        progress = c.progress
        if words is None:
            enc = load_corpus(c.corpus, c.text, self.cache / "encoded" / "full", progress)
        else:
            text = self.cache / "prefixes" / f"prefix-{words}.txt"
            if not text.exists():
                write_prefix(c.corpus, text, words, c.text)
            enc = load_corpus(text, c.text, self.cache / "encoded" / f"prefix-{words}", progress)
        self._corpora[words] = enc
        return enc

    def vocab(self, words: int | None = None) -> Vocab:
        """The vocabulary every model of a corpus shares (--min-count, --max-vocab)."""
        return Vocab.from_corpus(self.corpus(words), self.config.min_count, self.config.max_vocab)

    # -- scoring --------------------------------------------------------------------------------
    def evaluate(self, vectors: Any) -> dict[str, Any]:
        """Analogy (semantic, syntactic, total, %) and similarity (Spearman x 100) of vectors."""
        from wordlab.evaluation.analogy import evaluate_analogy
        from wordlab.evaluation.datasets import read_analogy_sets, read_similarity
        from wordlab.evaluation.similarity import evaluate_similarity

        c = self.config
        scores: dict[str, Any] = {}
        if c.analogy is not None:
            if "analogy" not in self._datasets:  # several files (CA8's two) are read as one set
                paths = c.analogy if isinstance(c.analogy, (list, tuple)) else [c.analogy]
                self._datasets["analogy"] = read_analogy_sets(list(paths))
            r = evaluate_analogy(vectors, self._datasets["analogy"])
            for part in ("semantic", "syntactic", "total"):
                s = getattr(r, part)
                if s is not None:
                    acc = s.accuracy
                    scores[part] = None if acc is None else 100.0 * acc
                    scores[f"{part}_used"] = s.used
                    scores[f"{part}_questions"] = s.questions
        for name, path in c.similarity.items():
            if name not in self._datasets:
                self._datasets[name] = read_similarity(path)
            try:
                r = evaluate_similarity(vectors, self._datasets[name])
            except WordlabError:  # fewer than two pairs known: no correlation
                scores[name] = None
                continue
            scores[name] = 100.0 * r.spearman
            scores[f"{name}_pairs_used"] = r.used
            scores[f"{name}_pairs"] = r.pairs
        return scores


def write_prefix(source: Path, target: Path, words: int, text: TextOptions) -> int:
    """Copy the first `words` tokens of `source` (any compression) to plain text, keeping lines."""
    target.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with atomic_open(target, "w", encoding="utf-8") as fh:
        for chunk in iter_text_chunks(source, text.encoding_errors):
            n = len(text.tokenize(chunk))
            if written + n <= words:
                fh.write(chunk)
                written += n
                continue
            for line in chunk.splitlines(keepends=True):  # the chunk that crosses the limit
                tokens = text.tokenize(line)  # raw Chinese: jieba's words, not the whole line
                if written + len(tokens) <= words:
                    fh.write(line)
                    written += len(tokens)
                else:
                    fh.write(" ".join(tokens[: words - written]) + "\n")
                    written = words
                    break
            break
    return written


def _json_default(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
