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


# Colours of the convolution drawings (Okabe-Ito, colour-blind safe): the input is blue,
# the output vermillion, the kernel green, the current step's outline orange.
INPUT_COLOUR, OUTPUT_COLOUR, KERNEL_COLOUR, STEP_COLOUR = "#0072B2", "#D55E00", "#009E73", "#E69F00"
OP_COLOUR = "#CC79A7"  # reddish purple: the output padding's extra rows and columns


def _check_axes(axes, panels: tuple[str, ...]) -> None:
    """Raise TypeError unless `axes` is None or one matplotlib Axes per named panel."""
    if axes is not None and (not hasattr(axes, "__len__") or len(axes) != len(panels)
                             or not all(isinstance(a, Axes) for a in axes)):
        count = {2: "two", 3: "three"}[len(panels)]
        raise TypeError(f"axes must be {count} matplotlib Axes ({', '.join(panels)}) or None, "
                        f"got {describe(axes)}")


def _cell_lines(ax, rows: int, cols: int, colour: str = "#9a9a9a", width: float = 0.6) -> None:
    """Draw a line around every cell of an image of rows x cols cells; hide the ticks."""
    import numpy as np

    ax.set_xticks(np.arange(-0.5, cols, 1), minor=True)
    ax.set_yticks(np.arange(-0.5, rows, 1), minor=True)
    ax.grid(which="minor", color=colour, linewidth=width)
    ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)


def show_figure(fig, alt: str | None = None) -> None:
    """Show a figure in the notebook with alt text for screen readers, then close it.

    The text goes in the output's ``image/png`` metadata (``alt``), which nbconvert,
    nbsphinx and Jupyter Book turn into the image's alt attribute. Without `alt`, the
    figure's label is used: `helpers.diagrams` writes one that lists the blocks. Closing
    the figure keeps the inline backend from showing it a second time.
    """
    from IPython.display import display
    from matplotlib.figure import Figure

    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure (fig, ax = plt.subplots()), got {describe(fig)}")
    if alt is None:
        alt = fig.get_label()
        if len(alt.split()) < 3:
            raise ValueError("alt is missing: pass a sentence saying what the figure shows "
                             "(only helpers.diagrams figures carry one of their own)")
    if not isinstance(alt, str):
        raise TypeError(f"alt must be a sentence (a string) saying what the figure shows, got "
                        f"{describe(alt)}")
    if len(alt.split()) < 3:
        raise ValueError(f"alt must be a sentence saying what the figure shows, got {alt!r}")
    display(fig, metadata={"image/png": {"alt": alt}})
    plt.close(fig)


