"""Models shared by several notebooks: upsampling layers and configurable autoencoders.

`upsample` builds the six upsampling layers compared in notebook 03; `Autoencoder`
is the configurable MNIST autoencoder notebooks 03 and 04 train.
"""

from __future__ import annotations

import torch
from torch import nn

from helpers._checks import check_choice, check_int, check_tensor, describe
from helpers.checkerboard import icnr_

UPSAMPLE_KINDS = ("deconv3", "deconv4", "nearest", "bilinear", "subpixel", "subpixel_icnr")


def upsample(kind: str, in_ch: int, out_ch: int, scale: int = 2) -> nn.Module:
    """Return a layer that multiplies height and width by `scale` (notebook 03).

    "deconv3"/"deconv4": ConvTranspose2d with kernel 3 or 4 and stride 2 (scale 2 only);
    "nearest"/"bilinear": resize, then a 3x3 convolution; "subpixel": a 3x3 convolution
    to out_ch*scale**2 channels, then PixelShuffle; "subpixel_icnr": the same, ICNR-initialised.
    """
    if not isinstance(kind, str):
        raise TypeError(f"kind must be a string, one of {', '.join(UPSAMPLE_KINDS)}; got {describe(kind)}")
    if kind not in UPSAMPLE_KINDS:
        raise ValueError(f"kind={kind!r} is not an upsampling kind; use one of {', '.join(UPSAMPLE_KINDS)}")
    in_ch, out_ch = check_int("in_ch", in_ch, 1), check_int("out_ch", out_ch, 1)
    scale = check_int("scale", scale, 2)
    if kind.startswith("deconv"):
        if scale != 2:
            raise ValueError(f"{kind} is a stride-2 layer: scale must be 2, got scale={scale}")
        k = int(kind[-1])
        return nn.ConvTranspose2d(in_ch, out_ch, k, stride=2, padding=1, output_padding=k % 2)
    if kind in ("nearest", "bilinear"):
        resize = nn.Upsample(scale_factor=scale, mode=kind)
        return nn.Sequential(resize, nn.Conv2d(in_ch, out_ch, 3, padding=1))
    conv = nn.Conv2d(in_ch, out_ch * scale * scale, 3, padding=1)
    if kind == "subpixel_icnr":
        icnr_(conv.weight, scale)
        with torch.no_grad():  # the bias too must be equal within each r x r block
            conv.bias.copy_(conv.bias[:: scale * scale].repeat_interleave(scale * scale))
    return nn.Sequential(conv, nn.PixelShuffle(scale))


def bilinear_kernel(s: int) -> torch.Tensor:
    """Return the [2s, 2s] kernel with which a stride-s transposed conv interpolates bilinearly.

    With padding s//2 (s even) it equals F.interpolate(mode="bilinear") away from the
    borders; FCN (Long et al. 2015) initialises its upsampling layers with it (notebook 01).
    """
    s = check_int("s", s, 1)
    taps = torch.arange(2 * s, dtype=torch.float32)
    f = 1 - (taps - (2 * s - 1) / 2).abs() / s  # the tent function, sampled between pixels
    return f[:, None] * f[None, :]


_upsample_layer = upsample  # Autoencoder's argument `upsample` names a kind and shadows it


