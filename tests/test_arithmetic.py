"""helpers.arithmetic against PyTorch: size formulas swept over parameter grids, the
convolution matrix, the transposed convolution as a direct convolution, and validation."""

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from helpers.arithmetic import (
    conv_matrix,
    conv_output_size,
    conv_transpose_as_conv,
    transposed_output_size,
    zero_insert,
)

SIZES, KERNELS, STRIDES, PADS, DILATIONS, OUT_PADS = (
    range(1, 13), range(1, 8), range(1, 5), range(0, 4), range(1, 4), range(0, 4))


def torch_size(op, *args, **kwargs):
    """The output height PyTorch computes, or None where PyTorch refuses."""
    try:
        return op(*args, **kwargs).shape[-1]
    except RuntimeError:
        return None


def helper_size(fn, *args):
    try:
        return fn(*args)
    except ValueError:
        return None


def test_conv_output_size_matches_conv2d_on_the_whole_grid():
    checked = 0
    for i, k, s, p, d in itertools.product(SIZES, KERNELS, STRIDES, PADS, DILATIONS):
        x, w = torch.zeros(1, 1, 1, i), torch.zeros(1, 1, 1, k)
        expected = torch_size(F.conv2d, x, w, stride=s, padding=(0, p), dilation=d)
        assert helper_size(conv_output_size, i, k, s, p, d) == expected, (i, k, s, p, d)
        checked += 1
    assert checked == 12 * 7 * 4 * 4 * 3


def test_transposed_output_size_matches_conv_transpose2d_on_the_whole_grid():
    refused = agreed = 0
    for i, k, s, p, d, op in itertools.product(SIZES, KERNELS, STRIDES, PADS, DILATIONS, OUT_PADS):
        x, w = torch.zeros(1, 1, 1, i), torch.zeros(1, 1, 1, k)
        expected = torch_size(F.conv_transpose2d, x, w, stride=(1, s), padding=(0, p),
                              output_padding=(0, op), dilation=(1, d))
        got = helper_size(transposed_output_size, i, k, s, p, op, d)
        assert got == expected, (i, k, s, p, op, d)
        refused += got is None
        agreed += got is not None
    assert refused > 1000 and agreed > 5000  # both branches of the grid are exercised


@pytest.mark.parametrize("fn, args, message", [
    (conv_output_size, (5.0, 3), r"i must be an integer >= 1, got 5.0"),
    (conv_output_size, ("5", 3), r"i must be an integer >= 1, got '5'"),
    (transposed_output_size, (3, True), r"k must be an integer >= 1, got True"),
    (transposed_output_size, (3, 3, 2, 1, 0.0), r"op must be an integer >= 0, got 0.0"),
])
def test_sizes_that_are_not_integers_raise_type_error(fn, args, message):
    with pytest.raises(TypeError, match=message):
        fn(*args)


def test_integers_of_any_origin_are_accepted_and_give_python_ints():
    assert conv_output_size(np.int64(28), torch.tensor(3), np.int32(2), torch.tensor(1)) == 14
    size = transposed_output_size(torch.tensor(7), np.int64(3), 2, 1, np.int8(1))
    assert size == 14 and type(size) is int
    assert conv_matrix(torch.ones(2, 2), (np.int64(3), torch.tensor(3))).shape == (4, 9)
    assert zero_insert(torch.ones(1, 2, 2), np.int64(2)).shape == (1, 3, 3)


def test_layer_modules_agree_with_the_formulas():
    x = torch.zeros(1, 1, 7, 7)
    assert nn.Conv2d(1, 1, 3, stride=2, padding=1)(x).shape[-1] == conv_output_size(7, 3, 2, 1)
    assert nn.MaxPool2d(2, 2)(x).shape[-1] == conv_output_size(7, 2, 2)
    layer = nn.ConvTranspose2d(1, 1, 3, stride=2, padding=1, output_padding=1)
    assert layer(x).shape[-1] == transposed_output_size(7, 3, 2, 1, 1) == 14


@pytest.mark.parametrize("args, message", [
    ((0, 3), r"i must be an integer >= 1, got i=0"),
    ((5, 0), r"k must be an integer >= 1"),
    ((5, 3, 0), r"s must be an integer >= 1"),
    ((5, 3, 1, -1), r"p must be an integer >= 0"),
    ((5, 3, 1, 0, 0), r"d must be an integer >= 1"),
    ((2, 3), r"kernel spans .* = 3 pixels .* has only i\+2p = 2"),
    ((2, 2, 1, 0, 2), r"kernel spans d\*\(k-1\)\+1 = 3"),
])
def test_conv_output_size_messages(args, message):
    with pytest.raises(ValueError, match=message):
        conv_output_size(*args)


