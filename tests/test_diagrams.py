"""helpers.diagrams: the shapes a diagram writes are the shapes a forward pass produces.

Every model the notebooks draw is checked: the autoencoders of helpers.models (shapes from
running their layers one by one, or computed by hand) and notebook 01's classifier, FCN and
DeconvNet, whose definitions are read from the notebook itself so the test cannot drift.
"""

import json
import math
from pathlib import Path

import matplotlib.pyplot as plt
import pytest
import torch
from torch import nn

from helpers import models
from helpers.diagrams import Block, draw_blocks, draw_model, trace_blocks

NOTEBOOK = Path(__file__).parents[1] / "notebooks" / "01_fully_convolutional_networks.ipynb"
DIGIT, CANVAS = torch.zeros(1, 1, 28, 28), torch.zeros(1, 1, 64, 64)
MERGED = (nn.ReLU, nn.Sigmoid, nn.BatchNorm2d)  # the layers these models' diagrams fold in


def notebook_01():
    """conv_block, bilinear_up, FCN and DeconvNet exactly as notebook 01 defines them."""
    namespace = {"torch": torch, "nn": nn, "bilinear_kernel": models.bilinear_kernel}
    wanted = ("def conv_block", "def bilinear_up", "class FCN", "class DeconvNet")
    cells = [c for c in json.loads(NOTEBOOK.read_text())["cells"] if c["cell_type"] == "code"]
    sources = ["".join(c["source"]) for c in cells]
    for start in wanted:  # in teaching order: FCN needs conv_block and bilinear_up
        found = [s for s in sources if s.startswith(start)]
        assert len(found) == 1, f"notebook 01 should have one cell starting {start!r}"
        exec(found[0], namespace)
    return namespace


NB = notebook_01()


def classifier():
    """Notebook 01's MNIST classifier (section 2) and its fully convolutional twin (section 3)."""
    net = nn.Sequential(
        nn.Conv2d(1, 16, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 5 * 5, 64), nn.ReLU(), nn.Linear(64, 10))
    return net, nn.Sequential(*net[:6], nn.Conv2d(32, 64, 5), nn.ReLU(), nn.Conv2d(64, 10, 1))


def layer_by_layer(layers, x):
    """Shapes after each layer, applied one at a time; folded layers repeat the previous shape."""
    shapes = [tuple(x.shape[1:])]
    for layer in layers:
        x = layer(x)
        if not (isinstance(layer, MERGED) and tuple(x.shape[1:]) == shapes[-1]):
            shapes.append(tuple(x.shape[1:]))
    return shapes


def leaves(*modules):
    return [m for module in modules for m in module.modules() if next(m.children(), None) is None]


def fcn_case(skips):
    # skip k adds the score of a finer stage (1/4, 1/2, 1/1) after upsampling layer k
    finer = [("1/4 score", "stage4"), ("1/2 score", "stage2"), ("1/1 score", "stage1")][:skips]
    blocks = [("conv block", "stage1"), ("max pool", "stage2"), ("conv, pool", "stage4"),
              ("conv, pool, dilated", "stage8"), ("1×1 score", "scores.0")]
    blocks += [(f"bilinear ×2 + {name}", f"ups.{k}") for k, (name, _) in enumerate(finer)]
    blocks += [(f"bilinear ×{8 // 2 ** skips}", "final_up")] if skips < 3 else []
    draws = [(stage, f"ups.{k}", "1×1 conv → score") for k, (_, stage) in enumerate(finer)]
    sizes = [64, 64, 32, 16, 8, 8] + [16, 32, 64][:skips] + ([64] if skips < 3 else [])
    channels = [1, 16, 16, 32, 64] + [11] * (len(sizes) - 5)
    return NB["FCN"](skips), blocks, draws, [(c, s, s) for c, s in zip(channels, sizes)]


def deconvnet_case():
    blocks = ["down.0", "pool", "down.1", "down.2", "middle", "unpool", "up.0", "up.1", "up.2", "classify"]
    draws = [(2, 12, "pool indices"), (4, 10, "pool indices"), (6, 8, "pool indices")]
    sizes = [64, 64, 32, 32, 16, 16, 8, 8, 16, 16, 32, 32, 64, 64, 64]
    channels = [1, 16, 16, 32, 32, 64, 64, 64, 64, 32, 32, 16, 16, 16, 11]
    return NB["DeconvNet"](), blocks, draws, [(c, s, s) for c, s in zip(channels, sizes)]


