"""helpers.models: every upsampling kind doubles H and W, ICNR, the autoencoders."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from helpers.checkerboard import checkerboard_score
from helpers.models import UPSAMPLE_KINDS, Autoencoder, LectureAutoencoder, icnr_, upsample


@pytest.mark.parametrize("kind", UPSAMPLE_KINDS)
def test_every_kind_doubles_height_and_width(kind):
    layer = upsample(kind, 3, 5)
    assert layer(torch.rand(2, 3, 7, 9)).shape == (2, 5, 14, 18)


@pytest.mark.parametrize("kind", ["nearest", "bilinear", "subpixel", "subpixel_icnr"])
def test_resize_and_subpixel_kinds_take_any_scale(kind):
    assert upsample(kind, 2, 1, scale=3)(torch.rand(1, 2, 4, 4)).shape == (1, 1, 12, 12)


@pytest.mark.parametrize("r", [2, 3, 4])
def test_icnr_makes_pixel_shuffle_equal_conv_then_nearest_resize(r):
    torch.manual_seed(r)
    conv = icnr_(nn.Conv2d(3, 2 * r * r, 3, padding=1), r)
    x = torch.rand(2, 3, 5, 6)
    shuffled = nn.PixelShuffle(r)(conv(x))
    expected = F.interpolate(F.conv2d(x, conv.weight[:: r * r], conv.bias[:: r * r], padding=1),
                             scale_factor=r, mode="nearest")
    assert torch.allclose(shuffled, expected, atol=1e-6)
    assert checkerboard_score(shuffled[..., r:-r, r:-r], r) == pytest.approx(0, abs=1e-10)
    plain = nn.PixelShuffle(r)(nn.Conv2d(3, 2 * r * r, 3, padding=1)(x))  # default init: a pattern
    assert checkerboard_score(plain[..., r:-r, r:-r], r) > 1e-4


def test_icnr_uses_the_given_init():
    conv = icnr_(nn.Conv2d(2, 8, 3), 2, init=lambda t: nn.init.constant_(t, 0.5))
    assert torch.all(conv.weight == 0.5)


def test_subpixel_icnr_has_no_checkerboard_at_init():
    torch.manual_seed(0)
    y = upsample("subpixel_icnr", 4, 1)(torch.randn(8, 4, 10, 10))  # zero-mean: the score needs no offset
    assert checkerboard_score(y[..., 2:-2, 2:-2], 2) == pytest.approx(0, abs=1e-10)


@pytest.mark.parametrize("args, error, message", [
    (("transposed", 1, 1), ValueError, "kind='transposed' is not one of 'deconv3', 'deconv4'"),
    (("nearest", 1.0, 1), TypeError, "in_ch must be an integer >= 1, got 1.0"),
    (("deconv3", 1, 1, 3), ValueError, "scale must be 2"),
    (("nearest", 1, 1, 1), ValueError, "scale must be an integer >= 2"),
])
def test_upsample_validates(args, error, message):
    with pytest.raises(error, match=message):
        upsample(*args)


@pytest.mark.parametrize("kind", UPSAMPLE_KINDS)
def test_autoencoder_shapes_and_named_parts(kind):
    model = Autoencoder(latent_dim=16, upsampling=kind, width=8)
    x = torch.rand(3, 1, 28, 28)
    z = model.encode(x)
    assert z.shape == (3, 16) and model.encoder.convs(x).shape == (3, 8 * 7 * 7)
    y = model.decode(z)
    assert y.shape == (3, 1, 28, 28) and 0 <= y.min() and y.max() <= 1
    assert torch.allclose(model(x), y)
    assert isinstance(model.decoder.convs.norm, nn.BatchNorm2d)
    assert model.decoder.convs.up2(torch.rand(1, 4, 14, 14)).shape == (1, 1, 28, 28)


def test_autoencoder_flags_drop_the_batchnorm_and_the_sigmoid():
    torch.manual_seed(0)
    plain = Autoencoder(latent_dim=4, width=4, batchnorm=False, sigmoid=False)
    assert not any(isinstance(m, (nn.BatchNorm2d, nn.Sigmoid)) for m in plain.modules())
    torch.manual_seed(0)
    full = Autoencoder(latent_dim=4, width=4).eval()  # eval: BatchNorm with fresh stats is the identity
    z = torch.randn(2, 4)
    assert torch.allclose(torch.sigmoid(plain.decode(z)), full.decode(z), atol=1e-5)


def test_autoencoder_settings_and_inputs_are_checked_with_a_fix():
    with pytest.raises(ValueError, match="upsampling='magic' is not one of 'deconv3'"):
        Autoencoder(upsampling="magic")
    with pytest.raises(TypeError, match="width must be an integer >= 2, got 8.0"):
        Autoencoder(width=8.0)
    model = Autoencoder(latent_dim=np.int64(8), width=4)
    for call, x, message in [(model, torch.rand(5, 28, 28), r"x.unsqueeze\(1\)"),
                             (model.encode, torch.rand(1, 28, 28), r"batch axis: x.unsqueeze\(0\)"),
                             (model, torch.rand(2, 1, 32, 32), r"x must have shape \[N, 1, 28, 28\]"),
                             (model.decode, torch.rand(2, 4), r"z must have shape \[N, 8\]"),
                             (model, torch.rand(2, 1, 28, 28).double(), r"float64 on cpu but the model")]:
        with pytest.raises(ValueError, match=message):
            call(x)
    with pytest.raises(TypeError, match="x must hold floating-point"):
        model(torch.randint(0, 255, (2, 1, 28, 28)))


def test_lecture_autoencoder_is_the_lecture_model():
    model = LectureAutoencoder()
    assert sum(p.numel() for p in model.parameters()) == 210_369
    x = torch.rand(2, 1, 28, 28)
    sizes, h = [], x
    for layer in [*model.encoder, *model.decoder]:
        h = layer(h)
        if isinstance(layer, (nn.Conv2d, nn.ConvTranspose2d)):
            sizes.append((h.shape[1], h.shape[-1]))
    assert sizes == [(16, 14), (32, 7), (64, 1), (32, 7), (16, 14), (1, 28)]
    assert torch.allclose(model(x), model.decode(model.encode(x)))
    with pytest.raises(ValueError, match=r"z must have shape \[N, 64, 1, 1\]"):
        model.decode(torch.rand(3, 64))
