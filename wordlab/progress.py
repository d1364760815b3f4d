"""Progress reporting: a tqdm bar on a terminal, a few plain lines otherwise (logs, CI)."""

from __future__ import annotations

import sys
import time

from tqdm import tqdm


class Progress:
    """Counts work done towards a total; shows rate and ETA, plus any named values (loss, lr).

    On a terminal it draws a bar; when stderr is not a terminal it prints a line at most every
    `interval` seconds, so logs stay short. `enabled=False` silences it completely.
    """

    def __init__(
        self,
        total: float | None,
        desc: str,
        unit: str = "it",
        enabled: bool = True,
        interval: float = 10.0,
    ) -> None:
        self.total = total
        self.desc = desc
        self.unit = unit
        self.enabled = enabled
        self.done = 0.0
        self.start = time.perf_counter()
        self._postfix: dict[str, str] = {}
        self._interval = interval
        self._last_line = self.start
        self._bar = None
        if enabled and sys.stderr.isatty():
            self._bar = tqdm(total=total, desc=desc, unit=unit, unit_scale=True, leave=True)

    def update(self, amount: float, **values: float) -> None:
        """Add `amount` units of work; `values` (e.g. loss=0.3) are shown beside the rate."""
        self.done += amount
        if values:
            self._postfix = {k: f"{v:.4g}" for k, v in values.items()}
        if not self.enabled:
            return
        if self._bar is not None:
            if values:
                self._bar.set_postfix(self._postfix, refresh=False)
            self._bar.update(amount)
            return
        now = time.perf_counter()
        if now - self._last_line >= self._interval:
            self._last_line = now
            print(self._line(now), file=sys.stderr, flush=True)

    def _line(self, now: float) -> str:
        elapsed = max(now - self.start, 1e-9)
        rate = self.done / elapsed
        parts = [f"{self.desc}: {self.done:,.0f}"]
        if self.total:
            pct = 100.0 * self.done / self.total
            eta = (self.total - self.done) / rate if rate > 0 else float("inf")
            parts.append(f"/ {self.total:,.0f} ({pct:.0f}%), ETA {eta:.0f}s")
        parts.append(f"{rate:,.0f} {self.unit}/s")
        parts.extend(f"{k}={v}" for k, v in self._postfix.items())
        return " ".join(parts)

    def close(self) -> None:
        """Finish the bar (or print a final plain line)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif self.enabled and time.perf_counter() - self.start >= self._interval:
            # short stages stay silent in logs; long ones end with a summary line
            print(self._line(time.perf_counter()) + " done", file=sys.stderr, flush=True)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
