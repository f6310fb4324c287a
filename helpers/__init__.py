"""helpers: the small, tested package the upconv-lectures notebooks import.

Modules: data (MNIST online/offline), training (seeds, device, fit), plotting
(image grids, loss curves), widgets (ipywidgets explorers). Import what you need,
e.g. ``from helpers.data import load_mnist``.
"""

__version__ = "0.1.0"
