"""Bad inputs to every public function of helpers/: the exception type, and the argument named.

The policy (helpers/_checks.py): a wrong type raises TypeError; a wrong value, range or shape
raises ValueError; the message names the argument; the error is raised by helpers/ itself,
not deep inside torch, NumPy, PIL or matplotlib. Each row is a call a confused student might
make: `bad(error, argument, function, *args, **kwargs)`. A call that returns instead of
raising fails too (a silently wrong result). `test_every_public_function_has_rows` keeps
the table complete as helpers/ grows; `good(...)` rows check that integers of any origin
(NumPy, 0-d tensors) are accepted wherever an int is.
"""

import collections
import dataclasses
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from torch import nn

import helpers
from helpers import arithmetic as A
from helpers import checkerboard as C
from helpers import claims as K
from helpers import data as D
from helpers import diagrams as G
from helpers import metrics as M
from helpers import models
from helpers import plotting as P
from helpers import training as T
from helpers import widgets as W

HELPERS = Path(helpers.__file__).parent
i64, t3 = np.int64(3), torch.tensor(3)  # integers of other origins
IMG, ONE = torch.rand(3, 1, 28, 28), torch.rand(1, 28, 28)  # a batch, one image [1, H, W]
AE, LAE = models.Autoencoder(latent_dim=4, width=4), models.LectureAutoencoder()
X, Y = torch.rand(8, 2), torch.arange(8) % 2
LIN, CE, MSE = nn.Linear(2, 2), nn.CrossEntropyLoss(), nn.MSELoss()
ROWS, GOOD, SEEN = [], [], collections.Counter()


def label(fn) -> str:
    """'module.function', 'module.Class' or 'module.Class.method' (methods through an instance)."""
    if inspect.ismethod(fn):
        owner = type(fn.__self__)
        return f"{owner.__module__.split('.')[-1]}.{owner.__name__}.{fn.__name__}"
    return f"{fn.__module__.split('.')[-1]}.{fn.__qualname__}"


def bad(error, name, fn, *args, **kwargs):
    key = f"{label(fn)}-{name}"
    SEEN[key] += 1
    ROWS.append(pytest.param(fn, args, kwargs, error, name, id=f"{key}-{SEEN[key]}"))


def good(fn, *args, **kwargs):
    SEEN[label(fn)] += 1
    GOOD.append(pytest.param(fn, args, kwargs, id=f"{label(fn)}-{SEEN[label(fn)]}"))


# arithmetic
for f in (A.conv_output_size, A.transposed_output_size):
    bad(ValueError, "i", f, 0, 3)
    bad(TypeError, "i", f, 5.0, 3)
    bad(TypeError, "i", f, "5", 3)
    bad(TypeError, "k", f, 5, True)
    bad(ValueError, "k", f, 5, 0)
    bad(TypeError, "k", f, 5, None)
    bad(ValueError, "s", f, 5, 3, 0)
    bad(TypeError, "s", f, 5, 3, 1.5)
    bad(ValueError, "p", f, 5, 3, 1, -1)
    good(f, np.int64(28), t3, np.int32(2), torch.tensor(1))
