"""Benchmark: train ELMo `small` on a prefix of enwiki-70m for a bounded time, then report
tokens/s, held-out perplexity (forward, backward) and, optionally, CoNLL-2003 NER F1 with ELMo
features against discrete-only (and against given static vectors, e.g. 50-d GloVe).

    python bench/elmo_train.py --minutes 60 --threads 2 [--ner] [--vectors glove50=vectors.txt]

The prefix is the first --prefix-bytes of the corpus (the issue: 100,000,000); held-out text is
--heldout-bytes of whole lines that follow it, so no held-out line was seen in training. The
training run is resumable: run again with --resume to continue the same model folder.
"""

from __future__ import annotations

import argparse
import json
import lzma
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()
DATA = HERE.parents[2] / "shared" / "data"


def make_splits(
    corpus: Path, work: Path, prefix_bytes: int, heldout_bytes: int
) -> tuple[Path, Path]:
    """Write the training prefix and the held-out lines after it (once; reused afterwards)."""
    train = work / f"enwiki-prefix-{prefix_bytes}.txt"
    heldout = work / f"enwiki-heldout-{prefix_bytes}-{heldout_bytes}.txt"
    if train.exists() and heldout.exists():
        return train, heldout
    work.mkdir(parents=True, exist_ok=True)
    with lzma.open(corpus, "rb") as src:
        head = src.read(prefix_bytes)
        rest = src.read(heldout_bytes + 1_000_000)
    train.write_bytes(head)
    # Skip the rest of the line cut by the prefix; keep whole lines up to heldout_bytes.
    rest = rest[rest.index(b"\n") + 1 :]
    cut = rest.rfind(b"\n", 0, heldout_bytes) + 1
    heldout.write_bytes(rest[:cut])
    return train, heldout


CONFIGS = {"elmo", "static", "static+elmo"}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(DATA / "corpora" / "enwiki-70m.txt.xz"))
    ap.add_argument("--conll", default=str(DATA / "ner" / "conll2003"))
    ap.add_argument("--work", default="/tmp/wordlab-bench-elmo", help="splits, cache, model")
    ap.add_argument("--prefix-bytes", type=int, default=100_000_000)
    ap.add_argument("--heldout-bytes", type=int, default=500_000)
    ap.add_argument("--minutes", type=float, default=60.0, help="training wall time")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--resume", action="store_true", help="continue the model in --work")
    ap.add_argument("--skip-train", action="store_true", help="only evaluate the model in --work")
    ap.add_argument("--ner", action="store_true", help="also run CoNLL-2003 NER with ELMo")
    ap.add_argument("--vectors", action="append", default=[], help="NAME=FILE static vectors")
    ap.add_argument(
        "--configs",
        default="elmo,static",
        help="NER rows, comma-separated: elmo (ELMo alone), static (each --vectors alone), "
        "static+elmo (each --vectors with ELMo, as the ELMo paper adds it to static vectors)",
    )
    ap.add_argument(
        "--ner-iterations",
        type=int,
        default=None,
        help="CRF epochs cap (default: the NER defaults, as bench/ner_conll.py)",
    )
    ap.add_argument(
        "--c2",
        type=float,
        nargs="+",
        default=None,
        help="CRF L2 penalties to choose from on dev (default: the NER defaults, 0.1 and 1)",
    )
    ap.add_argument(
        "--keep-foreign",
        action="store_true",
        help="feed the biLM every CoNLL token, also those made only of characters it never saw "
        "in training (punctuation, digits); the row is then called elmo-all",
    )
    ap.add_argument("--no-baseline", action="store_true", help="skip the discrete-only tagger")
    ap.add_argument("--json", default=None, help="write all numbers here")
    args = ap.parse_args()
    configs = set(args.configs.split(","))
    if configs - CONFIGS:
        ap.error(
            f"--configs: unknown {', '.join(sorted(configs - CONFIGS))} ({', '.join(sorted(CONFIGS))})"
        )

    import torch

    from wordlab.elmo.config import get_config
    from wordlab.elmo.model import Elmo, ElmoEmbedder
    from wordlab.elmo.train import train_elmo
    from wordlab.textread import TextOptions

    torch.set_num_threads(args.threads)
    work = Path(args.work)
    train_txt, heldout_txt = make_splits(
        Path(args.corpus), work, args.prefix_bytes, args.heldout_bytes
    )
    model_dir = work / "model"
    out: dict = {"threads": args.threads, "prefix_bytes": args.prefix_bytes}
    if not args.skip_train:
        t0 = time.perf_counter()
        train_elmo(
            train_txt,
            model_dir,
            get_config("small"),
            TextOptions(lowercase=True),  # enwiki-70m is lower-case; NER text is lowered to match
            threads=args.threads,
            max_minutes=args.minutes,
            checkpoint_minutes=5,
            resume=args.resume,
            cache_dir=work / "encoded",
        )
        out["train_call_s"] = round(time.perf_counter() - t0, 1)
    log = [json.loads(x) for x in (model_dir / "train_log.jsonl").read_text().splitlines()]
    last = log[-1]
    out["train"] = last
    threads = "" if args.skip_train else f" ({args.threads} threads)"
    print(
        f"trained: {last['tokens']:,} tokens in {last['elapsed_s']:.0f}s of training "
        f"= {last['tokens_per_s']:.0f} tokens/s{threads}; "
        f"train ppl fwd {last['train_ppl_fwd']} bwd {last['train_ppl_bwd']}",
        flush=True,
    )
    elmo = Elmo.load(model_dir)
    t0 = time.perf_counter()
    ppl = elmo.perplexity(heldout_txt, batch_size=16, cache_dir=work / "encoded-heldout")
    out["heldout"] = {**ppl, "seconds": round(time.perf_counter() - t0, 1)}
    print(
        f"held-out perplexity: forward {ppl['ppl_fwd']:.1f} backward {ppl['ppl_bwd']:.1f} "
        f"({ppl['tokens']:,} tokens, {heldout_txt.name})",
        flush=True,
    )
    if args.ner:
        from wordlab.evaluation.ner import NerSettings, format_table, run_ner
        from wordlab.evaluation.ner.embedders import StaticEmbedder

        conll = Path(args.conll)
        elmo_embedder = ElmoEmbedder(
            elmo,
            "average",
            name="elmo-all" if args.keep_foreign else "elmo",
            skip_foreign=not args.keep_foreign,
        )
        embedders: list = [elmo_embedder] if "elmo" in configs else []
        for v in args.vectors:
            name, _, path = v.partition("=")
            static = StaticEmbedder.load(path, name=name)
            if "static" in configs:
                embedders.append(static)
            if "static+elmo" in configs:
                embedders.append([static, elmo_embedder])
        # the NER defaults (l2sgd, c2 chosen on dev), so rows compare with bench/ner_conll.py's
        settings = NerSettings()
        if args.ner_iterations is not None:
            settings.max_iterations = (args.ner_iterations,)
        if args.c2 is not None:
            settings.c2 = tuple(args.c2)
        t0 = time.perf_counter()
        res = run_ner(
            conll / "eng.train",
            conll / "eng.testa",
            conll / "eng.testb",
            embedders,
            settings=settings,
            baseline=not args.no_baseline,
        )
        out["ner_seconds"] = round(time.perf_counter() - t0, 1)
        print(format_table(res), flush=True)
        out["ner"] = res
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
