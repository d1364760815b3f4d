"""`wordlab segment`: write a text's tokens, space-separated, one line per line (e.g. jieba's words)."""

from __future__ import annotations

import argparse
import sys
import time

from wordlab.commands.common import add_text_options, check_output_file, text_options
from wordlab.fileio import atomic_open, require_file
from wordlab.progress import Progress
from wordlab.textread import iter_text_chunks
from wordlab.tokenizers import jieba_segmenter, tokens_as_bytes, usable_cores


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `segment` subcommand."""
    p = subparsers.add_parser(
        "segment",
        help="write the tokens of a text (Chinese words with --tokenizer jieba), space-separated",
        description=(
            "Tokenize INPUT as every command reading text does (the same --tokenizer, "
            "--normalize, --t2s, --user-dict, --lowercase) and write the tokens to OUTPUT, "
            "separated by single spaces, one line per input line: the segmented text that the "
            "other commands (and gensim, fastText, GloVe) read with the default whitespace "
            "tokenizer."
        ),
    )
    p.add_argument("--input", required=True, help="text file (.gz/.bz2/.xz accepted)")
    p.add_argument("--output", required=True, help="file to write (plain UTF-8 text)")
    p.add_argument(
        "--threads",
        type=int,
        default=usable_cores(),
        help="segmentation threads for jieba (default: every usable core)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress output")
    add_text_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Tokenize the input chunk by chunk and write the tokens."""
    output = check_output_file(args.output)
    src = require_file(args.input, "input file")
    options = text_options(args)
    threads = max(1, args.threads)
    t_load = time.perf_counter()
    if options.tokenizer == "jieba":  # the dictionary, loaded once: not part of the speed
        jieba_segmenter(options.user_dict)
    t0 = time.perf_counter()
    chars = tokens = lines = 0
    compressed = src.suffix.lower() in (".gz", ".bz2", ".xz")
    bar = Progress(
        None if compressed else src.stat().st_size, f"segmenting {src.name}", "B", not args.quiet
    )
    with atomic_open(output, "wb") as fh:
        glue = False  # the previous chunk ended inside a line: its last token needs a space
        for chunk in iter_text_chunks(src, options.encoding_errors):
            data = tokens_as_bytes(
                options.prepare(chunk), options.tokenizer, options.user_dict, threads
            )
            if data:
                if glue and not data.startswith(b"\n"):
                    fh.write(b" ")
                fh.write(data)
                glue = not data.endswith(b"\n")
            tokens += len(data.split())
            lines += data.count(b"\n")
            chars += len(chunk)
            bar.update(len(chunk.encode("utf-8", "surrogatepass")))
        if glue:
            fh.write(b"\n")
            lines += 1
    bar.close()
    seconds = time.perf_counter() - t0
    if not args.quiet:
        print(
            f"wordlab segment: {lines:,} lines, {tokens:,} tokens from {chars:,} characters in "
            f"{seconds:.1f}s ({chars / max(seconds, 1e-9) / 1e6:.2f}M characters/s, "
            f"{threads} threads; dictionary loaded in {t0 - t_load:.1f}s); wrote {output}",
            file=sys.stderr,
        )
    return 0