LECTURE = [(1, 28, 28), (16, 14, 14), (32, 7, 7), (64, 1, 1), (32, 7, 7), (16, 14, 14), (1, 28, 28)]


def cases():
    """(name, model, example, blocks, skips, expected shapes) for every diagram the notebooks draw."""
    yield "lecture_autoencoder", models.LectureAutoencoder(), DIGIT, None, (), LECTURE
    for kind in models.UPSAMPLE_KINDS:
        model = models.Autoencoder(latent_dim=64, upsample=kind)
        expected = layer_by_layer(leaves(model.encoder, model.decoder), DIGIT)
        yield f"autoencoder_{kind}", model, DIGIT, None, (), expected
    net, fully_conv = classifier()
    yield "classifier", net, DIGIT, None, (), layer_by_layer(leaves(net), DIGIT)
    row = torch.zeros(1, 1, 28, 84)
    yield "fully_conv_28x84", fully_conv, row, None, (), layer_by_layer(leaves(fully_conv), row)
    for skips in range(4):
        model, blocks, draws, expected = fcn_case(skips)
        yield f"fcn_skips{skips}", model, CANVAS, blocks, draws, expected
    model, blocks, draws, expected = deconvnet_case()
    yield "deconvnet", model, CANVAS, blocks, draws, expected


CASES = {case[0]: case[1:] for case in cases()}


@pytest.mark.parametrize("name", CASES)
def test_traced_shapes_equal_the_forward_pass(name):
    model, example, blocks, _, expected = CASES[name]
    traced = trace_blocks(model, example, blocks)
    assert [b.shape for b in traced] == expected
    with torch.no_grad():
        assert traced[-1].shape == tuple(model.eval()(example).shape[1:])
    assert traced[0].label == "input"


@pytest.mark.parametrize("name", CASES)
def test_diagram_writes_every_shape_without_overlaps(name, tmp_path):
    model, example, blocks, skips, expected = CASES[name]
    fig = draw_model(model, example, blocks, skips)
    ax = fig.axes[0]
    texts = [t for t in ax.texts if t.get_text()]
    written = [t.get_text() for t in texts]
    for shape in expected:
        assert "×".join(map(str, shape)) in written
    assert {"input", "output"} <= set(written) and written[-1].startswith(type(model).__name__)
    assert all(t.get_fontsize() >= 8 for t in texts)
    assert len([p for p in ax.patches if type(p).__name__ == "Rectangle"]) == len(expected)
    assert_readable(fig, tmp_path)


def assert_readable(fig, tmp_path):
    """Boxes apart; every text and the legend inside the figure, none overlapping another."""
    ax = fig.axes[0]
    boxes = [p for p in ax.patches if type(p).__name__ == "Rectangle"]
    spans = sorted((b.get_x(), b.get_x() + b.get_width()) for b in boxes)
    assert all(right < left for (_, right), (left, _) in zip(spans, spans[1:]))
    fig.savefig(tmp_path / "d.png", dpi=100)  # draws, so the text extents are final
    renderer = fig.canvas.get_renderer()
    items = [t for t in ax.texts if t.get_text()] + [ax.get_legend()]
    names = [getattr(t, "get_text", lambda: "legend")() for t in items]
    extents = [t.get_window_extent(renderer) for t in items]
    whole = fig.bbox
    for i, a in enumerate(extents):
        assert whole.x0 <= a.x0 and a.x1 <= whole.x1 and whole.y0 <= a.y0 and a.y1 <= whole.y1, names[i]
        for j in range(i + 1, len(extents)):
            assert not a.overlaps(extents[j]), (names[i], names[j])
    plt.close(fig)


def test_a_two_block_diagram_is_wide_enough_for_its_legend_and_title(tmp_path):
    model = nn.Sequential(nn.Conv2d(1, 4, 3, stride=2, padding=1))
    fig = draw_model(model, DIGIT, skips=[(0, 1, "identity")], title="one strided convolution, alone")
    assert [t.get_text() for t in fig.axes[0].texts][:3] == ["1×28×28", "input", "4×14×14"]
    assert_readable(fig, tmp_path)


