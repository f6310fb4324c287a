"""Shared test setup: a non-interactive matplotlib backend and the offline MNIST subset."""

import os

import matplotlib

matplotlib.use("Agg")
os.environ.setdefault("UPCONV_MNIST_SOURCE", "subset")
