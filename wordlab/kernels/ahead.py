"""The classifier's kernels compiled ahead of time, so that a small `classify` job needs no numba.

`import numba` alone takes about 0.4 s on a 2-core machine, longer than fastText C++ needs for a
whole small supervised job. The classifier's entry points (reading labelled text, training,
predicting) are therefore compiled once into an ordinary extension module with numba's `pycc`,
beside numba's own compile cache, and later processes import that module without importing numba.
The module is built from the same Python source as the JIT kernels, with the same fastmath flags
and host CPU, and releases the GIL as the `nogil` kernels do, so Hogwild threads still run in
parallel. Its name holds a hash of every kernel source file, numba's and numpy's versions and
the CPU, so an edit or an upgrade builds a new one.

An ahead-of-time function reads its arguments' memory as declared, without numba's type
dispatch, so each call is checked against the exported signature first; a call that does not
match, or a machine where the module cannot be built (no C compiler), runs the numba-compiled
function instead, with the same result.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import importlib.util
import os
import platform
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

# Each entry point: (its module, its argument types). An array is "<dtype>[:]" or "<dtype>[:,:]"
# (C order); a trailing "r" marks an array the kernel only reads, which may then be read-only.
ENTRIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "tokenize": ("wordlab.kernels.labelled", ("u1[:]r", "u1[:]")),
    "build_examples": (
        "wordlab.kernels.labelled",
        ("i1[:]", "i4[:]", "u4[:]", "i8[:]", "i4[:]", "i4[:]", "i8", "i8", "i8"),
    ),
    "subword_table": (
        "wordlab.kernels.subwords",
        ("u1[:]r", "i8[:]", "i8", "i8", "i8", "b1", "i8"),
    ),
    "huffman_tree": ("wordlab.kernels.huffman", ("i8[:]",)),
    "train_supervised": (
        "wordlab.kernels.fasttext",
        (
            *("f4[:,:]", "f4[:,:]", "i8[:]", "i4[:]", "i8[:]", "i4[:]", "i4[:]", "i8[:]"),
            *("i8", "i8", "f8", "f8", "i8", "i4[:]", "i8", "u1[:]", "i4[:]", "i8[:]", "u8"),
            *("i8", "i8[:,:]", "f8[:,:]", "i8"),
        ),
    ),
    "predict_top_k": (
        "wordlab.kernels.fasttext",
        ("f4[:,:]r", "f4[:,:]r", "i8[:]", "i4[:]", "i8", "u1[:]", "i4[:]", "i8[:]", "i8", "f8"),
    ),
}

_INTEGERS = (int, np.integer)
_NUMBERS = (int, float, np.integer, np.floating)


def _argument_check(spec: str) -> Callable[[Any], bool]:
    """A predicate: does a value have the memory layout (or scalar kind) `spec` declares?"""
    if "[" not in spec:
        if spec == "b1":
            return lambda v: isinstance(v, (bool, np.bool_))
        return (lambda v: isinstance(v, _NUMBERS)) if spec[0] == "f" else _is_integer
    dtype = np.dtype(spec[: spec.index("[")])
    ndim = spec.count(":")
    read_only_ok = spec.endswith("r")

    def check(v: Any) -> bool:
        return (
            isinstance(v, np.ndarray)
            and v.dtype == dtype
            and v.ndim == ndim
            and v.flags.c_contiguous
            and v.flags.aligned
            and (read_only_ok or v.flags.writeable)
        )

    return check


def _is_integer(v: Any) -> bool:
    return isinstance(v, _INTEGERS) and not isinstance(v, (bool, np.bool_))


def _numba_type(spec: str) -> Any:
    from numba import types

    if "[" not in spec:
        return types.boolean if spec == "b1" else getattr(types, np.dtype(spec).name)
    dtype = getattr(types, np.dtype(spec[: spec.index("[")]).name)
    return types.Array(dtype, spec.count(":"), "C", readonly=spec.endswith("r"))


def cache_dir() -> Path:
    """Where the module lives: beside numba's cache (NUMBA_CACHE_DIR, else the kernels' folder)."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return Path(os.environ["NUMBA_CACHE_DIR"]) / "wordlab-ahead"
    here = Path(__file__).parent / "__pycache__"
    if os.access(here if here.exists() else here.parent, os.W_OK):
        return here
    return Path.home() / ".cache" / "wordlab-ahead"


def module_name() -> str:
    """The module's name: a hash of what its machine code depends on."""
    h = hashlib.sha1()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        h.update(path.name.encode() + path.read_bytes())
    numba_spec = importlib.util.find_spec("numba")
    if numba_spec is None or numba_spec.origin is None:
        raise ImportError("numba is not installed")
    h.update((Path(numba_spec.origin).parent / "_version.py").read_bytes())
    h.update(np.__version__.encode() + platform.machine().encode() + _cpu_flags())
    return "_wordlab_ahead_" + h.hexdigest()[:16]