bad(ValueError, "d", A.conv_output_size, 5, 3, 1, 0, 0)
bad(ValueError, "k", A.conv_output_size, 2, 3)  # the kernel is larger than the padded input
bad(ValueError, "op", A.transposed_output_size, 3, 3, 2, 1, 2)
bad(TypeError, "op", A.transposed_output_size, 3, 3, 2, 1, 1.0)
bad(ValueError, "p", A.transposed_output_size, 1, 1, 1, 1)
bad(TypeError, "d", A.transposed_output_size, 3, 3, 1, 0, 0, 2.0)
bad(TypeError, "kernel", A.conv_matrix, [[1.0, 2.0], [3.0, 4.0]], 4)
bad(ValueError, "kernel", A.conv_matrix, torch.ones(1, 3, 3), 4)
bad(ValueError, "kernel", A.conv_matrix, torch.ones(0, 3), 4)
bad(TypeError, "kernel", A.conv_matrix, torch.ones(2, 2).bool(), 4)
bad(ValueError, "kernel", A.conv_matrix, torch.ones(3, 3), 2)  # larger than the input
bad(TypeError, "input_size", A.conv_matrix, torch.ones(2, 2), 4.0)
bad(TypeError, "input_size", A.conv_matrix, torch.ones(2, 2), "4")
bad(ValueError, "input_size", A.conv_matrix, torch.ones(2, 2), (4, 4, 4))
bad(ValueError, "input_size", A.conv_matrix, torch.ones(2, 2), (4, 0))
bad(ValueError, "s", A.conv_matrix, torch.ones(2, 2), 4, 0)
bad(TypeError, "p", A.conv_matrix, torch.ones(2, 2), 4, 1, 0.5)
good(A.conv_matrix, torch.ones(2, 2), (i64, t3))
bad(TypeError, "x", A.zero_insert, [[1.0, 2.0]], 2)
bad(TypeError, "x", A.zero_insert, np.ones((2, 2)), 2)
bad(ValueError, "x", A.zero_insert, torch.ones(3), 2)
bad(ValueError, "x", A.zero_insert, torch.ones(2, 0, 3), 2)
bad(ValueError, "s", A.zero_insert, torch.ones(2, 2), 0)
bad(TypeError, "s", A.zero_insert, torch.ones(2, 2), 2.0)
bad(TypeError, "s", A.zero_insert, torch.ones(2, 2), True)
good(A.zero_insert, torch.ones(2, 2), i64)
bad(TypeError, "x", A.scatter_stamps, [[1.0, 2.0]], torch.ones(3, 3), 2)
bad(ValueError, "x", A.scatter_stamps, torch.ones(1, 2, 2), torch.ones(3, 3), 2)  # one channel, 2-D
bad(TypeError, "x", A.scatter_stamps, torch.ones(2, 2, dtype=torch.int64), torch.ones(3, 3), 2)
bad(ValueError, "kernel", A.scatter_stamps, torch.ones(2, 2), torch.ones(3), 2)
bad(ValueError, "kernel", A.scatter_stamps, torch.ones(2, 2), torch.ones(3, 3, dtype=torch.float64), 2)
bad(ValueError, "s", A.scatter_stamps, torch.ones(2, 2), torch.ones(3, 3), 0)
bad(TypeError, "s", A.scatter_stamps, torch.ones(2, 2), torch.ones(3, 3), 2.0)
good(A.scatter_stamps, torch.ones(2, 2), torch.ones(3, 3), i64)
bad(TypeError, "kernel", A.phase_kernels, [[1.0, 2.0]], 2)
bad(ValueError, "kernel", A.phase_kernels, torch.ones(3), 2)
bad(ValueError, "kernel", A.phase_kernels, torch.ones(0, 3), 2)
bad(ValueError, "s", A.phase_kernels, torch.ones(3, 3), 0)
bad(TypeError, "s", A.phase_kernels, torch.ones(3, 3), "2")
good(A.phase_kernels, torch.ones(3, 3), t3)
W4 = torch.ones(1, 1, 3, 3)
bad(ValueError, "x", A.conv_transpose_as_conv, torch.ones(3, 3), W4)
bad(TypeError, "x", A.conv_transpose_as_conv, np.ones((1, 1, 3, 3)), W4)
bad(TypeError, "x", A.conv_transpose_as_conv, torch.ones(1, 1, 3, 3).long(), W4)
bad(ValueError, "x", A.conv_transpose_as_conv, torch.ones(0, 1, 3, 3), W4)
bad(ValueError, "weight", A.conv_transpose_as_conv, torch.ones(1, 2, 3, 3), W4)
bad(ValueError, "weight", A.conv_transpose_as_conv, torch.ones(1, 1, 3, 3), torch.ones(3, 3))
bad(TypeError, "weight", A.conv_transpose_as_conv, torch.ones(1, 1, 3, 3), W4.double())
bad(TypeError, "weight", A.conv_transpose_as_conv, torch.ones(1, 1, 3, 3), [[1.0]])
bad(ValueError, "s", A.conv_transpose_as_conv, torch.ones(1, 1, 3, 3), W4, 0)
bad(ValueError, "op", A.conv_transpose_as_conv, torch.ones(1, 1, 3, 3), W4, 2, 1, 2)
bad(TypeError, "d", A.conv_transpose_as_conv, torch.ones(1, 1, 3, 3), W4, 1, 0, 0, 1.0)
good(A.conv_transpose_as_conv, torch.ones(1, 1, 3, 3), W4, i64, t3 - 2, np.int8(0))

# checkerboard
bad(ValueError, "k", C.overlap_map, 0, 2, 4)
bad(TypeError, "k", C.overlap_map, 2.0, 2, 4)
bad(ValueError, "s", C.overlap_map, 3, 0, 4)
bad(TypeError, "s", C.overlap_map, 3, "2", 4)
bad(ValueError, "n", C.overlap_map, 3, 2, 0)
bad(ValueError, "dims", C.overlap_map, 3, 2, 4, 3)
bad(TypeError, "dims", C.overlap_map, 3, 2, 4, 2.0)
good(C.overlap_map, i64, torch.tensor(2), np.int32(4))
for f in (C.phase_rms, C.checkerboard_score):
    bad(TypeError, "y", f, [[1.0, 2.0], [3.0, 4.0]], 2)
    bad(ValueError, "y", f, torch.ones(4), 2)
    bad(ValueError, "y", f, torch.ones(5, 4), 2)  # height not a multiple of s
    bad(ValueError, "y", f, torch.ones(0, 1, 4, 4), 2)  # an empty batch
    bad(TypeError, "y", f, torch.ones(4, 4).bool(), 2)
    bad(ValueError, "s", f, torch.ones(4, 4), 0)
    bad(TypeError, "s", f, torch.ones(4, 4), 2.0)
    good(f, torch.rand(4, 4), np.int64(2))
bad(ValueError, "y", C.checkerboard_score, torch.zeros(2, 4, 4), 2)  # all zeros: undefined
bad(TypeError, "weight", C.icnr_, [[1.0]], 2)
bad(TypeError, "weight", C.icnr_, torch.ones(4, 1, 3, 3).long(), 2)
bad(ValueError, "weight", C.icnr_, torch.ones(4, 3, 3), 2)
bad(ValueError, "weight", C.icnr_, torch.ones(6, 1, 3, 3), 2)
bad(ValueError, "scale", C.icnr_, torch.ones(4, 1, 3, 3), 0)
bad(TypeError, "scale", C.icnr_, torch.ones(4, 1, 3, 3), 2.0)
bad(TypeError, "init", C.icnr_, torch.ones(4, 1, 3, 3), 2, "kaiming")
good(C.icnr_, torch.ones(4, 1, 3, 3), np.int64(2))

