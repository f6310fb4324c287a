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


def phase_rms(y: torch.Tensor, s: int) -> torch.Tensor:
    """Root-mean-square of y [..., H, W] on each of its s x s phases: returns [s, s] (float64).

    Pixel (i, j) belongs to phase (i mod s, j mod s). Every leading axis (batch, channels)
    is pooled: the RMS runs over all images, channels and positions of a phase.
    """
    s = _check_image(y, s)
    h, w = y.shape[-2:]
    phases = y.detach().double().reshape(-1, h // s, s, w // s, s)  # [B, H/s, a, W/s, b]
    return phases.square().mean(dim=(0, 1, 3)).sqrt()


def checkerboard_score(y: torch.Tensor, s: int) -> float:
    """Return 1 - mean(A)^2 / mean(A^2) for the phase RMS A of y: how unevenly the phases carry energy.

    `y` is [..., H, W] with H and W multiples of the upsampling factor `s` (crop the borders
    first); leading axes are pooled. The score is 0 when every phase has the same RMS
    (nearest-neighbour resizing, ICNR at initialisation), 19/100 for the k=3, s=2 overlap
    pattern (phase RMS 4:2:2:1), and at most 1 - 1/s^2 (all energy in one phase, as with
    holes). It needs no mean, so zero-mean maps (features, gradients, errors) are fine; it
    sees energy, not sign: phases that differ only in sign score 0. Notebook 03, §4.
    """
    rms = phase_rms(y, s)
    energy = rms.square().mean()
    if energy == 0:
        raise ValueError("y is all zeros, so no phase carries energy and the score is undefined")
    return float(1 - rms.mean().square() / energy)


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
