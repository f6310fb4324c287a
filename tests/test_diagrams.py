"""helpers.diagrams: a diagram shows the shapes a forward pass produces, readably. Notebook 01's FCN,
DeconvNet and their blocks are read from the notebook, so the tests draw what the lecture draws."""

import json
from pathlib import Path

import matplotlib.pyplot as plt
import pytest
import torch
from matplotlib.colors import to_hex
from torch import nn

from helpers import models
from helpers.diagrams import draw_model
from helpers.training import RECIPES

CELLS = [c for c in json.loads((Path(__file__).parents[1] / "notebooks/01_fully_convolutional_networks.ipynb")
                               .read_text())["cells"] if c["cell_type"] == "code"]
NB = {"torch": torch, "nn": nn}
for start in ("def bilinear_kernel", "def conv_block", "def bilinear_up", "class FCN", "class DeconvNet",
              "def fcn_blocks", "deconvnet_blocks ="):  # the definitions, not the cells' drawing
    source = next("".join(c["source"]) for c in CELLS if "".join(c["source"]).startswith(start))
    exec(source.split("\n\nfor ")[0].split("\nshow_figure")[0], NB)
DIGIT, ROW, CANVAS = torch.zeros(1, 1, 28, 28), torch.zeros(1, 1, 28, 84), torch.zeros(1, 1, 48, 48)
CLASSIFIER = nn.Sequential(nn.Conv2d(1, 16, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 32, 3), nn.ReLU(),
                           nn.MaxPool2d(2), nn.Flatten(), nn.Linear(800, 64), nn.ReLU(), nn.Linear(64, 10))
FULLY_CONV = nn.Sequential(*CLASSIFIER[:6], nn.Conv2d(32, 64, 5), nn.ReLU(), nn.Conv2d(64, 10, 1))
KIND = {"#ffffff": "input", "#cccccc": "same", "#56b4e9": "down", "#e69f00": "up", "#cc79a7": "reshape"}
NOTEBOOK_DIAGRAMS = {  # (model, example, blocks, skips) of each diagram notebooks 01, 02 and 04 draw
    "classifier": (CLASSIFIER, DIGIT, None, ()), "fully_conv": (FULLY_CONV, ROW, None, ()),
    "decoder": (models.LectureAutoencoder().decoder, torch.zeros(1, 64, 1, 1), None, ()),
    "lecture": (models.LectureAutoencoder(), DIGIT, None, ()),
    "recommended": (RECIPES["recommended"].build_model(), DIGIT, None, ()),
    "deconvnet": (NB["DeconvNet"](), CANVAS, NB["deconvnet_blocks"], NB["switches"]),
    **{f"fcn{k}": (NB["FCN"](k), CANVAS, *NB["fcn_blocks"](k)) for k in range(4)}}


def boxes(fig):
    return [p for p in fig.axes[0].patches if type(p).__name__ == "Rectangle"]


def bold(fig, first_chars="0123456789"):
    return [t.get_text() for t in fig.axes[0].texts if t.get_text()[:1] in first_chars
            and t.get_weight() == "bold"]


def layer_by_layer(model, x):
    """Each layer's output shape, run one at a time; an activation or BatchNorm adds no box."""
    out = ["×".join(map(str, x.shape[1:]))]
    for layer in [m for m in model.modules() if not list(m.children())]:
        x = layer(x)
        if not isinstance(layer, (nn.ReLU, nn.Sigmoid, nn.BatchNorm2d)):
            out.append("×".join(map(str, x.shape[1:])))
    return out


@pytest.mark.parametrize("name", ["classifier", "fully_conv", "decoder", "lecture", "recommended"])
def test_every_layer_is_a_box_with_its_real_output_shape(name):
    model, example, _, _ = NOTEBOOK_DIAGRAMS[name]
    fig = draw_model(model, example)
    with torch.no_grad():
        assert bold(fig) == layer_by_layer(model.eval(), example)
    assert len(boxes(fig)) == len(bold(fig))
    plt.close(fig)


def test_box_colours_and_arrow_marks_follow_the_size_change():
    kinds = lambda fig: [KIND[to_hex(b.get_facecolor())] for b in boxes(fig)]  # noqa: E731
    fig = draw_model(models.LectureAutoencoder(), DIGIT)
    assert kinds(fig) == ["input", "down", "down", "down", "up", "up", "up"]
    assert bold(fig, "↓↑") == ["↓2", "↓2", "↓7", "↑7", "↑2", "↑2"]
    assert "Conv 3×3 s2 + ReLU 16×14×14; Conv 3×3 s2 + ReLU 32×7×7" in fig.get_label()
    assert kinds(draw_model(CLASSIFIER, DIGIT))[-3:] == ["reshape", "same", "same"]  # Flatten, Linears
    assert kinds(draw_model(FULLY_CONV, ROW))[-2] == "same"  # 5×19 → 1×15 trims a border: no ↓5
    plt.close("all")


