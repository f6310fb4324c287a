"""Segmentation scores from a confusion matrix (notebook 01).

Pixel accuracy and intersection over union as in Long, Shelhamer & Darrell,
"Fully Convolutional Networks for Semantic Segmentation" (CVPR 2015), section 5.
Cross-checked against torchmetrics in tests/test_metrics.py.
"""

from __future__ import annotations

import torch

from helpers._checks import check_int, check_tensor, describe


def _check_indices(name: str, t) -> None:
    """Check that `t` is a tensor of integer class indices; name the fix for scores or one-hot."""
    check_tensor(name, t)
    if t.is_floating_point() or t.is_complex():
        raise TypeError(f"{name} must hold integer class indices, got {describe(t)}; for "
                        f"scores or probabilities [N, C, ...] use {name}.argmax(1)")


def confusion_matrix(pred: torch.Tensor, target: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Return the [num_classes, num_classes] matrix counting (true class, predicted class) pairs."""
    num_classes = check_int("num_classes", num_classes, 2)
    _check_indices("pred", pred)
    _check_indices("target", target)
    if pred.shape != target.shape:
        hint = "pass class indices of the same shape (pred = logits.argmax(1))"
        for name, a, b in (("pred", pred, target), ("target", target, pred)):
            if a.dim() == b.dim() + 1 and a.shape[1] == num_classes:
                hint = f"{name} looks one-hot or like scores over {num_classes} classes: use {name}.argmax(1)"
        raise ValueError(f"pred has shape {list(pred.shape)} but target {list(target.shape)}; {hint}")
    if pred.device != target.device:
        raise ValueError(f"pred is on {pred.device} but target on {target.device}; move one "
                         f"with .to(...)")
    for name, t in (("pred", pred), ("target", target)):
        low, high = int(t.min()), int(t.max())
        if low < 0 or high >= num_classes:
            raise ValueError(f"{name} holds class {low}..{high}, outside 0..{num_classes - 1} "
                             f"(num_classes={num_classes})")
    index = target.reshape(-1).long() * num_classes + pred.reshape(-1).long()
    return torch.bincount(index, minlength=num_classes ** 2).reshape(num_classes, num_classes)


def segmentation_scores(pred: torch.Tensor, target: torch.Tensor, num_classes: int) -> dict:
    """Return pixel accuracy, mean IoU and per-class IoU (NaN for classes absent from both)."""
    cm = confusion_matrix(pred, target, num_classes).double().cpu()
    tp = cm.diag()
    union = cm.sum(0) + cm.sum(1) - tp
    present = union > 0  # classes absent from prediction and truth are left out of the mean
    iou = torch.where(present, tp / union.clamp_min(1), torch.tensor(float("nan"), dtype=cm.dtype))
    return {
        "pixel_accuracy": float(tp.sum() / cm.sum()),
        "mean_iou": float(iou[present].mean()),
        "per_class_iou": iou.tolist(),
    }
