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


def pytest_terminal_summary(terminalreporter):
    # read from the reports themselves: a hook in this conftest sees only tests/'s items
    seconds: dict[str, float] = defaultdict(float)
    for reports in terminalreporter.stats.values():
        for report in reports:
            if ".ipynb" in getattr(report, "nodeid", ""):
                seconds[report.nodeid.split("::")[0]] += getattr(report, "duration", 0.0)
    if seconds:
        terminalreporter.section("notebook times (nbval, all cells)")
        for name, total in sorted(seconds.items()):
            terminalreporter.write_line(f"{total:7.1f} s  {name}")
        terminalreporter.write_line(f"{sum(seconds.values()):7.1f} s  in all")
