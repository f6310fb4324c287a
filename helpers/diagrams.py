"""Block diagrams of networks drawn from the model objects (notebooks 01, 02, 04): the shapes come
from one forward pass, so the picture cannot drift from the code. Colours: Okabe & Ito's palette."""

from __future__ import annotations

import copy
import math
import textwrap
from functools import partial

import matplotlib.pyplot as plt
import torch
from matplotlib.patches import FancyArrowPatch
from matplotlib.path import Path
from torch import nn

from helpers._checks import check_module, describe

_COLORS = {"input": "#ffffff", "same": "#cccccc", "down": "#56b4e9", "up": "#e69f00", "reshape": "#cc79a7"}
_LEGEND = {"input": "input / output", "same": "same size (or border trimmed)", "down": "downsampling ↓",
           "up": "upsampling ↑", "reshape": "reshape"}
_SKIP, _SLOT, _LINE, _FONT = "#009e73", 0.95, 0.16, 8.5  # skip colour; inches per box, per line; points
# layers that keep the shape and add no idea of their own: joined to the label of the box before
_MERGED = (nn.ReLU, nn.LeakyReLU, nn.Sigmoid, nn.Tanh, nn.Identity, nn.Dropout, nn.BatchNorm2d)


def _layer_label(m: nn.Module) -> str:
    """Name one layer briefly: 'Conv 3×3 s2', 'ConvT 7×7', 'MaxPool 2', 'PixelShuffle 2', 'BN'."""
    one = lambda v: "×".join(map(str, dict.fromkeys(v))) if isinstance(v, tuple) else str(v)  # noqa: E731
    cls = type(m).__name__
    name = {"ConvTranspose2d": "ConvT", "BatchNorm2d": "BN"}.get(cls, cls.removesuffix("2d"))
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        k, s, d = "×".join(map(str, m.kernel_size)), one(m.stride), one(m.dilation)
        return f"{name} {k}" + f" s{s}" * (s != "1") + f" d{d}" * (d != "1")
    if isinstance(m, (nn.MaxPool2d, nn.AvgPool2d, nn.MaxUnpool2d)):
        return f"{name} {one(m.kernel_size)}" + f" s{one(m.stride)}" * (one(m.stride) != one(m.kernel_size))
    return f"{name} {m.upscale_factor}" if isinstance(m, nn.PixelShuffle) else name


def _change(before: torch.Size, after: torch.Size) -> tuple[str, int]:
    """Say 'down' or 'up' and by how much when every spatial axis shrinks or grows 1.5× or more."""
    if len(before) != len(after):
        return "reshape", 1
    ratios = [b / a for b, a in zip(before[2:], after[2:])] or [1.0]  # a 5×19 → 1×15 conv is no ↓5
    if min(ratios) >= 1.5:
        return "down", round(min(ratios))
    return ("up", round(1 / max(ratios))) if max(ratios) <= 1 / 1.5 else ("same", 1)


def _trace(model: nn.Module, example: torch.Tensor, blocks) -> list[tuple]:
    """Run `example` once; return (label, module name, shape, change, factor) per box, input first."""
    model = copy.deepcopy(model).eval()  # hooks and eval mode (BatchNorm statistics) stay on the copy
    modules = dict(model.named_modules())
    pairs = ([(None, n) for n, m in modules.items() if next(m.children(), None) is None] if blocks is None
             else [(None, b) if isinstance(b, str) else tuple(b) for b in blocks])  # None: every leaf
    unknown = [n for _, n in pairs if n not in modules]
    if unknown:
        raise ValueError(f"blocks: {type(model).__name__} has no submodule {unknown[0]!r}; valid names: "
                         f"{', '.join(repr(n) for n in modules if n)}")
    calls = []  # one per call, so a layer used three times gives three boxes
    for label, n in pairs:  # the first input and output: MaxUnpool takes, MaxPool may return, two tensors
        modules[n].register_forward_hook(lambda m, i, o, n=n, label=label: calls.append(
            (label, n, m, i[0].shape, (o[0] if isinstance(o, tuple) else o).shape)))
    with torch.no_grad():
        model(example.to(next(model.parameters()).device))
    boxes = [("input", "", tuple(example.shape[1:]), "input", 1)]
    for label, name, m, before, after in calls:
        if blocks is None and isinstance(m, _MERGED) and len(boxes) > 1 and after[1:] == boxes[-1][2]:
            boxes[-1] = (f"{boxes[-1][0]} + {_layer_label(m)}", *boxes[-1][1:])
        else:
            label = label or (_layer_label(m) if next(m.children(), None) is None else name)
            boxes.append((label, name, tuple(after[1:]), *_change(before, after)))
    return boxes


