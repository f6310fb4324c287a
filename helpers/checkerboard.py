"""Checkerboard artifacts of strided transposed convolutions, measured (notebook 03).

References: Odena, Dumoulin & Olah, "Deconvolution and Checkerboard Artifacts",
Distill 2016; Aitken et al., "Checkerboard artifact free sub-pixel convolution" (ICNR),
arXiv:1707.02937, 2017; Shi et al., "Real-time single image and video super-resolution
using an efficient sub-pixel convolutional neural network" (PixelShuffle), CVPR 2016.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from helpers._checks import check_callable, check_int, check_tensor, describe


def overlap_map(k: int, s: int, n: int, dims: int = 2) -> torch.Tensor:
    """Count how many kernel copies land on each output pixel of a transposed convolution.

    It is the transposed convolution (no padding) of an all-ones input of size n per
    dimension with an all-ones kernel of size k and stride s: shape ((n-1)s+k,) * dims.
    """
    k, s, n = check_int("k", k, 1), check_int("s", s, 1), check_int("n", n, 1)
    dims = check_int("dims", dims)
    if dims not in (1, 2):
        raise ValueError(f"dims must be 1 or 2, got dims={dims!r}")
    if dims == 1:
        return F.conv_transpose1d(torch.ones(1, 1, n), torch.ones(1, 1, k), stride=s)[0, 0]
    return F.conv_transpose2d(torch.ones(1, 1, n, n), torch.ones(1, 1, k, k), stride=s)[0, 0]


def _check_image(y, s) -> int:
    """Check an image tensor [..., H, W] of real numbers whose height and width are multiples of s."""
    s = check_int("s", s, 1)
    check_tensor("y", y)
    if y.dtype == torch.bool or y.is_complex():
        raise TypeError(f"y must hold real numbers, got {describe(y)}")
    if y.dim() < 2 or y.numel() == 0:
        raise ValueError(f"y must be a non-empty image [..., H, W], got {describe(y)}")
    h, w = y.shape[-2:]
    if h % s or w % s:
        raise ValueError(f"y's height and width ({h}, {w}) must be multiples of s={s}; crop the "
                         f"borders to whole periods first, e.g. y[..., :{h - h % s}, :{w - w % s}]")
    return s


def phase_sums(y: torch.Tensor, s: int) -> torch.Tensor:
    """Sum the pixels of each of the s x s phases of y [..., H, W]: returns [..., s, s]."""
    s = _check_image(y, s)
    h, w = y.shape[-2:]
    return y.reshape(*y.shape[:-2], h // s, s, w // s, s).sum(dim=(-4, -2))


def checkerboard_score(y: torch.Tensor, s: int) -> float:
    """Return the energy of the non-DC DFT terms of the phase sums over their DC energy.

    `y` is [H, W] or [N, C, H, W] (the score is averaged over images and channels), with
    H and W multiples of the upsampling factor `s`; crop borders before calling. It is 0
    when every phase has the same sum and 19/81 for the k=3, s=2 overlap pattern.
    """
    s = _check_image(y, s)
    if y.dim() not in (2, 4):
        raise ValueError(f"y must be an image [H, W] or a batch [N, C, H, W], got {describe(y)}; "
                         f"a single colour image [C, H, W] becomes a batch with y.unsqueeze(0)")
    energy = torch.fft.fft2(phase_sums(y.detach().double(), s)).abs().square()
    dc = energy[..., 0, 0]
    if (dc == 0).any():
        raise ValueError("an image (or channel) of y sums to zero, so the score is undefined; "
                         "add a constant or use images with a non-zero mean")
    score = (energy.sum(dim=(-2, -1)) - dc) / dc
    return float(score.mean())


def icnr_(weight: torch.Tensor, scale: int,
          init: Callable[[torch.Tensor], object] = torch.nn.init.kaiming_normal_) -> torch.Tensor:
    """Initialise a sub-pixel conv weight [C*r*r, C_in, k, k] with ICNR, in place; return it.

    Each group of r*r consecutive output channels (the ones PixelShuffle(r) spreads over
    one r x r block) gets the same kernel, so at initialisation conv + PixelShuffle equals
    conv followed by nearest-neighbour upsampling: no checkerboard.
    """
    scale = check_int("scale", scale, 1)
    check_tensor("weight", weight, floating=True)
    check_callable("init", init)
    if weight.dim() != 4:
        raise ValueError(f"weight must be a 4-D conv weight [C*scale**2, C_in, kh, kw], "
                         f"got {describe(weight)}")
    r2 = scale * scale
    if weight.shape[0] % r2:
        raise ValueError(f"weight has {weight.shape[0]} output channels, not a multiple of "
                         f"scale**2 = {r2}; a conv before PixelShuffle({scale}) needs C*{r2}")
    sub = torch.empty(weight.shape[0] // r2, *weight.shape[1:], dtype=weight.dtype)
    init(sub)
    with torch.no_grad():
        weight.copy_(sub.repeat_interleave(r2, dim=0))
    return weight