def draw_transposed_conv(i: int, k: int, s: int = 1, p: int = 0, op: int = 0, d: int = 1,
                         axes=None, legend: bool = True):
    """Draw a transposed convolution as the direct convolution it equals (conv_arithmetic style).

    Left: the i x i input (blue) with s-1 zeros inserted between pixels (white), padded
    by d(k-1)-p on each side plus op on the bottom/right (grey), and the dilated kernel's
    taps at its first position (dots). Right: the output (light orange), with the pixel
    those taps make (dark). `legend` puts the colour key under the input panel. Taught in
    notebook 02. Returns the figure.
    """
    import numpy as np
    from matplotlib.colors import ListedColormap

    from helpers.arithmetic import transposed_output_size

    o = transposed_output_size(i, k, s, p, op, d)  # checks every size and names the bad one
    i, k, s, p, op, d = (check_int(name, v) for name, v in zip("i k s p op d".split(), (i, k, s, p, op, d)))
    legend = check_bool("legend", legend)
    _check_axes(axes, ("input panel", "output panel"))
    q = d * (k - 1) - p
    z = (i - 1) * s + 1
    n = z + 2 * q + op
    u = np.arange(n) - q  # coordinate in the zero-inserted grid
    inside = (u >= 0) & (u < z)
    pixel = inside & (u % s == 0)
    cells = np.outer(inside, inside).astype(int) + np.outer(pixel, pixel)  # 0 pad, 1 zero, 2 input
    if op:  # the output padding: op extra rows and columns of padding on the bottom and right
        extra = np.zeros((n, n), bool)
        extra[n - op:, :] = extra[:, n - op:] = True
        cells[extra & (cells == 0)] = 3
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(7, 3.4), width_ratios=[max(n, 1), max(o, 1)])
    left, right = axes
    left.imshow(cells, cmap=ListedColormap(["#d9d9d9", "#ffffff", INPUT_COLOUR, OP_COLOUR]), vmin=0, vmax=3)
    taps = np.arange(k) * d
    ty, tx = np.meshgrid(taps, taps, indexing="ij")
    left.scatter(tx.ravel(), ty.ravel(), s=max(8, 260 // max(n, 1)), c=STEP_COLOUR, ec="black",
                 linewidths=0.5, zorder=3)
    out = np.zeros((o, o))
    if op:
        out[o - op:, :] = out[:, o - op:] = 2  # the rows and columns that op adds
    out[0, 0] = 1
    right.imshow(out, cmap=ListedColormap(["#fdd0a2", OUTPUT_COLOUR, OP_COLOUR]), vmin=0, vmax=2)
    for ax, m in ((left, n), (right, o)):
        _cell_lines(ax, m, m, colour="#888888", width=0.5)
    inserted = f"zeros inserted {z}×{z}" if s > 1 else "no zeros (s=1)"
    left.set_title(f"input {i}×{i} → {inserted}\n→ padded by {q} (+{op}): {n}×{n}", fontsize=9)
    right.set_title(f"output {o}×{o}", fontsize=9)
    left.set_xlabel(f"k={k}, s={s}, p={p}, op={op}, d={d}", fontsize=9)
    added = "\npurple: the rows op adds" if op else ""
    right.set_xlabel(f"dark: the pixel the dots make{added}", fontsize=9)
    if legend:
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch

        key = [Patch(fc=INPUT_COLOUR, ec="#888888", label="input pixel"),
               Patch(fc="#ffffff", ec="#888888", label="inserted zero"),
               Patch(fc="#d9d9d9", ec="#888888", label="padding"),
               Patch(fc=OP_COLOUR, ec="#888888", label="output padding (op)"),
               Line2D([], [], ls="", marker="o", mfc=STEP_COLOUR, mec="black", label="kernel taps")]
        left.legend(handles=key, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, fontsize=8,
                    frameon=False)
    return left.figure



def _check_step_args(x, kernel, s, p) -> tuple[int, int, int]:
    """Validate a step-through's arguments; return (s, p, number of steps)."""
    check_tensor("x", x, dims=2, floating=True)
    check_tensor("kernel", kernel, dims=2, floating=True)
    if kernel.shape[0] != kernel.shape[1]:
        raise ValueError(f"kernel must be square (k x k), got {describe(kernel)}")
    s, p = check_int("s", s, 1), check_int("p", p, 0)
    k = kernel.shape[0]
    if p > k - 1:
        raise ValueError(f"p={p} crops more than the kernel adds (k-1 = {k - 1}); these drawings need "
                         f"p <= k-1")
    for size in x.shape:
        if (size - 1) * s + k - 2 * p < 1:
            raise ValueError(f"p={p} crops the whole {(size - 1) * s + k}-pixel output; use a smaller p")
    return s, p, check_int("steps", len(x.flatten()), 1)


def _grid(ax, values, cmap, norm, *, texts=True, shown=None, fontsize=9) -> None:
    """Draw a matrix as labelled cells; `shown` (bool mask) blanks the cells not yet drawn."""
    import numpy as np

    values = np.asarray(values, dtype=float)
    mask = np.ones(values.shape, bool) if shown is None else np.asarray(shown)
    ax.imshow(np.where(mask, values, np.nan), cmap=cmap, norm=norm)
    ax.set_facecolor("#f2f2f2")
    rows, cols = values.shape
    _cell_lines(ax, rows, cols)
    if texts:
        cmap_ = plt.get_cmap(cmap)
        for r in range(rows):
            for c in range(cols):
                if mask[r, c]:
                    shade = cmap_(norm(values[r, c]))
                    dark = 0.299 * shade[0] + 0.587 * shade[1] + 0.114 * shade[2] < 0.55
                    ax.text(c, r, f"{values[r, c]:g}", ha="center", va="center", fontsize=fontsize,
                            color="white" if dark else "black")


def _outline(ax, row, col, height, width, colour=STEP_COLOUR, **style) -> None:
    from matplotlib.patches import Rectangle

    ax.add_patch(Rectangle((col - 0.5, row - 0.5), width, height, fill=False, ec=colour,
                           lw=style.pop("lw", 3), **style))


def draw_scatter_step(x: torch.Tensor, kernel: torch.Tensor, s: int = 1, p: int = 0,
                      step: int | None = None, axes=None):
    """Draw step `step` of a transposed convolution as stamps (notebook 02; d2l's picture).

    Three panels: the INPUT x with the current pixel outlined; that pixel's stamp,
    x[i, j] times the kernel, placed s pixels further per input step; and the OUTPUT so
    far, the sum of the stamps up to this one, with a dashed box around what remains
    after cropping p pixels from every border. `step` counts from 0 to x.numel()-1
    (None: the last). Colours keep one scale across steps. Returns the figure.
    """
    import numpy as np
    from matplotlib.colors import Normalize

    from helpers.arithmetic import scatter_stamps

    s, p, n = _check_step_args(x, kernel, s, p)
    step = n - 1 if step is None else check_int("step", step, 0, n - 1)
    _check_axes(axes, ("input", "stamp", "output"))
    x, kernel = x.detach().cpu().float(), kernel.detach().cpu().float()
    stamps = scatter_stamps(x, kernel, s).numpy()
    total = stamps.sum(0)
    so_far = stamps[:step + 1].sum(0)
    (h, w), k = x.shape, kernel.shape[0]
    i, j = divmod(step, w)
    big = (total.shape[0], total.shape[1])
    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(3 + 0.55 * (w + 2 * big[1]), 0.6 * max(big[0], 4) + 1.3),
                               width_ratios=[w, big[1], big[1]])
    ax_in, ax_stamp, ax_out = axes
    low = min(0.0, float(stamps.min()), float(total.min()))
    out_norm = Normalize(low, max(float(total.max()), float(stamps.max()), low + 1e-9))
    in_norm = Normalize(min(0.0, float(x.min())), max(float(x.max()), 1e-9))
    _grid(ax_in, x.numpy(), "Blues", in_norm)
    _outline(ax_in, i, j, 1, 1)
    ax_in.set_title(f"INPUT x ({h}×{w})\npixel ({i}, {j}) = {x[i, j].item():g}", color=INPUT_COLOUR,
                    fontsize=10)
    footprint = np.zeros(big, bool)
    footprint[i * s:i * s + k, j * s:j * s + k] = True
    _grid(ax_stamp, stamps[step], "Greens", out_norm, shown=footprint)
    _outline(ax_stamp, i * s, j * s, k, k)
    ax_stamp.set_title(f"stamp {step + 1} of {n}: {x[i, j].item():g} × kernel\nplaced at row {i}·{s}, "
                       f"column {j}·{s}", color=KERNEL_COLOUR, fontsize=10)
    touched = np.zeros(big, bool)
    for t in range(step + 1):
        ti, tj = divmod(t, w)
        touched[ti * s:ti * s + k, tj * s:tj * s + k] = True
    _grid(ax_out, so_far, "Oranges", out_norm, shown=touched)
    _outline(ax_out, i * s, j * s, k, k)
    if p:
        _outline(ax_out, p, p, big[0] - 2 * p, big[1] - 2 * p, colour="black", lw=2, ls="--")
    kept = f"; dashed: the {big[0] - 2 * p}×{big[1] - 2 * p} kept (p={p})" if p else ""
    summed = "stamp 1" if step == 0 else f"sum of stamps 1–{step + 1}"
    ax_out.set_title(f"OUTPUT so far ({big[0]}×{big[1]}):\n{summed}{kept}",
                     color=OUTPUT_COLOUR, fontsize=10)
    return ax_in.figure