class _MNISTAutoencoder(nn.Module):
    """What every autoencoder here shares: `encoder` and `decoder` modules for 28x28 digits.

    `encode`, `decode` and `forward` check their input's type, shape, dtype and device and
    say how to fix it: a student's first batch is often one image, or lacks its channel axis.
    """

    latent_shape: tuple[int, ...]  # one code's shape, without the batch axis

    def _check(self, name: str, x, shape: tuple[int, ...], what: str) -> torch.Tensor:
        check_tensor(name, x, floating=True)
        want = f"[N, {', '.join(map(str, shape))}]"
        if tuple(x.shape) == shape:  # one item without its batch axis
            raise ValueError(f"{name} must be a batch of {what} {want}, got {describe(x)}; for one "
                             f"item add the batch axis: {name}.unsqueeze(0)")
        if x.dim() != len(shape) + 1 or tuple(x.shape[1:]) != shape:
            size, dims = torch.Size(shape).numel(), ", ".join(map(str, shape))
            hint = ""
            if x.numel() == size:
                hint = f"; for one item: {name}.reshape(1, {dims})"
            elif shape == (1, 28, 28) and tuple(x.shape[1:]) == (28, 28):
                hint = f"; add the channel axis: {name}.unsqueeze(1)"
            elif x.dim() >= 1 and x[0].numel() == size:
                hint = f"; reshape it: {name}.reshape(-1, {dims})"
            elif shape == (1, 28, 28):
                hint = "; this model takes 28x28 MNIST digits"
            else:
                hint = f"; this model's encode returns codes of shape {want}"
            raise ValueError(f"{name} must be {what} {want}, got {describe(x)}{hint}")
        param = next(self.parameters())
        if x.device != param.device:
            raise ValueError(f"{name} is on {x.device} but the model is on {param.device}; move it "
                             f"with {name}.to('{param.device}')")
        if x.dtype != param.dtype:
            raise TypeError(f"{name} has dtype {str(x.dtype).replace('torch.', '')} but the model's "
                            f"parameters are {str(param.dtype).replace('torch.', '')}; convert it with "
                            f"{name}.to({str(param.dtype)})")
        return x

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Return the latent codes [N, *latent_shape] of images [N, 1, 28, 28]."""
        return self.encoder(self._check("x", x, (1, 28, 28), "images"))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Return the images [N, 1, 28, 28] that latent codes [N, *latent_shape] decode to."""
        return self.decoder(self._check("z", z, self.latent_shape, "latent codes"))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(self._check("x", x, (1, 28, 28), "images")))


class Autoencoder(_MNISTAutoencoder):
    """A configurable MNIST autoencoder: strided-conv encoder, linear latent, chosen upsampling.

    28x28 -> 14x14 -> 7x7 (two stride-2 convolutions) -> `latent_dim` numbers (linear),
    then back: linear -> 7x7 -> two `upsample` layers -> 28x28 in [0, 1] (sigmoid).
    A BatchNorm sits between the two upsampling layers: without it, the sub-pixel variant
    with default init (Adam lr 2e-3) ends in an all-black output within the first epoch
    (notebook 03's "Going further" part shows it for three seeds).
    """

    def __init__(self, latent_dim: int = 64, upsample: str = "deconv4", width: int = 32):
        super().__init__()
        latent_dim, width = check_int("latent_dim", latent_dim, 1), check_int("width", width, 1)
        check_choice("upsample", upsample, UPSAMPLE_KINDS)
        w1, w2 = width // 2 or 1, width
        self.latent_dim, self.kind, self.latent_shape = latent_dim, upsample, (latent_dim,)
        self.encoder = nn.Sequential(
            nn.Conv2d(1, w1, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(w1, w2, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(w2 * 7 * 7, latent_dim),
        )
        self.decoder = nn.Sequential(
            nn.Linear(latent_dim, w2 * 7 * 7), nn.ReLU(), nn.Unflatten(1, (w2, 7, 7)),
            _upsample_layer(upsample, w2, w1), nn.BatchNorm2d(w1), nn.ReLU(),
            _upsample_layer(upsample, w1, 1), nn.Sigmoid(),
        )


class LectureAutoencoder(_MNISTAutoencoder):
    """The APS360 lecture's MNIST autoencoder, exactly (210,369 parameters; notebook 04).

    28x28 -> 14x14 (16 ch) -> 7x7 (32 ch) -> 1x1 (64 ch), and back with transposed
    convolutions 1 -> 7 -> 14 -> 28. The latent is [N, 64, 1, 1].
    """

    latent_shape = (64, 1, 1)

    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 16, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(32, 64, 7),
        )
        self.decoder = nn.Sequential(
            nn.ConvTranspose2d(64, 32, 7), nn.ReLU(),
            nn.ConvTranspose2d(32, 16, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
            nn.ConvTranspose2d(16, 1, 3, stride=2, padding=1, output_padding=1), nn.Sigmoid(),
        )
