"""Compiled Numba kernels, one module per model: plain arrays in and out."""