# data
bad(TypeError, "source", D.resolve_source, 3)
bad(ValueError, "source", D.resolve_source, "kaggle")
bad(TypeError, "train", D.load_mnist, "yes")
bad(TypeError, "train", D.load_mnist, 1)
bad(TypeError, "source", D.load_mnist, source=["subset"])
bad(ValueError, "source", D.load_mnist, source="mnist")
bad(TypeError, "root", D.load_mnist, root=3, source="subset")
bad(ValueError, "root", D.load_mnist, root="", source="subset")
bad(ValueError, "root", D.load_mnist, root=__file__, source="subset")  # a file, not a folder
bad(TypeError, "source", D.describe_source, 3)
bad(ValueError, "source", D.describe_source, "mnist")
bad(TypeError, "root", D.describe_source, "auto", [1])
bad(ValueError, "n", D.digit_canvases, 0)
bad(TypeError, "n", D.digit_canvases, 2.0)
bad(TypeError, "n", D.digit_canvases, "2")
bad(ValueError, "size", D.digit_canvases, 2, 27)
bad(TypeError, "size", D.digit_canvases, 2, True)
bad(ValueError, "max_digits", D.digit_canvases, 2, 28, 0)
bad(ValueError, "seed", D.digit_canvases, 2, seed=-1)
bad(TypeError, "seed", D.digit_canvases, 2, seed=1.5)
bad(ValueError, "seed", D.digit_canvases, 2, seed=2**64)
bad(ValueError, "threshold", D.digit_canvases, 2, threshold=0)
bad(TypeError, "threshold", D.digit_canvases, 2, threshold="0.5")
bad(TypeError, "train", D.digit_canvases, 2, train="no")
bad(ValueError, "source", D.digit_canvases, 2, source="mnist")
good(D.digit_canvases, np.int64(1), size=torch.tensor(28), max_digits=np.int8(1), seed=np.uint64(2))

# metrics
for f in (M.confusion_matrix, M.segmentation_scores):
    bad(TypeError, "pred", f, [0, 1], torch.tensor([0, 1]), 2)
    bad(TypeError, "target", f, torch.tensor([0, 1]), np.array([0, 1]), 2)
    bad(TypeError, "pred", f, torch.rand(2, 3, 4, 4), torch.zeros(2, 4, 4).long(), 3)  # logits
    bad(ValueError, "pred", f, torch.zeros(2, 3).long(), torch.zeros(3, 2).long(), 3)
    bad(ValueError, "target", f, torch.zeros(4).long(), torch.eye(3)[[0, 1, 2, 0]].long(), 3)  # one-hot
    bad(ValueError, "pred", f, torch.tensor([0, 3]), torch.tensor([0, 1]), 3)
    bad(ValueError, "target", f, torch.tensor([0, 1]), torch.tensor([-1, 1]), 3)
    bad(ValueError, "pred", f, torch.zeros(0).long(), torch.zeros(0).long(), 3)
    bad(ValueError, "num_classes", f, torch.tensor([0]), torch.tensor([0]), 1)
    bad(TypeError, "num_classes", f, torch.tensor([0]), torch.tensor([0]), 2.0)
    bad(TypeError, "num_classes", f, torch.tensor([0]), torch.tensor([0]), True)
    good(f, torch.tensor([0, 1]), torch.tensor([1, 1]), np.int64(2))

# models
bad(TypeError, "kind", models.upsample, 3, 1, 1)
bad(ValueError, "kind", models.upsample, "transposed", 1, 1)
bad(ValueError, "in_ch", models.upsample, "nearest", 0, 1)
bad(TypeError, "in_ch", models.upsample, "nearest", 1.0, 1)
bad(TypeError, "out_ch", models.upsample, "nearest", 1, "1")
bad(ValueError, "scale", models.upsample, "nearest", 1, 1, 1)
bad(TypeError, "scale", models.upsample, "nearest", 1, 1, 2.5)
bad(ValueError, "scale", models.upsample, "deconv3", 1, 1, 3)
good(models.upsample, "subpixel_icnr", i64, t3, np.int64(2))
bad(ValueError, "s", models.bilinear_kernel, 0)
bad(TypeError, "s", models.bilinear_kernel, 2.0)
bad(TypeError, "s", models.bilinear_kernel, True)
good(models.bilinear_kernel, np.int64(2))
bad(ValueError, "latent_dim", models.Autoencoder, 0)
bad(TypeError, "latent_dim", models.Autoencoder, 8.0)
bad(ValueError, "upsample", models.Autoencoder, 8, "magic")
bad(TypeError, "upsample", models.Autoencoder, 8, None)
bad(ValueError, "width", models.Autoencoder, 8, width=0)
bad(TypeError, "width", models.Autoencoder, 8, width="8")
good(models.Autoencoder, np.int64(8), width=torch.tensor(4))
for m in (AE, LAE):
    for f in (m.forward, m.encode):
        bad(ValueError, "x", f, torch.rand(2, 1, 32, 32))
        bad(ValueError, "x", f, torch.rand(2, 28, 28))  # no channel axis
        bad(ValueError, "x", f, ONE)  # one image without its batch axis
        bad(TypeError, "x", f, [[0.0]])
        bad(TypeError, "x", f, torch.randint(0, 255, (2, 1, 28, 28)))
        bad(TypeError, "x", f, torch.rand(2, 1, 28, 28).double())
        bad(ValueError, "x", f, torch.rand(2, 1, 28, 28, device="meta"))
        bad(ValueError, "x", f, torch.rand(0, 1, 28, 28))
    bad(ValueError, "z", m.decode, torch.rand(*m.latent_shape))  # one code without its batch axis
    bad(ValueError, "z", m.decode, torch.rand(2, 3))
    bad(TypeError, "z", m.decode, np.zeros((2, *m.latent_shape)))
    bad(TypeError, "z", m.decode, torch.zeros(2, *m.latent_shape).long())

