"""Readers for word-similarity and word-analogy test sets in their usual layouts.

Similarity: one pair per line, ``word1 word2 score`` separated by tabs (WordSim353, SimLex-999 as
gensim ships them), by spaces (MEN) or by commas (CSV); ``#`` lines are comments and a first row
of three fields whose score is not a number is a header. Columns after the score must be numbers
(per-rater scores, as in the original RW and WordSim353 set1/set2 files; they are not used): any
other extra column means a misread line, an error.

Analogy: the Google layout, ``: section`` lines each followed by ``a b c d`` questions; a file of
plain ``a b c d`` lines is one section named after the file. CA8, the Chinese set, comes as two
such files, ``morphological.txt`` and ``semantic.txt``: a file whose name says which is read with
that category on each of its sections, and `read_analogy_sets` joins several files into one set.

Every malformed line is an error naming the file and line: a silently skipped line changes a score.
"""

from __future__ import annotations

import codecs
import csv
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from wordlab.errors import WordlabError
from wordlab.fileio import open_binary


@dataclass
class SimilarityDataset:
    """Word pairs with human scores, in file order."""

    name: str
    path: str
    pairs: list[tuple[str, str, float]]
    line_numbers: list[int] = field(default_factory=list)


@dataclass
class AnalogySection:
    """One `: section` of an analogy file: its name and its (a, b, c, d) questions."""

    name: str
    questions: list[tuple[str, str, str, str]] = field(default_factory=list)
    line_numbers: list[int] = field(default_factory=list)
    # "semantic" or "morphological" for CA8's files; None: the Google rule (gram* is syntactic)
    category: str | None = None


@dataclass
class AnalogyDataset:
    """An analogy test set: sections in file order."""

    name: str
    path: str
    sections: list[AnalogySection]

    @property
    def n_questions(self) -> int:
        """Questions in all sections."""
        return sum(len(s.questions) for s in self.sections)


