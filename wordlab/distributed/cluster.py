"""Reaching a Dask cluster: `--scheduler`, the extra's absence, Ctrl-C, and errors from workers.

`--scheduler local[:N]` starts a LocalCluster of N one-thread worker processes on this machine
(N: the CPU count); any other value is the address of a running scheduler (`tcp://head:8786`).
Every task reads and writes through paths all workers see (a shared folder), so a task that
cannot see its input says which worker and which path.
"""

from __future__ import annotations

import os
import resource
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from wordlab.errors import WordlabError
from wordlab.progress import Progress

INSTALL = 'pip install "wordlab[dask]"'
RETRIES = 1  # a task that raised runs once more (a lost worker's tasks are re-run by Dask itself)


def import_distributed() -> Any:
    """The `distributed` module, or a one-line error naming the extra that provides it."""
    try:
        import distributed
    except ImportError:
        raise WordlabError(f"--scheduler needs Dask's distributed scheduler: {INSTALL}") from None
    return distributed


def parse_local(scheduler: str) -> int | None:
    """Worker count of `local` / `local:N` (None: not a local cluster)."""
    if scheduler != "local" and not scheduler.startswith("local:"):
        return None
    n = scheduler.partition(":")[2] or str(os.cpu_count() or 1)
    if not n.isdigit() or int(n) < 1:
        raise WordlabError(
            f"--scheduler {scheduler}: expected local, local:N (N >= 1) or an address"
        )
    return int(n)


@contextmanager
def connect(scheduler: str) -> Iterator[Any]:
    """A Dask client for `--scheduler`: a LocalCluster it starts and stops, or a running one."""
    distributed = import_distributed()
    n_local = parse_local(scheduler)
    cluster = None
    try:
        if n_local is not None:
            import logging

            # one thread per worker: each task holds --memory; memory_limit 0: --memory bounds it;
            # a task's error reaches this process (and the user), not the workers' logs
            cluster = distributed.LocalCluster(
                n_workers=n_local, threads_per_worker=1, processes=True, memory_limit=0,
                dashboard_address=None, silence_logs=logging.CRITICAL,
            )  # fmt: skip
            client = distributed.Client(cluster)
        else:
            try:
                client = distributed.Client(scheduler, timeout="20s")
            except (OSError, TimeoutError, ValueError) as exc:
                raise WordlabError(
                    f"--scheduler {scheduler}: no Dask scheduler answers there ({exc})"
                ) from None
        try:
            yield client
        finally:
            client.close()
    finally:
        if cluster is not None:
            cluster.close()


def n_workers(client: Any) -> int:
    """Workers connected now (at least 1, so plans never divide by zero)."""
    return max(1, len(client.scheduler_info().get("workers", {})))


def gather(
    client: Any,
    futures: Sequence[Any],
    desc: str,
    progress: bool,
    fetch: bool = True,
    in_order: Callable[[int, Any], None] | None = None,
) -> list[Any]:
    """The results of `futures` in order (with `fetch`; else, once they are done, nothing).

    `in_order(i, result)` runs for each result in submission order as soon as it and those
    before it are done. The first error, or Ctrl-C, cancels the others, so the cluster stops
    with this command.
    """
    distributed = import_distributed()
    bar = Progress(len(futures), desc, "task", progress)
    index = {future.key: i for i, future in enumerate(futures)}
    done, next_i = [False] * len(futures), 0
    try:
        for future in distributed.as_completed(futures):
            if future.status != "finished":
                future.result()  # raises the task's own exception (a WordlabError stays one)
            bar.update(1)
            done[index[future.key]] = True
            while in_order is not None and next_i < len(futures) and done[next_i]:
                in_order(next_i, futures[next_i].result())
                next_i += 1
        bar.close()
        return client.gather(list(futures)) if fetch else []
    except BaseException:  # Ctrl-C included
        client.cancel(list(futures), force=True)
        raise


def where() -> str:
    """This worker, for messages: its address and host name."""
    try:
        from distributed import get_worker

        return f"{get_worker().address} ({socket.gethostname()})"
    except (ImportError, ValueError):
        return socket.gethostname()


def require_input(path: str | os.PathLike, what: str = "input") -> Path:
    """`path` as seen by this worker, or an error naming the worker and the path."""
    p = Path(path)
    if not p.exists():
        raise WordlabError(
            f"worker {where()}: {what} not found: {p} (every worker must see the same path: "
            "put it in a folder all workers share)"
        )
    return p


def task_report(kind: str, started: float, **extra: Any) -> dict[str, Any]:
    """What a task reports besides its result: seconds, worker, the worker's peak memory so far."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    return {"kind": kind, "seconds": time.perf_counter() - started, "worker": where(),
            "peak_mb": peak, **extra}  # fmt: skip