def _draw(boxes: list[tuple], skips: list[tuple[int, int, str]], title: str) -> plt.Figure:
    """Draw the boxes left to right, shapes and labels below, skip arrows above; sizes in inches."""
    kinds, chain = {b[3] for b in boxes}, len(boxes) * _SLOT  # the input box's kind is "input"
    handles = [plt.Rectangle((0, 0), 1, 1, facecolor=_COLORS[c], edgecolor="#222222", label=text,
                             linewidth=1 + 1.2 * (c == "input")) for c, text in _LEGEND.items() if c in kinds]
    what = skips[0][2] if len({s[2] for s in skips}) == 1 and skips[0][2] else "skip connection"
    handles += [plt.Line2D([], [], color=_SKIP, linewidth=1.4, label=what)] if skips else []
    # a skip goes above every shorter skip it overlaps, so nested arrows never cross
    levels = [sum(b2 - a2 < b - a or (b2 - a2 == b - a and k2 < k) for k2, (a2, b2, _) in enumerate(skips)
                  if a2 <= b and a <= b2) for k, (a, b, _) in enumerate(skips)]
    sizes = [(min(0.6, 0.14 + 0.08 * math.log2(b[2][0])), 0.3 + 0.3 * math.log2(max(b[2][1:], default=1)))
             for b in boxes]  # width from the channels, height from the spatial size
    # a no-break space keeps '+ ReLU' together, so lines break before ' + ' rather than after it
    labels = ["\n".join(textwrap.wrap(b[0].replace(" + ", " +\xa0"), 14)).replace("\xa0", " ") for b in boxes]
    width = 0.3 + max(chain, sum(0.5 + 0.07 * len(h.get_label()) for h in handles), 0.1 * len(title))
    tallest, top = max(h for _, h in sizes), _LINE * (3 + max(t.count("\n") for t in labels)) + 0.1
    mid, base = top + 0.15 + tallest / 2, top + 0.4 + tallest  # top of the text; base: the lowest skip
    height = base + (0.3 * max(levels) + 0.25 if skips else -0.1) + 0.75
    ax = plt.figure(figsize=(width, height)).add_axes((0, 0, 1, 1), xlim=(0, width), ylim=(0, height))
    ax.set_axis_off()  # the axes fill the figure in inches, so one unit is an inch both ways
    text = partial(ax.text, ha="center", va="top", fontsize=_FONT)
    xs = [(width - chain) / 2 + _SLOT * (i + 0.5) for i in range(len(boxes))]
    for i, ((_, _, shape, change, factor), x, (w, h)) in enumerate(zip(boxes, xs, sizes)):
        ax.add_patch(plt.Rectangle((x - w / 2, mid - h / 2), w, h, facecolor=_COLORS[change],
                                   edgecolor="#222222", linewidth=2.2 if i in (0, len(boxes) - 1) else 1.0))
        text(x, top, "×".join(map(str, shape)), fontsize=_FONT + 0.5, weight="bold")
        text(x, top - _LINE * 1.1, labels[i], linespacing=1.15, weight="bold" if i == 0 else "normal")
        if i > 0:
            x0, x1 = xs[i - 1] + sizes[i - 1][0] / 2, x - w / 2
            ax.add_patch(FancyArrowPatch((x0, mid), (x1, mid), arrowstyle="-|>", mutation_scale=9,
                                         color="#333333"))
        if i > 0 and change in ("down", "up"):
            text((x0 + x1) / 2, mid + 0.05, "↓↑"[change == "up"] + str(factor), va="bottom", weight="bold")
    for (a, b, what), level in zip(skips, levels):  # up from a's top, across at its level, down into b
        y, xa, xb = base + 0.3 * level, xs[a] + sizes[a][0] * 0.2, xs[b] - sizes[b][0] * 0.2
        path = Path([(xa, mid + sizes[a][1] / 2), (xa, y), (xb, y), (xb, mid + sizes[b][1] / 2)])
        ax.add_patch(FancyArrowPatch(path=path, arrowstyle="-|>", mutation_scale=11, color=_SKIP, lw=1.4))
        if what:
            text((xa + xb) / 2, y + 0.03, what, va="bottom", color="#006b4f",
                 bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5})
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.04, height - 0.32), ncol=len(handles),
              bbox_transform=ax.transData, frameon=False, fontsize=_FONT, handlelength=1.4, columnspacing=1.2)
    text(xs[-1], top - _LINE * (2.15 + labels[-1].count("\n")), "output", fontsize=_FONT + 0.5, weight="bold")
    text(0.15, height - 0.1, title, ha="left", fontsize=11, weight="bold")
    return ax.figure


def draw_model(model: nn.Module, example: torch.Tensor, blocks=None, skips=(),
               title: str | None = None) -> plt.Figure:
    """Draw `model` as a box per block with its output shape on `example`; return the Figure.

    `blocks`: None for every layer (activations and BatchNorm joined to the layer before) or a list
    of module names or (label, name) pairs; a module called twice gives two boxes. `skips`: (from, to)
    or (from, to, text) arrows, each end a box index (0: the input) or a module name. The figure's
    label is its alt text, which `plotting.show_figure` uses."""
    check_module("model", model)
    if not isinstance(example, torch.Tensor):
        raise TypeError(f"example must be an input batch (a tensor), e.g. torch.zeros(1, 1, 28, 28) "
                        f"for one MNIST digit; got {describe(example)}")
    boxes = _trace(model, example, blocks)
    names = [b[1] for b in boxes]
    unknown = [end for s in skips for end in s[:2] if isinstance(end, str) and end not in names]
    if unknown:
        raise ValueError(f"skips: {unknown[0]!r} names no drawn block; valid names: "
                         f"{', '.join(map(repr, dict.fromkeys(names[1:])))}, or a box index (0 is the input)")
    at = lambda end: names.index(end) if isinstance(end, str) else range(len(boxes))[end]  # noqa: E731
    skips = [(at(s[0]), at(s[1]), s[2] if len(s) > 2 else "") for s in skips]
    shape = lambda b: "×".join(map(str, b[2]))  # noqa: E731
    title = title or f"{type(model).__name__}: {shape(boxes[0])} → {shape(boxes[-1])}"
    fig = _draw(boxes, skips, title)
    alt = f"{title}. Block diagram, left to right: " + "; ".join(f"{b[0]} {shape(b)}" for b in boxes) + "."
    for a, b, what in skips:
        alt += f" An arrow{f' ({what})' if what else ''} goes from {boxes[a][0]} to {boxes[b][0]}."
    fig.set_label(alt)
    return fig
