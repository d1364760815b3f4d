"""The one worker-thread harness: every trainer and counter runs its compiled kernels through it.

Work is a numbered list of jobs; worker threads take the next job number under a lock and call
`work(job, worker)`, which calls a `nogil` kernel, so the threads run in parallel (Hogwild: the
kernels share the parameters without locks, as the C tools do). Because jobs are taken in order
and a stop lets the jobs in flight finish, after any stop every job below the returned cursor is
done and none above it has started: the state at a cursor is a clean point to checkpoint and to
resume from. With one thread the jobs run in order, so results repeat exactly.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import numpy as np

POLL_SECONDS = 0.2
_MASK64 = (1 << 64) - 1


def job_seed(seed: int, epoch: int, job: int) -> np.uint64:
    """splitmix64 of (seed, epoch, job): each job's random stream is fixed whatever thread runs it."""
    z = (seed * 0x9E3779B97F4A7C15 + (epoch << 32) + job + 1) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return np.uint64(z ^ (z >> 31))


class Interrupted(KeyboardInterrupt):
    """Ctrl-C arrived while jobs ran; every job below `cursor` is done, none above has started."""

    def __init__(self, cursor: int) -> None:
        super().__init__(f"interrupted at job {cursor}")
        self.cursor = cursor


def run_jobs(
    n_jobs: int,
    work: Callable[[int, int], Sequence[float] | None],
    threads: int,
    *,
    start: int = 0,
    totals: np.ndarray | None = None,
    on_poll: Callable[[], None] | None = None,
    should_pause: Callable[[], bool] | None = None,
) -> int:
    """Run jobs start..n_jobs-1 on `threads` threads; return the cursor (n_jobs when all done).

    Each job's returned numbers are added to `totals` (float64) under the lock. `on_poll` runs in
    the calling thread about every POLL_SECONDS (progress bars); when `should_pause()` says so,
    no further job starts and the cursor is returned early, for the caller to checkpoint and call
    again from there. Ctrl-C stops the same way and raises Interrupted(cursor). An exception in a
    worker stops the others and is re-raised here.
    """
    lock = threading.Lock()
    state = {"next": start, "stop": False}
    errors: list[BaseException] = []
    n_threads = max(1, min(threads, n_jobs - start))
    # set when every worker has returned; waited on instead of Thread.join, which Ctrl-C breaks:
    # an interrupted join marks a thread still running as stopped (CPython 3.11, bpo-45274), so
    # a later join returns at once while the job runs on, and the cursor would count it as done
    finished = threading.Event()
    running = [n_threads]

    def worker(w: int) -> None:
        try:
            while True:
                with lock:
                    job = state["next"]
                    if state["stop"] or job >= n_jobs:
                        return
                    state["next"] = job + 1
                result = work(job, w)
                if totals is not None and result is not None:
                    with lock:
                        totals[: len(result)] += result
        except BaseException as exc:  # re-raised in the calling thread
            errors.append(exc)
            state["stop"] = True
        finally:
            with lock:
                running[0] -= 1
                if running[0] == 0:
                    finished.set()

    pool = [threading.Thread(target=worker, args=(w,), daemon=True) for w in range(n_threads)]
    for th in pool:
        th.start()
    try:
        while not finished.wait(POLL_SECONDS):
            if on_poll is not None:
                on_poll()
            if should_pause is not None and not state["stop"] and should_pause():
                state["stop"] = True
    except KeyboardInterrupt:
        state["stop"] = True
        finished.wait()  # the jobs in flight finish: every job below the cursor is done
        if errors:
            raise errors[0] from None
        raise Interrupted(min(state["next"], n_jobs)) from None
    if errors:
        raise errors[0]
    if on_poll is not None:
        on_poll()
    return min(state["next"], n_jobs)


class KernelCounters:
    """The per-thread counters fastText's kernels publish to, kept across jobs and epochs.

    progress[t, 0] counts the tokens thread t has read (their sum drives the learning-rate
    schedule, so it is restored on resume); losses[t, :2] holds the (loss sum, terms) of the job
    thread t is running. Rows are padded to 8 values so threads do not share cache lines.
    """

    def __init__(self, threads: int, done: int = 0) -> None:
        self.progress = np.zeros((threads, 8), dtype=np.int64)
        self.progress[0, 0] = done
        self.losses = np.zeros((threads, 8), dtype=np.float64)

    @property
    def done(self) -> int:
        """Tokens read by all threads over the whole run."""
        return int(self.progress[:, 0].sum())

    def for_threads(self, threads: int) -> KernelCounters:
        """Counters with room for `threads` workers (the same ones if there is room already)."""
        return self if self.progress.shape[0] >= threads else KernelCounters(threads, self.done)

    def begin(self, worker: int) -> int:
        """Clear a worker's loss row before a job; return its token count so far."""
        self.losses[worker, :2] = 0.0
        return int(self.progress[worker, 0])

    def job_totals(self, worker: int, before: int) -> tuple[float, float, float]:
        """(loss sum, loss terms, tokens) of the job the worker just ran: run_jobs's totals."""
        return (
            float(self.losses[worker, 0]),
            float(self.losses[worker, 1]),
            float(self.progress[worker, 0] - before),
        )
