"""Stamp the generated cells of every lecture notebook and the README's contents.

For each ``notebooks/NN_*.ipynb`` (after jakevdp's ``tools/add_navigation.py``):
- header cell (markdown, ``metadata.upconv == "header"``): the H1 title and learning goals
  written in it are kept; the Colab badge and previous/next links are regenerated;
- setup cell (code, ``"setup"``): installs the package only under Colab, from the
  repository address in ``pyproject.toml``; then imports, ``set_seed``, ``device``;
- navigation cell (markdown, ``"nav"``): the last cell;
- slide types (``metadata.slideshow``) for ``make slides``: the core's "##" headings start
  slides, its other markdown cells subslides; the exercises and what follows are skipped;
- noisy metadata (widget state, execution timing) is dropped, outputs and execution
  counts are kept (nbval compares them).
- saved code (d2l's ``#@save``): the code cells that start with ``# @save helpers/NAME.py``
  become ``helpers/NAME.py``, in notebook order, for later notebooks to import; the
  notebook is the one copy, the module is generated from it.
The README's contents between ``<!-- contents -->`` and ``<!-- /contents -->`` are
regenerated from the notebooks' titles, and notebook 00's slide map (the cell with
``"slide-map"``) from `SLIDE_MAP` and the notebooks' numbered headings ("## 7. Title"),
so that a section number in it is always the number the section has.

Usage:
    python tools/sync_notebooks.py            # rewrite files in place
    python tools/sync_notebooks.py --check    # exit 1 and list files that would change
    python tools/sync_notebooks.py --execute [NB ...]  # re-run notebooks, then stamp
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

import nbformat

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
README = ROOT / "README.md"
NAME_RE = re.compile(r"^\d\d_[a-z0-9_]+\.ipynb$")
CONTENTS_START, CONTENTS_END = "<!-- contents -->", "<!-- /contents -->"
DROP_NB_METADATA = ("widgets", "toc", "varInspector")
HEADING_RE = re.compile(r"^##\s+(\d+)\.\s+(.+?)\s*$", re.M)

# The APS360 lecture's slides and where each is worked out: (notebook, the start of the
# heading's title). Notebook 00's slide map is generated from this and the headings.
SLIDE_MAP = [
    ("Fully convolutional architectures: no fully connected layers, any image size",
     [("01", "Fully connected vs fully convolutional"), ("01", "Convolutionalise it"),
      ("01", "Sliding over a larger canvas")]),
    ("Pixel-wise prediction (FCN figure)",
     [("01", "Pixel-wise prediction"), ("01", "Fully convolutional networks with and without skips")]),
    ("How to generate pixel-wise predictions? How to generate images?",
     [("02", "Why we need a layer that grows")]),
    ("Transpose convolution (the 3×3 → 5×5, stride 2, padding 1 figure)",
     [("02", "Transposed convolution by hand"), ("02", "The equivalent direct convolution")]),
    ("More than one upsampling layer", [("02", "Stacks of upsampling layers")]),
    ("DeconvNet: unpooling + \"deconv\"",
     [("01", "DeconvNet"), ("02", "Stacks of upsampling layers")]),
    ("Better visual: conv_arithmetic",
     [("02", "Convolution arithmetic"), ("02", "Output size of a transposed convolution"),
      ("02", "An explorer")]),
    ("Transpose convolutions in PyTorch",
     [("02", "Transposed convolution by hand"), ("02", "The matrix view")]),
    ("Example: autoencoder, its components", [("04", "The lecture's autoencoder")]),
    ("How to train autoencoders? MSE loss, Adam, training loop",
     [("00", "A training loop, written out"), ("00", "Adam"), ("04", "Why autoencoders?")]),
    ("Why autoencoders? Dimension reduction, image generation",
     [("04", "Why autoencoders?"), ("04", "New images from the embedding space"),
      ("05", "From holes to a distribution"), ("05", "Generate"),
      ("06", "A third way to fill the holes")]),
    ("Structure in the embedding space",
     [("04", "Structure of the embedding space"), ("05", "The 2-D latent map")]),
    ("Interpolating in the embedding space",
     [("04", "Interpolating in the embedding space"), ("05", "Drive it")]),
    ("Recommended reading: issues with transpose convolutions (Distill)",
     [("03", "The claim")]),
]
DROP_CELL_METADATA = ("execution", "ExecuteTime", "collapsed", "scrolled", "jupyter")
# ...except that a solution cell stays collapsed in JupyterLab (Colab hides it by its "# @title")
KEEP_HIDDEN = {"source_hidden": True}


def project_settings() -> dict:
    """Return the repository address, the ref Colab installs and the package name."""
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    repo = meta["project"]["urls"]["Repository"].rstrip("/")
    return {"repo": repo, "ref": meta["tool"]["upconv"]["colab-ref"],
            "package": meta["project"]["name"]}


def colab_url(name: str, settings: dict) -> str:
    path = settings["repo"].split("github.com/", 1)[1]
    return f"https://colab.research.google.com/github/{path}/blob/{settings['ref']}/notebooks/{name}"


def install_requirement(settings: dict) -> str:
    """The pip requirement Colab installs: the package from git, pinned to the ref."""
    return f"{settings['package']} @ git+{settings['repo']}@{settings['ref']}"


def notebook_paths() -> list[Path]:
    return sorted(p for p in NOTEBOOKS.glob("*.ipynb") if NAME_RE.match(p.name))


def find_cell(nb, role: str):
    for cell in nb.cells:
        if cell.get("metadata", {}).get("upconv") == role:
            return cell
    return None


def read_title_and_goals(nb, path: Path) -> tuple[str, list[str]]:
    """Read the H1 title and the learning-goal bullets from the header (or first) cell."""
    cell = find_cell(nb, "header") or next((c for c in nb.cells if c.cell_type == "markdown"), None)
    lines = cell.source.splitlines() if cell is not None else []
    titles = [ln[2:].strip() for ln in lines if ln.startswith("# ")]
    if not titles:
        raise SystemExit(f"{path.name}: the first markdown cell needs an H1 title ('# ...')")
    goals = [ln[2:].strip() for ln in lines if ln.startswith("- ")]
    return titles[0], goals


def header_source(title, goals, name, prev, nxt, settings) -> str:
    badge = (f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
             f"({colab_url(name, settings)})")
    parts = [f"# {title}", "", badge, "", "**Learning goals**", ""]
    parts += [f"- {g}" for g in goals] + ["", nav_line(prev, nxt)]
    return "\n".join(parts)


def nav_line(prev, nxt) -> str:
    left = f"[← {prev[1]}]({prev[0]})" if prev else ""
    right = f"[{nxt[1]} →]({nxt[0]})" if nxt else ""
    return " | ".join(p for p in (left, "[Contents](../README.md#contents)", right) if p)


def setup_source(settings: dict) -> str:
    return "\n".join([
        "# Setup, generated by tools/sync_notebooks.py. On Colab, install the helpers package.",
        "import sys",
        "",
        'if "google.colab" in sys.modules:',
        "    import subprocess",
        "",
        f"    requirement = {install_requirement(settings)!r}",
        '    subprocess.run([sys.executable, "-m", "pip", "install", "-q", requirement], check=True)',
        "",
        "import matplotlib.pyplot as plt",
        "import torch",
        "",
        "from helpers.training import get_device, set_seed",
        "",
        "set_seed(0)",
        "device = get_device()",
        "torch.set_printoptions(precision=4, sci_mode=False)",
        "device",
    ])


def new_cell(role: str, kind: str, source: str):
    maker = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
    cell = maker(source)
    cell.metadata["upconv"] = role
    return cell


def stamp(nb, path: Path, prev, nxt, settings) -> None:
    """Stamp header, setup and navigation cells into `nb` (in place) and drop noise."""
    title, goals = read_title_and_goals(nb, path)
    header = find_cell(nb, "header")
    if header is None:  # adopt the first markdown cell with the title as the header
        header = next(c for c in nb.cells if c.cell_type == "markdown")
        header.metadata["upconv"] = "header"
    header.source = header_source(title, goals, path.name, prev, nxt, settings)
    nb.cells.remove(header)
    nb.cells.insert(0, header)

    setup = find_cell(nb, "setup")
    if setup is None:
        setup = new_cell("setup", "code", "")
        nb.cells.insert(1, setup)
    elif nb.cells.index(setup) != 1:
        nb.cells.remove(setup)
        nb.cells.insert(1, setup)
    if setup.source != setup_source(settings):
        setup.source = setup_source(settings)

    nav = find_cell(nb, "nav")
    if nav is None:
        nav = new_cell("nav", "markdown", "")
    else:
        nb.cells.remove(nav)
    nav.source = "---\n\n" + nav_line(prev, nxt)
    nb.cells.append(nav)

    for key in DROP_NB_METADATA:
        nb.metadata.pop(key, None)
    nb.metadata.get("language_info", {}).pop("version", None)
    for cell in nb.cells:
        for key in DROP_CELL_METADATA:
            cell.metadata.pop(key, None)
        if "solution" in cell.metadata.get("tags", []):
            cell.metadata["jupyter"] = dict(KEEP_HIDDEN)
    stamp_slides(nb)


def slide_type(cell, in_core: bool) -> str:
    """The reveal.js role of a cell: a "##" heading starts a slide, any other markdown cell a
    subslide below it, code stays with the text above it; the setup cell, the exercises and
    everything after them are left out of the deck (`make slides`)."""
    if not in_core or cell.metadata.get("upconv") in ("setup", "nav"):
        return "skip"
    if cell.cell_type != "markdown":
        return "-"
    return "slide" if cell.source.startswith(("# ", "## ")) else "subslide"


def stamp_slides(nb) -> None:
    in_core = True
    for cell in nb.cells:
        if cell.cell_type == "markdown" and re.match(r"##\s+Exercises[ \t]*$", cell.source, re.M):
            in_core = False
        cell.metadata["slideshow"] = {"slide_type": slide_type(cell, in_core)}


def numbered_headings(nb) -> dict[str, int]:
    """{title: number} of a notebook's numbered section headings ("## 7. Title")."""
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    return {title: int(number) for number, title in HEADING_RE.findall(text)}


