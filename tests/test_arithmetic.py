"""helpers.arithmetic against PyTorch: the size formulas swept over parameter grids, and
their messages. The arithmetic itself (stamps, the convolution matrix, the direct
convolution) is written out and checked against PyTorch in notebook 02."""

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from helpers.arithmetic import conv_output_size, transposed_output_size

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


def test_numpy_integers_are_accepted_and_give_python_ints():
    assert conv_output_size(np.int64(28), np.int64(3), np.int32(2), 1) == 14
    size = transposed_output_size(np.int64(7), np.int64(3), 2, 1, np.int8(1))
    assert size == 14 and type(size) is int


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
