"""Block diagrams of networks, drawn from the model objects themselves (issue #12).

`trace_blocks` runs one forward pass with forward hooks and records the output shape of
each chosen block; `draw_blocks` draws them left to right as boxes whose height grows with
the spatial size and whose width grows with the channels, so an autoencoder's hourglass or
an FCN's downsampling path is visible; `draw_model` does both. Every shape written in the
picture comes from the forward pass, so the diagram cannot disagree with the code.
Drawn with matplotlib only (no graphviz). Colours: Okabe & Ito's colour-blind-safe palette
(https://jfly.uni-koeln.de/color/). Boxes with their shapes, as in the U-Net paper's figure 1
(Ronneberger et al. 2015).
"""

from __future__ import annotations

import dataclasses
import inspect
import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Patch, Rectangle
from matplotlib.path import Path
from torch import nn

from helpers._checks import check_int, check_module, check_tensor, describe

CHANGES = ("same", "down", "up", "reshape")
COLORS = {"input": "#ffffff", "same": "#cccccc", "down": "#56b4e9", "up": "#e69f00", "reshape": "#cc79a7"}
SKIP = "#009e73"  # bluish green: skip arrows
SLOT, LINE, FONT = 0.95, 0.16, 8.5  # inches per block, inches per text line, points
LEGEND = {"same": "same size (or border trimmed)", "down": "downsampling ↓", "up": "upsampling ↑",
          "reshape": "reshape"}
# parameter-free or per-channel layers that keep the shape: merged into the previous block's label
MERGED = (nn.ReLU, nn.LeakyReLU, nn.ELU, nn.GELU, nn.SiLU, nn.Sigmoid, nn.Tanh, nn.Softmax,
          nn.Identity, nn.Dropout, nn.Dropout2d, nn.BatchNorm1d, nn.BatchNorm2d)


@dataclasses.dataclass(frozen=True)
class Block:
    """One box of a diagram: its label, module name, output shape (no batch axis), size change.

    change is "same", "down", "up" (spatial size divided or multiplied by `factor`) or
    "reshape" (the number of axes changed, e.g. Flatten).
    """

    label: str
    module: str
    shape: tuple[int, ...]
    change: str = "same"
    factor: int = 1

    def __post_init__(self):
        for name in ("label", "module"):
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"{name} must be a string, got {describe(getattr(self, name))}")
        if not isinstance(self.shape, (tuple, list, torch.Size)):
            raise TypeError(f"shape must be a tuple of sizes such as (32, 7, 7), got {describe(self.shape)}")
        if len(self.shape) == 0:
            raise ValueError("shape must have at least one size, got shape=()")
        object.__setattr__(self, "shape", tuple(check_int("shape", d, 1) for d in self.shape))
        if not isinstance(self.change, str) or self.change not in CHANGES:
            error = ValueError if isinstance(self.change, str) else TypeError
            raise error(f"change must be one of {', '.join(map(repr, CHANGES))}, got {describe(self.change)}")
        object.__setattr__(self, "factor", check_int("factor", self.factor, 1))

    @property
    def shape_text(self) -> str:
        """The shape as the diagram writes it: '32×7×7', or '64' for a vector."""
        return "×".join(map(str, self.shape))


def _pair(v) -> str:
    v = (v, v) if isinstance(v, int) else tuple(v)
    return str(v[0]) if len(set(v)) == 1 else "×".join(map(str, v))


def _layer_label(m: nn.Module) -> str:
    """A short name for one layer: 'Conv 3×3 s2', 'ConvT 4×4 s2', 'MaxPool 2', 'BN'."""
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        k = "×".join(map(str, m.kernel_size))
        text = f"{'ConvT' if isinstance(m, nn.ConvTranspose2d) else 'Conv'} {k}"
        text += f" s{_pair(m.stride)}" if max(m.stride) > 1 else ""
        return text + (f" d{_pair(m.dilation)}" if max(m.dilation) > 1 else "")
    if isinstance(m, (nn.MaxPool2d, nn.AvgPool2d, nn.MaxUnpool2d)):
        name = type(m).__name__.replace("2d", "")
        stride = "" if m.stride == m.kernel_size else f" s{_pair(m.stride)}"
        return f"{name} {_pair(m.kernel_size)}{stride}"
    if isinstance(m, nn.Upsample):
        scale = m.size if m.scale_factor is None else f"×{m.scale_factor:g}"
        return f"Upsample {scale} {m.mode}"
    if isinstance(m, nn.PixelShuffle):
        return f"PixelShuffle {m.upscale_factor}"
    if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
        return "BN"
    return type(m).__name__