def test_lecture_autoencoder_marks_each_resampling_by_its_factor():
    traced = trace_blocks(models.LectureAutoencoder(), DIGIT)
    assert [(b.change, b.factor) for b in traced[1:]] == [
        ("down", 2), ("down", 2), ("down", 7), ("up", 7), ("up", 2), ("up", 2)]
    assert traced[1].label == "Conv 3×3 s2 + ReLU" and traced[-1].label == "ConvT 3×3 s2 + Sigmoid"
    assert traced[1].module == "encoder.0" and traced[1].shape_text == "16×14×14"


def test_flatten_and_unflatten_are_reshapes_and_a_vector_is_written_as_its_length():
    traced = trace_blocks(models.Autoencoder(latent_dim=8, upsample="subpixel"), DIGIT)
    changes = {b.label: b.change for b in traced}
    assert changes["Flatten"] == changes["Unflatten"] == "reshape"
    assert [b.shape_text for b in traced if b.label == "Linear"] == ["8"]
    assert changes["PixelShuffle 2 + BN + ReLU"] == "up"


def test_a_valid_convolution_that_shrinks_one_axis_is_not_marked_as_downsampling():
    _, fully_conv = classifier()
    conv5 = trace_blocks(fully_conv, torch.zeros(1, 1, 28, 84))[-2]  # 5x19 -> 1x15
    assert conv5.label == "Conv 5×5 + ReLU" and conv5.change == "same"


def test_a_module_called_several_times_gives_one_block_per_call():
    traced = trace_blocks(NB["DeconvNet"](), CANVAS, ["pool", "unpool"])
    assert [b.label for b in traced] == ["input"] + ["MaxPool 2"] * 3 + ["MaxUnpool 2"] * 3
    assert [b.shape[-1] for b in traced] == [64, 32, 16, 8, 16, 32, 64]


def test_blocks_may_be_modules_and_labelled_pairs():
    model = models.LectureAutoencoder()
    traced = trace_blocks(model, DIGIT, [("encoder", model.encoder), model.decoder])
    assert [(b.label, b.shape, b.change, b.factor) for b in traced] == [
        ("input", (1, 28, 28), "same", 1), ("encoder", (64, 1, 1), "down", 28),
        ("decoder", (1, 28, 28), "up", 28)]


@pytest.mark.parametrize("mode", ["train", "eval", "mixed"])
def test_mode_running_statistics_and_hooks_are_left_as_they_were(mode):
    model = models.Autoencoder(latent_dim=4, upsample="nearest", width=4)
    model.train(mode != "eval")
    if mode == "mixed":
        model.encoder.eval()
    before = {name: m.training for name, m in model.named_modules()}
    stats = model.decoder[4].running_mean.clone()
    trace_blocks(model, torch.rand(2, 1, 28, 28))
    assert {name: m.training for name, m in model.named_modules()} == before
    assert torch.equal(model.decoder[4].running_mean, stats)  # ran in eval mode
    assert all(not m._forward_hooks for m in model.modules())


def test_hooks_are_removed_and_mode_restored_when_the_forward_pass_fails():
    model = models.LectureAutoencoder().train()
    with pytest.raises(ValueError, match=r"example .* LectureAutoencoder.*28x28"):
        trace_blocks(model, torch.zeros(1, 1, 32, 32))
    assert model.training and all(m.training for m in model.modules())
    assert all(not m._forward_hooks for m in model.modules())


def test_the_example_follows_the_models_device_and_the_model_stays_there():
    model = models.LectureAutoencoder().to("meta")  # shapes only: a stand-in for a GPU
    traced = trace_blocks(model, DIGIT)
    assert [b.shape for b in traced] == LECTURE
    assert next(model.parameters()).device.type == "meta" and DIGIT.device.type == "cpu"


def test_skips_by_index_label_or_module_name_are_drawn_as_arrows():
    traced = trace_blocks(NB["FCN"](1), CANVAS, ["stage1", "stage2", "stage4", "stage8", "scores.0",
                                                   "ups.0", "final_up"])
    for skips in ([(3, 6)], [("stage4", "ups.0")], [(3, -2, "1×1 score, add")]):
        fig = draw_blocks(traced, skips)
        ax = fig.axes[0]
        arrows = [p for p in ax.patches if type(p).__name__ == "FancyArrowPatch"]
        assert len(arrows) == len(traced) - 1 + 1  # the chain, then one skip
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        named = skips[0][2] if len(skips[0]) == 3 else "skip connection"  # one kind of arrow: its text
        assert named in legend and "downsampling ↓" in legend
        plt.close(fig)
    assert "1×1 score, add" in [t.get_text() for t in ax.texts]


