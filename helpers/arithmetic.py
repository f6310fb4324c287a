"""Convolution and transposed-convolution arithmetic, written out (taught in notebook 02).

Sizes follow Dumoulin & Visin, "A guide to convolution arithmetic for deep learning"
(2016, arXiv:1603.07285), relationships 1-15, in PyTorch's conventions: `k` kernel size,
`s` stride, `p` padding, `op` output padding, `d` dilation. Convolution here is
cross-correlation, as in `torch.nn.functional.conv2d`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from helpers._checks import check_int as _check_int
from helpers._checks import check_tensor as _check_tensor
from helpers._checks import describe as _describe


def _check_sizes(i, k, s, p, d) -> tuple[int, int, int, int, int]:
    return (_check_int("i", i, 1), _check_int("k", k, 1), _check_int("s", s, 1),
            _check_int("p", p, 0), _check_int("d", d, 1))


def conv_output_size(i: int, k: int, s: int = 1, p: int = 0, d: int = 1) -> int:
    """Return the output size of a convolution (relationship 15: floor((i+2p-d(k-1)-1)/s)+1)."""
    i, k, s, p, d = _check_sizes(i, k, s, p, d)
    span = d * (k - 1) + 1  # the dilated kernel's extent
    if span > i + 2 * p:
        raise ValueError(
            f"the kernel spans d*(k-1)+1 = {span} pixels (k={k}, d={d}) but the padded input "
            f"has only i+2p = {i + 2 * p} (i={i}, p={p}); use a smaller k or d, or more padding"
        )
    return (i + 2 * p - span) // s + 1


def transposed_output_size(i: int, k: int, s: int = 1, p: int = 0, op: int = 0, d: int = 1) -> int:
    """Return the output size of a transposed convolution: (i-1)s - 2p + d(k-1) + op + 1."""
    i, k, s, p, d = _check_sizes(i, k, s, p, d)
    op = _check_int("op", op, 0)
    if op >= max(s, d):
        raise ValueError(
            f"op (output padding) must be smaller than max(s, d) = {max(s, d)}, got op={op} "
            f"(PyTorch's rule: smaller than the stride or the dilation)"
        )
    o = (i - 1) * s - 2 * p + d * (k - 1) + op + 1
    if o < 1:
        raise ValueError(
            f"the output size (i-1)*s - 2p + d*(k-1) + op + 1 = {o} is not positive "
            f"(i={i}, k={k}, s={s}, p={p}, op={op}, d={d}); use less padding p"
        )
    return o


def _check_input_size(input_size) -> tuple[int, int]:
    """Return (height, width) from an integer or a pair of integers."""
    if isinstance(input_size, (tuple, list, torch.Size)):
        if len(input_size) != 2:
            raise ValueError(f"input_size must be one integer or a pair (height, width), got "
                             f"{len(input_size)} values: {_describe(input_size)}")
        return (_check_int("input_size[0] (height)", input_size[0], 1),
                _check_int("input_size[1] (width)", input_size[1], 1))
    try:
        size = _check_int("input_size", input_size, 1)
    except TypeError:
        raise TypeError(f"input_size must be an integer or a pair (height, width) of integers, "
                        f"got {_describe(input_size)}") from None
    return size, size


def conv_matrix(kernel: torch.Tensor, input_size, s: int = 1, p: int = 0) -> torch.Tensor:
    """Return the matrix C [oh*ow, ih*iw] with conv2d(x, kernel) == C @ x.flatten()."""
    _check_tensor("kernel", kernel, dims=2)
    if kernel.dtype == torch.bool or kernel.is_complex():
        raise TypeError(f"kernel must hold real numbers, got {_describe(kernel)}; use .float()")
    ih, iw = _check_input_size(input_size)
    s, p = _check_int("s", s, 1), _check_int("p", p, 0)
    kh, kw = kernel.shape
    oh, ow = conv_output_size(ih, kh, s, p), conv_output_size(iw, kw, s, p)
    C = kernel.new_zeros(oh * ow, ih * iw)
    for r in range(oh):
        for c in range(ow):
            for a in range(kh):
                for b in range(kw):
                    row, col = r * s - p + a, c * s - p + b
                    if 0 <= row < ih and 0 <= col < iw:  # taps on the zero padding drop out
                        C[r * ow + c, row * iw + col] = kernel[a, b]
    return C


def zero_insert(x: torch.Tensor, s: int) -> torch.Tensor:
    """Insert s-1 zeros between neighbouring pixels along the last two dimensions."""
    _check_tensor("x", x)
    if x.dim() < 2:
        raise ValueError(f"x must be a tensor with at least 2 dimensions (..., H, W), got "
                         f"{_describe(x)}")
    s = _check_int("s", s, 1)
    h, w = x.shape[-2:]
    out = x.new_zeros(*x.shape[:-2], (h - 1) * s + 1, (w - 1) * s + 1)
    out[..., ::s, ::s] = x
    return out


def conv_transpose_as_conv(x: torch.Tensor, weight: torch.Tensor, s: int = 1, p: int = 0,
                           op: int = 0, d: int = 1) -> torch.Tensor:
    """Compute F.conv_transpose2d(x, weight, ...) as a direct convolution.

    Insert s-1 zeros between input pixels, pad by d(k-1)-p on each side (plus op on
    the bottom and right; a negative amount crops), flip the kernel and swap its in/out
    channels, then convolve with dilation d. `x` is [N, C_in, H, W] and `weight`
    [C_in, C_out, kh, kw], the layout of `nn.ConvTranspose2d.weight`.
    """
    _check_tensor("x", x, floating=True)
    if x.dim() != 4:
        raise ValueError(f"x must be a 4-D tensor [N, C_in, H, W], got {_describe(x)}")
    _check_tensor("weight", weight, floating=True)
    if weight.dim() != 4 or weight.shape[0] != x.shape[1]:
        raise ValueError(f"weight must be a 4-D tensor [C_in={x.shape[1]}, C_out, kh, kw] "
                         f"(nn.ConvTranspose2d's layout), got {_describe(weight)}")
    if weight.dtype != x.dtype:
        raise TypeError(f"weight has dtype {str(weight.dtype).replace('torch.', '')} but x has "
                        f"{str(x.dtype).replace('torch.', '')}; convert one with .to(x.dtype)")
    if weight.device != x.device:
        raise ValueError(f"weight is on {weight.device} but x on {x.device}; move one with "
                         f".to(x.device)")
    s, p, op, d = _check_int("s", s, 1), _check_int("p", p, 0), _check_int("op", op, 0), _check_int("d", d, 1)
    kh, kw = weight.shape[-2:]
    for size, k in ((x.shape[-2], kh), (x.shape[-1], kw)):
        transposed_output_size(size, k, s, p, op, d)  # validates every argument
    qh, qw = d * (kh - 1) - p, d * (kw - 1) - p
    z = F.pad(zero_insert(x, s), (qw, qw + op, qh, qh + op))  # (left, right, top, bottom)
    flipped = weight.flip(-2, -1).transpose(0, 1)  # [C_out, C_in, kh, kw]
    return F.conv2d(z, flipped, dilation=d)


def scatter_stamps(x: torch.Tensor, kernel: torch.Tensor, s: int = 1) -> torch.Tensor:
    """Return the transposed convolution's stamps, one per input pixel, before they are summed.

    Stamp t (input pixel (i, j) = divmod(t, w)) is ``x[i, j] * kernel`` placed at row
    ``i*s`` and column ``j*s`` of the uncropped output. The result is
    [h*w, (h-1)*s + kh, (w-1)*s + kw]; its sum over the first dimension is
    ``F.conv_transpose2d(x, kernel, stride=s)`` (no padding: padding crops the sum).
    Drawn step by step in notebook 02.
    """
    _check_tensor("x", x, dims=2, floating=True)
    _check_tensor("kernel", kernel, dims=2, floating=True)
    if kernel.dtype != x.dtype or kernel.device != x.device:
        raise ValueError(f"kernel ({_describe(kernel)}) and x ({_describe(x)}) must share dtype "
                         f"and device; convert one with .to(x)")
    s = _check_int("s", s, 1)
    (h, w), (kh, kw) = x.shape, kernel.shape
    stamps = x.new_zeros(h * w, (h - 1) * s + kh, (w - 1) * s + kw)
    for t in range(h * w):
        i, j = divmod(t, w)
        stamps[t, i * s:i * s + kh, j * s:j * s + kw] = x[i, j] * kernel
    return stamps


def phase_kernels(kernel: torch.Tensor, s: int) -> dict[tuple[int, int], torch.Tensor]:
    """Split a transposed convolution's kernel into its s*s phase kernels ``kernel[a::s, b::s]``.

    Output pixel (s*m + a, s*n + b) of a stride-s transposed convolution (before cropping)
    only ever meets the taps ``kernel[a::s, b::s]``: the output is s*s stride-1 transposed
    convolutions, one per phase (a, b), interleaved. For k=3, s=2 the phases hold 4, 2, 2
    and 1 taps, the source of the checkerboard (notebooks 02 §5 and 03). The kernel is
    [kh, kw] or [..., kh, kw]; a phase is empty when s exceeds the kernel size.
    """
    _check_tensor("kernel", kernel)
    if kernel.dim() < 2:
        raise ValueError(f"kernel must have at least 2 dimensions (..., kh, kw), got {_describe(kernel)}")
    s = _check_int("s", s, 1)
    return {(a, b): kernel[..., a::s, b::s] for a in range(s) for b in range(s)}
