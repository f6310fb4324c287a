"""tools/sync_notebooks.py: committed notebooks are in sync, and stamping is idempotent."""

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent


def load_tool(root: Path):
    """Import tools/sync_notebooks.py with its ROOT pointed at `root`."""
    spec = importlib.util.spec_from_file_location("sync_notebooks", ROOT / "tools" / "sync_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.ROOT, module.NOTEBOOKS, module.README = root, root / "notebooks", root / "README.md"
    return module


@pytest.fixture
def sandbox(tmp_path):
    for name in ("notebooks", "tools", "helpers"):  # helpers/: the modules generated from `# @save` cells
        shutil.copytree(ROOT / name, tmp_path / name)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def test_committed_notebooks_and_readme_are_in_sync():
    tool = load_tool(ROOT)
    assert tool.sync(check=True) == [], "run `make sync` (or `make notebooks`) and commit"


def test_every_notebook_is_stamped_and_executed():
    tool = load_tool(ROOT)
    paths = tool.notebook_paths()
    assert paths and paths[0].name == "00_start_here.ipynb"
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        assert nb.cells[0].metadata["upconv"] == "header"
        assert nb.cells[1].metadata["upconv"] == "setup"
        assert nb.cells[-1].metadata["upconv"] == "nav"
        assert "widgets" not in nb.metadata
        counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
        assert None not in counts, f"{path.name} has code cells that were never executed"
        assert counts == sorted(counts), f"{path.name} was not run top to bottom"
        assert not [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
                    if o.output_type == "error"], f"{path.name} has an error output"
        assert path.stat().st_size < 3_000_000, f"{path.name} is larger than 3 MB"


def test_stamping_twice_changes_nothing_and_never_duplicates(sandbox):
    tool = load_tool(sandbox)
    path = sandbox / "notebooks" / "00_start_here.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].source = nb.cells[0].source.replace("[Contents]", "[Old contents]")
    nb.metadata["widgets"] = {"state": {}}
    nb.cells[3].metadata["execution"] = {"iopub.status.busy": "2026-01-01"}
    nbformat.write(nb, path)
    assert tool.sync(check=True) == ["notebooks/00_start_here.ipynb"]
    tool.sync(check=False)
    assert tool.sync(check=True) == []
    stamped = nbformat.read(path, as_version=4)
    roles = [c.metadata.get("upconv") for c in stamped.cells]
    assert roles.count("header") == roles.count("setup") == roles.count("nav") == 1
    assert "[Old contents]" not in stamped.cells[0].source
    assert "widgets" not in stamped.metadata and "execution" not in stamped.cells[3].metadata
    assert [c.outputs for c in stamped.cells if c.cell_type == "code"] == \
        [c.outputs for c in nb.cells if c.cell_type == "code"]


def test_header_keeps_title_and_goals_and_links_neighbours(sandbox):
    tool = load_tool(sandbox)
    previous = tool.notebook_paths()[-1]  # the last lecture so far
    second = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# A second lecture\n\n- learn one thing\n- learn another"),
        nbformat.v4.new_code_cell("1 + 1"),
    ])
    nbformat.write(second, sandbox / "notebooks" / "99_second.ipynb")
    tool.sync(check=False)
    stamped = nbformat.read(sandbox / "notebooks" / "99_second.ipynb", as_version=4)
    header, setup, body, nav = stamped.cells
    assert header.source.startswith("# A second lecture\n")
    assert "- learn one thing\n- learn another" in header.source
    assert "colab.research.google.com/github/" in header.source and "99_second.ipynb" in header.source
    assert f"({previous.name})" in nav.source and "→" not in nav.source
    assert "[A second lecture →](99_second.ipynb)" in \
        nbformat.read(previous, as_version=4).cells[-1].source
    assert setup.cell_type == "code" and "google.colab" in setup.source and body.source == "1 + 1"
    readme = (sandbox / "README.md").read_text()
    assert "[A second lecture](notebooks/99_second.ipynb)" in readme


def test_setup_cell_installs_only_on_colab(sandbox, monkeypatch):
    tool = load_tool(sandbox)
    source = tool.setup_source(tool.project_settings())
    calls = []

    import subprocess
    monkeypatch.setattr(subprocess, "run", lambda cmd, **kw: calls.append(cmd))
    namespace = {}
    exec(compile(source, "setup", "exec"), namespace)  # not on Colab
    assert calls == [] and str(namespace["device"]) in ("cpu", "cuda")
    monkeypatch.setitem(sys.modules, "google.colab", type(sys)("google.colab"))
    exec(compile(source, "setup", "exec"), {})
    (cmd,) = calls
    assert cmd[1:5] == ["-m", "pip", "install", "-q"]
    settings = tool.project_settings()
    assert cmd[5] == f"upconv-lectures @ git+{settings['repo']}@{settings['ref']}"


def test_check_mode_exit_code(sandbox, capsys):
    tool = load_tool(sandbox)
    assert tool.main(["--check"]) == 0
    path = sandbox / "notebooks" / "00_start_here.ipynb"
    nb = json.loads(path.read_text())
    nb["cells"][-1]["source"] = "stale navigation"
    path.write_text(json.dumps(nb))
    assert tool.main(["--check"]) == 1
    assert "00_start_here.ipynb" in capsys.readouterr().out
