"""helpers.training: seeding, fit on classifiers and autoencoders, evaluate, validation."""

import pytest
import torch
from torch import nn

from helpers.training import evaluate, fit, get_device, set_seed


def toy_classification(n=256):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, 2, generator=g)
    y = (x[:, 0] + x[:, 1] > 0).long()
    return x, y


def test_set_seed_repeats_random_streams():
    set_seed(3)
    a = torch.randn(5)
    set_seed(3)
    assert torch.equal(a, torch.randn(5))
    with pytest.raises(ValueError, match="seed"):
        set_seed(-1)


def test_get_device():
    assert get_device().type == ("cuda" if torch.cuda.is_available() else "cpu")


def test_fit_learns_a_classifier():
    x, y = toy_classification()
    set_seed(0)
    model = nn.Linear(2, 2)
    history = fit(model, (x, y), epochs=20, loss_fn=nn.CrossEntropyLoss(), batch_size=32,
                  valid=(x, y), progress=False, seed=0,
                  optimizer=torch.optim.SGD(model.parameters(), lr=0.5))
    assert len(history["train_loss"]) == 20 and len(history["valid_loss"]) == 20
    assert history["train_loss"][-1] < 0.5 * history["train_loss"][0]
    assert all(b >= a for a, b in zip(history["seconds"], history["seconds"][1:]))
    acc = evaluate(model, (x, y), lambda logits, t: (logits.argmax(1) == t).float().mean())
    assert acc > 0.95


def test_fit_trains_an_autoencoder_on_inputs_alone():
    g = torch.Generator().manual_seed(1)
    x = torch.randn(128, 4, generator=g) @ torch.randn(4, 8, generator=g)  # rank-4 data
    set_seed(0)
    model = nn.Sequential(nn.Linear(8, 4), nn.Linear(4, 8))
    before = evaluate(model, x, nn.MSELoss())
    fit(model, x, epochs=60, loss_fn=nn.MSELoss(), batch_size=16, progress=False,
        optimizer=torch.optim.Adam(model.parameters(), lr=1e-2))
    assert evaluate(model, x, nn.MSELoss()) < 0.05 * before


def test_fit_is_repeatable_with_seeds():
    x, y = toy_classification()

    def run():
        set_seed(0)
        model = nn.Linear(2, 2)
        return fit(model, (x, y), epochs=2, loss_fn=nn.CrossEntropyLoss(), progress=False,
                   seed=5)["train_loss"]

    assert run() == run()


def test_evaluate_weights_batches_by_size():
    x = torch.arange(10.0).unsqueeze(1)
    model = nn.Identity()
    model.register_parameter("dummy", nn.Parameter(torch.zeros(1)))
    mean = evaluate(model, (x, torch.zeros(10, 1)), lambda out, t: out.mean(), batch_size=3)
    assert mean == pytest.approx(4.5)  # the plain mean, though the last batch holds one item


@pytest.mark.parametrize("kwargs, error, message", [
    ({"epochs": 0}, ValueError, "epochs must be an integer >= 1"),
    ({"epochs": 2.0}, TypeError, "epochs must be an integer >= 1, got 2.0"),
    ({"epochs": 1, "batch_size": 0}, ValueError, "batch_size must be an integer >= 1"),
    ({"epochs": 1, "seed": 1.5}, TypeError, "seed must be an integer"),
    ({"epochs": 1, "seed": -1}, ValueError, "seed must be an integer >= 0, got seed=-1"),
    ({"epochs": 1, "lr": 0}, ValueError, "lr must be > 0"),
    ({"epochs": 1, "device": "gpu"}, ValueError, "device='gpu' is not a device"),
    ({"epochs": 1, "metrics": {"acc": len}}, ValueError, "pass valid="),
])
def test_fit_rejects_bad_numbers(kwargs, error, message):
    x, y = toy_classification()
    with pytest.raises(error, match=message):
        fit(nn.Linear(2, 2), (x, y), loss_fn=nn.CrossEntropyLoss(), progress=False, **kwargs)


def test_fit_accepts_numpy_integers():
    import numpy as np

    x, y = toy_classification(64)
    history = fit(nn.Linear(2, 2), (x, y), epochs=np.int64(2), batch_size=np.int64(16),
                  loss_fn=nn.CrossEntropyLoss(), progress=False, seed=np.int32(3))
    assert len(history["train_loss"]) == 2