def slide_map_source(paths, nbs) -> str:
    """The markdown of notebook 00's slide map, with section numbers read from the headings."""
    names = {p.name[:2]: p.name for p in paths}
    headings = {p.name[:2]: numbered_headings(nb) for p, nb in zip(paths, nbs)}
    rows = []
    for slide, places in SLIDE_MAP:
        links = []
        for notebook, start in places:
            matches = [(n, t) for t, n in headings.get(notebook, {}).items() if t.startswith(start)]
            if len(matches) != 1:
                raise SystemExit(f"slide map: notebook {notebook} has {len(matches)} numbered headings "
                                 f"starting with {start!r}; fix SLIDE_MAP in tools/sync_notebooks.py")
            number, title = matches[0]
            links.append(f"[{notebook} §{number}]({names[notebook]}) {title}")
        rows.append(f"| {slide} | {'<br>'.join(links)} |")
    return "\n".join([
        "### The lecture, slide by slide",
        "",
        "Each slide of the APS360 lecture and the sections where it becomes working, verified",
        "code (this table is generated from the notebooks' headings by `tools/sync_notebooks.py`).",
        "",
        "| lecture slide | where it is worked out |",
        "|---|---|",
        *rows,
    ])


def contents_markdown(entries, settings) -> str:
    lines = [CONTENTS_START, ""]
    for name, title in entries:
        badge = (f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
                 f"({colab_url(name, settings)})")
        lines.append(f"- **{name[:2]}** [{title}](notebooks/{name}) {badge}")
    return "\n".join(lines + ["", CONTENTS_END])


