"""Benchmark: the lecture's autoencoder recipe against notebook 04's recommended one.

Run with `make bench` (not part of `make test`). In one process, on the same data (the
offline MNIST subset: 4,100 training / 900 held-out digits) and thread count, it trains
both recipes with `helpers.training.train_autoencoder` and prints, per recipe,

    recipe=NAME seconds=S held_out_mse=M images_per_s=R gflops_fraction=F

where F is the training's effective GFLOP/s (FLOPs of one forward + backward pass,
counted by torch.utils.flop_counter, times the images processed, over the wall time)
as a fraction of a same-run single-precision matrix-multiply peak; then
`ratios time=T mse=M time_to_match=R` (recommended / lecture), where R is the
recommended recipe's training seconds until its held-out MSE (evaluated after each epoch,
not counted in the time) first reaches the lecture recipe's final held-out MSE, over the
lecture recipe's training seconds (`inf` if it never does).
"""

from __future__ import annotations

import argparse
import time

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from helpers.data import load_mnist
from helpers.training import RECIPES, set_seed, train_autoencoder


def sgemm_peak_gflops(n: int = 1024, seconds: float = 2.0) -> float:
    """Best GFLOP/s of an n x n float32 matrix product over about `seconds`."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    torch.mm(a, b)  # warm up
    best, end = 0.0, time.perf_counter() + seconds
    while time.perf_counter() < end:
        start = time.perf_counter()
        for _ in range(5):
            torch.mm(a, b)
        best = max(best, 5 * 2 * n**3 / (time.perf_counter() - start) / 1e9)
    return best


def flops_per_image(model: nn.Module, loss_fn, batch: torch.Tensor) -> float:
    """FLOPs of one training step's forward and backward pass, per image."""
    model.train()
    with FlopCounterMode(display=False) as counter:
        loss_fn(model(batch), batch).backward()
    model.zero_grad(set_to_none=True)
    return counter.get_total_flops() / len(batch)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    train, _ = load_mnist(train=True, source="subset")
    test, _ = load_mnist(train=False, source="subset")
    peak = sgemm_peak_gflops()
    print(f"# threads={args.threads} train={len(train)} held_out={len(test)} "
          f"sgemm_peak_gflops={peak:.1f} torch={torch.__version__}")
    results = {}
    for name, recipe in RECIPES.items():
        set_seed(0)
        per_image = flops_per_image(recipe.build_model(), recipe.loss_fn(), train[: recipe.batch_size])
        _, history = train_autoencoder(recipe, train, valid=test, metrics={"mse": nn.MSELoss()},
                                       progress=False)
        seconds, mse = history["seconds"][-1], history["valid_mse"][-1]
        images = recipe.epochs * len(train)
        fraction = per_image * images / seconds / 1e9 / peak
        results[name] = history
        print(f"recipe={name} seconds={seconds:.2f} held_out_mse={mse:.5f} "
              f"images_per_s={images / seconds:.0f} gflops_fraction={fraction:.3f}", flush=True)
    lecture, recommended = results["lecture"], results["recommended"]
    t_lec, m_lec = lecture["seconds"][-1], lecture["valid_mse"][-1]
    t_rec, m_rec = recommended["seconds"][-1], recommended["valid_mse"][-1]
    match = next((t for t, m in zip(recommended["seconds"], recommended["valid_mse"]) if m <= m_lec),
                 float("inf"))
    print(f"ratios time={t_rec / t_lec:.2f} mse={m_rec / m_lec:.2f} time_to_match={match / t_lec:.2f}")

if __name__ == "__main__":
    main()
