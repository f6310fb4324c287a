"""Build the lectures as a static site, from their committed outputs: `make site`.

Sphinx with myst-nb renders each notebook as one page, without executing it (the outputs
are the ones nbval checks), with the series' navigation in the sidebar, each page's Colab
badge, and the kernel-free players (JavaScript inside the outputs) working. MathJax is
served from the site itself (tools/web_assets.py), so the pages need no network. Sources
are staged in data/site-src/, the site is written to data/site/.

Usage: python tools/build_site.py
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import nbformat
from sphinx.cmd.build import build_main

sys.path.insert(0, str(Path(__file__).resolve().parent))
from web_assets import MATHJAX, MATHJAX_QUERY, npm_package  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SRC, OUT = ROOT / "data" / "site-src", ROOT / "data" / "site"
CONF = '''\
project = "upconv-lectures"
extensions = ["myst_nb"]
html_theme = "sphinx_book_theme"
html_title = "upconv-lectures"
html_static_path = ["_static"]
html_theme_options = {"show_toc_level": 2}
html_context = {"default_mode": "light"}
nb_execution_mode = "off"
myst_enable_extensions = ["dollarmath", "amsmath"]
# a widget has no state in the committed notebooks: show its sentence, not an empty view
nb_mime_priority_overrides = [("html", "application/vnd.jupyter.widget-view+json", None)]
mathjax_path = "mathjax/{query}"
# myst-nb marks each page tex2jax_ignore and its maths "math": MathJax 2 reads those classes
mathjax2_config = {"messageStyle": "none", "tex2jax": {"processClass": "math|output_area",
                                                     "ignoreClass": "tex2jax_ignore|mathjax_ignore"}}
exclude_patterns = ["_build"]
suppress_warnings = ["myst.header", "misc.highlighting_failure"]
'''


def notebooks() -> list[Path]:
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def index_page(paths: list[Path]) -> str:
    """The site's front page: the README's opening paragraphs and the table of contents."""
    readme = (ROOT / "README.md").read_text()
    intro = readme.split("\n## ", 1)[0].split("\n", 1)[1].strip()
    toc = "\n".join(path.stem for path in paths)
    return f"# upconv-lectures\n\n{intro}\n\n```{{toctree}}\n:maxdepth: 1\n:caption: Lectures\n\n{toc}\n```\n"


def stage(path: Path) -> None:
    """Copy a notebook into the site sources; its links to the README go to the front page."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = re.sub(r"\(\.\./README\.md(#[\w-]+)?\)", "(index.md)", cell.source)
    nbformat.write(nb, SRC / path.name)


def main() -> int:
    shutil.rmtree(SRC, ignore_errors=True)
    shutil.rmtree(OUT, ignore_errors=True)
    (SRC / "_static").mkdir(parents=True)
    shutil.copytree(npm_package(*MATHJAX), SRC / "_static" / "mathjax")
    (SRC / "conf.py").write_text(CONF.replace("{query}", MATHJAX_QUERY))
    paths = notebooks()
    (SRC / "index.md").write_text(index_page(paths))
    for path in paths:
        stage(path)
    status = build_main(["-b", "html", "-q", "-W", "--keep-going", "-d", str(SRC / "_build"),
                         str(SRC), str(OUT)])
    if status == 0:
        print(f"site: {len(paths) + 1} pages in {OUT.relative_to(ROOT)}/ (open index.html)")
    return status


if __name__ == "__main__":
    sys.exit(main())