# plotting
bad(TypeError, "images", P.show_images, [[0.0]])
bad(ValueError, "images", P.show_images, torch.rand(2, 2, 8, 8))
bad(ValueError, "images", P.show_images, torch.rand(0, 1, 8, 8))
bad(ValueError, "images", P.show_images, torch.rand(8))
bad(ValueError, "images", P.show_images, torch.rand(2, 1, 0, 8))
bad(ValueError, "images", P.show_images, torch.rand(2, 1, 8, 8) * 255)  # 0..255, not [0, 1]
bad(ValueError, "images", P.show_images, torch.randint(0, 256, (2, 1, 8, 8), dtype=torch.uint8))
bad(TypeError, "images", P.show_images, torch.rand(2, 1, 8, 8) > 0.5)
bad(ValueError, "labels", P.show_images, IMG, torch.eye(10)[:3])  # one-hot
bad(ValueError, "labels", P.show_images, IMG, [1, 2])
bad(TypeError, "labels", P.show_images, IMG, 7)
bad(ValueError, "nrow", P.show_images, IMG, nrow=0)
bad(TypeError, "nrow", P.show_images, IMG, nrow=2.0)
bad(TypeError, "title", P.show_images, IMG, title=3)
bad(ValueError, "scale", P.show_images, IMG, scale=0)
bad(ValueError, "vmin", P.show_images, IMG, vmin=1, vmax=0)
bad(TypeError, "ax", P.show_images, IMG, ax="left")
good(P.show_images, ONE, nrow=np.int64(2))
bad(TypeError, "history", P.plot_history, (LIN, {"train_loss": [1.0]}))  # train_autoencoder's pair
bad(TypeError, "history", P.plot_history, [1.0, 0.5])
bad(ValueError, "history", P.plot_history, {"loss": [1.0]})
bad(ValueError, "history", P.plot_history, {"train_loss": []})
bad(TypeError, "history", P.plot_history, {"train_loss": ["1.0"]})
bad(ValueError, "history", P.plot_history, {"train_loss": [1.0, 0.5], "valid_loss": [1.0]})
bad(ValueError, "logy", P.plot_history, {"train_loss": [1.0, -0.5]})
bad(TypeError, "logy", P.plot_history, {"train_loss": [1.0]}, logy="yes")
bad(TypeError, "title", P.plot_history, {"train_loss": [1.0]}, title=None)
bad(TypeError, "ax", P.plot_history, {"train_loss": [1.0]}, ax=[1, 2])
bad(ValueError, "i", P.draw_transposed_conv, 0, 3)
bad(TypeError, "k", P.draw_transposed_conv, 3, 3.0)
bad(ValueError, "op", P.draw_transposed_conv, 3, 3, 1, 0, 1)
bad(TypeError, "axes", P.draw_transposed_conv, 3, 3, axes="left")
good(P.draw_transposed_conv, np.int64(3), t3, torch.tensor(2), np.int8(1))
bad(TypeError, "fig", P.show_figure, None, "a figure of nothing")
bad(TypeError, "fig", P.show_figure, plt.subplots()[1], "an axes, not a figure")
bad(ValueError, "alt", P.show_figure, plt.figure(), "")
bad(TypeError, "alt", P.show_figure, plt.figure(), 3)
bad(ValueError, "alt", P.show_figure, plt.figure(), "plot")  # not a sentence
bad(ValueError, "alt", P.show_figure, plt.figure())  # no alt, and the figure has no label
SX, SK = torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.arange(1.0, 10.0).reshape(3, 3)
for draw_step in (P.draw_scatter_step, P.draw_direct_step):
    bad(TypeError, "x", draw_step, SX.numpy(), SK, 2)
    bad(ValueError, "x", draw_step, SX[None], SK, 2)
    bad(TypeError, "kernel", draw_step, SX, SK.long(), 2)
    bad(ValueError, "kernel", draw_step, SX, SK[:2], 2)  # not square
    bad(ValueError, "s", draw_step, SX, SK, 0)
    bad(ValueError, "p", draw_step, SX, SK, 2, 3)  # crops more than k-1
    bad(ValueError, "p", draw_step, SX[:1, :1], SK, 1, 2)  # crops the whole 3-pixel output
    bad(ValueError, "step", draw_step, SX, SK, 2, 1, 99)
    bad(TypeError, "step", draw_step, SX, SK, 2, 1, 1.0)
    bad(TypeError, "axes", draw_step, SX, SK, 2, 1, axes=plt.subplots(1, 2)[1])
    good(draw_step, SX, SK, t3, np.int64(1), i64)

