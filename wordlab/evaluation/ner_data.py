"""CoNLL column files for NER: reading and writing sentences, IOB1/IOB2 tag schemes.

CoNLL-2003 ships as `word POS chunk NE` columns with IOB1 tags (`I-X` inside and at the start of an
entity, `B-X` only where an entity directly follows another of the same type), `-DOCSTART-` lines
and blank lines between sentences. Other CoNLL-style files (CoNLL-2002's `word POS NE`, two-column
`word NE`, IOB2 files) read the same way: the first column is the word, the last the tag, the ones
in between are features (POS, chunk, ...). Every tag is converted to IOB2 on reading; that
conversion is exactly how conlleval reads chunks, so it is also harmless on files already in IOB2.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from wordlab.errors import WordlabError
from wordlab.fileio import atomic_open, open_binary

DOCSTART = "-DOCSTART-"
TAG_RE = re.compile(r"^(?:O|[BI]-\S+)$")


@dataclass
class Sentence:
    """One sentence: words, the feature columns between word and tag, gold tags (IOB2) if known."""

    words: list[str]
    columns: list[tuple[str, ...]] = field(default_factory=list)  # per token, e.g. (POS, chunk)
    tags: list[str] | None = None
    line: int = 0  # 1-based line of the first token in its file, for messages

    def __len__(self) -> int:
        return len(self.words)


def iob1_to_iob2(tags: Sequence[str]) -> list[str]:
    """IOB1 (or any IOB) tags -> strict IOB2: every entity starts with `B-`, as conlleval reads them.

    An `I-X` starts a new entity when the previous tag is `O` or of another type; `B-X` always
    starts one. Already valid IOB2 comes back unchanged.
    """
    out: list[str] = []
    prev = "O"
    for tag in tags:
        if tag.startswith("I-"):
            kind = tag[2:]
            if prev == "O" or prev[2:] != kind:
                tag = "B-" + kind
        out.append(tag)
        prev = tag
    return out


def iob2_to_iob1(tags: Sequence[str]) -> list[str]:
    """IOB2 tags -> IOB1 (CoNLL-2003's scheme): `B-X` stays only right after another X entity."""
    out: list[str] = []
    prev = "O"
    for tag in tags:
        if tag.startswith("B-") and (prev == "O" or prev[2:] != tag[2:]):
            out.append("I-" + tag[2:])
        else:
            out.append(tag)
        prev = tag
    return out


def read_conll(
    path: str | os.PathLike,
    has_tags: bool = True,
    encoding: str = "utf-8",
) -> list[Sentence]:
    """Read a CoNLL-style column file (plain, .gz, .bz2 or .xz) into sentences with IOB2 tags.

    Blank lines separate sentences; `-DOCSTART-` lines are dropped (they separate documents).
    Every token line must have the same number of columns as the first one; with `has_tags`
    the last column is the tag (`O`, `B-X` or `I-X`). Bad input raises WordlabError naming the
    file and line.
    """
    with open_binary(path) as raw:
        return list(_parse(_decoded_lines(raw, str(path), encoding), str(path), has_tags))


def _decoded_lines(raw: Iterable[bytes], name: str, encoding: str) -> Iterator[str]:
    """Decode line by line, so a bad byte is reported with its line number."""
    for lineno, line in enumerate(raw, 1):
        try:
            yield line.decode(encoding)
        except UnicodeDecodeError as exc:
            raise WordlabError(
                f"{name}:{lineno}: not valid {encoding} text ({exc.reason} at byte {exc.start})"
            ) from None


def _parse(lines: Iterable[str], name: str, has_tags: bool) -> Iterable[Sentence]:
    n_cols = None
    words: list[str] = []
    cols: list[tuple[str, ...]] = []
    tags: list[str] = []
    start = 0
    lineno = 0

    def flush() -> Sentence:
        return Sentence(
            words=list(words),
            columns=list(cols),
            tags=iob1_to_iob2(tags) if has_tags else None,
            line=start,
        )

    for line in lines:
        lineno += 1
        parts = line.split()
        if not parts or parts[0] == DOCSTART:
            if words:
                yield flush()
                words.clear(), cols.clear(), tags.clear()
            continue
        if n_cols is None:
            n_cols = len(parts)
            if has_tags and n_cols < 2:
                raise WordlabError(
                    f"{name}:{lineno}: expected at least 2 columns (word ... tag), found 1"
                )
        elif len(parts) != n_cols:
            raise WordlabError(
                f"{name}:{lineno}: expected {n_cols} columns like the first token line, "
                f"found {len(parts)}: {line.rstrip()!r}"
            )
        if not words:
            start = lineno
        words.append(parts[0])
        if has_tags:
            tag = parts[-1]
            if not TAG_RE.match(tag):
                raise WordlabError(
                    f"{name}:{lineno}: tag {tag!r} is not O, B-TYPE or I-TYPE "
                    "(IOB1/IOB2 are supported; convert IOBES/BILOU first)"
                )
            tags.append(tag)
            cols.append(tuple(parts[1:-1]))
        else:
            cols.append(tuple(parts[1:]))
    if words:
        yield flush()
    if n_cols is None:
        raise WordlabError(f"{name}: no tokens found (empty file?)")


def read_text(path: str | os.PathLike, encoding: str = "utf-8") -> list[Sentence]:
    """Read plain text for tagging: one sentence per line, tokens separated by whitespace."""
    out = []
    with open_binary(path) as raw:
        for lineno, line in enumerate(_decoded_lines(raw, str(path), encoding), 1):
            words = line.split()
            if words:
                out.append(Sentence(words=words, line=lineno))
    return out


def write_conll(
    path: str | os.PathLike | None,
    sentences: Sequence[Sentence],
    predicted: Sequence[Sequence[str]],
    scheme: str = "iob2",
) -> str | None:
    """Write sentences as columns `word [features] [gold] predicted` (conlleval's input layout).

    With `path=None` the text is returned instead. `scheme` is the scheme of the written tags
    (gold and predicted alike): "iob2" or "iob1".
    """
    conv = iob2_to_iob1 if scheme == "iob1" else list
    buf = io.StringIO()
    for sent, pred in zip(sentences, predicted, strict=True):
        gold = conv(sent.tags) if sent.tags is not None else None
        tags = conv(pred)
        for i, word in enumerate(sent.words):
            row = [word, *(sent.columns[i] if sent.columns else ())]
            if gold is not None:
                row.append(gold[i])
            row.append(tags[i])
            buf.write(" ".join(row) + "\n")
        buf.write("\n")
    text = buf.getvalue()
    if path is None:
        return text
    with atomic_open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    return None
