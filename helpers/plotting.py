"""Image grids (`make_grid`), loss curves, figures with alt text, and notebook 02's pictures of a transposed
convolution after Dumoulin & Visin's conv_arithmetic and d2l, computed by `F.conv_transpose2d` itself."""

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from IPython.display import display
from matplotlib.colors import ListedColormap
from torchvision.utils import make_grid

from helpers._checks import check_images, check_int, describe
from helpers.arithmetic import transposed_output_size

_INPUT, _OUTPUT, _KERNEL, _STEP, _OP = "#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7"  # Okabe-Ito
_PAD, _ZERO, _PIXEL = "#d9d9d9", "#ffffff", "#9ecae1"  # padding, inserted zeros, numbered input pixels


def _check_labels(labels, n: int) -> list[int] | None:
    """Return one integer class label per image as a list (None stays None)."""
    if labels is None:
        return None
    if isinstance(labels, torch.Tensor) and labels.dim() == 2:
        raise ValueError(f"labels has shape {list(labels.shape)}: it looks one-hot; pass labels.argmax(1)")
    labels = labels.tolist() if isinstance(labels, torch.Tensor) else labels
    if not isinstance(labels, (list, tuple)) or len(labels) != n:
        raise ValueError(f"labels must hold one integer per image ({n}), got {describe(labels)}")
    return [check_int(f"labels[{i}]", label) for i, label in enumerate(labels)]


def _axes(ax, figsize: tuple[float, float]) -> plt.Axes:
    """Return `ax` if it is one matplotlib Axes, or the Axes of a new figure of `figsize` if None."""
    if ax is not None and not isinstance(ax, plt.Axes):
        raise TypeError(f"ax must be one matplotlib Axes (e.g. axes[0]) or None, got {describe(ax)}")
    return plt.subplots(figsize=figsize)[1] if ax is None else ax