def dataset_name(path: str | os.PathLike) -> str:
    """A short name for a dataset file: its name without directory and known suffixes."""
    name = Path(path).name
    for suffix in (".gz", ".bz2", ".xz", ".txt", ".tsv", ".csv"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    return name


def _read_lines(path: str | os.PathLike, encoding: str = "utf-8") -> list[str]:
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise WordlabError(f"unknown text encoding {encoding!r}") from None
    with open_binary(path) as fh:
        data = fh.read()
    try:
        text = data.decode("utf-8-sig" if name == "utf-8" else encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        what = "UTF-8" if name == "utf-8" else encoding
        raise WordlabError(f"{path}:{line}: not valid {what} ({exc.reason})") from None
    # split on newlines only, so line numbers are an editor's (splitlines also splits on \f, \x1c...)
    return [line.removesuffix("\r") for line in text.split("\n")]


def _split_pair_line(line: str, delimiter: str | None) -> list[str]:
    if delimiter is not None:
        return [f.strip() for f in line.split(delimiter)]
    if "\t" in line:
        return [f.strip() for f in line.split("\t")]
    if "," in line:
        return [f.strip() for f in next(csv.reader([line]))]
    return line.split()


def _as_number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def read_similarity(
    path: str | os.PathLike,
    delimiter: str | None = None,
    lowercase: bool = False,
    encoding: str = "utf-8",
) -> SimilarityDataset:
    """Read `word1 word2 score` pairs (tab, space or comma separated; `#` comments; CSV header)."""
    pairs: list[tuple[str, str, float]] = []
    lines: list[int] = []
    seen_data = False
    for line_no, raw in enumerate(_read_lines(path, encoding), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        try:
            fields = _split_pair_line(raw, delimiter)
        except csv.Error as exc:
            raise WordlabError(f"{path}:{line_no}: not a CSV row ({exc})") from None
        while len(fields) > 3 and not fields[-1]:  # a trailing delimiter adds no column
            fields.pop()
        score = _as_number(fields[2]) if len(fields) >= 3 else None
        if score is None and not seen_data and len(fields) == 3:
            seen_data = True  # a header row such as "word1,word2,score"
            continue
        seen_data = True
        expected = f"{path}:{line_no}: expected 'word1 word2 score'"
        if len(fields) < 3 or not fields[0] or not fields[1]:
            what = f"{len(fields)} fields" if len(fields) < 3 else "an empty word"
            raise WordlabError(f"{expected}, got {what}: {raw.strip()[:80]!r}")
        if score is None:
            raise WordlabError(f"{expected}, got a score that is not a number: {fields[2][:40]!r}")
        if not math.isfinite(score):
            raise WordlabError(f"{expected}, got a score that is not finite: {fields[2][:40]!r}")
        extra = [f for f in fields[3:] if _as_number(f) is None or not math.isfinite(float(f))]
        if extra:  # only per-rater scores may follow the mean: anything else is a misread line
            raise WordlabError(
                f"{expected}, got {len(fields)} fields: {extra[0][:40]!r} after the score is "
                "not a number (only per-rater scores may follow; a word with the delimiter in it?)"
            )
        w1, w2 = (fields[0].lower(), fields[1].lower()) if lowercase else (fields[0], fields[1])
        pairs.append((w1, w2, score))
        lines.append(line_no)
    if not pairs:
        raise WordlabError(f"{path}: no word pairs found")
    return SimilarityDataset(dataset_name(path), str(path), pairs, lines)


CATEGORIES = ("semantic", "morphological")


def analogy_category(path: str | os.PathLike) -> str | None:
    """CA8's category of a file from its name (zh-ca8-semantic.txt, morphological.txt), or None."""
    name = dataset_name(path).lower()
    found = [c for c in CATEGORIES if c in name]
    return found[0] if len(found) == 1 else None


def read_analogies(
    path: str | os.PathLike, lowercase: bool = False, category: str | None = None
) -> AnalogyDataset:
    """Read an analogy file: `: section` headers and `a b c d` questions (sections optional).

    `category` ("semantic" or "morphological", CA8's two kinds) is set on every section;
    by default it comes from the file name (see `analogy_category`).
    """
    if category is not None and category not in CATEGORIES:
        raise WordlabError(f"analogy category must be one of {', '.join(CATEGORIES)}")
    category = category or analogy_category(path)
    sections: list[AnalogySection] = []
    current: AnalogySection | None = None
    for line_no, raw in enumerate(_read_lines(path), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith(":"):
            name = line[1:].strip()
            if not name:
                raise WordlabError(f"{path}:{line_no}: section header without a name")
            current = AnalogySection(name, category=category)
            sections.append(current)
            continue
        words = line.split()
        if len(words) != 4:
            raise WordlabError(
                f"{path}:{line_no}: expected four words 'a b c d', got {len(words)}: {line[:80]!r}"
            )
        if lowercase:
            words = [w.lower() for w in words]
        if current is None:
            current = AnalogySection(dataset_name(path), category=category)
            sections.append(current)
        current.questions.append((words[0], words[1], words[2], words[3]))
        current.line_numbers.append(line_no)
    if not any(s.questions for s in sections):
        raise WordlabError(f"{path}: no analogy questions found")
    return AnalogyDataset(dataset_name(path), str(path), sections)


def read_analogy_sets(paths: list[str | os.PathLike], lowercase: bool = False) -> AnalogyDataset:
    """Several analogy files as one set (CA8's semantic and morphological files together)."""
    if not paths:
        raise WordlabError("no analogy files given")
    sets = [read_analogies(p, lowercase) for p in paths]
    if len(sets) == 1:
        return sets[0]
    return AnalogyDataset(
        "+".join(d.name for d in sets),
        ", ".join(d.path for d in sets),
        [s for d in sets for s in d.sections],
    )