def _cpu_flags() -> bytes:
    try:
        with open("/proc/cpuinfo", "rb") as f:
            return next((line for line in f if line.startswith(b"flags")), b"")
    except OSError:
        return platform.processor().encode()


def build(folder: Path, name: str) -> Path:
    """Compile every entry point into `folder/name<suffix>`, written atomically."""
    import warnings

    with warnings.catch_warnings():  # pycc is "pending deprecation", with no replacement yet
        warnings.simplefilter("ignore")
        import numba.pycc.compiler as pycc_compiler
        from llvmlite import binding
        from numba.pycc import CC

    dispatchers = {
        name_: getattr(importlib.import_module(module), name_)
        for name_, (module, _) in ENTRIES.items()
    }
    options = {d.py_func: d for d in dispatchers.values()}
    compile_extra = pycc_compiler.compile_extra

    def with_kernel_flags(typing_ctx, target_ctx, func, args, return_type, flags, **kw):
        # pycc compiles every entry with one set of default flags: give each kernel its own
        # (fastmath), on a copy so that none leaks into the next, and free the GIL
        d = options[func]
        flags = d.targetdescr.options.parse_as_flags(flags.copy(), d.targetoptions)
        flags.release_gil = True
        return compile_extra(typing_ctx, target_ctx, func, args, return_type, flags, **kw)

    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cc = CC(name, source_module=__name__)
        cc.output_dir = tmp
        cc.target_cpu = binding.get_host_cpu_name()
        for name_, (_, args) in ENTRIES.items():  # the return types are inferred
            cc.export(name_, tuple(_numba_type(a) for a in args))(dispatchers[name_].py_func)
        pycc_compiler.compile_extra = with_kernel_flags
        try:
            cc.compile()
        finally:
            pycc_compiler.compile_extra = compile_extra
        target = folder / (name + importlib.machinery.EXTENSION_SUFFIXES[0])
        os.replace(Path(tmp) / cc.output_file, target)
    for old in folder.glob("_wordlab_ahead_*"):  # earlier sources' modules are dead weight
        if not old.name.startswith(name):
            old.unlink(missing_ok=True)
    return target


class AheadKernels:
    """The entry points by name: the ahead-of-time function where the call matches, else numba's.

    The module is loaded, or built and loaded, at the first call of any entry point; a build that
    fails is remembered beside the cache (a `.failed` file naming the error) so that later
    processes do not retry; delete it to try again (after installing a C compiler, say).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._functions: dict[str, Callable[..., Any]] | None = None
        self._ahead = False

    @property
    def compiled_ahead(self) -> bool:
        """Whether calls go to the ahead-of-time module (False: numba's JIT, e.g. no compiler)."""
        self._load()
        return self._ahead

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name not in ENTRIES:
            raise AttributeError(name)
        functions = self._functions if self._functions is not None else self._load()
        return functions[name]

    def _load(self) -> dict[str, Callable[..., Any]]:
        with self._lock:
            if self._functions is None:
                compiled = _compiled_functions()
                self._ahead = all(f is not None for f in compiled.values())
                self._functions = {name: _checked(name, f) for name, f in compiled.items()}
        return self._functions


def _compiled_functions() -> dict[str, Callable[..., Any] | None]:
    """Each entry point's ahead-of-time function, or None for all where the module is missing."""
    try:
        name = module_name()
        folder = cache_dir()
        path = folder / (name + importlib.machinery.EXTENSION_SUFFIXES[0])
        failed = folder / (name + ".failed")
        if not path.exists() and not failed.exists():
            folder.mkdir(parents=True, exist_ok=True)
            try:
                build(folder, name)
            except Exception as e:  # noqa: BLE001 (any build failure leaves numba's JIT)
                failed.write_text(f"{type(e).__name__}: {e}\n")
                return dict.fromkeys(ENTRIES)
        if not path.exists():
            return dict.fromkeys(ENTRIES)
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except (OSError, ImportError):
        return dict.fromkeys(ENTRIES)
    return {entry: getattr(module, entry) for entry in ENTRIES}


def _checked(name: str, compiled: Callable[..., Any] | None) -> Callable[..., Any]:
    """`compiled` behind its signature check, falling back to the numba dispatcher."""
    module, specs = ENTRIES[name]
    checks = tuple(_argument_check(s) for s in specs)

    def jit(*args: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args)

    if compiled is None:
        return jit

    def call(*args: Any) -> Any:
        if len(args) == len(checks) and all(c(a) for c, a in zip(checks, args, strict=True)):
            return compiled(*args)
        return jit(*args)

    call.__name__ = name
    return call


classifier_kernels = AheadKernels()