def show_images(images: torch.Tensor, labels=None, *, nrow: int = 8, title: str | None = None,
                ax: plt.Axes | None = None) -> plt.Axes:
    """Draw images [N, C, H, W] in [0, 1] (C = 1 or 3) in a grid, each label above its image."""
    images = check_images("images", images, channels=(1, 3)).detach().cpu()
    labels, nrow = _check_labels(labels, len(images)), check_int("nrow", nrow, 1)
    n, _, h, w = images.shape
    pad = 2 if labels is None else max(2, h // 3)  # room for the labels
    inch = 0.022  # per pixel: about 0.8 inch per 28-pixel digit
    ax = _axes(ax, (max(2.0, min(n, nrow) * inch * (w + pad)), max(1.0, -(-n // nrow) * inch * (h + pad))))
    ax.imshow(make_grid(images, nrow=nrow, padding=pad, pad_value=1.0).permute(1, 2, 0).numpy())
    for i, label in enumerate(labels or []):
        ax.text(pad + i % nrow * (w + pad) + w / 2, pad + i // nrow * (h + pad) - 1, str(label),
                ha="center", va="bottom", fontsize=8, color="tab:blue")
    ax.set_axis_off()
    ax.set_title(title or "")
    return ax


def plot_history(history: dict[str, list[float]], *, ax: plt.Axes | None = None, logy: bool = True,
                 title: str = "Training curve") -> plt.Axes:
    """Plot the train (and held-out) loss per epoch from `fit`'s history; return the Axes."""
    if not isinstance(history, dict):
        raise TypeError(f"history must be the dict returned by fit() (train_autoencoder returns "
                        f"(model, history): unpack it), got {describe(history)}")
    if not history.get("train_loss"):
        raise ValueError(f"history must hold a 'train_loss' per epoch, as fit's, got {describe(history)}")
    ax = _axes(ax, (5, 3))
    for key, label in (("train_loss", "train"), ("valid_loss", "held-out")):
        if history.get(key):
            ax.plot(range(1, len(history[key]) + 1), history[key], marker="o", ms=3, label=label)
    ax.set(xlabel="epoch", ylabel="loss", yscale="log" if logy else "linear", title=title)
    ax.legend()
    ax.grid(alpha=0.3)
    return ax


def show_figure(fig: plt.Figure, alt: str | None = None) -> None:
    """Show a figure with alt text (default: the label helpers.diagrams writes), then close it."""
    alt = fig.get_label() if alt is None else alt
    if not isinstance(alt, str):
        raise TypeError(f"alt must be a sentence saying what the figure shows, got {describe(alt)}")
    if len(alt.split()) < 3:
        raise ValueError(f"alt must be a sentence on what the figure shows (diagrams have one), got {alt!r}")
    display(fig, metadata={"image/png": {"alt": alt}})
    plt.close(fig)


def _inserted(x: torch.Tensor, s: int, pads: tuple[int, ...], fill: float = 0.0) -> torch.Tensor:
    """x [H, W] with s-1 zeros between pixels (a stride-s transposed conv with the kernel [[1]]), padded."""
    return F.pad(F.conv_transpose2d(x[None, None], torch.ones(1, 1, 1, 1), stride=s)[0, 0], pads, value=fill)


def _cells(ax, colours, cmap, norm=None, numbers=None, shown=None, box=None) -> None:
    """Draw cells coloured by `colours` (blank outside `shown`), with `numbers` in them and `box` outlined."""
    norm = norm or plt.Normalize(min(0.0, float(colours.min())), float(colours.max()))
    colours, mask = colours.numpy(), np.ones(colours.shape, bool) if shown is None else shown.numpy()
    ax.imshow(np.where(mask, colours, np.nan), cmap=cmap, norm=norm)
    ax.set_facecolor("#f2f2f2")
    ax.set_xticks(np.arange(-0.5, colours.shape[1], 1), minor=True)
    ax.set_yticks(np.arange(-0.5, colours.shape[0], 1), minor=True)
    ax.grid(which="minor", color="#9a9a9a", linewidth=0.6)
    ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
    for (r, c), value in () if numbers is None else np.ndenumerate(numbers.numpy()):
        red, green, blue, _ = plt.get_cmap(cmap)(norm(colours[r, c]))
        dark = 0.299 * red + 0.587 * green + 0.114 * blue < 0.55  # perceived brightness
        if mask[r, c]:
            ax.text(c, r, f"{value:g}", ha="center", va="center", fontsize=9,
                    color="#8c8c8c" if value == 0 else "white" if dark else "black")
    if box is not None:  # (row, col, height, width)
        ax.add_patch(plt.Rectangle((box[1] - 0.5, box[0] - 0.5), box[3], box[2], fill=False, ec=_STEP, lw=3))


def _panels(axes, widths: list[int], rows: int):
    size = (3 + 0.55 * sum(widths), 0.6 * max(rows, 4) + 1.3)
    return plt.subplots(1, 3, figsize=size, width_ratios=widths)[1] if axes is None else axes


def draw_transposed_conv(i: int, k: int, s: int = 1, p: int = 0, op: int = 0, d: int = 1, axes=None,
                         legend: bool = True) -> plt.Figure:
    """Draw a transposed convolution as the direct convolution it equals, kernel taps marked (notebook 02)."""
    o = transposed_output_size(i, k, s, p, op, d)
    q, z = d * (k - 1) - p, (i - 1) * s + 1  # q < 0 crops
    cells = 1 + _inserted(torch.ones(i, i), s, (q, q + op, q, q + op), fill=-1)  # 0 pad, 1 zero, 2 input
    n, out = len(cells), F.pad(torch.zeros(o - op, o - op), (0, op, 0, op), value=2)  # 2: op's rows
    for band in (cells[n - op:], cells[:, n - op:]):  # the rows and columns op adds
        band[band == 0] = 3
    out[0, 0] = 1
    left, right = plt.subplots(1, 2, figsize=(7, 3.4), width_ratios=[n, o])[1] if axes is None else axes
    _cells(left, cells, ListedColormap([_PAD, _ZERO, _INPUT, _OP]), plt.Normalize(0, 3))
    taps = np.arange(k) * d
    left.scatter(*np.meshgrid(taps, taps), s=max(8, 260 // n), c=_STEP, ec="black", linewidths=0.5, zorder=3)
    _cells(right, out, ListedColormap(["#fdd0a2", _OUTPUT, _OP]), plt.Normalize(0, 2))
    inserted = f"zeros inserted {z}×{z}" if s > 1 else "no zeros (s=1)"
    left.set_title(f"input {i}×{i} → {inserted}\n→ padded by {q} (+{op}): {n}×{n}", fontsize=9)
    right.set_title(f"output {o}×{o}", fontsize=9)
    left.set_xlabel(f"k={k}, s={s}, p={p}, op={op}, d={d}", fontsize=9)
    right.set_xlabel("dark: the pixel the dots make" + "\npurple: the rows op adds" * (op > 0), fontsize=9)
    if legend:
        names = {_INPUT: "input pixel", _ZERO: "inserted zero", _PAD: "padding", _OP: "output padding (op)"}
        key = [plt.Rectangle((0, 0), 1, 1, fc=fc, ec="#888888", label=name) for fc, name in names.items()]
        key.append(plt.Line2D([], [], ls="", marker="o", mfc=_STEP, mec="black", label="kernel taps"))
        left.legend(handles=key, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, fontsize=8,
                    frameon=False)
    return left.figure


def draw_scatter_step(x: torch.Tensor, kernel: torch.Tensor, s: int = 1, p: int = 0,
                      step: int | None = None, axes=None) -> plt.Figure:
    """Draw step `step` (None: the last) of a transposed convolution as stamps (notebook 02; d2l's figure)."""
    (h, w), k = x.shape, len(kernel)
    one_pixel_each = torch.eye(h * w).reshape(h * w, 1, h, w)
    stamps = F.conv_transpose2d(one_pixel_each * x.reshape(1, 1, h, w), kernel[None, None], stride=s)[:, 0]
    reach = F.conv_transpose2d(one_pixel_each, torch.ones(1, 1, k, k), stride=s)[:, 0] > 0
    step = h * w - 1 if step is None else step
    (i, j), (rows, cols), so_far = divmod(step, w), stamps.shape[1:], stamps[:step + 1].sum(0)
    ax_in, ax_stamp, ax_out = _panels(axes, [w, cols, cols], rows)
    _cells(ax_in, x, "Blues", numbers=x, box=(i, j, 1, 1))
    ax_in.set_title(f"INPUT x ({h}×{w})\npixel ({i}, {j}) = {x[i, j]:g}", color=_INPUT, fontsize=10)
    both = torch.cat([stamps, stamps.sum(0, keepdim=True)])  # one colour scale for stamps and their sum
    shared = plt.Normalize(min(0.0, float(both.min())), float(both.max()))
    _cells(ax_stamp, stamps[step], "Greens", shared, stamps[step], reach[step], (i * s, j * s, k, k))
    ax_stamp.set_title(f"stamp {step + 1} of {h * w}: {x[i, j]:g} × kernel\nplaced at row {i}·{s}, "
                       f"column {j}·{s}", color=_KERNEL, fontsize=10)
    _cells(ax_out, so_far, "Oranges", shared, so_far, reach[:step + 1].any(0), (i * s, j * s, k, k))
    if p:
        ax_out.add_patch(plt.Rectangle((p - 0.5, p - 0.5), cols - 2 * p, rows - 2 * p, fill=False, lw=2,
                                       ls="--"))
    kept = f"; dashed: the {rows - 2 * p}×{cols - 2 * p} kept (p={p})" if p else ""
    summed = "stamp 1" if step == 0 else f"sum of stamps 1–{step + 1}"
    ax_out.set_title(f"OUTPUT so far ({rows}×{cols}):\n{summed}{kept}", color=_OUTPUT, fontsize=10)
    return ax_in.figure


def draw_direct_step(x: torch.Tensor, kernel: torch.Tensor, s: int = 1, p: int = 0,
                     step: int | None = None, axes=None) -> plt.Figure:
    """Draw output pixel `step` (None: the last) of a transposed convolution as a direct one (notebook 02)."""
    k, q = len(kernel), len(kernel) - 1 - p
    padded, kind = _inserted(x, s, (q,) * 4), 1 + _inserted(torch.ones_like(x), s, (q,) * 4, fill=-1)
    flipped = kernel.flip(0, 1)
    out = F.conv2d(padded[None, None], flipped[None, None])[0, 0]
    (rows, cols), (oh, ow) = padded.shape, out.shape
    r, c = divmod(oh * ow - 1 if step is None else step, ow)
    ax_in, ax_kernel, ax_out = _panels(axes, [cols, k, ow], rows)
    _cells(ax_in, kind, ListedColormap([_PAD, _ZERO, _PIXEL]), plt.Normalize(0, 2), padded, box=(r, c, k, k))
    ax_in.set_title(f"INPUT {x.shape[0]}×{x.shape[1]}, zeros inserted (white),\npadded by k−1−p = {q} "
                    f"(grey): {rows}×{cols}", color=_INPUT, fontsize=10)
    _cells(ax_kernel, flipped, "Greens", numbers=flipped)
    ax_kernel.set_title("kernel, flipped\n(rotated 180°)", color=_KERNEL, fontsize=10)
    shown = torch.arange(oh * ow).reshape(oh, ow) <= r * ow + c
    _cells(ax_out, out, "Oranges", None, out, shown, (r, c, 1, 1))
    ax_out.set_title(f"OUTPUT {oh}×{ow}: pixel ({r}, {c})\n= Σ window × flipped kernel = {out[r, c]:g}",
                     color=_OUTPUT, fontsize=10)
    return ax_in.figure