# training
bad(ValueError, "seed", T.set_seed, -1)
bad(TypeError, "seed", T.set_seed, 1.5)
bad(ValueError, "seed", T.set_seed, 2**64)
bad(TypeError, "seed", T.set_seed, "1")
bad(TypeError, "seed", T.set_seed, True)
good(T.set_seed, np.int64(1))
good(T.set_seed, 2**63 - 1)
bad(TypeError, "model", T.evaluate, nn.Linear, (X, Y), CE)  # the class, not a model
bad(ValueError, "model", T.evaluate, nn.ReLU(), (X, Y), CE)  # no parameters
bad(TypeError, "data", T.evaluate, LIN, [1, 2, 3], CE)
bad(ValueError, "data", T.evaluate, LIN, (X, Y[:5]), CE)
bad(ValueError, "data", T.evaluate, LIN, (X, nn.functional.one_hot(Y, 2)), CE)
bad(TypeError, "loss_fn", T.evaluate, LIN, (X, Y), nn.CrossEntropyLoss)
bad(TypeError, "loss_fn", T.evaluate, LIN, (X, Y), "cross_entropy")
bad(ValueError, "batch_size", T.evaluate, LIN, (X, Y), CE, batch_size=0)
bad(TypeError, "batch_size", T.evaluate, LIN, (X, Y), CE, batch_size=2.0)
bad(ValueError, "device", T.evaluate, LIN, (X, Y), CE, device="gpu")
bad(TypeError, "device", T.evaluate, LIN, (X, Y), CE, device=["cpu"])
good(T.evaluate, LIN, (X, Y), CE, batch_size=np.int64(4))
FIT = {"epochs": 1, "loss_fn": CE, "progress": False}
bad(TypeError, "model", T.fit, nn.Linear, (X, Y), **FIT)
bad(ValueError, "model", T.fit, nn.ReLU(), (X, Y), **FIT)
bad(TypeError, "train", T.fit, LIN, [1, 2, 3], **FIT)
bad(ValueError, "train", T.fit, LIN, torch.zeros(0, 2), **FIT)
bad(ValueError, "train", T.fit, LIN, (X, nn.functional.one_hot(Y, 2)), **FIT)
bad(ValueError, "valid", T.fit, LIN, (X, Y), valid=(X, Y[:3]), **FIT)
bad(TypeError, "loss_fn", T.fit, LIN, (X, Y), epochs=1, loss_fn=nn.CrossEntropyLoss)
bad(ValueError, "epochs", T.fit, LIN, (X, Y), epochs=0, loss_fn=CE)
bad(TypeError, "epochs", T.fit, LIN, (X, Y), epochs=1.5, loss_fn=CE)
bad(ValueError, "batch_size", T.fit, LIN, (X, Y), batch_size=0, **FIT)
bad(ValueError, "lr", T.fit, LIN, (X, Y), lr=0, **FIT)
bad(TypeError, "lr", T.fit, LIN, (X, Y), lr="1e-3", **FIT)
bad(TypeError, "seed", T.fit, LIN, (X, Y), seed=1.5, **FIT)
bad(ValueError, "seed", T.fit, LIN, (X, Y), seed=-1, **FIT)
OTHER = torch.optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1)  # built for another model
bad(ValueError, "optimizer", T.fit, LIN, (X, Y), optimizer=OTHER, **FIT)
bad(TypeError, "optimizer", T.fit, LIN, (X, Y), optimizer=torch.optim.Adam, **FIT)
bad(TypeError, "one_cycle", T.fit, LIN, (X, Y), one_cycle="yes", **FIT)
bad(ValueError, "warmup", T.fit, LIN, (X, Y), one_cycle=True, warmup=1.0, **FIT)
bad(TypeError, "warmup", T.fit, LIN, (X, Y), warmup="10%", **FIT)
bad(TypeError, "progress", T.fit, LIN, (X, Y), epochs=1, loss_fn=CE, progress=1)
bad(ValueError, "metrics", T.fit, LIN, (X, Y), metrics={"acc": MSE}, **FIT)  # no valid data
bad(TypeError, "metrics", T.fit, LIN, (X, Y), valid=(X, Y), metrics={"acc": 3}, **FIT)
bad(ValueError, "device", T.fit, LIN, (X, Y), device="gpu", **FIT)
good(T.fit, nn.Linear(2, 2), (X, Y), epochs=np.int64(1), batch_size=t3, loss_fn=CE, progress=False,
     seed=np.int32(3))
