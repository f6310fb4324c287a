"""Segmentation scores from a confusion matrix (notebook 01).

Pixel accuracy and intersection over union as in Long, Shelhamer & Darrell,
"Fully Convolutional Networks for Semantic Segmentation" (CVPR 2015), section 5.
Cross-checked against torchmetrics in tests/test_metrics.py.
"""

from __future__ import annotations

import torch

from helpers._checks import check_int


def confusion_matrix(pred: torch.Tensor, target: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Return the [num_classes, num_classes] matrix counting (true class, predicted class) pairs."""
    check_int("num_classes", num_classes, 2)
    if not isinstance(pred, torch.Tensor) or not isinstance(target, torch.Tensor):
        raise TypeError("pred and target must be tensors of class indices")
    if pred.shape != target.shape:
        raise ValueError(f"pred has shape {list(pred.shape)} but target {list(target.shape)}; "
                         f"pass class indices of the same shape (pred = logits.argmax(1))")
    if pred.is_floating_point() or target.is_floating_point():
        raise TypeError("pred and target must hold integer class indices; use logits.argmax(1)")
    for name, t in (("pred", pred), ("target", target)):
        if t.numel() and (t.min() < 0 or t.max() >= num_classes):
            raise ValueError(f"{name} holds class {int(t.min())}..{int(t.max())}, outside "
                             f"0..{num_classes - 1}")
    index = target.reshape(-1).long() * num_classes + pred.reshape(-1).long()
    return torch.bincount(index, minlength=num_classes ** 2).reshape(num_classes, num_classes)


def segmentation_scores(pred: torch.Tensor, target: torch.Tensor, num_classes: int) -> dict:
    """Return pixel accuracy, mean IoU and per-class IoU (NaN for classes absent from both)."""
    cm = confusion_matrix(pred, target, num_classes).double()
    tp = cm.diag()
    union = cm.sum(0) + cm.sum(1) - tp
    present = union > 0  # classes absent from prediction and truth are left out of the mean
    iou = torch.where(present, tp / union.clamp_min(1), torch.tensor(float("nan"), dtype=cm.dtype))
    return {
        "pixel_accuracy": float(tp.sum() / cm.sum().clamp_min(1)),
        "mean_iou": float(iou[present].mean()) if present.any() else float("nan"),
        "per_class_iou": iou.tolist(),
    }
