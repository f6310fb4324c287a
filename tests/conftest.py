"""Shared test setup: a non-interactive matplotlib backend, the offline MNIST subset,
the browser test last (it replays what the notebook runs trained), and a table of each
notebook's time at the end."""

import os
import shutil
from collections import defaultdict
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")
os.environ.setdefault("UPCONV_MNIST_SOURCE", "subset")

ROOT = Path(__file__).resolve().parent.parent
# helpers.training.fit stores each run here and replays a run it has already made. The
# notebooks' kernels (nbval's, then the browser test's JupyterLab) inherit it; the unit
# tests do not (below): they test training itself.
FIT_CACHE = ROOT / "data" / "cache" / f"fit-{os.getpid()}"
NOTEBOOK_SECONDS: dict[str, float] = defaultdict(float)


def pytest_configure(config):
    os.environ.setdefault("UPCONV_FIT_CACHE", str(FIT_CACHE))


def pytest_unconfigure(config):
    shutil.rmtree(FIT_CACHE, ignore_errors=True)


def pytest_collection_modifyitems(session, config, items):
    # the browser test reruns notebooks: after nbval has trained their models, it replays them
    items.sort(key=lambda item: "test_browser.py" in item.nodeid)


@pytest.fixture(autouse=True)
def _train_for_real(request, monkeypatch):
    if request.module.__name__ != "test_browser":
        monkeypatch.delenv("UPCONV_FIT_CACHE", raising=False)


def pytest_runtest_logreport(report):
    if report.nodeid.endswith(".ipynb") or ".ipynb::" in report.nodeid:
        NOTEBOOK_SECONDS[report.nodeid.split("::")[0]] += report.duration


def pytest_terminal_summary(terminalreporter):
    if NOTEBOOK_SECONDS:
        terminalreporter.section("notebook times (nbval, all cells)")
        for name, seconds in sorted(NOTEBOOK_SECONDS.items()):
            terminalreporter.write_line(f"{seconds:7.1f} s  {name}")
        terminalreporter.write_line(f"{sum(NOTEBOOK_SECONDS.values()):7.1f} s  in all")