def _first_tensor(value):
    if isinstance(value, torch.Tensor):
        return value
    items = value.values() if isinstance(value, dict) else value if isinstance(value, (tuple, list)) else ()
    return next((t for t in map(_first_tensor, items) if t is not None), None)


def _size_change(before: torch.Size | None, after: torch.Size) -> tuple[str, int]:
    """'down'/'up' and the factor when every spatial axis shrinks or grows 1.5 times or more."""
    if before is None or len(before) != len(after):
        return ("reshape", 1) if before is not None else ("same", 1)
    if len(after) < 3:
        return "same", 1
    # every spatial axis must shrink (grow): a 5x5 valid conv on a 5x19 map is not a ↓5 layer
    ratio = min(b / a for b, a in zip(before[2:], after[2:]))
    grow = min(a / b for b, a in zip(before[2:], after[2:]))
    if ratio >= 1.5:
        return "down", round(ratio)
    return ("up", round(grow)) if grow >= 1.5 else ("same", 1)


def _resolve_blocks(model: nn.Module, blocks) -> list[tuple[str | None, str, nn.Module]]:
    """(label or None, module name, module) for each chosen block; None labels come from the layer."""
    by_name = dict(model.named_modules())
    names = {m: name for name, m in by_name.items()}
    if blocks is None:
        leaves = [(name, m) for name, m in by_name.items() if next(m.children(), None) is None]
        return [(None, name, m) for name, m in leaves]
    if isinstance(blocks, (str, nn.Module)) or not isinstance(blocks, Sequence):
        raise TypeError(f"blocks must be a list of module names ('encoder.0'), modules or (label, module) "
                        f"pairs, or None for every layer; got {describe(blocks)}")
    if len(blocks) == 0:
        raise ValueError("blocks is empty; pass None to draw every layer, or name at least one module")
    chosen = []
    for item in blocks:
        label, target = (item if isinstance(item, tuple) and len(item) == 2 else (None, item))
        if label is not None and not isinstance(label, str):
            raise TypeError(f"blocks: a (label, module) pair needs a string label, got {describe(item)}")
        if isinstance(target, str):
            found = by_name.get(target)
            if found is None:
                known = [n for n in names.values() if n][:12]
                raise ValueError(f"blocks: the model has no module named {target!r}; its modules include "
                                 f"{', '.join(map(repr, known))}")
            target = found
        elif not isinstance(target, nn.Module) or inspect.isclass(target):
            raise TypeError(f"blocks: each entry must be a module name, a module or a (label, module) "
                            f"pair, got {describe(item)}")
        elif target not in names:
            raise ValueError(f"blocks: {describe(target)} is not a part of the model")
        if any(target is m for _, _, m in chosen):
            raise ValueError(f"blocks: module {names[target]!r} is listed twice; a module called several "
                             f"times gives one block per call already")
        chosen.append((label, names[target], target))
    return chosen


