"""Checkerboard artifacts of strided transposed convolutions, measured (notebook 03).

Odena, Dumoulin & Olah, "Deconvolution and Checkerboard Artifacts", Distill 2016.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from helpers._checks import check_int, check_tensor


def overlap_map(k: int, s: int, n: int, dims: int = 2) -> torch.Tensor:
    """Count how many kernel copies land on each output pixel of a transposed convolution:
    the transposed convolution (no padding) of n all-ones inputs per dimension with an
    all-ones kernel of size k and stride s, of shape ((n-1)s+k,) * dims."""
    k, s, n = check_int("k", k, 1), check_int("s", s, 1), check_int("n", n, 1)
    check_int("dims", dims, 1, 2)
    if dims == 1:
        return F.conv_transpose1d(torch.ones(1, 1, n), torch.ones(1, 1, k), stride=s)[0, 0]
    return F.conv_transpose2d(torch.ones(1, 1, n, n), torch.ones(1, 1, k, k), stride=s)[0, 0]


def phase_rms(y: torch.Tensor, s: int) -> torch.Tensor:
    """Root-mean-square of y [..., H, W] on each of its s x s phases: returns [s, s] (float64).

    Pixel (i, j) belongs to phase (i mod s, j mod s); leading axes (batch, channels) are pooled.
    """
    h, w = y.shape[-2:]
    phases = y.detach().double().reshape(-1, h // s, s, w // s, s)  # [B, H/s, a, W/s, b]
    return phases.square().mean(dim=(0, 1, 3)).sqrt()


def checkerboard_score(y: torch.Tensor, s: int) -> float:
    """Return 1 - mean(A)^2 / mean(A^2) for the phase RMS A of y: how unevenly the phases carry energy.

    `y` is [..., H, W] with H and W multiples of the upsampling factor `s` (crop the borders
    first); leading axes are pooled. The score is 0 when every phase has the same RMS
    (nearest-neighbour resizing, ICNR at initialisation), 19/100 for the k=3, s=2 overlap
    pattern (phase RMS 4:2:2:1), and at most 1 - 1/s^2 (all energy in one phase). It sees
    energy, not sign, so zero-mean maps (errors, gradients) are fine. Notebook 03, §4.
    """
    check_tensor("y", y)
    s = check_int("s", s, 1)
    h, w = y.shape[-2:]
    if y.dim() < 2 or h % s or w % s:
        raise ValueError(f"y must be [..., H, W] with H and W multiples of s={s}, got shape "
                         f"{list(y.shape)}; crop the borders to whole periods, e.g. "
                         f"y[..., :{h - h % s}, :{w - w % s}]")
    rms = phase_rms(y, s)
    energy = rms.square().mean()
    if energy == 0:
        raise ValueError("y is all zeros, so no phase carries energy and the score is undefined")
    return float(1 - rms.mean().square() / energy)