@pytest.mark.parametrize("args, message", [
    ((3, 3, 2, 1, 2), r"op \(output padding\) must be smaller than max\(s, d\) = 2, got op=2"),
    ((3, 3, 1, 0, -1), r"op must be an integer >= 0"),
    ((1, 1, 1, 1), r"output size .* = -1 is not positive"),
])
def test_transposed_output_size_messages(args, message):
    with pytest.raises(ValueError, match=message):
        transposed_output_size(*args)


@pytest.mark.parametrize("size, k, s, p", [(4, 3, 1, 0), (5, 3, 2, 1), (6, 2, 2, 0), (7, 3, 3, 2),
                                           ((4, 6), 3, 1, 1)])
def test_conv_matrix_reproduces_conv2d(size, k, s, p):
    g = torch.Generator().manual_seed(0)
    ih, iw = (size, size) if isinstance(size, int) else size
    kernel, x = torch.randn(k, k, generator=g), torch.randn(ih, iw, generator=g)
    C = conv_matrix(kernel, size, s, p)
    expected = F.conv2d(x[None, None], kernel[None, None], stride=s, padding=p)[0, 0]
    assert C.shape == (expected.numel(), ih * iw)
    assert torch.allclose(C @ x.flatten(), expected.flatten(), atol=1e-5)
    # the transpose is the transposed convolution, and <Cx, y> = <x, C^T y>
    y = torch.randn(expected.shape, generator=g)
    op = (ih + 2 * p - k) % s
    up = F.conv_transpose2d(y[None, None], kernel[None, None], stride=s, padding=p,
                            output_padding=op if ih == iw else (op, (iw + 2 * p - k) % s))[0, 0]
    assert torch.allclose(C.T @ y.flatten(), up.flatten(), atol=1e-5)
    assert torch.allclose((C @ x.flatten()) @ y.flatten(), x.flatten() @ (C.T @ y.flatten()),
                          atol=1e-4)


def test_conv_matrix_on_the_guide_example():
    kernel = torch.arange(1.0, 10.0).reshape(3, 3)
    C = conv_matrix(kernel, 4)
    assert C.shape == (4, 16)
    assert C[0].tolist() == [1, 2, 3, 0, 4, 5, 6, 0, 7, 8, 9, 0, 0, 0, 0, 0]
    assert C[3].tolist() == [0, 0, 0, 0, 0, 1, 2, 3, 0, 4, 5, 6, 0, 7, 8, 9]
    with pytest.raises(ValueError, match="kernel must be a 2-D tensor"):
        conv_matrix(torch.ones(1, 3, 3), 4)
    with pytest.raises(TypeError, match="input_size must be an integer or a pair .* got 4.0"):
        conv_matrix(kernel, 4.0)
    with pytest.raises(ValueError, match="input_size must be one integer or a pair"):
        conv_matrix(kernel, (4, 4, 4))
    with pytest.raises(TypeError, match="kernel must be a torch.Tensor"):
        conv_matrix([[1, 2], [3, 4]], 4)
    with pytest.raises(ValueError, match="kernel spans"):
        conv_matrix(kernel, (2, 4))


def test_zero_insert():
    x = torch.arange(1.0, 7.0).reshape(1, 2, 3)
    z = zero_insert(x, 2)
    assert z.shape == (1, 3, 5)
    assert z[0].tolist() == [[1, 0, 2, 0, 3], [0, 0, 0, 0, 0], [4, 0, 5, 0, 6]]
    assert torch.equal(zero_insert(x, 1), x)
    assert zero_insert(torch.ones(2, 3, 4, 4), 3).shape == (2, 3, 10, 10)
    with pytest.raises(ValueError, match="s must be an integer >= 1"):
        zero_insert(x, 0)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        zero_insert(torch.ones(3), 2)
    with pytest.raises(ValueError, match="x is empty"):
        zero_insert(torch.ones(1, 0, 3), 2)
    with pytest.raises(TypeError, match="s must be an integer >= 1, got 2.0"):
        zero_insert(x, 2.0)


def test_conv_transpose_as_conv_matches_pytorch_on_every_valid_combination():
    g = torch.Generator().manual_seed(0)
    checked = 0
    for c_in, c_out in ((1, 1), (2, 3), (3, 2)):
        for k, s, p, op, d in itertools.product((1, 2, 3, 4), (1, 2, 3), (0, 1, 2, 3), (0, 1, 2),
                                                (1, 2, 3)):
            x = torch.randn(2, c_in, 4, 5, generator=g)
            w = torch.randn(c_in, c_out, k, k, generator=g)
            try:
                expected = F.conv_transpose2d(x, w, stride=s, padding=p, output_padding=op,
                                              dilation=d)
                # with a batch of 2, some PyTorch builds return an empty tensor where a
                # batch of 1 raises; an empty output is a refusal either way
                if expected.numel() == 0:
                    raise RuntimeError("empty output")
            except RuntimeError:
                with pytest.raises(ValueError):
                    conv_transpose_as_conv(x, w, s, p, op, d)
                continue
            got = conv_transpose_as_conv(x, w, s, p, op, d)
            assert got.shape == expected.shape, (k, s, p, op, d)
            assert torch.allclose(got, expected, atol=1e-5), (k, s, p, op, d)
            checked += 1
    assert checked > 500