bad(ValueError, "model", T.Recipe, model="vae")
bad(ValueError, "upsample", T.Recipe, upsample="magic")
bad(ValueError, "loss", T.Recipe, loss="l1")
bad(TypeError, "loss", T.Recipe, loss=nn.MSELoss())
bad(ValueError, "epochs", T.Recipe, epochs=0)
bad(TypeError, "epochs", T.Recipe, epochs=1.5)
bad(TypeError, "batch_size", T.Recipe, batch_size="64")
bad(ValueError, "lr", T.Recipe, lr=-1)
bad(ValueError, "weight_decay", T.Recipe, weight_decay=-1)
bad(ValueError, "width", T.Recipe, width=1)
bad(TypeError, "one_cycle", T.Recipe, one_cycle=1)
bad(ValueError, "warmup", T.Recipe, warmup=0)
good(T.Recipe, epochs=np.int64(2), batch_size=t3, latent_dim=torch.tensor(8))
bad(TypeError, "recipe", T.get_recipe, 3)
bad(ValueError, "recipe", T.get_recipe, "best")
SMALL = dataclasses.replace(T.LECTURE, epochs=1)
bad(TypeError, "recipe", T.train_autoencoder, 3, IMG)
bad(ValueError, "recipe", T.train_autoencoder, "best", IMG)
bad(ValueError, "train", T.train_autoencoder, SMALL, IMG * 255)  # 0..255, not [0, 1]
bad(ValueError, "train", T.train_autoencoder, SMALL, IMG[:, 0])  # no channel axis
bad(ValueError, "train", T.train_autoencoder, SMALL, torch.rand(3, 1, 32, 32))
bad(TypeError, "train", T.train_autoencoder, SMALL, IMG.numpy())
bad(ValueError, "valid", T.train_autoencoder, SMALL, IMG, valid=IMG * 255)
bad(ValueError, "seed", T.train_autoencoder, SMALL, IMG, seed=-1)
bad(ValueError, "device", T.train_autoencoder, SMALL, IMG, device="gpu")
bad(TypeError, "batch_size", T.train_autoencoder, SMALL, IMG, batch_size=32)  # a recipe setting
bad(TypeError, "metrics", T.train_autoencoder, SMALL, IMG, valid=IMG, metrics={"mse": nn.MSELoss})

# widgets
bad(TypeError, "fig", W.figure_png, None)
bad(TypeError, "fig", W.figure_png, "figure")
bad(TypeError, "png", W.png_html, b"not a png")
bad(TypeError, "png", W.png_html, "image.png")
bad(TypeError, "alt", W.png_html, W.image_png(torch.rand(4, 4)), 3)
bad(TypeError, "pixelated", W.png_html, W.image_png(torch.rand(4, 4)), "", "yes")
bad(TypeError, "image", W.image_png, [[0.0]])
bad(TypeError, "image", W.image_png, torch.randint(0, 255, (4, 4)))
bad(ValueError, "image", W.image_png, torch.rand(3, 4, 4))
bad(ValueError, "image", W.image_png, torch.rand(2, 1, 4, 4))
bad(ValueError, "image", W.image_png, torch.rand(0, 4))
bad(ValueError, "image", W.image_png, torch.rand(4, 4) * 255)  # 0..255, not [0, 1]
bad(ValueError, "zoom", W.image_png, torch.rand(4, 4), 0)
bad(TypeError, "zoom", W.image_png, torch.rand(4, 4), 2.0)
good(W.image_png, ONE, np.int64(2))
bad(TypeError, "images", W.digit_browser, [[0.0]])
bad(ValueError, "images", W.digit_browser, torch.rand(5, 28, 28))  # no channel axis
bad(ValueError, "images", W.digit_browser, IMG * 255)
bad(ValueError, "images", W.digit_browser, torch.rand(0, 1, 28, 28))
bad(ValueError, "labels", W.digit_browser, IMG, torch.eye(10)[:3])  # one-hot
bad(ValueError, "labels", W.digit_browser, IMG, torch.tensor([1, 2]))
bad(TypeError, "labels", W.digit_browser, IMG, torch.tensor([1.0, 2.0, 3.0]))
bad(TypeError, "labels", W.digit_browser, IMG, "123")
good(W.digit_browser, ONE, torch.tensor([7]))
bad(ValueError, "i", W.transposed_conv_explorer, 0)
bad(TypeError, "k", W.transposed_conv_explorer, 3, 2.0)
bad(TypeError, "i", W.transposed_conv_explorer, "3")
bad(ValueError, "op", W.transposed_conv_explorer, 3, 3, 1, 0, 1)
good(W.transposed_conv_explorer, i64, t3, np.int64(2), torch.tensor(1))
bad(ValueError, "k", W.overlap_explorer, 0)
bad(ValueError, "k", W.overlap_explorer, 9)
bad(TypeError, "s", W.overlap_explorer, 3, 1.5)
bad(ValueError, "s", W.overlap_explorer, 3, 5)
good(W.overlap_explorer, i64, torch.tensor(2))
FRAME = lambda step: plt.subplots(figsize=(1, 1))[0]  # noqa: E731 (a step drawing)
bad(TypeError, "text", K.claim, None, True)
bad(TypeError, "text", K.claim, "  ", True)
good(K.claim, "holds", True, i64)
bad(ValueError, "number", K.exercise, 0, 3, bool)
bad(TypeError, "number", K.exercise, "1", 3, bool)
bad(TypeError, "test", K.exercise, 1, 3, "bool")
good(K.exercise, i64, 3, bool)
bad(TypeError, "draw_step", W.step_player, "draw", 3, "steps")
bad(TypeError, "draw_step", W.step_player, None, 3, "steps")
bad(ValueError, "n_steps", W.step_player, FRAME, 0, "steps")
bad(TypeError, "n_steps", W.step_player, FRAME, 3.0, "steps")
bad(ValueError, "what", W.step_player, FRAME, 3, "")
bad(TypeError, "what", W.step_player, FRAME, 3, None)
bad(ValueError, "44", W.step_player, FRAME, 3, "x" * 45)  # the static sentence would be cut
bad(ValueError, "interval", W.step_player, FRAME, 3, "steps", 10)
bad(TypeError, "draw_step", W.step_player, lambda step: "figure", 3, "steps")  # returns no figure
good(W.step_player, FRAME, i64, "steps", torch.tensor(500))
bad(TypeError, "model", W.interpolation_widget, models.Autoencoder, IMG)  # the class
bad(ValueError, "model", W.interpolation_widget, nn.ReLU(), IMG)
bad(TypeError, "model", W.interpolation_widget, nn.Linear(2, 2), IMG)  # no encode/decode
bad(TypeError, "images", W.interpolation_widget, AE, IMG.tolist())
bad(ValueError, "images", W.interpolation_widget, AE, ONE)  # one image: nothing to interpolate
bad(ValueError, "images", W.interpolation_widget, AE, torch.rand(3, 28, 28))
bad(ValueError, "images", W.interpolation_widget, AE, IMG * 255)
bad(ValueError, "labels", W.interpolation_widget, AE, IMG, torch.eye(10)[:3])
AE2 = models.Autoencoder(latent_dim=2, width=4)  # a 2-D latent, as notebook 05's map needs
bad(TypeError, "model", W.latent_map_widget, models.Autoencoder)  # the class
bad(TypeError, "model", W.latent_map_widget, nn.Linear(2, 2))  # no decode
bad(ValueError, "model", W.latent_map_widget, AE)  # a 4-D latent: no plane to draw
bad(TypeError, "codes", W.latent_map_widget, AE2, [[0.0, 0.0]])
bad(ValueError, "codes", W.latent_map_widget, AE2, torch.rand(5, 3))
bad(TypeError, "codes", W.latent_map_widget, AE2, torch.zeros(5, 2, dtype=torch.long))
bad(ValueError, "labels", W.latent_map_widget, AE2, None, torch.tensor([1]))  # labels without codes
bad(ValueError, "labels", W.latent_map_widget, AE2, torch.rand(2, 2), torch.tensor([1]))
bad(ValueError, "labels", W.latent_map_widget, AE2, torch.rand(2, 2), torch.tensor([1, 12]))
bad(ValueError, "limit", W.latent_map_widget, AE2, limit=0)
bad(TypeError, "limit", W.latent_map_widget, AE2, limit="3")
bad(ValueError, "n", W.latent_map_widget, AE2, n=1)
bad(TypeError, "n", W.latent_map_widget, AE2, n=4.0)
good(W.latent_map_widget, AE2, torch.rand(2, 2), torch.tensor([1, 2]), torch.tensor(2), np.int64(4))


