"""Output sizes of convolutions and transposed convolutions (notebook 02).

Dumoulin & Visin, "A guide to convolution arithmetic for deep learning" (2016,
arXiv:1603.07285), relationships 1-15, in PyTorch's conventions: `k` kernel size,
`s` stride, `p` padding, `op` output padding, `d` dilation.
"""

from __future__ import annotations

from helpers._checks import check_int


def conv_output_size(i: int, k: int, s: int = 1, p: int = 0, d: int = 1) -> int:
    """Return the output size of a convolution: floor((i + 2p - d(k-1) - 1) / s) + 1."""
    i, k, s, d = check_int("i", i, 1), check_int("k", k, 1), check_int("s", s, 1), check_int("d", d, 1)
    p = check_int("p", p, 0)
    span = d * (k - 1) + 1  # the dilated kernel's extent
    if span > i + 2 * p:
        raise ValueError(f"the kernel spans d*(k-1)+1 = {span} pixels (k={k}, d={d}) but the padded "
                         f"input has only i+2p = {i + 2 * p} (i={i}, p={p}); use a smaller k or d, "
                         f"or more padding")
    return (i + 2 * p - span) // s + 1


def transposed_output_size(i: int, k: int, s: int = 1, p: int = 0, op: int = 0, d: int = 1) -> int:
    """Return the output size of a transposed convolution: (i-1)s - 2p + d(k-1) + op + 1."""
    i, k, s, d = check_int("i", i, 1), check_int("k", k, 1), check_int("s", s, 1), check_int("d", d, 1)
    p, op = check_int("p", p, 0), check_int("op", op, 0)
    if op >= max(s, d):
        raise ValueError(f"op (output padding) must be smaller than max(s, d) = {max(s, d)}, got "
                         f"op={op} (PyTorch's rule: smaller than the stride or the dilation)")
    o = (i - 1) * s - 2 * p + d * (k - 1) + op + 1
    if o < 1:
        raise ValueError(f"the output size (i-1)*s - 2p + d*(k-1) + op + 1 = {o} is not positive "
                         f"(i={i}, k={k}, s={s}, p={p}, op={op}, d={d}); use less padding p")
    return o