def trace_blocks(model: nn.Module, example: torch.Tensor, blocks=None) -> list[Block]:
    """Run `example` through `model` once and return the input and each block's output as Blocks.

    `blocks`: None for every layer (leaf module), with shape-keeping activations, BatchNorm
    and Dropout merged into the previous layer's label ('Conv 3×3 s2 + ReLU'); or a list of
    module names ('encoder.0'), modules, or (label, module) pairs for coarser blocks. Blocks
    are listed in the order their forward calls finish; a module called several times (a
    shared pooling layer) gives one Block per call. Operations that are not modules (`+`,
    F.interpolate) are not drawn. The pass runs in eval mode under torch.no_grad() on the
    model's device; the model's modes are restored and its hooks removed afterwards.
    """
    model = check_module("model", model, need_parameters=False)
    check_tensor("example", example)
    if example.dim() < 2:
        raise ValueError(f"example must be a batch [N, ...] with a batch axis first, got "
                         f"{describe(example)}; for one item add the batch axis: example.unsqueeze(0)")
    chosen = _resolve_blocks(model, blocks)
    device = next((t.device for t in [*model.parameters(), *model.buffers()]), example.device)
    calls = []

    def record(label, name, module):
        def hook(_module, args, output):
            calls.append((label, name, module, _first_tensor(args), _first_tensor(output)))
        return hook

    modes = {m: m.training for m in model.modules()}
    handles = [m.register_forward_hook(record(label, name, m)) for label, name, m in chosen]
    try:
        with torch.no_grad():
            model.eval()(example.to(device))
    except (TypeError, ValueError, RuntimeError, IndexError) as err:
        error = TypeError if isinstance(err, TypeError) else ValueError
        raise error(f"example ({describe(example)}) does not fit {type(model).__name__}: its forward pass "
                    f"failed with {type(err).__name__}: {err}") from err
    finally:
        for handle in handles:
            handle.remove()
        for m, training in modes.items():
            m.training = training
    out = [Block("input", "", tuple(example.shape[1:]))]
    for label, name, module, before, after in calls:
        if after is None:
            raise ValueError(f"blocks: module {name!r} returned no tensor, so it has no shape to draw")
        change, factor = _size_change(None if before is None else before.shape, after.shape)
        shape = tuple(after.shape[1:])
        if (blocks is None and isinstance(module, MERGED) and len(out) > 1 and shape == out[-1].shape
                and change == "same"):
            out[-1] = dataclasses.replace(out[-1], label=f"{out[-1].label} + {_layer_label(module)}")
            continue
        leaf = next(module.children(), None) is None
        out.append(Block(label or (_layer_label(module) if leaf else name), name, shape, change, factor))
    unused = [name for _, name, m in chosen if not any(c[2] is m for c in calls)]
    if unused and blocks is not None:
        raise ValueError(f"blocks: {', '.join(map(repr, unused))} never ran in the forward pass of "
                         f"{type(model).__name__}; choose modules that forward() calls")
    return out


def _wrap(label: str, width: int = 14) -> list[str]:
    """Split a label into lines at ' + ' (then at spaces) so that each fits under its box."""
    lines = []
    for part in label.split(" + "):
        part = part if not lines else "+ " + part
        if lines and len(lines[-1]) + len(part) + 1 <= width:
            lines[-1] += " " + part
            continue
        # a word longer than a line (a long module name) is cut, so labels never overlap
        words = [w[i:i + width] for w in part.split(" ") for i in range(0, max(len(w), 1), width)]
        lines.append(words[0])
        for word in words[1:]:
            if len(lines[-1]) + len(word) + 1 <= width:
                lines[-1] += " " + word
            else:
                lines.append(word)
    return lines


def _resolve_skips(skips, blocks: list[Block]) -> list[tuple[int, int, str]]:
    """(from, to, text) index pairs; ends given by index or by a block's label or module name."""
    if isinstance(skips, (str, bytes)) or not isinstance(skips, Sequence):
        raise TypeError(f"skips must be a list of (from, to) or (from, to, text) pairs, got "
                        f"{describe(skips)}")

    def index(end, item) -> int:
        if isinstance(end, str):
            found = [i for i, b in enumerate(blocks) if end in (b.label, b.module)]
            if len(found) != 1:
                known = ", ".join(repr(b.module or b.label) for b in blocks)
                what = "matches no block" if not found else f"matches blocks {found}; use an index"
                raise ValueError(f"skips: {end!r} in {item!r} {what}; the blocks are {known}")
            return found[0]
        try:
            i = check_int("skips", end, -len(blocks), len(blocks) - 1)
        except ValueError:
            raise ValueError(f"skips: index {end} in {item!r} is out of range for {len(blocks)} blocks "
                             f"(0 is the input, {len(blocks) - 1} the output)") from None
        return i % len(blocks)

    out = []
    for item in skips:
        if not isinstance(item, (tuple, list)) or len(item) not in (2, 3):
            raise TypeError(f"skips: each skip must be a (from, to) or (from, to, text) tuple, got "
                            f"{describe(item)}")
        if len(item) == 3 and not isinstance(item[2], str):
            raise TypeError(f"skips: the text of {item!r} must be a string, got {describe(item[2])}")
        a, b = index(item[0], item), index(item[1], item)
        if a >= b:
            raise ValueError(f"skips: {item!r} must go forward, from an earlier block to a later one "
                             f"(from {a} to {b})")
        out.append((a, b, item[2] if len(item) == 3 else ""))
    return out