SETUP_NAMES = {"import torch": "torch", "from torch import nn": "nn", "import torch.nn.functional as F": "F"}
SAVE_RE = re.compile(r"^# @save (helpers/[a-z_]+\.py)\n")


def saved_modules(paths, nbs) -> dict[str, str]:
    """{"helpers/NAME.py": its source} from the cells marked `# @save helpers/NAME.py`."""
    found: dict[str, tuple[str, list[str]]] = {}
    for path, nb in zip(paths, nbs):
        for cell in nb.cells:
            match = SAVE_RE.match(cell.source) if cell.cell_type == "code" else None
            if match:
                found.setdefault(match[1], (path.name, []))[1].append(cell.source[match.end():])
    return {target: module_source(target, name, bodies) for target, (name, bodies) in found.items()}


def module_source(target: str, notebook: str, bodies: list[str]) -> str:
    """The module: a docstring naming its source, the cells' imports (sorted as ruff's isort
    does: standard library, third party, helpers), then each cell's code."""
    imports, blocks = set(), []
    for body in bodies:
        lines = body.strip().splitlines()
        while lines and (lines[0].startswith(("import ", "from ")) or not lines[0].strip()):
            imports.add(lines.pop(0).strip())
        blocks.append("\n".join(lines))
    imports.discard("")
    code = "\n".join(blocks)  # the names the notebook's setup cell imports
    imports |= {line for line, name in SETUP_NAMES.items() if re.search(rf"\b{name}\.", code)}

    def section(line: str) -> int:
        package = line.split()[1].split(".")[0]
        return 0 if package in sys.stdlib_module_names else 2 if package == "helpers" else 1

    ordered = sorted(imports, key=lambda line: (section(line), line.startswith("from"), line.split()[1]))
    sections = ["\n".join(line for line in ordered if section(line) == g) for g in range(3)]
    return (f'"""What notebooks/{notebook} teaches, for the notebooks after it: generated by\n'
            f"tools/sync_notebooks.py from its cells starting ``# @save {target}``; edit them there.\n"
            f'"""\n\n'
            + "\n\n".join(section for section in sections if section) + "\n\n\n"
            + "\n\n\n".join(blocks) + "\n")


