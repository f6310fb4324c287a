"""Re-execute notebooks under other seeds, as another machine would, and list what breaks.

For each notebook and each seed it runs a fresh kernel with ``UPCONV_SEED=<seed>``
(added to every `set_seed`), ATen's plain CPU kernels (``ATEN_CPU_CAPABILITY=default``)
and one thread, on the offline subset, and saves the executed copy as
``data/seeds/<notebook>-seed<seed>.ipynb`` (the outputs are there to read the spread of
each printed number). It then lists:
- every cell that raised (a failed assert is a claim that does not hold for that seed);
- every cell compared strictly by nbval (no ``nbval-ignore-output`` tag) whose text output
  differs from the committed one: output that depends on the seed or the machine, which
  `make test-portable` would fail on.

Usage: python tools/seeds.py [NB ...] [--seeds 1 2]
"""

from __future__ import annotations

import argparse
import configparser
import os
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS, OUT = ROOT / "notebooks", ROOT / "data" / "seeds"
FOREIGN = {"ATEN_CPU_CAPABILITY": "default", "OMP_NUM_THREADS": "1", "UPCONV_MNIST_SOURCE": "subset",
           "CUDA_VISIBLE_DEVICES": ""}


def sanitizers() -> list[tuple[re.Pattern, str]]:
    """The regex replacements of tests/nbval-sanitize.cfg, which nbval applies too."""
    config = configparser.ConfigParser()
    config.read(ROOT / "tests" / "nbval-sanitize.cfg")
    return [(re.compile(config[s]["regex"]), config[s]["replace"]) for s in config.sections()]


def texts(cell, rules) -> list[str]:
    """A cell's text outputs, sanitized as nbval does; consecutive chunks of one stream are
    joined first, as nbval joins them (a busy kernel may send one print in two chunks)."""
    found, stream = [], None
    for output in cell.get("outputs", []):
        text = output.get("text", "") + output.get("data", {}).get("text/plain", "")
        if output.get("output_type") == "stream" and found and output.get("name") == stream:
            found[-1] += text
            continue
        stream = output.get("name") if output.get("output_type") == "stream" else None
        found.append(text)
    for pattern, replacement in rules:
        found = [pattern.sub(replacement, text) for text in found]
    return found


def run(path: Path, seed: int) -> tuple[list[str], float]:
    """Execute one notebook under `seed`; return the problems found and the seconds taken."""
    nb = nbformat.read(path, as_version=4)
    committed = nbformat.read(path, as_version=4)
    os.environ.update(FOREIGN, UPCONV_SEED=str(seed))
    client = NotebookClient(nb, timeout=1200, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    start = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as err:  # only when a kernel dies; cell errors are kept
        return [f"kernel: {err}"], time.perf_counter() - start
    seconds = time.perf_counter() - start
    OUT.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, OUT / f"{path.stem}-seed{seed}.ipynb")
    problems, rules = [], sanitizers()
    for index, (cell, old) in enumerate(zip(nb.cells, committed.cells)):
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        if errors:
            problems.append(f"cell {index} raised {errors[0].ename}: {errors[0].evalue[:300]}")
        elif ("nbval-ignore-output" not in cell.metadata.get("tags", [])
              and texts(cell, rules) != texts(old, rules)):
            problems.append(f"cell {index} is strict but its output changed: {texts(cell, rules)!r:.300}")
    return problems, seconds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="notebook file names (default: all)")
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2])
    args = parser.parse_args(argv)
    paths = [NOTEBOOKS / Path(n).name for n in args.notebooks] or sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    failed = False
    for path in paths:
        for seed in args.seeds:
            problems, seconds = run(path, seed)
            print(f"{path.name} seed {seed}: {len(problems)} problems ({seconds:.0f} s)", flush=True)
            for problem in problems:
                print(f"  {problem}", flush=True)
            failed |= bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
