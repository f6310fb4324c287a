"""The student version (make student) leaves out exactly the solution cells, and still runs:
no cell a student keeps uses a name that only a solution cell defines."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
spec = importlib.util.spec_from_file_location("student_version", ROOT / "tools" / "student_version.py")
student_version = importlib.util.module_from_spec(spec)
spec.loader.exec_module(student_version)


def names(source: str, kind) -> set[str]:
    """Names stored (kind=ast.Store) or loaded (ast.Load) by a cell's code, magics left out."""
    code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
    found = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, kind):
            found.add(node.id)
        elif kind is ast.Store and isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            found.add(node.name)
        elif kind is ast.Store and isinstance(node, (ast.Import, ast.ImportFrom)):
            found |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_student_version_drops_the_solutions_and_needs_none_of_them(path):
    nb = nbformat.read(path, as_version=4)
    student = student_version.student_version(nb)
    solutions = [c for c in nb.cells if student_version.is_solution(c)]
    assert len(student.cells) == len(nb.cells) - len(solutions)
    assert not any(student_version.is_solution(c) for c in student.cells)
    code = [c for c in student.cells if c.cell_type == "code"]
    kept = set().union(*(names(c.source, ast.Store) for c in code))
    only_in_solutions = set().union(set(), *(names(c.source, ast.Store) for c in solutions)) - kept
    used = {name for c in code for name in names(c.source, ast.Load) & only_in_solutions}
    assert not used, f"{path.name}: cells a student keeps use {sorted(used)}, defined only in solution cells"


def test_make_student_writes_under_data(tmp_path, monkeypatch):
    monkeypatch.setattr(student_version, "OUT", tmp_path / "student")
    monkeypatch.setattr(student_version, "ROOT", tmp_path)
    assert student_version.main([NOTEBOOKS[0].name]) == 0
    written = nbformat.read(tmp_path / "student" / NOTEBOOKS[0].name, as_version=4)
    assert not any(student_version.is_solution(c) for c in written.cells)