class Conditional(nn.Module):
    """decode(z, labels), as notebook 05's conditional VAE."""

    def __init__(self, latent_dim=2):
        super().__init__()
        self.latent_dim, self.net = latent_dim, nn.Linear(latent_dim + 10, 784)

    def decode(self, z, labels):
        one_hot = nn.functional.one_hot(labels, 10).float()
        return torch.sigmoid(self.net(torch.cat([z, one_hot], 1))).reshape(-1, 1, 28, 28)


class NoLatentSize(Conditional):
    latent_dim = None

    def __init__(self):
        super().__init__()
        self.latent_dim = None


bad(TypeError, "model", W.conditional_widget, Conditional)  # the class
bad(TypeError, "model", W.conditional_widget, nn.Linear(2, 2))  # no decode
bad(ValueError, "model", W.conditional_widget, AE)  # decode(z) takes no labels
bad(TypeError, "latent_dim", W.conditional_widget, NoLatentSize())
bad(ValueError, "latent_dim", W.conditional_widget, Conditional(latent_dim=9))
bad(ValueError, "n_classes", W.conditional_widget, Conditional(), 1)
bad(TypeError, "n_classes", W.conditional_widget, Conditional(), 10.0)
bad(ValueError, "n_classes", W.conditional_widget, Conditional(), 12)  # more classes than the model has
bad(ValueError, "limit", W.conditional_widget, Conditional(), limit=-1)
good(W.conditional_widget, Conditional(), np.int64(10), torch.tensor(2))