def test_fit_rejects_bad_data():
    model, loss = nn.Linear(2, 2), nn.CrossEntropyLoss()
    with pytest.raises(ValueError, match="train needs .* at least one input"):
        fit(model, torch.zeros(0, 2), epochs=1, loss_fn=loss)
    with pytest.raises(ValueError, match="one target per input .* inputs \\[5, 2\\] and targets \\[4\\]"):
        fit(model, (torch.zeros(5, 2), torch.zeros(4).long()), epochs=1, loss_fn=loss)
    with pytest.raises(ValueError, match="valid needs one target per input"):
        fit(model, toy_classification(), epochs=1, loss_fn=loss,
            valid=(torch.zeros(3, 2), torch.zeros(2).long()))
    with pytest.raises(TypeError, match="pair"):
        fit(model, [1, 2, 3], epochs=1, loss_fn=loss)


def test_fit_catches_the_mistakes_students_make():
    x, y = toy_classification(32)
    model = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="write CrossEntropyLoss\\(\\) with parentheses"):
        fit(model, (x, y), epochs=1, loss_fn=nn.CrossEntropyLoss, progress=False)
    with pytest.raises(TypeError, match="got the class Linear"):
        fit(nn.Linear, (x, y), epochs=1, loss_fn=nn.CrossEntropyLoss(), progress=False)
    with pytest.raises(ValueError, match="has no parameters"):
        fit(nn.ReLU(), (x, y), epochs=1, loss_fn=nn.CrossEntropyLoss(), progress=False)
    other = nn.Linear(2, 2)
    with pytest.raises(ValueError, match="not this model's"):
        fit(model, (x, y), epochs=1, loss_fn=nn.CrossEntropyLoss(), progress=False,
            optimizer=torch.optim.SGD(other.parameters(), lr=0.1))
    with pytest.raises(TypeError, match="got the class Adam"):
        fit(model, (x, y), epochs=1, loss_fn=nn.CrossEntropyLoss(), progress=False,
            optimizer=torch.optim.Adam)
    one_hot = nn.functional.one_hot(y, 2)
    with pytest.raises(ValueError, match="one-hot.*argmax"):
        fit(model, (x, one_hot), epochs=1, loss_fn=nn.CrossEntropyLoss(), progress=False)


def test_evaluate_restores_training_mode_when_the_loss_raises():
    model = nn.Linear(2, 2).train()

    def broken(out, target):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        evaluate(model, toy_classification(8), broken)
    assert model.training


def test_fit_one_cycle_builds_its_schedule_from_its_own_step_count():
    x, y = toy_classification(100)
    model = nn.Linear(2, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.4)
    seen = []

    def loss_fn(out, target):  # called once per batch, before the optimiser steps
        seen.append(optimizer.param_groups[0]["lr"])
        return nn.functional.cross_entropy(out, target)

    fit(model, (x, y), epochs=3, batch_size=32, loss_fn=loss_fn, optimizer=optimizer,
        one_cycle=True, progress=False)
    reference = torch.optim.lr_scheduler.OneCycleLR(
        torch.optim.SGD(nn.Linear(2, 2).parameters(), lr=0.4), max_lr=0.4, total_steps=12)
    expected = []
    for _ in range(12):
        expected.append(reference.optimizer.param_groups[0]["lr"])
        reference.optimizer.step()
        reference.step()
    assert len(seen) == 12 == 3 * 4  # ceil(100 / 32) = 4 steps per epoch
    assert seen == pytest.approx(expected)
    assert max(seen) == pytest.approx(0.4, rel=0.02)


@pytest.mark.parametrize("warmup", [0.1, 0.5])
def test_fit_one_cycle_peaks_after_its_warmup_fraction(warmup):
    x, y = toy_classification(100)
    model = nn.Linear(2, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.4)
    seen = []

    def loss_fn(out, target):
        seen.append(optimizer.param_groups[0]["lr"])
        return nn.functional.cross_entropy(out, target)

    fit(model, (x, y), epochs=5, batch_size=10, loss_fn=loss_fn, optimizer=optimizer,
        one_cycle=True, warmup=warmup, progress=False)
    assert len(seen) == 50
    peak = max(range(50), key=seen.__getitem__)
    assert abs(peak - warmup * 50) <= 1, (peak, warmup)  # the rate peaks after warmup * steps
    assert seen[0] < 0.4 / 20 and seen[-1] < 0.4 / 1000  # starts low, ends near zero


