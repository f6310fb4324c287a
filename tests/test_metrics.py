"""helpers.metrics: confusion matrix and segmentation scores, by hand and against torchmetrics."""

import math

import pytest
import torch
from torchmetrics.classification import MulticlassAccuracy, MulticlassConfusionMatrix, MulticlassJaccardIndex

from helpers.metrics import confusion_matrix, segmentation_scores


def random_segmentation(seed, n=4, size=16, num_classes=5):
    g = torch.Generator().manual_seed(seed)
    target = torch.randint(num_classes, (n, size, size), generator=g)
    noise = torch.randint(num_classes, (n, size, size), generator=g)
    keep = torch.rand(n, size, size, generator=g) < 0.7
    return torch.where(keep, target, noise), target


def test_hand_computed_example():
    target = torch.tensor([[0, 0, 1, 1], [0, 0, 1, 2]])
    pred = torch.tensor([[0, 1, 1, 1], [0, 0, 2, 2]])
    cm = confusion_matrix(pred, target, 3)
    assert cm.tolist() == [[3, 1, 0], [0, 2, 1], [0, 0, 1]]
    scores = segmentation_scores(pred, target, 3)
    assert scores["pixel_accuracy"] == pytest.approx(6 / 8)
    assert scores["per_class_iou"] == pytest.approx([3 / 4, 2 / 4, 1 / 2])
    assert scores["mean_iou"] == pytest.approx((3 / 4 + 2 / 4 + 1 / 2) / 3)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_against_torchmetrics(seed):
    pred, target = random_segmentation(seed)
    ours = segmentation_scores(pred, target, 5)
    cm = MulticlassConfusionMatrix(num_classes=5)(pred.flatten(), target.flatten())
    assert torch.equal(confusion_matrix(pred, target, 5), cm)
    iou = MulticlassJaccardIndex(num_classes=5, average=None)(pred.flatten(), target.flatten())
    assert ours["per_class_iou"] == pytest.approx(iou.tolist(), abs=1e-6)
    assert ours["mean_iou"] == pytest.approx(float(iou.mean()), abs=1e-6)
    acc = MulticlassAccuracy(num_classes=5, average="micro")(pred.flatten(), target.flatten())
    assert ours["pixel_accuracy"] == pytest.approx(float(acc), abs=1e-6)


def test_classes_absent_from_both_are_left_out_of_the_mean():
    target = torch.tensor([0, 0, 1, 1])
    pred = torch.tensor([0, 1, 1, 1])
    scores = segmentation_scores(pred, target, 4)  # classes 2 and 3 never occur
    assert math.isnan(scores["per_class_iou"][2]) and math.isnan(scores["per_class_iou"][3])
    assert scores["mean_iou"] == pytest.approx((1 / 2 + 2 / 3) / 2)
    # a class predicted but absent from the truth counts, with IoU 0
    assert segmentation_scores(torch.tensor([0, 2]), torch.tensor([0, 0]), 3)["per_class_iou"][2] == 0


@pytest.mark.parametrize("pred, target, num_classes, error, message", [
    (torch.zeros(2, 3).long(), torch.zeros(3, 2).long(), 3, ValueError, "same shape"),
    (torch.zeros(4), torch.zeros(4).long(), 3, TypeError, "argmax"),
    (torch.tensor([0, 3]), torch.tensor([0, 1]), 3, ValueError, "outside 0..2"),
    (torch.tensor([0, 1]), torch.tensor([-1, 1]), 3, ValueError, "target holds class -1"),
    (torch.tensor([0]), torch.tensor([0]), 1, ValueError, "num_classes must be an integer >= 2"),
    (torch.tensor([0]), torch.tensor([0]), 2.0, TypeError, "num_classes must be an integer >= 2, got 2.0"),
    ([0, 1], torch.tensor([0, 1]), 2, TypeError, "pred must be a torch.Tensor"),
    (torch.tensor([0, 1]), (0, 1), 2, TypeError, "target must be a torch.Tensor"),
    (torch.zeros(0).long(), torch.zeros(0).long(), 2, ValueError, "pred is empty"),
    (torch.zeros(4, 3, 5, 5), torch.zeros(4, 5, 5).long(), 3, TypeError, r"pred.argmax\(1\)"),
    (torch.zeros(4).long(), torch.zeros(4, 3).long(), 3, ValueError, r"target looks one-hot.*argmax"),
])
def test_validation(pred, target, num_classes, error, message):
    with pytest.raises(error, match=message):
        segmentation_scores(pred, target, num_classes)


def test_integer_and_boolean_inputs_of_any_origin():
    import numpy as np

    pred, target = torch.tensor([True, False, True]), torch.tensor([1, 0, 0])
    assert confusion_matrix(pred, target, np.int64(2)).tolist() == [[1, 1], [0, 1]]
    assert confusion_matrix(pred, target, torch.tensor(2)).tolist() == [[1, 1], [0, 1]]
