"""Write the student version of each lecture notebook: the solution cells taken out.

A notebook's solutions are code cells tagged ``solution`` (collapsed in JupyterLab, hidden
by their ``# @title`` on Colab). The committed notebooks keep them, so an instructor hands
those out as the worked solutions and ``make student`` writes the versions without them to
``data/student/``; everything else, outputs included, is kept.

Usage: python tools/student_version.py [NB ...]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS, OUT = ROOT / "notebooks", ROOT / "data" / "student"


def is_solution(cell) -> bool:
    return "solution" in cell.metadata.get("tags", [])


def student_version(nb):
    """A copy of `nb` without its solution cells."""
    copy = nbformat.from_dict(nb)
    copy.cells = [cell for cell in copy.cells if not is_solution(cell)]
    return copy


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="notebook file names (default: all)")
    args = parser.parse_args(argv)
    paths = [NOTEBOOKS / Path(name).name for name in args.notebooks]
    paths = paths or sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    OUT.mkdir(parents=True, exist_ok=True)
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        student = student_version(nb)
        nbformat.write(student, OUT / path.name)
        left_out = len(nb.cells) - len(student.cells)
        print(f"{OUT.relative_to(ROOT) / path.name}: {left_out} solution cells left out")
    return 0


if __name__ == "__main__":
    sys.exit(main())
