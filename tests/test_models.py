"""helpers.models: every upsampling kind doubles H and W, the bilinear kernel, autoencoders."""

import pytest
import torch
import torch.nn.functional as F

from helpers.checkerboard import checkerboard_score
from helpers.models import UPSAMPLE_KINDS, Autoencoder, bilinear_kernel, upsample


@pytest.mark.parametrize("kind", UPSAMPLE_KINDS)
def test_every_kind_doubles_height_and_width(kind):
    layer = upsample(kind, 3, 5)
    assert layer(torch.rand(2, 3, 7, 9)).shape == (2, 5, 14, 18)


@pytest.mark.parametrize("kind", ["nearest", "bilinear", "subpixel", "subpixel_icnr"])
def test_resize_and_subpixel_kinds_take_any_scale(kind):
    assert upsample(kind, 2, 1, scale=3)(torch.rand(1, 2, 4, 4)).shape == (1, 1, 12, 12)


def test_subpixel_icnr_has_no_checkerboard_at_init():
    torch.manual_seed(0)
    y = upsample("subpixel_icnr", 4, 1)(torch.randn(8, 4, 10, 10))  # zero-mean: the score needs no offset
    assert checkerboard_score(y[..., 2:-2, 2:-2], 2) == pytest.approx(0, abs=1e-10)


def test_upsample_validates():
    with pytest.raises(ValueError, match="kind='transposed' .* deconv3, deconv4, nearest, bilinear"):
        upsample("transposed", 1, 1)
    with pytest.raises(TypeError, match="kind must be a string"):
        upsample(3, 1, 1)
    with pytest.raises(TypeError, match="in_ch must be an integer >= 1, got 1.0"):
        upsample("nearest", 1.0, 1)
    with pytest.raises(ValueError, match="scale must be 2"):
        upsample("deconv3", 1, 1, scale=3)
    with pytest.raises(ValueError, match="in_ch must be an integer >= 1"):
        upsample("nearest", 0, 1)
    with pytest.raises(ValueError, match="scale must be an integer >= 2"):
        upsample("nearest", 1, 1, scale=1)


@pytest.mark.parametrize("s", [2, 4])
def test_bilinear_kernel_transposed_conv_equals_interpolate_away_from_borders(s):
    x = torch.rand(2, 1, 8, 8, generator=torch.Generator().manual_seed(s))
    up = F.conv_transpose2d(x, bilinear_kernel(s)[None, None], stride=s, padding=s // 2)
    ref = F.interpolate(x, scale_factor=s, mode="bilinear", align_corners=False)
    assert up.shape == ref.shape
    assert torch.allclose(up[..., s:-s, s:-s], ref[..., s:-s, s:-s], atol=1e-6)


def test_bilinear_kernel_values():
    assert bilinear_kernel(2)[0].tolist() == [0.0625, 0.1875, 0.1875, 0.0625]
    assert bilinear_kernel(3).sum() == pytest.approx(9.0)  # s*s: each input spreads over s*s outputs
    with pytest.raises(ValueError, match="s must be an integer >= 1"):
        bilinear_kernel(0)


@pytest.mark.parametrize("kind", UPSAMPLE_KINDS)
def test_autoencoder_shapes(kind):
    model = Autoencoder(latent_dim=16, upsample=kind, width=8)
    x = torch.rand(3, 1, 28, 28)
    z = model.encode(x)
    assert z.shape == (3, 16)
    y = model.decode(z)
    assert y.shape == (3, 1, 28, 28) and 0 <= y.min() and y.max() <= 1
    assert torch.allclose(model(x), y)


def test_autoencoder_validates_its_settings():
    with pytest.raises(ValueError, match="upsample='magic' is not one of 'deconv3'"):
        Autoencoder(upsample="magic")
    with pytest.raises(ValueError, match="latent_dim must be an integer >= 1"):
        Autoencoder(latent_dim=0)
    with pytest.raises(TypeError, match="width must be an integer >= 1, got 8.0"):
        Autoencoder(width=8.0)


def test_autoencoder_accepts_integers_of_any_origin():
    import numpy as np

    model = Autoencoder(latent_dim=np.int64(6), width=torch.tensor(4))
    assert model.latent_dim == 6 and type(model.latent_dim) is int
    assert model.encode(torch.rand(2, 1, 28, 28)).shape == (2, 6)
    assert upsample("nearest", np.int64(2), torch.tensor(3), scale=np.int8(2))(
        torch.rand(1, 2, 4, 4)).shape == (1, 3, 8, 8)
    assert torch.equal(bilinear_kernel(np.int64(2)), bilinear_kernel(2))


MODEL = Autoencoder(latent_dim=8, width=4)


@pytest.mark.parametrize("method, x, error, message", [
    ("forward", torch.rand(2, 1, 32, 32), ValueError, r"x must be images \[N, 1, 28, 28\].*28x28"),
    ("forward", torch.rand(5, 28, 28), ValueError, r"x.unsqueeze\(1\)"),
    ("encode", torch.rand(5, 28, 28), ValueError, r"x.unsqueeze\(1\)"),
    ("encode", torch.rand(2, 1, 32, 32), ValueError, r"x must be images \[N, 1, 28, 28\]"),
    ("encode", torch.rand(1, 28, 28), ValueError, r"batch axis: x.unsqueeze\(0\)"),
    ("forward", torch.rand(28, 28), ValueError, r"x.reshape\(1, 1, 28, 28\)"),
    ("forward", torch.rand(2, 1, 28, 28).double(), TypeError, r"float64 .* x.to\(torch.float32\)"),
    ("forward", torch.randint(0, 255, (2, 1, 28, 28)), TypeError, r"x must hold floating-point"),
    ("forward", [[0.0]], TypeError, "x must be a torch.Tensor"),
    ("decode", torch.rand(8), ValueError, r"z must be a batch of latent codes \[N, 8\]"),
    ("decode", torch.rand(2, 4), ValueError, r"z must be latent codes \[N, 8\]"),
    ("decode", "z", TypeError, "z must be a torch.Tensor"),
])
def test_autoencoder_inputs_are_checked_with_a_fix(method, x, error, message):
    with pytest.raises(error, match=message):
        getattr(MODEL, method)(x)


def test_inputs_on_another_device_are_named():
    with pytest.raises(ValueError, match="x is on meta but the model is on cpu; move it with x.to"):
        MODEL(torch.rand(2, 1, 28, 28, device="meta"))


def test_lecture_autoencoder_is_the_lecture_model():
    from helpers.models import LectureAutoencoder

    model = LectureAutoencoder()
    assert sum(p.numel() for p in model.parameters()) == 210_369
    x = torch.rand(2, 1, 28, 28)
    sizes = []
    h = x
    for layer in list(model.encoder) + list(model.decoder):
        h = layer(h)
        if isinstance(layer, (torch.nn.Conv2d, torch.nn.ConvTranspose2d)):
            sizes.append((h.shape[1], h.shape[-1]))
    assert sizes == [(16, 14), (32, 7), (64, 1), (32, 7), (16, 14), (1, 28)]
    assert torch.allclose(model(x), model.decode(model.encode(x)))
    with pytest.raises(ValueError, match="x must be a batch of images"):
        model(torch.rand(1, 28, 28))
    with pytest.raises(ValueError, match=r"z.reshape\(-1, 64, 1, 1\)"):
        model.decode(torch.rand(3, 64))
