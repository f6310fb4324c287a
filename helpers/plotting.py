"""Plot plumbing shared by the notebooks: image grids and loss curves.

Grids are built by `torchvision.utils.make_grid`; these functions only add labels,
titles and sensible sizes.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import torch
from torchvision.utils import make_grid


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
    if not isinstance(nrow, int) or nrow < 1:
        raise ValueError(f"nrow must be an integer >= 1, got {nrow!r}")
    if labels is not None and len(labels) != len(images):
        raise ValueError(f"labels has {len(labels)} entries for {len(images)} images")
    n, _, h, w = images.shape
    pad = 2 if labels is None else max(2, h // 3)
    grid = make_grid(images.clamp(vmin, vmax), nrow=nrow, padding=pad, pad_value=vmax)
    cols, rows = min(n, nrow), -(-n // nrow)
    if ax is None:
        size = scale * 0.022 * (w + pad)  # about 0.8 inch per 28-pixel digit
        _, ax = plt.subplots(figsize=(max(2.0, cols * size), max(1.0, rows * size * (h + pad) / (w + pad))))
    ax.imshow(grid[0] if images.shape[1] == 1 else grid.permute(1, 2, 0),
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
