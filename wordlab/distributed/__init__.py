"""Vocabulary and co-occurrence counting on a Dask cluster, byte-identical to one machine's.

    from wordlab.distributed import connect, count_cooccurrences_on, scan_corpus
    with connect("local:4") as client:                      # or "tcp://head:8786"
        scan = scan_corpus(client, "corpus.txt", TextOptions())
        vocab = scan.vocab(min_count=5, max_vocab=None)
        count_cooccurrences_on(client, "corpus.txt", vocab, "cooc.bin", scan=scan)

Pass one (`scan`) counts words by byte ranges of the text; pass two (`count`) counts windows by
blocks of tokens and merges the shards by ranges of rows, in the summation order that
wordlab.cooccur_shards defines, so the files equal `wordlab vocab` and `wordlab cooccur` outputs.
`experiments` spreads independent experiment runs over the workers. Needs `wordlab[dask]`;
names are imported on first use, and Dask only when a cluster is used.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "INSTALL": "wordlab.distributed.cluster",
    "connect": "wordlab.distributed.cluster",
    "import_distributed": "wordlab.distributed.cluster",
    "ClusterStats": "wordlab.distributed.count",
    "count_cooccurrences_on": "wordlab.distributed.count",
    "count_to_folder": "wordlab.distributed.count",
    "CorpusScan": "wordlab.distributed.scan",
    "scan_corpus": "wordlab.distributed.scan",
    "run_experiments_on": "wordlab.distributed.experiments",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Import the module behind a public name the first time it is used."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'wordlab.distributed' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)


def add_scheduler_option(parser: Any) -> None:
    """--scheduler, the same in every command that can count on a cluster."""
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on a Dask cluster: local[:N] starts N worker processes here, or the address of "
        "a running scheduler (tcp://host:8786); every worker must see the input and output "
        'paths, a shared folder (needs pip install "wordlab[dask]")',
    )