def _skip_levels(skips: list[tuple[int, int, str]]) -> list[int]:
    """Stack skips whose spans overlap: shorter ones lower, so nested arrows never cross."""
    levels = [0] * len(skips)
    placed = []
    for k in sorted(range(len(skips)), key=lambda k: skips[k][1] - skips[k][0]):
        a, b, _ = skips[k]
        below = [levels[m] for m in placed if skips[m][0] <= b and a <= skips[m][1]]
        levels[k] = 1 + max(below) if below else 0
        placed.append(k)
    return levels


def _box_size(shape: tuple[int, ...]) -> tuple[float, float]:
    """Width (inches) from the channels, height from the spatial size, both on a log scale."""
    channels, spatial = shape[0], max(shape[1:], default=1)
    return min(0.6, 0.14 + 0.08 * math.log2(channels)), 0.3 + 0.3 * math.log2(spatial)


def _draw_skips(ax: Axes, skips, xs, sizes, mid: float, base: float) -> None:
    """Draw each skip as an arrow up from block a's top, across at its level, and down into block b."""
    for (a, b, text), level in zip(skips, _skip_levels(skips)):
        y = base + 0.3 * level
        xa, xb = xs[a] + sizes[a][0] * 0.2, xs[b] - sizes[b][0] * 0.2
        path = Path([(xa, mid + sizes[a][1] / 2), (xa, y), (xb, y), (xb, mid + sizes[b][1] / 2)])
        ax.add_patch(FancyArrowPatch(path=path, arrowstyle="-|>", mutation_scale=11, color=SKIP,
                                     linewidth=1.4, shrinkA=0, shrinkB=1))
        if text:
            ax.text((xa + xb) / 2, y + 0.03, text, ha="center", va="bottom", fontsize=FONT,
                    color="#006b4f", bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5})


def _legend_handles(blocks: list[Block], skips) -> list:
    kinds = [c for c in CHANGES if any(b.change == c for b in blocks[1:])]
    handles = [Patch(facecolor=COLORS["input"], edgecolor="#222222", linewidth=2.2, label="input / output")]
    handles += [Patch(facecolor=COLORS[c], edgecolor="#222222", label=LEGEND[c]) for c in kinds]
    texts = {text for _, _, text in skips}
    what = texts.pop() if len(texts) == 1 and "" not in texts else "skip connection"  # one kind: name it
    return handles + ([Line2D([], [], color=SKIP, linewidth=1.4, label=what)] if skips else [])


def _describe_blocks(blocks: list[Block], skips, title: str) -> str:
    """A sentence per diagram for screen readers: the chain of blocks with their shapes, then the skips."""
    chain = "; ".join(f"{b.label} {b.shape_text}" for b in blocks[1:])
    text = f"{title}. Block diagram, left to right: input {blocks[0].shape_text}; {chain}."
    for a, b, what in skips:
        named = f" ({what})" if what else ""
        text += f" An arrow{named} goes from {blocks[a].label} to {blocks[b].label}."
    return text


