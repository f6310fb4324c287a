"""helpers.checkerboard: overlap ratios, the score on known patterns, ICNR vs PixelShuffle."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from helpers.checkerboard import checkerboard_score, icnr_, overlap_map, phase_sums


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
    with pytest.raises(ValueError, match="dims must be 1 or 2"):
        overlap_map(3, 2, 4, dims=3)
    with pytest.raises(ValueError, match="k must be an integer >= 1"):
        overlap_map(0, 2, 4)


def test_phase_sums():
    y = torch.arange(16.0).reshape(4, 4)
    assert phase_sums(y, 2).tolist() == [[0 + 2 + 8 + 10, 1 + 3 + 9 + 11],
                                         [4 + 6 + 12 + 14, 5 + 7 + 13 + 15]]


def test_score_of_the_k3_s2_pattern_is_19_over_81():
    interior = overlap_map(3, 2, 20)[4:-5, 4:-5]
    assert checkerboard_score(interior, 2) == pytest.approx(19 / 81, abs=1e-4)
    assert checkerboard_score(interior, 2) == pytest.approx(0.2346, abs=1e-4)


def test_score_is_zero_for_even_overlap():
    assert checkerboard_score(overlap_map(4, 2, 20)[4:-4, 4:-4], 2) == pytest.approx(0, abs=1e-12)
    assert checkerboard_score(overlap_map(6, 3, 20)[6:-6, 6:-6], 3) == pytest.approx(0, abs=1e-12)


def test_score_is_zero_for_nearest_resize_of_random_images():
    x = torch.rand(5, 3, 9, 7, generator=torch.Generator().manual_seed(0))
    for s in (2, 3, 4):
        y = F.interpolate(x, scale_factor=s, mode="nearest")
        assert checkerboard_score(y, s) == pytest.approx(0, abs=1e-12)


def test_score_averages_over_images_and_channels():
    a = overlap_map(3, 2, 10)[4:-5, 4:-5]
    flat = torch.ones_like(a)
    batch = torch.stack([torch.stack([a, flat]), torch.stack([flat, a])])  # [2, 2, H, W]
    assert checkerboard_score(batch, 2) == pytest.approx(19 / 81 / 2)


def test_score_validates_its_input():
    with pytest.raises(ValueError, match=r"multiples of s=2"):
        checkerboard_score(torch.ones(5, 4), 2)
    with pytest.raises(ValueError, match=r"\[H, W\] or a batch \[N, C, H, W\]"):
        checkerboard_score(torch.ones(1, 4, 4), 2)
    with pytest.raises(ValueError, match="sums to zero"):
        checkerboard_score(torch.zeros(4, 4), 2)
    with pytest.raises(ValueError, match="s must be an integer >= 1"):
        checkerboard_score(torch.ones(4, 4), 0)


@pytest.mark.parametrize("r", [2, 3, 4])
def test_icnr_makes_pixel_shuffle_equal_conv_then_nearest_resize(r):
    torch.manual_seed(r)
    conv = nn.Conv2d(3, 2 * r * r, 3, padding=1, bias=False)
    icnr_(conv.weight, r)
    x = torch.rand(2, 3, 5, 6)
    shuffled = nn.PixelShuffle(r)(conv(x))
    sub = conv.weight[:: r * r]  # one kernel per output channel
    expected = F.interpolate(F.conv2d(x, sub, padding=1), scale_factor=r, mode="nearest")
    assert torch.allclose(shuffled, expected, atol=1e-6)
    assert checkerboard_score(shuffled[..., r:-r, r:-r] + 10, r) == pytest.approx(0, abs=1e-10)
    # without ICNR the default init shows a pattern
    plain = nn.PixelShuffle(r)(nn.Conv2d(3, 2 * r * r, 3, padding=1)(x))
    assert checkerboard_score(plain[..., r:-r, r:-r] + 10, r) > 1e-6


def test_icnr_uses_the_given_init_and_validates():
    w = torch.empty(8, 2, 3, 3)
    icnr_(w, 2, init=lambda t: torch.nn.init.constant_(t, 0.5))
    assert torch.all(w == 0.5)
    with pytest.raises(ValueError, match="not a multiple of scale\\*\\*2 = 4"):
        icnr_(torch.empty(6, 2, 3, 3), 2)
    with pytest.raises(ValueError, match="4-D"):
        icnr_(torch.empty(4, 3), 2)


def test_gradient_of_a_strided_convolution_has_the_pattern():
    x = torch.rand(1, 1, 33, 33, requires_grad=True)
    F.conv2d(x, torch.ones(1, 1, 3, 3), stride=2).sum().backward()
    assert checkerboard_score(x.grad[..., 2:-3, 2:-3], 2) == pytest.approx(19 / 81, abs=1e-4)
