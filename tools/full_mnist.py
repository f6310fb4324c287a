"""Run every notebook against a full-size MNIST stand-in and check its time budget.

Online, `load_mnist()` returns the real MNIST: 60,000 training and 10,000 test digits,
15 times the offline subset the committed outputs use. This tool checks that every
notebook still runs without an error or a failed assert at that size, and within twice
its subset time, on this machine:

1. it writes a stand-in in torchvision's raw IDX format under ``data/mnist-standin/``:
   the subset's 4,100 training digits repeated (and cut) to 60,000, its 900 test digits
   to 10,000. It has the real files' sizes, so it measures time; it is not new data;
2. it executes each notebook top to bottom in a fresh kernel twice, on the subset and on
   the stand-in (``UPCONV_MNIST_SOURCE=torchvision``, ``UPCONV_MNIST_ROOT`` pointing at
   it), CPU only; outputs may differ, errors and failed asserts may not;
3. it prints one line per notebook and fails when the stand-in run takes longer than
   `--factor` (default 2) times the subset run.

Usage: ``make test-full`` or ``python tools/full_mnist.py [NB ...] [--factor 2]``.
Notebooks are executed in memory: nothing under notebooks/ changes.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
STANDIN = ROOT / "data" / "mnist-standin"
SIZES = {True: 60_000, False: 10_000}
FILES = {True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
         False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


def write_idx(path: Path, array: np.ndarray) -> None:
    """Write a uint8 array as an IDX file: magic 0x08 (unsigned bytes) + ndim, then the sizes."""
    header = struct.pack(">I", 0x0800 + array.ndim) + b"".join(struct.pack(">I", d) for d in array.shape)
    path.write_bytes(header + np.ascontiguousarray(array, dtype=np.uint8).tobytes())


def write_standin(root: Path = STANDIN, sizes: dict[bool, int] = SIZES) -> Path:
    """Write the subset repeated to `sizes` (MNIST's full sizes) under root/MNIST/raw; return root.

    torchvision reads these files, so `load_mnist(source="torchvision", root=root)` loads them.
    """
    sys.path.insert(0, str(ROOT))
    from helpers.data import load_mnist

    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for train, size in sizes.items():
        images, labels = load_mnist(train=train, source="subset")
        repeat = np.resize(np.arange(len(images)), size)  # 0, 1, ..., n-1, 0, 1, ... (size items)
        pixels = (images[repeat, 0].numpy() * 255).round().astype(np.uint8)
        image_file, label_file = (raw / name for name in FILES[train])
        write_idx(image_file, pixels)
        write_idx(label_file, labels.numpy()[repeat].astype(np.uint8))
    return root


def run_notebook(path: Path, env: dict[str, str], timeout: int) -> float:
    """Execute a notebook in a fresh kernel with `env` set; return the wall time in seconds."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)  # the kernel inherits this process's environment
    try:
        start = time.perf_counter()
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        return time.perf_counter() - start
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", help="notebook file names (default: all)")
    parser.add_argument("--factor", type=float, default=2.0,
                        help="allowed stand-in time over subset time (default 2)")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    args = parser.parse_args(argv)
    names = args.notebooks or sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    root = write_standin()
    print(f"stand-in written to {root} (60,000 / 10,000 digits: the subset repeated)", flush=True)
    common = {"CUDA_VISIBLE_DEVICES": "", "MPLBACKEND": "Agg"}
    subset_env = {**common, "UPCONV_MNIST_SOURCE": "subset"}
    full_env = {**common, "UPCONV_MNIST_SOURCE": "torchvision", "UPCONV_MNIST_ROOT": str(root)}
    failed = []
    print(f"{'notebook':42} {'subset s':>9} {'60k s':>8} {'ratio':>6} {'budget':>7}", flush=True)
    for name in names:
        path = ROOT / "notebooks" / Path(name).name
        subset = run_notebook(path, subset_env, args.timeout)
        full = run_notebook(path, full_env, args.timeout)
        ok = full <= args.factor * subset
        failed += [] if ok else [name]
        print(f"{path.stem:42} {subset:9.1f} {full:8.1f} {full / subset:6.2f} "
              f"{args.factor * subset:7.1f} {'ok' if ok else 'OVER BUDGET'}", flush=True)
    if failed:
        print(f"over budget (> {args.factor:g}x the subset time): {', '.join(failed)}")
        return 1
    print(f"all {len(names)} notebooks ran on the stand-in within {args.factor:g}x their subset time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
