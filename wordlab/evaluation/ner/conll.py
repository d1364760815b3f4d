"""CoNLL column files for NER: reading and writing sentences, IOB1/IOB2 tag schemes.

CoNLL-2003 ships as `word POS chunk NE` columns with IOB1 tags (`I-X` inside and at the start of an
entity, `B-X` only where an entity directly follows another of the same type), `-DOCSTART-` lines
and blank lines between sentences. Other CoNLL-style files (CoNLL-2002's `word POS NE`, two-column
`word NE` such as MSRA's Chinese characters, IOB2 files) read the same way, the layout found from
the column count: the first column is the word, the last the tag, the ones in between are features
(POS, chunk, ...). A line with a tab is split on tabs (so a character such as U+3000, a space to
`str.split`, can be a token), others on whitespace. Every tag is converted to IOB2 on reading; that
conversion is exactly how conlleval reads chunks, so it is also harmless on files already in IOB2.
`read_for_tagging` reads the input of a trained tagger: CoNLL columns or plain text.
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
        parts = _columns(line)
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
        if not parts[0]:
            raise WordlabError(f"{name}:{lineno}: empty token in the first column")
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


def _columns(line: str) -> list[str]:
    """The columns of a line: tab-separated if it has a tab, else whitespace-separated."""
    if "\t" not in line:
        return line.split()
    parts = [p.strip(" \r\n") for p in line.split("\t")]
    return [] if not any(parts) else parts


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


def read_for_tagging(path: str | os.PathLike, n_columns: int, fmt: str = "conll") -> list[Sentence]:
    """Read a file to tag: CoNLL columns (word, `n_columns` feature columns, optional gold tag)
    or, with fmt="text", one whitespace-tokenized sentence per line (needs n_columns == 0)."""
    if fmt == "text":
        if n_columns:
            raise WordlabError(
                f"this tagger uses {n_columns} feature column(s) (e.g. POS, chunk); "
                "plain text has none: give a CoNLL column file"
            )
        return read_text(path)
    if fmt != "conll":
        raise WordlabError(f"unknown input format {fmt!r}: use conll or text")
    sentences = read_conll(path, has_tags=False)
    have = len(sentences[0].columns[0]) if sentences else 0
    if have not in (n_columns, n_columns + 1):
        raise WordlabError(
            f"{path}:{sentences[0].line}: expected the word plus {n_columns} feature column(s) "
            f"(and optionally a gold tag), found {have} column(s) after the word"
        )
    if have == n_columns + 1:
        for s in sentences:
            gold = [c[-1] for c in s.columns]
            for i, t in enumerate(gold):
                if not TAG_RE.match(t):
                    raise WordlabError(
                        f"{path}:{s.line + i}: last column {t!r} is not O, B-TYPE or I-TYPE"
                    )
            s.tags = iob1_to_iob2(gold)
            s.columns = [c[:-1] for c in s.columns]
    return sentences


def require_tags(sentences: Sequence[Sentence], what: str) -> None:
    """Raise unless there are sentences and every one has gold tags (training, dev, test data)."""
    if not sentences:
        raise WordlabError(f"{what} has no sentences")
    for s in sentences:
        if s.tags is None:
            raise WordlabError(f"{what}: sentence at line {s.line} has no gold tags")


def column_count(sentences: Sequence[Sentence], what: str) -> int:
    """Number of feature columns between word and tag, from the first sentence that has tokens."""
    for s in sentences:
        if s.columns:
            return len(s.columns[0])
    raise WordlabError(f"{what} has no tokens")
