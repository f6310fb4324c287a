"""Plot plumbing shared by the notebooks: image grids and loss curves.

Grids are built by `torchvision.utils.make_grid`; these functions only add labels,
titles and sensible sizes.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import torch
from torchvision.utils import make_grid

from helpers._checks import check_int


def _check_images(images: torch.Tensor, name: str = "images") -> torch.Tensor:
    if not isinstance(images, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(images).__name__}")
    if images.dim() == 3:  # [N, H, W]: add the channel axis
        images = images.unsqueeze(1)
    if images.dim() != 4 or images.shape[1] not in (1, 3) or len(images) == 0:
        raise ValueError(f"{name} must have shape [N,1,H,W], [N,3,H,W] or [N,H,W] with N >= 1, "
                         f"got {list(images.shape)}")
    return images.detach().float().cpu()


def show_images(images: torch.Tensor, labels: Sequence | torch.Tensor | None = None, *,
                nrow: int = 8, title: str | None = None, scale: float = 1.0, ax=None,
                cmap: str = "gray", vmin: float = 0.0, vmax: float = 1.0):
    """Draw images in a grid (make_grid), with an optional label above each; return the Axes."""
    images = _check_images(images)
    check_int("nrow", nrow, 1)
    if labels is not None and len(labels) != len(images):
        raise ValueError(f"labels has {len(labels)} entries for {len(images)} images")
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
                    isinstance(label, torch.Tensor) else label), ha="center", va="bottom",
                    fontsize=8, color="tab:blue")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def plot_history(history: dict[str, list[float]], *, ax=None, logy: bool = True,
                 title: str = "Training curve"):
    """Plot the train (and validation) loss per epoch from `fit`'s history; return the Axes."""
    if not isinstance(history, dict) or not history.get("train_loss"):
        raise ValueError("history must be the dict returned by fit(), with a non-empty "
                         "'train_loss' list")
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

    o = transposed_output_size(i, k, s, p, op, d)
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
