"""`wordlab elmo train|perplexity|embed`: ELMo contextual vectors (needs the optional PyTorch).

PyTorch is imported only when an elmo subcommand runs, so `wordlab --help` works without it.
"""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

from wordlab.commands.common import (
    add_corpus_options,
    add_run_options,
    add_text_options,
    add_vocab_options,
    check_output_file,
    check_output_folder,
    save_safely,
    text_options,
)
from wordlab.elmo.config import get_config  # plain dataclasses: PyTorch is not imported
from wordlab.errors import WordlabError

INSTALL_HINT = (
    "ELMo needs PyTorch, which is not installed: pip install torch==2.13.0 && "
    "pip install 'wordlab[elmo]'"
)
CONFIG_NAMES = ("small", "original")


def require_torch() -> None:
    """Raise a WordlabError saying how to install PyTorch when it is missing."""
    if importlib.util.find_spec("torch") is None:
        raise WordlabError(INSTALL_HINT)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `elmo` and its train / perplexity / embed subcommands."""
    p = subparsers.add_parser(
        "elmo",
        help="ELMo: train a character-aware biLM, score text, embed sentences (needs PyTorch)",
        description="ELMo contextual word vectors (Peters et al. 2018). Needs PyTorch: "
        'pip install torch==2.13.0 && pip install -e ".[elmo]"',
    )
    sub = p.add_subparsers(dest="elmo_command", metavar="ACTION")
    sub.required = True

    t = sub.add_parser(
        "train",
        help="train a biLM on a text corpus",
        description=(
            "Train (or --resume) a character-aware bidirectional language model on a corpus. "
            "OUTPUT gets the model (model.wordlab, vocab.txt), a checkpoint "
            "(checkpoint.pt + checkpoint.json, to resume from) and train_log.jsonl."
        ),
    )
    t.add_argument(
        "--input", required=True, help="corpus (plain, .gz, .bz2, .xz) or encoded folder"
    )
    t.add_argument("--output", required=True, help="model folder (checkpoints are kept there too)")
    t.add_argument("--config", choices=CONFIG_NAMES, default="small", help="sizes (default small)")
    t.add_argument("--epochs", type=int, default=None, help="passes over the corpus (default 1)")
    t.add_argument("--batch-size", type=int, default=None, help="parallel streams (small: 64)")
    t.add_argument("--unroll", type=int, default=None, help="BPTT window in tokens (20)")
    t.add_argument("--lr", type=float, default=None, help="Adam learning rate (0.001)")
    t.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    t.add_argument(
        "--max-minutes", type=float, default=None, help="stop (and save) after this long"
    )
    t.add_argument(
        "--checkpoint-minutes", type=float, default=10.0, help="save a checkpoint this often (10)"
    )
    t.add_argument("--resume", action="store_true", help="continue from the checkpoint in --output")
    configs = {name: get_config(name) for name in CONFIG_NAMES}
    add_vocab_options(
        t,
        min_count=None,
        min_count_help="softmax vocabulary: drop words seen fewer times (default: the config's, "
        + ", ".join(f"{n} {c.min_count}" for n, c in configs.items())
        + ")",
        max_vocab_help="softmax vocabulary: keep at most this many most frequent words (default: "
        "the config's, "
        + ", ".join(f"{n} {c.max_vocab or 'no cap'}" for n, c in configs.items())
        + ")",
    )
    add_corpus_options(t)
    add_text_options(t)
    add_run_options(t)
    t.set_defaults(func=run_train)

    q = sub.add_parser(
        "perplexity",
        help="forward and backward perplexity on held-out text",
        description=(
            "Print the forward, backward and joint perplexity of a trained biLM on held-out text "
            "(tokenized as its training text, encoded into the corpus cache)."
        ),
    )
    q.add_argument("model", help="model folder")
    q.add_argument("text", help="held-out text file")
    q.add_argument("--batch-size", type=int, default=None, help="parallel streams")
    q.add_argument("--threads", type=int, default=2, help="threads (default 2)")
    q.add_argument("--quiet", action="store_true", help="no progress output")
    add_corpus_options(q)
    q.set_defaults(func=run_perplexity)

    e = sub.add_parser(
        "embed",
        help="contextual vectors for each line of a file (one sentence each)",
        description=(
            "Compute ELMo's contextual vectors for each sentence of TEXT (one per line) and write "
            "them to an .npz file, one array per sentence (keys 0, 1, ...)."
        ),
    )
    e.add_argument("model", help="model folder")
    e.add_argument(
        "text",
        help="sentences, one per line, tokenized as the model's training text (empty lines skipped)",
    )
    e.add_argument(
        "--output", required=True, help=".npz file: one array per sentence, keys 0, 1, ..."
    )
    e.add_argument(
        "--layers", default="all", help="all (layers, tokens, dim), average, or a layer number"
    )
    e.add_argument("--batch-size", type=int, default=64, help="sentences per batch")
    e.add_argument("--threads", type=int, default=2, help="threads (default 2)")
    e.set_defaults(func=run_embed)


def run_train(args: argparse.Namespace) -> int:
    """Train (or resume) and print where the model is."""
    require_torch()
    check_output_folder(args.output)
    from wordlab.elmo.config import get_config
    from wordlab.elmo.train import train_elmo

    config = get_config(args.config).updated(
        epochs=args.epochs,
        batch_size=args.batch_size,
        unroll=args.unroll,
        lr=args.lr,
        min_count=args.min_count,
        max_vocab=args.max_vocab,
        seed=args.seed,
    )
    elmo = train_elmo(
        args.input,
        args.output,
        config,
        text_options(args),
        threads=args.threads,
        device=args.device,
        max_minutes=args.max_minutes,
        checkpoint_minutes=args.checkpoint_minutes,
        resume=args.resume,
        cache_dir=args.corpus_cache,
        progress=not args.quiet,
    )
    print(f"ELMo ({elmo.config.name}) saved in {args.output}: {elmo.n_layers} layers of {elmo.dim}")
    return 0


def run_perplexity(args: argparse.Namespace) -> int:
    """Print forward, backward and joint perplexity."""
    require_torch()
    import torch

    from wordlab.elmo.model import Elmo

    torch.set_num_threads(args.threads)
    r = Elmo.load(args.model).perplexity(
        args.text, args.batch_size, cache_dir=args.corpus_cache, progress=not args.quiet
    )
    print(
        f"perplexity forward {r['ppl_fwd']:.2f} backward {r['ppl_bwd']:.2f} "
        f"both {r['ppl']:.2f} ({r['tokens']:,} tokens)"
    )
    return 0


def run_embed(args: argparse.Namespace) -> int:
    """Embed every line of a file and write the arrays to an .npz file."""
    require_torch()
    import numpy as np
    import torch

    from wordlab.elmo.model import Elmo
    from wordlab.fileio import atomic_path, require_file
    from wordlab.textread import iter_lines

    out = check_output_file(args.output)
    torch.set_num_threads(args.threads)
    elmo = Elmo.load(args.model)
    elmo.layer_selector(args.layers)  # a bad --layers fails before the work
    sentences = list(iter_lines(require_file(args.text, "text file"), elmo.text_options))
    arrays = elmo.embed(sentences, args.layers, args.batch_size)

    def write(path: Path) -> None:
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            np.savez(fh, **{str(i): a for i, a in enumerate(arrays)})

    out = save_safely(write, out, "vectors")
    print(f"{len(arrays)} sentences embedded into {out}")
    return 0
