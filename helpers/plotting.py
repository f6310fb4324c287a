"""Plot plumbing shared by the notebooks: image grids and loss curves.

Grids are built by `torchvision.utils.make_grid`; these functions only add labels,
titles and sensible sizes.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.axes import Axes
from torchvision.utils import make_grid

from helpers._checks import check_bool, check_float, check_int, check_tensor, describe


def _check_images(images: torch.Tensor, name: str = "images") -> torch.Tensor:
    check_tensor(name, images, nonempty=False)
    if images.dtype == torch.bool or images.is_complex():
        raise TypeError(f"{name} must hold real numbers, got {describe(images)}; use .float()")
    if images.dim() == 2:  # one image [H, W]
        images = images[None, None]
    if images.dim() == 3:  # [N, H, W] (one image [1, H, W] included): add the channel axis
        images = images.unsqueeze(1)
    if images.dim() != 4 or images.shape[1] not in (1, 3) or len(images) == 0 or images.numel() == 0:
        raise ValueError(f"{name} must have shape [N,1,H,W], [N,3,H,W], [N,H,W] or [H,W] with "
                         f"N >= 1, got {describe(images)}")
    return images.detach().float().cpu()


def _check_ax(name: str, ax) -> None:
    if ax is not None and not isinstance(ax, Axes):
        hint = " (one panel of plt.subplots(...)[1], e.g. axes[0])" if hasattr(ax, "__len__") else ""
        raise TypeError(f"{name} must be a matplotlib Axes{hint} or None, got {describe(ax)}")


def _check_labels(labels, n: int) -> list:
    """Return one printable label per image: a list, tuple or 1-D tensor of class indices."""
    if isinstance(labels, torch.Tensor):
        if labels.dim() == 2 and labels.shape[0] == n:
            raise ValueError(f"labels has shape {list(labels.shape)}: it looks one-hot; pass class "
                             f"indices [N] instead (labels.argmax(1))")
        if labels.dim() != 1:
            raise ValueError(f"labels must be a 1-D tensor [N] of class indices, got {describe(labels)}")
        labels = [int(v) if not labels.is_floating_point() else float(v) for v in labels.tolist()]
    elif not isinstance(labels, (list, tuple)):
        raise TypeError(f"labels must be a list, a tuple or a 1-D tensor with one label per image, "
                        f"got {describe(labels)}")
    if len(labels) != n:
        raise ValueError(f"labels has {len(labels)} entries for {n} images; give one per image")
    return list(labels)


def show_images(images: torch.Tensor, labels: Sequence | torch.Tensor | None = None, *,
                nrow: int = 8, title: str | None = None, scale: float = 1.0, ax=None,
                cmap: str = "gray", vmin: float = 0.0, vmax: float = 1.0):
    """Draw images in a grid (make_grid), with an optional label above each; return the Axes.

    Values are shown on the scale vmin..vmax (default [0, 1]); values a little outside it
    (a decoder's overshoot, added noise) are clipped, but images on a 0..255 scale are
    refused rather than shown as white squares.
    """
    images = _check_images(images)
    nrow = check_int("nrow", nrow, 1)
    scale = check_float("scale", scale, 0.0, open_low=True)
    vmin, vmax = check_float("vmin", vmin), check_float("vmax", vmax)
    if not vmin < vmax:
        raise ValueError(f"vmin must be smaller than vmax, got vmin={vmin:g}, vmax={vmax:g}")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a string or None, got {describe(title)}")
    if not isinstance(cmap, str) and not hasattr(cmap, "N"):  # a name or a Colormap
        raise TypeError(f"cmap must be a colormap name such as 'gray', got {describe(cmap)}")
    _check_ax("ax", ax)
    low, high = float(images.min()), float(images.max())
    if high - vmax > 10 * (vmax - vmin) or vmin - low > 10 * (vmax - vmin):
        hint = "; divide by 255 first (or pass vmax=255)" if 1 < high <= 255 and low >= 0 else ""
        raise ValueError(f"images hold values from {low:g} to {high:g}, far outside the display "
                         f"range vmin={vmin:g}..vmax={vmax:g}{hint}")
    if labels is not None:
        labels = _check_labels(labels, len(images))
    n, _, h, w = images.shape
    pad = 2 if labels is None else max(2, h // 3)
    grid = make_grid(images.clamp(vmin, vmax), nrow=nrow, padding=pad, pad_value=vmax)
    cols, rows = min(n, nrow), -(-n // nrow)
    if ax is None:
        size = scale * 0.022 * (w + pad)  # about 0.8 inch per 28-pixel digit
        _, ax = plt.subplots(figsize=(max(2.0, cols * size), max(1.0, rows * size * (h + pad) / (w + pad))))
    ax.imshow((grid[0] if images.shape[1] == 1 else grid.permute(1, 2, 0)).numpy(),
              cmap=cmap, vmin=vmin, vmax=vmax)
    if labels is not None:
        for i, label in enumerate(labels):
            r, c = divmod(i, nrow)
            ax.text(pad + c * (w + pad) + w / 2, pad + r * (h + pad) - 1, str(int(label) if
                    isinstance(label, torch.Tensor) and label.numel() == 1 else label),
                    ha="center", va="bottom", fontsize=8, color="tab:blue")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def plot_history(history: dict[str, list[float]], *, ax=None, logy: bool = True,
                 title: str = "Training curve"):
    """Plot the train (and validation) loss per epoch from `fit`'s history; return the Axes."""
    if isinstance(history, tuple) and len(history) == 2 and isinstance(history[1], dict):
        raise TypeError("history must be the dict returned by fit(); train_autoencoder returns "
                        "(model, history): unpack it with model, history = train_autoencoder(...)")
    if not isinstance(history, dict):
        raise TypeError(f"history must be the dict returned by fit(), got {describe(history)}")
    if "train_loss" not in history:
        raise ValueError(f"history must be the dict returned by fit(), with a 'train_loss' list; "
                         f"got the keys {sorted(map(str, history))}")
    check_bool("logy", logy)
    if not isinstance(title, str):
        raise TypeError(f"title must be a string, got {describe(title)}")
    _check_ax("ax", ax)
    for key in ("train_loss", "valid_loss"):
        values = history.get(key, [])
        if not isinstance(values, (list, tuple)) or not all(
                isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values):
            raise TypeError(f"history[{key!r}] must be a list of numbers (one per epoch), got "
                            f"{describe(values)}")
        if key == "train_loss" and not values:
            raise ValueError("history['train_loss'] is empty: train for at least one epoch first")
        if len(values) not in (0, len(history["train_loss"])):
            raise ValueError(f"history[{key!r}] has {len(values)} values but history['train_loss'] "
                             f"{len(history['train_loss'])}; both hold one value per epoch")
        if logy and any(v <= 0 for v in values):
            raise ValueError(f"history[{key!r}] holds values <= 0, which a log scale cannot show; "
                             f"pass logy=False")
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3))
    epochs = range(1, len(history["train_loss"]) + 1)
    ax.plot(epochs, history["train_loss"], marker="o", ms=3, label="train")
    if history.get("valid_loss"):
        ax.plot(epochs, history["valid_loss"], marker="o", ms=3, label="held-out")
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    return ax


