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


@pytest.mark.parametrize("kwargs, message", [
    ({"epochs": 0}, "epochs must be an integer >= 1"),
    ({"epochs": 1, "batch_size": 0}, "batch_size must be an integer >= 1"),
])
def test_fit_rejects_bad_numbers(kwargs, message):
    x, y = toy_classification()
    with pytest.raises(ValueError, match=message):
        fit(nn.Linear(2, 2), (x, y), loss_fn=nn.CrossEntropyLoss(), progress=False, **kwargs)


def test_fit_rejects_bad_data():
    model, loss = nn.Linear(2, 2), nn.CrossEntropyLoss()
    with pytest.raises(ValueError, match="train is empty"):
        fit(model, torch.zeros(0, 2), epochs=1, loss_fn=loss)
    with pytest.raises(ValueError, match="5 inputs but 4 targets"):
        fit(model, (torch.zeros(5, 2), torch.zeros(4).long()), epochs=1, loss_fn=loss)
    with pytest.raises(ValueError, match="valid has 3 inputs but 2 targets"):
        fit(model, toy_classification(), epochs=1, loss_fn=loss,
            valid=(torch.zeros(3, 2), torch.zeros(2).long()))
    with pytest.raises(TypeError, match="pair"):
        fit(model, [1, 2, 3], epochs=1, loss_fn=loss)


def test_train_autoencoder_recipes_learn_and_validate():
    from helpers.models import Autoencoder, LectureAutoencoder
    from helpers.training import train_autoencoder

    g = torch.Generator().manual_seed(0)
    images = torch.rand(96, 1, 28, 28, generator=g) * (torch.rand(96, 1, 1, 1, generator=g) > 0.5)
    lecture, history = train_autoencoder("lecture", images, valid=images[:16], epochs=3, progress=False)
    assert isinstance(lecture, LectureAutoencoder) and not lecture.training
    assert len(history["train_loss"]) == len(history["valid_loss"]) == 3
    model, history = train_autoencoder("recommended", images, epochs=4, progress=False, latent_dim=8,
                                       width=8)
    assert isinstance(model, Autoencoder) and model.latent_dim == 8 and model.kind == "subpixel_icnr"
    assert history["train_loss"][-1] < history["train_loss"][0]
    with pytest.raises(ValueError, match="lecture, recommended"):
        train_autoencoder("fast", images)