def draw_direct_step(x: torch.Tensor, kernel: torch.Tensor, s: int = 1, p: int = 0,
                     step: int | None = None, axes=None):
    """Draw step `step` of a transposed convolution computed as a direct convolution (notebook 02).

    Three panels: the INPUT after inserting s-1 zeros between pixels (input pixels blue,
    inserted zeros white, the k-1-p padding grey), with the window of output pixel `step`
    outlined; the kernel flipped by 180°, which is what slides; and the OUTPUT, filled in
    up to the current pixel. `step` counts output pixels row by row from 0 (None: the
    last). Returns the figure.
    """
    import numpy as np
    from matplotlib.colors import ListedColormap, Normalize

    from helpers.arithmetic import zero_insert

    s, p, _ = _check_step_args(x, kernel, s, p)
    _check_axes(axes, ("input", "kernel", "output"))
    x, kernel = x.detach().cpu().float(), kernel.detach().cpu().float()
    k = kernel.shape[0]
    q = k - 1 - p
    z = torch.nn.functional.pad(zero_insert(x, s), (q, q, q, q)).numpy()
    flipped = kernel.flip(0, 1).numpy()
    out = torch.nn.functional.conv2d(torch.as_tensor(z)[None, None],
                                     torch.as_tensor(flipped.copy())[None, None])[0, 0].numpy()
    oh, ow = out.shape
    step = oh * ow - 1 if step is None else check_int("step", step, 0, oh * ow - 1)
    r, c = divmod(step, ow)
    n_rows, n_cols = z.shape
    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(3 + 0.55 * (n_cols + k + ow), 0.6 * max(n_rows, 4) + 1.3),
                               width_ratios=[n_cols, k, ow])
    ax_in, ax_kernel, ax_out = axes
    u = np.arange(n_rows) - q
    v = np.arange(n_cols) - q
    inside = np.outer((u >= 0) & (u <= (x.shape[0] - 1) * s), (v >= 0) & (v <= (x.shape[1] - 1) * s))
    pixel = np.outer((u >= 0) & (u % s == 0) & (u <= (x.shape[0] - 1) * s),
                     (v >= 0) & (v % s == 0) & (v <= (x.shape[1] - 1) * s))
    kind = inside.astype(int) + pixel  # 0 padding, 1 inserted zero, 2 input pixel
    ax_in.imshow(kind, cmap=ListedColormap(["#d9d9d9", "#ffffff", "#9ecae1"]), vmin=0, vmax=2)
    _cell_lines(ax_in, n_rows, n_cols)
    for rr in range(n_rows):
        for cc in range(n_cols):
            ax_in.text(cc, rr, f"{z[rr, cc]:g}", ha="center", va="center", fontsize=9,
                       color="black" if pixel[rr, cc] else "#8c8c8c")
    _outline(ax_in, r, c, k, k)
    ax_in.set_title(f"INPUT {x.shape[0]}×{x.shape[1]}, zeros inserted (white),\npadded by k−1−p = {q} "
                    f"(grey): {n_rows}×{n_cols}", color=INPUT_COLOUR, fontsize=10)
    k_norm = Normalize(min(0.0, float(flipped.min())), max(float(flipped.max()), 1e-9))
    _grid(ax_kernel, flipped, "Greens", k_norm)
    ax_kernel.set_title("kernel, flipped\n(rotated 180°)", color=KERNEL_COLOUR, fontsize=10)
    shown = (np.arange(oh * ow) <= step).reshape(oh, ow)
    o_norm = Normalize(min(0.0, float(out.min())), max(float(out.max()), 1e-9))
    _grid(ax_out, out, "Oranges", o_norm, shown=shown)
    _outline(ax_out, r, c, 1, 1)
    ax_out.set_title(f"OUTPUT {oh}×{ow}: pixel ({r}, {c})\n= Σ window × flipped kernel = {out[r, c]:g}",
                     color=OUTPUT_COLOUR, fontsize=10)
    return ax_in.figure
