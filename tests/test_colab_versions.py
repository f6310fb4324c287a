"""The series against Google Colab's versions: ipywidgets 7.7.1 and the Colab setup cell.

`make install` puts ipywidgets 7.7.1 (Colab's) in .venv/colab-ipywidgets, beside the
venv's 8.x. A subprocess whose path puts it first builds every widget of the series and
drives its callbacks, so API that exists only in ipywidgets 8 fails here.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COLAB_WIDGETS = Path(sys.prefix) / "colab-ipywidgets"

EXERCISE_EVERY_WIDGET = textwrap.dedent("""
    import ipywidgets, torch
    assert ipywidgets.__version__ == "7.7.1", ipywidgets.__version__
    from helpers.models import Autoencoder, LectureAutoencoder
    from helpers.widgets import digit_browser, interpolation_widget, transposed_conv_explorer
    # the same checks as under ipywidgets 8 (tests/test_widgets.py), run here under 7.7.1
    from tests.test_widgets import (binary_values, find,
        test_no_widget_state_holds_binary_data_before_or_after_a_slider_moves as no_binary,
        test_widgets_describe_themselves_where_they_cannot_run as described)

    no_binary()
    described()
    torch.manual_seed(0)
    images, labels = torch.rand(5, 1, 28, 28), torch.tensor([3, 1, 4, 1, 5])
    images[1] = 0.0  # decoding between two very different images changes the middle picture
    box = digit_browser(images, labels)
    find(box, ipywidgets.IntSlider)[0].value = 4
    assert find(box, ipywidgets.HTML)[0].value == "<b>image 4: digit 5</b>"

    box = transposed_conv_explorer()
    sliders = {s.description: s for s in find(box, ipywidgets.IntSlider)}
    sliders["op"].value = 1
    assert "<b>6×6</b>" in find(box, ipywidgets.HTML)[1].value

    for model in (LectureAutoencoder(), Autoencoder(latent_dim=8, width=8)):
        box = interpolation_widget(model, images, labels)
        picture = find(box, ipywidgets.HTML)[0]
        find(box, ipywidgets.FloatSlider)[0].value = 0.0
        before = picture.value
        find(box, ipywidgets.FloatSlider)[0].value = 0.9
        assert picture.value != before and "data:image/png;base64," in picture.value
        assert "0.10·z₁" in find(box, ipywidgets.HTML)[1].value
        assert binary_values(box) == []
    from helpers.widgets import latent_map_widget

    box = latent_map_widget(Autoencoder(latent_dim=2, width=8), torch.randn(5, 2), labels)
    picture = find(box, ipywidgets.HTML)[0]
    before = picture.value
    find(box, ipywidgets.FloatSlider)[1].value = 2.0
    assert picture.value != before and "z = (0.00, 2.00)" in picture.value
    assert binary_values(box) == []
    print("all widgets work with ipywidgets", ipywidgets.__version__)
""")


def test_every_widget_works_with_colab_ipywidgets():
    if not (COLAB_WIDGETS / "ipywidgets").is_dir():
        message = f"ipywidgets 7.7.1 is missing from {COLAB_WIDGETS}: run `make install`"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(COLAB_WIDGETS), str(ROOT)]),
           "MPLBACKEND": "Agg"}
    result = subprocess.run([sys.executable, "-c", EXERCISE_EVERY_WIDGET], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "all widgets work with ipywidgets 7.7.1" in result.stdout


def test_colab_setup_cell_pins_the_release_and_installs_nothing_elsewhere(monkeypatch):
    """Run every notebook's setup cell with a stub `google.colab`: check the command only."""
    import importlib.util

    import nbformat

    spec = importlib.util.spec_from_file_location("sync", ROOT / "tools" / "sync_notebooks.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    settings = tool.project_settings()
    assert settings["repo"].startswith("https://github.com/")
    version = tool.tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert settings["ref"] == f"v{version}", "colab-ref must be the release tag of this version"
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda cmd, **kwargs: calls.append((cmd, kwargs)))
    for path in tool.notebook_paths():
        setup = nbformat.read(path, as_version=4).cells[1].source
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
        exec(compile(setup, f"{path.name} setup", "exec"), {})
        assert calls == [], f"{path.name} installs something outside Colab"
        monkeypatch.setitem(sys.modules, "google.colab", type(sys)("google.colab"))
        exec(compile(setup, f"{path.name} setup", "exec"), {})
        (cmd, kwargs), = calls
        assert cmd == [sys.executable, "-m", "pip", "install", "-q",
                       f"upconv-lectures @ git+{settings['repo']}@{settings['ref']}"]
        assert kwargs == {"check": True}
        calls.clear()
        # the badge opens the same release of the notebook
        header = nbformat.read(path, as_version=4).cells[0].source
        assert f"/blob/{settings['ref']}/notebooks/{path.name}" in header