def test_fit_records_metrics_and_training_seconds():
    x, y = toy_classification(64)
    history = fit(nn.Linear(2, 2), (x, y), epochs=2, loss_fn=nn.CrossEntropyLoss(), valid=(x, y),
                  metrics={"accuracy": lambda out, t: (out.argmax(1) == t).float().mean()},
                  progress=False)
    assert set(history) == {"train_loss", "valid_loss", "valid_accuracy", "seconds"}
    assert all(0 <= a <= 1 for a in history["valid_accuracy"])
    assert 0 < history["seconds"][0] <= history["seconds"][1]


def test_fit_prints_one_line_per_run_outside_a_notebook(capsys):
    x, y = toy_classification(32)
    fit(nn.Linear(2, 2), (x, y), epochs=2, loss_fn=nn.CrossEntropyLoss(), valid=(x, y))
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("epoch 2/2: train loss")


class DeviceRecorder(nn.Module):
    """A linear model that records the device of every input it sees."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 2)
        self.seen = set()

    def forward(self, x):
        self.seen.add(x.device.type)
        return self.linear(x)


def devices():
    return ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.mark.parametrize("device", devices())
def test_fit_and_evaluate_follow_the_models_device(device):
    x, y = toy_classification(32)
    model = DeviceRecorder().to(device)
    fit(model, (x, y), epochs=1, loss_fn=nn.CrossEntropyLoss(), valid=(x, y), progress=False)
    evaluate(model, (x, y), nn.CrossEntropyLoss())
    assert model.seen == {device} and model.linear.weight.device.type == device


def test_fit_moves_batches_to_the_models_device_meta():
    """The meta device stands in for a GPU: a batch left on the CPU would fail in forward."""
    x, y = toy_classification(32)
    model = DeviceRecorder().to("meta")
    with pytest.raises((NotImplementedError, RuntimeError), match="meta|Cannot"):
        fit(model, (x, y), epochs=1, loss_fn=nn.CrossEntropyLoss(), progress=False)
    assert model.seen == {"meta"}


def test_train_autoencoder_recipes_learn_and_validate():
    import dataclasses

    from helpers.models import Autoencoder, LectureAutoencoder
    from helpers.training import LECTURE, RECIPES, RECOMMENDED, Recipe, train_autoencoder

    g = torch.Generator().manual_seed(0)
    images = torch.rand(96, 1, 28, 28, generator=g) * (torch.rand(96, 1, 1, 1, generator=g) > 0.5)
    lecture, history = train_autoencoder(dataclasses.replace(LECTURE, epochs=3), images,
                                         valid=images[:16], metrics={"mse": nn.MSELoss()},
                                         progress=False)
    assert isinstance(lecture, LectureAutoencoder) and not lecture.training
    assert len(history["train_loss"]) == len(history["valid_loss"]) == len(history["valid_mse"]) == 3
    small = dataclasses.replace(RECOMMENDED, epochs=4, latent_dim=8, width=8)
    model, history = train_autoencoder(small, images, progress=False)
    assert isinstance(model, Autoencoder) and model.latent_dim == 8 and model.upsampling == "subpixel_icnr"
    assert history["train_loss"][-1] < history["train_loss"][0]
    assert RECIPES == {"lecture": LECTURE, "recommended": RECOMMENDED}
    with pytest.raises(dataclasses.FrozenInstanceError):
        RECOMMENDED.epochs = 1  # shared recipes cannot be changed by accident
    with pytest.raises(ValueError, match="recipe='fast' is not one of 'lecture', 'recommended'"):
        train_autoencoder("fast", images)
    with pytest.raises(ValueError, match="loss='l1' is not one of 'mse', 'bce'"):
        Recipe(loss="l1")


def test_train_autoencoder_catches_the_mistakes_students_make():
    from helpers.training import train_autoencoder

    images = torch.rand(8, 1, 28, 28)
    with pytest.raises(ValueError, match="divide by 255"):
        train_autoencoder("lecture", images * 255)
    with pytest.raises(ValueError, match=r"train must be images \[N, 1, 28, 28\]"):
        train_autoencoder("lecture", torch.rand(8, 1, 32, 32))
    with pytest.raises(TypeError, match="unexpected keyword argument 'batch_size'"):
        train_autoencoder("lecture", images, batch_size=32)


def test_the_seed_offset_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("UPCONV_SEED", "2")
    set_seed(1)
    a = torch.rand(3)
    torch.manual_seed(3)
    assert torch.equal(a, torch.rand(3))
    monkeypatch.setenv("UPCONV_SEED", "one")
    with pytest.raises(ValueError, match="UPCONV_SEED"):
        set_seed(0)