def test_conv_transpose_as_conv_with_a_rectangular_kernel():
    g = torch.Generator().manual_seed(1)
    x, w = torch.randn(1, 2, 3, 4, generator=g), torch.randn(2, 1, 2, 3, generator=g)
    expected = F.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1)
    assert torch.allclose(conv_transpose_as_conv(x, w, 2, 1, 1), expected, atol=1e-5)


def test_conv_transpose_as_conv_rejects_bad_layouts():
    with pytest.raises(ValueError, match=r"x must be a 4-D tensor"):
        conv_transpose_as_conv(torch.ones(3, 3), torch.ones(1, 1, 3, 3))
    with pytest.raises(ValueError, match=r"weight must be a 4-D tensor \[C_in=2"):
        conv_transpose_as_conv(torch.ones(1, 2, 3, 3), torch.ones(1, 1, 3, 3))
    with pytest.raises(TypeError, match="weight has dtype float64 but x has float32"):
        conv_transpose_as_conv(torch.ones(1, 1, 3, 3), torch.ones(1, 1, 3, 3).double())
    with pytest.raises(TypeError, match="x must hold floating-point values"):
        conv_transpose_as_conv(torch.ones(1, 1, 3, 3).long(), torch.ones(1, 1, 3, 3))


def test_transposed_convolution_is_the_gradient_of_a_strided_convolution():
    g = torch.Generator().manual_seed(0)
    for i, k, s, p in [(7, 3, 2, 1), (8, 3, 2, 1), (9, 4, 3, 0), (6, 2, 2, 0)]:
        x = torch.randn(1, 2, i, i, generator=g, requires_grad=True)
        w = torch.randn(3, 2, k, k, generator=g)
        y = F.conv2d(x, w, stride=s, padding=p)
        upstream = torch.randn(y.shape, generator=g)
        (grad,) = torch.autograd.grad((y * upstream).sum(), x)
        op = (i + 2 * p - k) % s  # the input size the convolution came from
        assert torch.allclose(grad, conv_transpose_as_conv(upstream, w, s, p, op), atol=1e-5)


@pytest.mark.parametrize("h, w, k, s", [(2, 2, 3, 2), (3, 4, 3, 2), (2, 3, 4, 2), (3, 3, 2, 3), (1, 1, 3, 1),
                                        (4, 2, 5, 3)])
def test_scatter_stamps_sum_to_conv_transpose2d_and_each_is_one_scaled_kernel(h, w, k, s):
    from helpers.arithmetic import scatter_stamps

    g = torch.Generator().manual_seed(h * 100 + w * 10 + k + s)
    x, kernel = torch.randn(h, w, generator=g), torch.randn(k, k, generator=g)
    stamps = scatter_stamps(x, kernel, s)
    ref = F.conv_transpose2d(x[None, None], kernel[None, None], stride=s)[0, 0]
    assert stamps.shape == (h * w, *ref.shape)
    assert torch.allclose(stamps.sum(0), ref, atol=1e-5)
    for t in range(h * w):
        i, j = divmod(t, w)
        assert torch.equal(stamps[t, i * s:i * s + k, j * s:j * s + k], x[i, j] * kernel)
        assert stamps[t].abs().sum() == pytest.approx((x[i, j] * kernel).abs().sum().item(), rel=1e-5)


@pytest.mark.parametrize("k, s", [(3, 2), (4, 2), (3, 3), (5, 2), (2, 3), (1, 2)])
def test_phase_kernels_are_the_stride_one_convolutions_interleaved_in_the_output(k, s):
    from helpers.arithmetic import phase_kernels

    g = torch.Generator().manual_seed(k * 10 + s)
    x, w = torch.randn(2, 3, 4, 5, generator=g), torch.randn(3, 2, k, k, generator=g)
    full = F.conv_transpose2d(x, w, stride=s)
    phases = phase_kernels(w, s)
    assert sorted(phases) == [(a, b) for a in range(s) for b in range(s)]
    assert sum(p.shape[-2] * p.shape[-1] for p in phases.values()) == k * k  # every tap, once
    for (a, b), pk in phases.items():
        part = full[..., a::s, b::s]
        if pk.numel() == 0:  # s > k: this phase gets no tap, the output there stays 0
            assert torch.equal(part, torch.zeros_like(part))
        else:
            assert torch.allclose(part, F.conv_transpose2d(x, pk), atol=1e-5)
