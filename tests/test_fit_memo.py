"""tests/fit_memo.py: a run is replayed only when everything that decides it is the same."""

import torch
from fit_memo import memo
from torch import nn

from helpers.training import fit, set_seed


class ScaledLoss(nn.Module):
    def __init__(self, scale):
        super().__init__()
        self.scale = scale

    def forward(self, output, target):
        return self.scale * nn.functional.cross_entropy(output, target)


def test_a_run_is_replayed_with_its_weights_optimiser_and_random_state(tmp_path, capsys):
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(128, 2, generator=generator)
    y = (x.sum(1) > 0).long()
    remembered = memo(fit, tmp_path)

    def run(train, scale=1.0):
        set_seed(0)
        model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 2))
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
        history = train(model, (x, y), epochs=2, loss_fn=ScaledLoss(scale), optimizer=optimizer, seed=0)
        return model, optimizer, history, torch.rand(2)  # the global random state after training

    real, first = run(fit), run(remembered)
    assert "replayed" not in capsys.readouterr().out
    replayed = run(remembered)
    assert capsys.readouterr().out.startswith("replayed: train loss")
    assert replayed[2] == first[2]  # the stored history, its seconds included
    for model, optimizer, history, after in (first, replayed):
        assert history["train_loss"] == real[2]["train_loss"] and torch.equal(after, real[3])
        assert all(torch.equal(a, b) for a, b in zip(model.parameters(), real[0].parameters()))
        assert optimizer.state_dict()["state"][0]["step"] == real[1].state_dict()["state"][0]["step"]
    assert len(list(tmp_path.iterdir())) == 1
    other = run(remembered, scale=2.0)  # an attribute of the loss changes the run: trained, not replayed
    assert other[2]["train_loss"] != real[2]["train_loss"]
    assert len(list(tmp_path.iterdir())) == 2


def test_losses_written_as_functions_are_told_apart_by_their_code():
    from fit_memo import identity

    def mse(a, b):
        return ((a - b) ** 2).mean()

    def mae(a, b):
        return (a - b).abs().mean()

    assert identity(mse) != identity(mae)
    assert identity(nn.MSELoss()) == identity(nn.MSELoss()) != identity(nn.L1Loss())
