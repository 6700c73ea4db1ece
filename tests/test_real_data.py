"""The CNN on a slice of the real CIFAR-10: it must learn, not just run."""

import json

import cnn


def test_cnn_learns_well_above_chance_on_real_images(real_cifar, tmp_path):
    out = tmp_path / "run"
    # 5,000 training images, 2 epochs; scored on the whole 10,000-image test set.
    args = ["--data-dir", str(real_cifar), "--out-dir", str(out), "--limit", "5000"]
    assert cnn.main(args + ["--epochs", "2"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    # Ten classes: guessing scores 0.10. The full recipe reaches about 0.65.
    assert summary["best_val_accuracy"] > 0.3
