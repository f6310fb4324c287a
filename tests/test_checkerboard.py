"""helpers.checkerboard: overlap ratios and the score on known patterns."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from helpers.checkerboard import checkerboard_score, overlap_map, phase_rms
from helpers.models import UPSAMPLE_KINDS, upsample


@pytest.mark.parametrize("dims", [1, 2])
def test_overlap_interior_ratio_formula(dims):
    for k in range(1, 9):
        for s in range(2, 5):
            m = overlap_map(k, s, n=12, dims=dims)
            assert m.shape == ((11 * s + k,) * dims)
            interior = m[k:-k] if dims == 1 else m[k:-k, k:-k]  # away from the borders
            assert interior.max() == math.ceil(k / s) ** dims
            assert interior.min() == (k // s) ** dims  # 0: holes where k < s
            if k >= s:
                ratio = float(interior.max() / interior.min())
                assert ratio == pytest.approx((math.ceil(k / s) / (k // s)) ** dims)


def test_overlap_examples_from_the_article():
    assert overlap_map(3, 2, 4, dims=1).tolist() == [1, 1, 2, 1, 2, 1, 2, 1, 1]
    assert set(overlap_map(4, 2, 6)[4:-4, 4:-4].unique().tolist()) == {4.0}  # even
    assert overlap_map(1, 2, 3, dims=1).tolist() == [1, 0, 1, 0, 1]  # holes
    with pytest.raises(ValueError, match="dims must be an integer >= 1 and <= 2"):
        overlap_map(3, 2, 4, dims=3)
    with pytest.raises(ValueError, match="k must be an integer >= 1"):
        overlap_map(0, 2, 4)


def independent_score(y: torch.Tensor, s: int) -> float:
    """The score computed another way: pixel_unshuffle gathers the phases as channels, NumPy does the rest."""
    h, w = y.shape[-2:]
    phases = F.pixel_unshuffle(y.reshape(-1, 1, h, w).double(), s)  # [B, s*s, H/s, W/s], channel a*s + b
    rms = np.sqrt((phases.numpy() ** 2).mean(axis=(0, 2, 3)))
    return 1 - rms.mean() ** 2 / (rms ** 2).mean()


def test_phase_rms():
    y = torch.arange(16.0).reshape(4, 4)
    expected = [[math.sqrt((0 + 4 + 64 + 100) / 4), math.sqrt((1 + 9 + 81 + 121) / 4)],
                [math.sqrt((16 + 36 + 144 + 196) / 4), math.sqrt((25 + 49 + 169 + 225) / 4)]]
    assert torch.allclose(phase_rms(y, 2), torch.tensor(expected, dtype=torch.float64))
    pooled = phase_rms(torch.stack([y, 2 * y]), 2)  # leading axes are pooled: (1 + 4) / 2 of the energy
    assert torch.allclose(pooled, torch.tensor(expected, dtype=torch.float64) * math.sqrt(2.5))


def test_score_of_the_k3_s2_pattern_is_19_over_100():
    interior = overlap_map(3, 2, 20)[4:-5, 4:-5]  # phase RMS 4, 2, 2, 1
    assert phase_rms(interior, 2).tolist() == [[4.0, 2.0], [2.0, 1.0]]
    assert checkerboard_score(interior, 2) == pytest.approx(1 - (9 / 4) ** 2 / (25 / 4))
    assert checkerboard_score(interior, 2) == pytest.approx(0.19)


def test_score_is_zero_for_even_overlap_and_reaches_its_bound_with_holes():
    assert checkerboard_score(overlap_map(4, 2, 20)[4:-4, 4:-4], 2) == pytest.approx(0, abs=1e-12)
    assert checkerboard_score(overlap_map(6, 3, 20)[6:-6, 6:-6], 3) == pytest.approx(0, abs=1e-12)
    for s in (2, 3, 4):  # k=1 < s: all energy in one phase, the largest possible score
        holes = overlap_map(1, s, 12)[: 11 * s + 1 - 1]
        holes = holes[: holes.shape[0] // s * s, : holes.shape[1] // s * s]
        assert checkerboard_score(holes, s) == pytest.approx(1 - 1 / s**2)


@pytest.mark.parametrize("s", [2, 3, 4])
def test_score_is_zero_for_nearest_resize_of_any_image_even_zero_mean(s):
    g = torch.Generator().manual_seed(s)
    for x in (torch.rand(5, 3, 9, 7, generator=g), torch.randn(5, 3, 9, 7, generator=g)):
        y = F.interpolate(x, scale_factor=s, mode="nearest")
        assert checkerboard_score(y, s) == pytest.approx(0, abs=1e-12)


@pytest.mark.parametrize("seed", range(8))
def test_score_matches_an_independent_computation_and_stays_in_its_bounds(seed):
    g = torch.Generator().manual_seed(seed)
    s = 2 + seed % 3
    y = torch.randn(3, 2, 4 * s, 5 * s, generator=g) * torch.rand(s, s, generator=g).repeat(4, 5)
    if seed % 2:
        y = y.mean(dim=(0, 1))  # one [H, W] map, zero-mean
    score = checkerboard_score(y, s)
    assert score == pytest.approx(independent_score(y, s), abs=1e-12)
    assert 0 <= score <= 1 - 1 / s**2
    assert checkerboard_score(-7.5 * y, s) == pytest.approx(score)  # scale- and sign-free


def test_score_sees_energy_not_sign():
    signs = torch.tensor([[1.0, -1.0], [-1.0, 1.0]]).repeat(4, 4)  # a +-1 checkerboard
    assert checkerboard_score(signs, 2) == pytest.approx(0, abs=1e-12)  # documented blind spot
    assert checkerboard_score(signs + 1, 2) == pytest.approx(0.5)  # as an image (>= 0): 2, 0, 0, 2


def smooth_features(seed: int = 0) -> torch.Tensor:
    """Zero-mean feature maps that vary slowly from pixel to pixel, as a real image's do: [4, 16, 12, 12]."""
    coarse = torch.randn(4, 16, 4, 4, generator=torch.Generator().manual_seed(seed))
    return F.interpolate(coarse, size=(12, 12), mode="bilinear", align_corners=True)


def test_score_orders_the_layer_kinds_at_initialisation_as_the_overlap_predicts():
    median = {}
    with torch.no_grad():
        for kind in UPSAMPLE_KINDS:
            torch.manual_seed(1)
            scores = [checkerboard_score(upsample(kind, 16, 1)(smooth_features())[..., 2:-2, 2:-2], 2)
                      for _ in range(30)]
            median[kind] = float(np.median(scores))
    assert median["subpixel_icnr"] < 1e-12
    assert median["deconv3"] > 2 * max(median["deconv4"], median["subpixel"])  # k=3: taps 4:2:2:1
    assert min(median["deconv4"], median["subpixel"]) > 5 * max(median["nearest"], median["bilinear"])


def test_score_validates_its_input():
    with pytest.raises(ValueError, match=r"multiples of s=2"):
        checkerboard_score(torch.ones(5, 4), 2)
    with pytest.raises(ValueError, match="all zeros"):
        checkerboard_score(torch.zeros(4, 4), 2)
    with pytest.raises(ValueError, match="s must be an integer >= 1"):
        checkerboard_score(torch.ones(4, 4), 0)


def test_gradient_of_a_strided_convolution_has_the_pattern():
    x = torch.rand(1, 1, 33, 33, requires_grad=True)
    F.conv2d(x, torch.ones(1, 1, 3, 3), stride=2).sum().backward()
    assert checkerboard_score(x.grad[..., 2:-3, 2:-3], 2) == pytest.approx(0.19, abs=1e-9)
