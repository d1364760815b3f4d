"""Compiled Numba kernels: plain arrays in and out, no Python objects, `nogil` for the threads.

Every kernel module takes `njit` from wordlab.kernels.jit, which makes cached kernels load
quickly; the classifier's entry points are also compiled ahead of time (wordlab.kernels.ahead).

Editing a kernel: numba's on-disk cache (`cache=True`) checks only the file of the function it
caches, so a kernel that calls an edited function of another file keeps its old machine code.
Delete the `*.nbi`/`*.nbc` files under wordlab/kernels/__pycache__ after editing. (Installs are
not affected: installing a version rewrites every file, so every cache entry is stale.)
"""

from __future__ import annotations

import importlib
from typing import Any


class lazy:  # noqa: N801 (used as a module)
    """The kernel module `name`, imported (and numba with it) at its first attribute access.

    Modules that some commands import but do not call (the corpus reader under the classifier,
    say) take their kernels this way, so that those commands start without numba. Python's
    import lock makes the first access from several threads safe.
    """

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self._name), attr)
