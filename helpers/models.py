"""The six upsampling layers of notebook 03, ICNR, and the MNIST autoencoders of 03-06, whose
parts are named, not numbered: ``model.encoder.convs``, ``model.decoder.convs.up1``."""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

from helpers._checks import check_choice, check_int, check_tensor, describe

UPSAMPLE_KINDS = ("deconv3", "deconv4", "nearest", "bilinear", "subpixel", "subpixel_icnr")


def icnr_(conv: nn.Conv2d, scale: int, init=nn.init.kaiming_normal_) -> nn.Conv2d:
    """Initialise the conv before a PixelShuffle(scale) with ICNR (Aitken et al., 2017), in place:
    the scale**2 channels of each output block share kernel and bias, so at initialisation
    conv + PixelShuffle is conv + nearest-neighbour upsampling, without a checkerboard."""
    r2 = scale * scale
    assert conv.out_channels % r2 == 0, "a conv before PixelShuffle(r) needs a multiple of r*r channels"
    kernels = init(torch.empty(conv.out_channels // r2, *conv.weight.shape[1:]))
    with torch.no_grad():
        conv.weight.copy_(kernels.repeat_interleave(r2, dim=0))
        if conv.bias is not None:
            conv.bias.copy_(conv.bias[::r2].repeat_interleave(r2))
    return conv


def upsample(kind: str, in_ch: int, out_ch: int, scale: int = 2) -> nn.Module:
    """Return a layer that multiplies height and width by `scale`: "deconv3"/"deconv4" (stride-2
    ConvTranspose2d, kernel 3 or 4), "nearest"/"bilinear" (resize, then a 3x3 conv), "subpixel"
    (a 3x3 conv to out_ch*scale**2 channels, then PixelShuffle), "subpixel_icnr" (ICNR-initialised)."""
    check_choice("kind", kind, UPSAMPLE_KINDS)
    in_ch, out_ch = check_int("in_ch", in_ch, 1), check_int("out_ch", out_ch, 1)
    scale = check_int("scale", scale, 2)
    if kind.startswith("deconv"):
        if scale != 2:
            raise ValueError(f"{kind} is a stride-2 layer: scale must be 2, got scale={scale}")
        k = int(kind[-1])
        return nn.ConvTranspose2d(in_ch, out_ch, k, stride=2, padding=1, output_padding=k % 2)
    if kind in ("nearest", "bilinear"):
        return nn.Sequential(OrderedDict(resize=nn.Upsample(scale_factor=scale, mode=kind),
                                         conv=nn.Conv2d(in_ch, out_ch, 3, padding=1)))
    conv = nn.Conv2d(in_ch, out_ch * scale * scale, 3, padding=1)
    if kind == "subpixel_icnr":
        icnr_(conv, scale)
    return nn.Sequential(OrderedDict(conv=conv, shuffle=nn.PixelShuffle(scale)))


class _MNISTAutoencoder(nn.Module):
    """`encode`, `decode` and `forward` for 28x28 digits, checked: a first batch is often one image."""

    latent_shape: tuple[int, ...]  # one code's shape, without the batch axis

    def _check(self, name: str, x, shape: tuple[int, ...]) -> torch.Tensor:
        check_tensor(name, x)
        want = f"[N, {', '.join(map(str, shape))}]"
        if tuple(x.shape[1:]) != shape:
            hint = ""
            if tuple(x.shape) == shape:
                hint = f"; for one item add the batch axis: {name}.unsqueeze(0)"
            elif shape == (1, 28, 28) and tuple(x.shape[1:]) == (28, 28):
                hint = f"; add the channel axis: {name}.unsqueeze(1)"
            raise ValueError(f"{name} must have shape {want}, got {describe(x)}{hint}")
        param = next(self.parameters())
        if x.device != param.device or x.dtype != param.dtype:
            raise ValueError(f"{name} is {x.dtype} on {x.device} but the model is {param.dtype} on "
                             f"{param.device}; convert it with {name}.to(next(model.parameters()))")
        return x

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Return the latent codes [N, *latent_shape] of images [N, 1, 28, 28]."""
        return self.encoder(self._check("x", x, (1, 28, 28)))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Return the images [N, 1, 28, 28] that latent codes [N, *latent_shape] decode to."""
        return self.decoder(self._check("z", z, self.latent_shape))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(self._check("x", x, (1, 28, 28))))


class Autoencoder(_MNISTAutoencoder):
    """A configurable MNIST autoencoder. encoder: `convs` (28 -> 14 -> 7, two stride-2 convs,
    flattened), `linear` (-> `latent_dim`); decoder: `linear` (-> 7x7), `convs` (`up1`, BatchNorm
    `norm`, `up2`: -> 28x28), `output` (sigmoid; `sigmoid=False` leaves the logits). Without the
    BatchNorm, default-init sub-pixel decoders can go all black (notebook 03, Going further)."""

    def __init__(self, latent_dim: int = 64, upsampling: str = "deconv4", width: int = 32, *,
                 batchnorm: bool = True, sigmoid: bool = True):
        super().__init__()
        latent_dim, width = check_int("latent_dim", latent_dim, 1), check_int("width", width, 2)
        check_choice("upsampling", upsampling, UPSAMPLE_KINDS)
        w1, w2 = width // 2, width
        self.latent_dim, self.upsampling, self.latent_shape = latent_dim, upsampling, (latent_dim,)
        self.encoder = nn.Sequential(OrderedDict(
            convs=nn.Sequential(nn.Conv2d(1, w1, 3, stride=2, padding=1), nn.ReLU(),
                                nn.Conv2d(w1, w2, 3, stride=2, padding=1), nn.ReLU(), nn.Flatten()),
            linear=nn.Linear(w2 * 7 * 7, latent_dim)))
        self.decoder = nn.Sequential(OrderedDict(
            linear=nn.Linear(latent_dim, w2 * 7 * 7),
            convs=nn.Sequential(OrderedDict(
                relu1=nn.ReLU(), unflatten=nn.Unflatten(1, (w2, 7, 7)), up1=upsample(upsampling, w2, w1),
                norm=nn.BatchNorm2d(w1) if batchnorm else nn.Identity(), relu2=nn.ReLU(),
                up2=upsample(upsampling, w1, 1))),
            output=nn.Sigmoid() if sigmoid else nn.Identity()))


class LectureAutoencoder(_MNISTAutoencoder):
    """The APS360 lecture's MNIST autoencoder (210,369 parameters; notebook 04): 28 -> 14 -> 7 -> 1
    (16, 32, 64 channels) and back by transposed convolutions; the latent is [N, 64, 1, 1]."""

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