def test_nested_skips_are_stacked_so_they_do_not_cross():
    model, blocks, draws, _ = deconvnet_case()
    fig = draw_model(model, CANVAS, blocks, draws)
    skips = [p for p in fig.axes[0].patches if type(p).__name__ == "FancyArrowPatch"][-3:]
    heights = [max(y for _, y in p.get_path().vertices) for p in skips]  # outermost first
    assert heights[0] > heights[1] > heights[2]
    plt.close(fig)


def test_box_height_grows_with_spatial_size_and_width_with_channels():
    blocks = [Block("input", "", (1, 64, 64)), Block("a", "a", (16, 8, 8), "down", 8),
              Block("b", "b", (64, 8, 8)), Block("c", "c", (64, 1, 1), "down", 8)]
    fig = draw_blocks(blocks, title="sizes")
    boxes = [p for p in fig.axes[0].patches if type(p).__name__ == "Rectangle"]
    h, w = [b.get_height() for b in boxes], [b.get_width() for b in boxes]
    assert h[0] > h[1] and h[1] == pytest.approx(h[2]) and h[2] > h[3]
    assert w[0] < w[1] < w[2] and w[2] == pytest.approx(w[3])
    assert h[0] / h[3] == pytest.approx((0.3 + 0.3 * math.log2(64)) / 0.3)
    assert "sizes" in [t.get_text() for t in fig.axes[0].texts]
    plt.close(fig)


def test_draw_blocks_draws_into_a_given_axes():
    fig, (left, right) = plt.subplots(1, 2)
    assert draw_blocks(trace_blocks(models.LectureAutoencoder(), DIGIT), ax=right) is fig
    assert "64×1×1" in [t.get_text() for t in right.texts] and not left.texts
    plt.close(fig)


@pytest.mark.parametrize("call, error, message", [
    (lambda: trace_blocks(models.LectureAutoencoder, DIGIT), TypeError,
     r"model .* class .*LectureAutoencoder\(\.\.\.\)"),
    (lambda: trace_blocks(models.LectureAutoencoder(), DIGIT, ["encoder.9"]), ValueError,
     r"no module named 'encoder.9'; its modules include 'encoder', 'encoder.0'"),
    (lambda: trace_blocks(models.LectureAutoencoder(), DIGIT, []), ValueError, "blocks is empty"),
    (lambda: trace_blocks(NB["FCN"](0), CANVAS, ["ups"]), ValueError, "'ups' never ran"),
    (lambda: trace_blocks(models.LectureAutoencoder(), DIGIT, ["encoder", "encoder"]), ValueError,
     "listed twice"),
    (lambda: trace_blocks(models.LectureAutoencoder(), DIGIT, [nn.Conv2d(1, 1, 1)]), ValueError,
     "not a part of the model"),
    (lambda: draw_blocks(trace_blocks(models.LectureAutoencoder(), DIGIT), [(0, 7)]), ValueError,
     r"index 7 .* out of range for 7 blocks"),
    (lambda: draw_blocks(trace_blocks(models.LectureAutoencoder(), DIGIT), [(3, 1)]), ValueError,
     "must go forward"),
    (lambda: draw_blocks(trace_blocks(NB["DeconvNet"](), CANVAS, ["pool", "unpool"]), [("pool", 5)]),
     ValueError, r"'pool' .* matches blocks \[1, 2, 3\]; use an index"),
])
def test_bad_inputs_are_explained(call, error, message):
    with pytest.raises(error, match=message):
        call()
    plt.close("all")


def test_a_diagram_carries_its_own_alt_text_listing_blocks_shapes_and_skips():
    model, blocks, draws, _ = deconvnet_case()
    fig = draw_model(model, CANVAS, blocks, draws, title="DeconvNet")
    alt = fig.get_label()
    traced = trace_blocks(model, CANVAS, blocks)
    assert alt.startswith("DeconvNet. Block diagram, left to right: input 1×64×64;")
    assert all(f"{b.label} {b.shape_text}" in alt for b in traced[1:])
    assert alt.count("An arrow") == len(draws)
    plt.close(fig)
