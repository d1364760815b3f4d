"""What several subcommands share: argument groups (each option spelled one way everywhere), and
the output checks every writing command makes before any work (`check_output_folder`,
`check_output_file`) and `save_safely` for a final write that must not lose the work done.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wordlab.errors import WordlabError
from wordlab.textread import TextOptions
from wordlab.tokenizers import INSTALL_ZH, NORMALIZE, TOKENIZERS


def add_text_options(parser: argparse.ArgumentParser) -> None:
    """--lowercase, --tokenizer, --user-dict, --normalize, --t2s, --encoding-errors: text -> tokens."""
    g = parser.add_argument_group("text")
    g.add_argument("--lowercase", action="store_true", help="lower-case text before tokenizing")
    g.add_argument(
        "--tokenizer",
        choices=TOKENIZERS,
        default="whitespace",
        help="whitespace-separated tokens (default); 'simple': words and punctuation; 'char': "
        "each Chinese/Japanese/Korean character a token, Latin words and numbers whole; "
        f"'jieba': Chinese word segmentation (needs {INSTALL_ZH})",
    )
    g.add_argument(
        "--user-dict",
        metavar="FILE",
        default=None,
        help="jieba user dictionary: 'word [freq] [tag]' lines (with --tokenizer jieba)",
    )
    g.add_argument(
        "--normalize",
        choices=NORMALIZE,
        default="none",
        help="'nfkc': full-width letters, digits and punctuation to half-width before "
        "tokenizing (default none)",
    )
    g.add_argument(
        "--t2s",
        action="store_true",
        help=f"convert Traditional to Simplified Chinese before tokenizing (needs {INSTALL_ZH})",
    )
    g.add_argument(
        "--encoding-errors",
        choices=("strict", "replace"),
        default="strict",
        help="on invalid UTF-8: stop with the byte offset (strict) or substitute U+FFFD",
    )


def text_options(args: argparse.Namespace) -> TextOptions:
    """The TextOptions named by add_text_options's arguments (jieba on --threads threads)."""
    options = TextOptions(
        lowercase=args.lowercase,
        tokenizer=args.tokenizer,
        encoding_errors=args.encoding_errors,
        normalize=args.normalize,
        t2s=args.t2s,
        user_dict=args.user_dict,
    )
    threads = getattr(args, "threads", None)
    return options.with_threads(threads) if threads else options


# word2vec's, fastText's (unsupervised) and GloVe's demo.sh default; GloVe's vocab_count alone says 1
MIN_COUNT = 5


def add_corpus_options(parser: argparse.ArgumentParser) -> None:
    """--corpus-cache: where a text corpus is kept once encoded into token ids."""
    g = parser.add_argument_group("corpus")
    g.add_argument(
        "--corpus-cache",
        default=None,
        metavar="DIR",
        help="folder for the encoded corpus (default: a folder named after the file and the text "
        "options under $WORDLAB_CACHE, else ~/.cache/wordlab)",
    )


def add_vocab_options(
    parser: argparse.ArgumentParser,
    min_count: int | None = MIN_COUNT,
    min_count_help: str | None = None,
    max_vocab: bool = True,
    max_vocab_help: str = "keep at most this many most frequent words",
) -> None:
    """--min-count and (unless max_vocab is False) --max-vocab, the words a model keeps.

    Every command takes these here, so the default is MIN_COUNT everywhere unless the command's
    reference tool says otherwise (fastText supervised: 1); then `min_count_help` says so.
    """
    g = parser.add_argument_group("vocabulary")
    g.add_argument(
        "--min-count",
        type=int,
        default=min_count,
        help=min_count_help or f"drop words seen fewer times (default {min_count})",
    )
    if max_vocab:
        g.add_argument("--max-vocab", type=int, default=None, help=max_vocab_help)


def add_seed_option(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup, note: str = ""
) -> None:
    """--seed, default 1 in every command."""
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)" + note)


def add_run_options(parser: argparse.ArgumentParser, threads: int = 2) -> None:
    """--threads, --seed, --quiet."""
    g = parser.add_argument_group("run")
    g.add_argument(
        "--threads", type=int, default=threads, help=f"worker threads (default {threads})"
    )
    add_seed_option(g, "; with --threads 1 runs repeat exactly")
    g.add_argument("--quiet", action="store_true", help="no progress output")


def _size(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1000:
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"


def _unwritable(folder: Path) -> str | None:
    """Why files cannot be written in `folder` (made if missing), or None if they can."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing} is a file, not a folder"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"cannot make the folder {exc.filename or folder}: {exc.strerror or exc}"
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".wordlab-probe-"):
            pass
    except OSError as exc:
        return f"cannot write in {folder}: {exc.strerror or exc}"
    return None


def check_free_space(folder: str | os.PathLike, size: int, option: str = "--output") -> None:
    """Refuse now, not after the work, when the disk of `folder` has less room than `size` bytes.

    `size` is the command's estimate of what it will write; a disk whose free space cannot be
    read is not refused.
    """
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return
    if free < size:
        raise WordlabError(
            f"{option} {folder}: about {_size(size)} to write but only {_size(free)} free there"
        )


def check_output_folder(
    path: str | os.PathLike, option: str = "--output", size: int | None = None
) -> Path:
    """Make sure `path` is (or can become) a writable folder, before any work starts.

    `size`: an estimate of the bytes to be written there, checked against the free space.
    """
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise WordlabError(f"{option} {out}: exists and is not a folder")
    why = _unwritable(out)
    if why:
        raise WordlabError(f"{option} {out}: cannot write there ({why})")
    if size:
        check_free_space(out, size, option)
    return out


def check_output_file(
    path: str | os.PathLike, option: str = "--output", size: int | None = None
) -> Path:
    """Make sure a file can be written at `path` (its folder writable, not a folder itself).

    The folder is made if missing. `size`: an estimate of the file's bytes, checked against the
    free space.
    """
    p = Path(path)
    if p.is_dir():
        raise WordlabError(f"{option} {p}: is a folder; give a file name")
    if p.exists() and not p.is_file():
        # an atomic write would replace it (a device, a pipe): never what was meant
        raise WordlabError(f"{option} {p}: exists and is not a regular file")
    why = _unwritable(p.parent)
    if why:
        raise WordlabError(f"{option} {p}: cannot write there ({why})")
    if size:
        check_free_space(p.parent, size, option)
    return p


def save_safely(write: Callable[[Path], Any], path: str | os.PathLike, what: str) -> Path:
    """Write an output; if that fails (disk full), write it to the temp folder and say where.

    `write(p)` writes the output at `p`. When the second write fails too, the error names both
    places and both reasons.
    """
    path = Path(path)
    try:
        write(path)
        return path
    except OSError as exc:
        first = exc
    folder = Path(tempfile.mkdtemp(prefix="wordlab-rescued-"))
    fallback = folder / path.name
    try:
        write(fallback)
    except OSError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise WordlabError(
            f"could not write the {what} to {path} ({first.strerror or first}), nor to "
            f"{fallback} ({exc.strerror or exc})"
        ) from None
    raise WordlabError(
        f"could not write the {what} to {path} ({first.strerror or first}); it was saved to "
        f"{fallback} instead"
    )