def draw_blocks(blocks: Sequence[Block], skips=(), title: str | None = None,
                ax: Axes | None = None) -> Figure:
    """Draw Blocks left to right (first = input, last = output) with skip arrows; return the Figure.

    Box height grows with the spatial size and width with the channels (log scales); the
    colour says whether a block shrinks, grows or reshapes its input, and ↓2 / ↑2 on the
    arrow into it by how much. `skips`: (from, to) or (from, to, text) pairs of block
    indices, labels or module names, drawn as arrows above the chain. Without `ax`, the
    figure is sized to fit (about an inch per block); with one, it is drawn in data inches.
    The figure's label (``fig.get_label()``) is a sentence that lists the blocks and their
    shapes: `helpers.plotting.show_figure` uses it as the picture's alt text.
    """
    if isinstance(blocks, nn.Module):
        raise TypeError(f"blocks must be the list of Blocks that trace_blocks returns, got the model "
                        f"{type(blocks).__name__}; draw a model with draw_model(model, example)")
    if isinstance(blocks, Block) or not isinstance(blocks, Sequence) or not all(
            isinstance(b, Block) for b in blocks):
        raise TypeError(f"blocks must be the list of Blocks that trace_blocks returns, got "
                        f"{describe(blocks)}")
    if len(blocks) < 2:
        raise ValueError(f"blocks must hold the input and at least one block, got {len(blocks)} block(s)")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a string or None, got {describe(title)}")
    if ax is not None and not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {describe(ax)}")
    blocks, skips = list(blocks), _resolve_skips(skips, list(blocks))
    title = title if title is not None else f"input {blocks[0].shape_text} → output {blocks[-1].shape_text}"
    handles = _legend_handles(blocks, skips)
    # all in inches: one slot per block, wide enough for the legend and the title too
    sizes, labels = [_box_size(b.shape) for b in blocks], [_wrap(b.label) for b in blocks]
    tallest, chain = max(h for _, h in sizes), len(blocks) * SLOT
    width = 0.3 + max(chain, sum(0.5 + 0.07 * len(h.get_label()) for h in handles), 0.1 * len(title))
    text_top = LINE * (2 + max(map(len, labels))) + 0.1
    mid = text_top + 0.15 + tallest / 2
    skip_base = mid + tallest / 2 + 0.25
    height = skip_base + (0.3 * max(_skip_levels(skips)) + 0.25 if skips else -0.1) + 0.75
    if ax is None:
        ax = plt.figure(figsize=(width, height)).add_axes((0, 0, 1, 1))
    ax.set(xlim=(0, width), ylim=(0, height), aspect="equal")
    ax.set_axis_off()
    xs = [(width - chain) / 2 + SLOT * (i + 0.5) for i in range(len(blocks))]
    for i, (b, x, (w, h), lines) in enumerate(zip(blocks, xs, sizes, labels)):
        color = COLORS["input"] if i == 0 else COLORS[b.change]
        ax.add_patch(Rectangle((x - w / 2, mid - h / 2), w, h, facecolor=color, edgecolor="#222222",
                               linewidth=2.2 if i in (0, len(blocks) - 1) else 1.0))
        ax.text(x, text_top, b.shape_text, ha="center", va="top", fontsize=FONT + 0.5, weight="bold")
        ax.text(x, text_top - LINE * 1.1, "\n".join(lines), ha="center", va="top", fontsize=FONT,
                linespacing=1.15, weight="bold" if i == 0 and b.label == "input" else "normal")
        if i == len(blocks) - 1:
            ax.text(x, text_top - LINE * (1.15 + len(lines)), "output", ha="center", va="top",
                    fontsize=FONT + 0.5, weight="bold")
        if i > 0:
            x0, x1 = xs[i - 1] + sizes[i - 1][0] / 2, x - w / 2
            ax.add_patch(FancyArrowPatch((x0, mid), (x1, mid), arrowstyle="-|>", mutation_scale=9,
                                         color="#333333", linewidth=1.0, shrinkA=1, shrinkB=1))
            if b.change in ("down", "up"):
                ax.text((x0 + x1) / 2, mid + 0.05, f"{'↓' if b.change == 'down' else '↑'}{b.factor}",
                        ha="center", va="bottom", fontsize=FONT + 0.5, weight="bold")
    _draw_skips(ax, skips, xs, sizes, mid, skip_base)
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.1, height - 0.38), ncol=len(handles),
              bbox_transform=ax.transData, frameon=False, fontsize=FONT, handlelength=1.4,
              columnspacing=1.2, borderaxespad=0)
    ax.text(0.15, height - 0.1, title, ha="left", va="top", fontsize=11, weight="bold")
    ax.figure.set_label(_describe_blocks(blocks, skips, title))  # alt text: show_figure uses it
    return ax.figure


def draw_model(model: nn.Module, example: torch.Tensor, blocks=None, skips=(),
               title: str | None = None) -> Figure:
    """Trace `model` on `example` (trace_blocks) and draw the result (draw_blocks); return the Figure."""
    traced = trace_blocks(model, example, blocks)
    _resolve_skips(skips, traced)  # before drawing, so a bad skip leaves no half-drawn figure
    if title is None:
        title = f"{type(model).__name__}: {traced[0].shape_text} → {traced[-1].shape_text}"
    elif not isinstance(title, str):
        raise TypeError(f"title must be a string or None, got {describe(title)}")
    return draw_blocks(traced, skips, title)