# diagrams
LB = G.trace_blocks(LAE, ONE[None])  # input, then six blocks
bad(TypeError, "model", G.trace_blocks, models.LectureAutoencoder, IMG)  # the class
bad(TypeError, "model", G.trace_blocks, "autoencoder", IMG)
bad(TypeError, "example", G.trace_blocks, LAE, IMG.numpy())
bad(ValueError, "example", G.trace_blocks, LAE, torch.rand(2, 1, 32, 32))  # the model's own check
bad(ValueError, "example", G.trace_blocks, LAE, ONE)  # one image without its batch axis
bad(ValueError, "example", G.trace_blocks, LAE, torch.rand(28))
bad(TypeError, "example", G.trace_blocks, LAE, IMG.double())
bad(ValueError, "example", G.trace_blocks, LIN, torch.rand(2, 3))  # torch's own shape error
bad(ValueError, "blocks", G.trace_blocks, LAE, IMG, ["encoder.9"])
bad(ValueError, "blocks", G.trace_blocks, LAE, IMG, [])
bad(ValueError, "blocks", G.trace_blocks, LAE, IMG, [LIN])  # not a part of the model
bad(ValueError, "blocks", G.trace_blocks, LAE, IMG, ["encoder", "encoder"])
bad(TypeError, "blocks", G.trace_blocks, LAE, IMG, "encoder")  # one name, not a list
bad(TypeError, "blocks", G.trace_blocks, LAE, IMG, [3])
bad(TypeError, "blocks", G.trace_blocks, LAE, IMG, [(3, "encoder")])
bad(TypeError, "blocks", G.trace_blocks, LAE, IMG, [nn.ReLU])
bad(TypeError, "blocks", G.draw_blocks, LAE)  # a model, not its traced blocks
bad(TypeError, "blocks", G.draw_blocks, [(1, 28, 28), (16, 14, 14)])
bad(ValueError, "blocks", G.draw_blocks, LB[:1])
bad(ValueError, "skips", G.draw_blocks, LB, [(0, 7)])
bad(ValueError, "skips", G.draw_blocks, LB, [(3, 1)])  # backwards
bad(ValueError, "skips", G.draw_blocks, LB, [("decoder.9", 5)])
bad(TypeError, "skips", G.draw_blocks, LB, (0, 3))  # one pair, not a list of pairs
bad(TypeError, "skips", G.draw_blocks, LB, [(0.0, 3)])
bad(TypeError, "skips", G.draw_blocks, LB, [(0, 3, 5)])
bad(TypeError, "skips", G.draw_blocks, LB, "encoder.0")
bad(TypeError, "title", G.draw_blocks, LB, title=3)
bad(TypeError, "ax", G.draw_blocks, LB, ax="left")
good(G.draw_blocks, LB, [(np.int64(1), t3)])
bad(TypeError, "model", G.draw_model, nn.Linear, X)
bad(ValueError, "example", G.draw_model, LAE, torch.rand(2, 1, 32, 32))
bad(ValueError, "blocks", G.draw_model, LAE, IMG, ["decoder.9"])
bad(ValueError, "skips", G.draw_model, LAE, IMG, skips=[(1, 9)])
bad(TypeError, "title", G.draw_model, LAE, IMG, title=3)
good(G.draw_model, LAE, IMG, skips=[(i64, -1)])
bad(TypeError, "label", G.Block, 3, "", (1,))
bad(TypeError, "module", G.Block, "a", None, (1,))
bad(TypeError, "shape", G.Block, "a", "", 5)
bad(ValueError, "shape", G.Block, "a", "", ())
bad(ValueError, "shape", G.Block, "a", "", (0, 3))
bad(TypeError, "shape", G.Block, "a", "", (1.5,))
bad(ValueError, "change", G.Block, "a", "", (1,), "sideways")
bad(TypeError, "change", G.Block, "a", "", (1,), None)
bad(ValueError, "factor", G.Block, "a", "", (1,), "down", 0)
good(G.Block, "a", "", (np.int64(3), t3), "up", np.int64(2))


@pytest.mark.parametrize("fn, args, kwargs, error, name", ROWS)
def test_bad_input_raises_the_policys_error_naming_the_argument(fn, args, kwargs, error, name):
    with pytest.raises(Exception) as info:
        fn(*args, **kwargs)
    plt.close("all")
    message = f"{info.type.__name__}: {info.value}"
    assert isinstance(info.value, error), message
    assert re.search(rf"(?<!\w){re.escape(name)}(?!\w)", str(info.value)), message
    # raised by helpers/ itself, or by Python's own check of the call's keywords
    where = Path(str(info.traceback[-1].path))
    assert where.parent == HELPERS or (where == Path(__file__) and "keyword argument" in message), \
        f"raised in {where}: {message}"


@pytest.mark.parametrize("fn, args, kwargs", GOOD)
def test_integers_of_any_origin_are_accepted(fn, args, kwargs):
    fn(*args, **kwargs)
    plt.close("all")


def public_callables():
    """'module.name' of every public function, class and class method of helpers/ that takes arguments."""
    for info in pkgutil.iter_modules(helpers.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"helpers.{info.name}")
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            found = [(f"{info.name}.{name}", obj)]
            if inspect.isclass(obj):
                found += [(f"{info.name}.{name}.{attr}", getattr(obj, attr)) for attr in dir(obj)
                          if not attr.startswith("_") and inspect.isfunction(getattr(obj, attr))
                          and getattr(obj, attr).__module__.startswith("helpers")]
            elif not inspect.isfunction(obj):
                continue
            for key, fn in found:
                takes = [p for p in inspect.signature(fn).parameters.values() if p.name != "self"]
                if takes:
                    yield key


def test_every_public_function_has_rows():
    covered = {param.values[0] for param in ROWS}
    missing = sorted(set(public_callables()) - {label(fn) for fn in covered})
    assert not missing, f"public functions without bad-input rows: {missing}"


def test_shared_settings_cannot_be_changed_through_a_helper():
    recipe = T.get_recipe("lecture")
    with pytest.raises(dataclasses.FrozenInstanceError):
        recipe.epochs = 1
    assert dataclasses.replace(recipe, epochs=1).epochs == 1 and T.RECIPES["lecture"].epochs == 20