def sync(check: bool) -> list[str]:
    """Stamp every notebook and the README; return the files that changed (or would)."""
    settings = project_settings()
    paths = notebook_paths()
    nbs = [nbformat.read(p, as_version=4) for p in paths]
    entries = [(p.name, read_title_and_goals(nb, p)[0]) for p, nb in zip(paths, nbs)]
    changed = []
    for i, (path, nb) in enumerate(zip(paths, nbs)):
        prev = entries[i - 1] if i > 0 else None
        nxt = entries[i + 1] if i + 1 < len(entries) else None
        stamp(nb, path, prev, nxt, settings)
        slide_map = find_cell(nb, "slide-map")
        if slide_map is not None:
            slide_map.source = slide_map_source(paths, nbs)
        after = nbformat.writes(nb) + "\n"
        if after != path.read_text():
            changed.append(str(path.relative_to(ROOT)))
            if not check:
                path.write_text(after)
    for target, source in saved_modules(paths, nbs).items():
        module = ROOT / target
        if not module.exists() or module.read_text() != source:
            changed.append(target)
            if not check:
                module.write_text(source)
    text = README.read_text()
    if CONTENTS_START not in text or CONTENTS_END not in text:
        raise SystemExit(f"README.md needs the markers {CONTENTS_START} and {CONTENTS_END}")
    head, rest = text.split(CONTENTS_START, 1)
    tail = rest.split(CONTENTS_END, 1)[1]
    new_text = head + contents_markdown(entries, settings) + tail
    if new_text != text:
        changed.append("README.md")
        if not check:
            README.write_text(new_text)
    return changed


def execute(names: list[str]) -> None:
    """Re-run notebooks top to bottom in a fresh kernel, CPU only, on the offline subset."""
    from nbclient import NotebookClient

    os.environ.setdefault("UPCONV_MNIST_SOURCE", "subset")
    os.environ["CUDA_VISIBLE_DEVICES"] = ""
    # the committed outputs come from the default seeds and a real training run
    for name in ("UPCONV_SEED",):
        os.environ.pop(name, None)
    paths = [NOTEBOOKS / Path(n).name for n in names] if names else notebook_paths()
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        print(f"executing {path.name} ...", flush=True)
        start = time.perf_counter()
        NotebookClient(nb, timeout=1200, kernel_name="python3",
                       resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
        nbformat.write(nb, path)
        print(f"  {time.perf_counter() - start:.0f} s", flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="report drift, change nothing")
    parser.add_argument("--execute", nargs="*", metavar="NB",
                        help="re-execute these notebooks (all when none named) before stamping")
    args = parser.parse_args(argv)
    if args.execute is not None:
        sync(check=False)  # stamp first so the generated cells are what runs
        execute(args.execute)
    changed = sync(check=args.check)
    if args.check and changed:
        print("out of sync (run `python tools/sync_notebooks.py`):\n  " + "\n  ".join(changed))
        return 1
    for name in changed:
        print(f"stamped {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