def test_named_blocks_get_a_box_per_call_and_nested_skips_are_stacked():
    fig = draw_model(*NOTEBOOK_DIAGRAMS["deconvnet"], title="DeconvNet")
    sizes = zip((1, 16, 16, 32, 32, 64, 64, 64, 64, 32, 32, 16, 16, 16, 11),
                (48, 48, 24, 24, 12, 12, 6, 6, 12, 12, 24, 24, 48, 48, 48))  # pool, unpool: 3 calls each
    assert bold(fig) == [f"{c}×{n}×{n}" for c, n in sizes]
    arrows = [p for p in fig.axes[0].patches if type(p).__name__ == "FancyArrowPatch"][-3:]
    tops = [max(y for _, y in a.get_path().vertices) for a in arrows]  # innermost skip first
    assert tops[0] < tops[1] < tops[2]
    assert "switches" in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    alt = fig.get_label()
    assert alt.startswith("DeconvNet. Block diagram, left to right: input 1×48×48; conv block 16×48×48;")
    assert alt.count("An arrow (switches) goes from max pool, keep switches to max unpool") == 3
    by_index = draw_model(NB["FCN"](1), CANVAS, NB["fcn_blocks"](1)[0], [(3, 6, "1×1 conv → score")])
    assert draw_model(*NOTEBOOK_DIAGRAMS["fcn1"]).get_label() == by_index.get_label()  # ends by module name
    plt.close("all")


@pytest.mark.parametrize("name", NOTEBOOK_DIAGRAMS)
def test_notebook_diagrams_are_readable(name, tmp_path):
    """Boxes apart; every text and the legend inside the figure, none overlapping another."""
    fig = draw_model(*NOTEBOOK_DIAGRAMS[name], title=f"The {name} diagram")
    fig.savefig(tmp_path / "d.png")  # draws, so the text extents are final
    spans = sorted((b.get_x(), b.get_x() + b.get_width()) for b in boxes(fig))
    assert all(right < left for (_, right), (left, _) in zip(spans, spans[1:]))
    items = [t for t in fig.axes[0].texts if t.get_text()] + [fig.axes[0].get_legend()]
    extents = [t.get_window_extent() for t in items]
    for i, a in enumerate(extents):
        assert fig.bbox.contains(a.x0, a.y0) and fig.bbox.contains(a.x1, a.y1), items[i]
        assert not any(a.overlaps(b) for b in extents[i + 1:]), items[i]
    plt.close(fig)


def test_the_model_is_left_as_it_was_and_may_live_on_another_device():
    model = models.Autoencoder(latent_dim=4, width=4).train()
    stats = model.decoder.convs.norm.running_mean.clone()
    plt.close(draw_model(model, torch.rand(2, 1, 28, 28)))
    assert model.training and torch.equal(model.decoder.convs.norm.running_mean, stats)
    assert all(not m._forward_hooks for m in model.modules())
    meta = models.LectureAutoencoder().to("meta")  # shapes only: a stand-in for a GPU
    assert bold(draw_model(meta, DIGIT))[-1] == "1×28×28"
    plt.close("all")


@pytest.mark.parametrize("call, error, message", [
    (lambda: draw_model(models.LectureAutoencoder, DIGIT), TypeError, r"model .*: LectureAutoencoder\("),
    (lambda: draw_model(models.LectureAutoencoder(), (1, 1, 28, 28)), TypeError, r"example .*torch\.zeros"),
    (lambda: draw_model(models.LectureAutoencoder(), DIGIT, ["encoder.9"]), ValueError,
     r"blocks: .* no submodule 'encoder.9'; valid names: 'encoder', 'encoder.0'"),
    (lambda: draw_model(NB["FCN"](1), CANVAS, ["stage1", "ups.0"], [("stage4", "ups.0")]), ValueError,
     r"skips: 'stage4' names no drawn block; valid names: 'stage1', 'ups.0'"),
])
def test_a_students_mistake_is_explained(call, error, message):
    with pytest.raises(error, match=message):
        call()
    plt.close("all")