def draw_transposed_conv(i: int, k: int, s: int = 1, p: int = 0, op: int = 0, d: int = 1,
                         axes=None):
    """Draw a transposed convolution as the direct convolution it equals (conv_arithmetic style).

    Left: the i x i input (blue) with s-1 zeros inserted between pixels (white), padded
    by d(k-1)-p on each side plus op on the bottom/right (grey), and the dilated kernel's
    taps at its first position (dots). Right: the output, with the pixel those taps make.
    Taught in notebook 02. Returns the figure.
    """
    import numpy as np
    from matplotlib.colors import ListedColormap

    from helpers.arithmetic import transposed_output_size

    o = transposed_output_size(i, k, s, p, op, d)  # checks every size and names the bad one
    i, k, s, p, op, d = (check_int(name, v) for name, v in zip("i k s p op d".split(), (i, k, s, p, op, d)))
    if axes is not None and (not hasattr(axes, "__len__") or len(axes) != 2
                             or not all(isinstance(a, Axes) for a in axes)):
        raise TypeError(f"axes must be two matplotlib Axes (input panel, output panel) or None, "
                        f"got {describe(axes)}")
    q = d * (k - 1) - p
    z = (i - 1) * s + 1
    n = z + 2 * q + op
    u = np.arange(n) - q  # coordinate in the zero-inserted grid
    inside = (u >= 0) & (u < z)
    pixel = inside & (u % s == 0)
    cells = np.outer(inside, inside).astype(int) + np.outer(pixel, pixel)  # 0 pad, 1 zero, 2 input
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(7, 3.4), width_ratios=[max(n, 1), max(o, 1)])
    left, right = axes
    left.imshow(cells, cmap=ListedColormap(["#e6e6e6", "#ffffff", "#4c72b0"]), vmin=0, vmax=2)
    taps = np.arange(k) * d
    ty, tx = np.meshgrid(taps, taps, indexing="ij")
    left.scatter(tx.ravel(), ty.ravel(), s=max(8, 260 // max(n, 1)), c="#dd8452", zorder=3)
    out = np.zeros((o, o))
    out[0, 0] = 1
    right.imshow(out, cmap=ListedColormap(["#55a868", "#c44e52"]), vmin=0, vmax=1)
    for ax, m in ((left, n), (right, o)):
        ax.set_xticks(np.arange(-0.5, m, 1), minor=True)
        ax.set_yticks(np.arange(-0.5, m, 1), minor=True)
        ax.grid(which="minor", color="#888888", linewidth=0.5)
        ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
    left.set_title(f"input {i}×{i} → zeros inserted {z}×{z}\n→ padded by {q} (+{op}): {n}×{n}",
                   fontsize=9)
    right.set_title(f"output {o}×{o}", fontsize=9)
    left.set_xlabel(f"k={k}, s={s}, p={p}, op={op}, d={d}", fontsize=9)
    return left.figure
