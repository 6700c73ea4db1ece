"""Each script end to end: one epoch on tiny synthetic data, files checked."""

import csv
import json

import numpy as np
import pytest
from PIL import Image

import cnn
import cnn_with_gap
import flatten_pitfall
import show_cifar10
import visualize_weights
from common import RunError

RUN_FILES = [
    "history.csv",
    "acc.png",
    "loss.png",
    "confusion.png",
    "model_before.keras",
    "model_after.keras",
    "summary.json",
]


def read_run(folder):
    summary = json.loads((folder / "summary.json").read_text())
    with open(folder / "history.csv", newline="") as file:
        history = list(csv.DictReader(file))
    return summary, history


def is_png(path):
    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def cnn_run(tiny_cifar, tmp_path_factory):
    out = tmp_path_factory.mktemp("cnn") / "run"
    status = cnn.main(["--data-dir", str(tiny_cifar), "--out-dir", str(out)] + [
        "--epochs", "1", "--batch-size", "20"
    ])
    assert status == 0
    return out


def test_cnn_writes_every_run_file(cnn_run):
    for name in RUN_FILES:
        assert (cnn_run / name).is_file(), name
    for name in ("acc.png", "loss.png", "confusion.png"):
        assert is_png(cnn_run / name)


def test_cnn_summary_records_the_run(cnn_run, tiny_cifar):
    summary, history = read_run(cnn_run)
    assert summary["script"] == "cnn.py"
    assert summary["status"] == "finished"
    assert summary["params"] == 591_390
    assert summary["epochs_run"] == len(history) == 1
    assert summary["best_val_accuracy"] == pytest.approx(
        float(history[0]["val_accuracy"])
    )
    assert str(tiny_cifar) in summary["data"]
    assert set(summary["per_class_accuracy"]) == set(show_cifar10.common.CLASS_NAMES)


def test_cnn_history_row_holds_train_and_test_figures(cnn_run):
    _, history = read_run(cnn_run)
    row = history[0]
    assert row["epoch"] == "0"
    for name in ("accuracy", "val_accuracy"):
        # 20 test images: accuracy is a whole number of twentieths.
        assert 0 <= float(row[name]) <= 1
    assert round(float(row["val_accuracy"]) * 20, 4).is_integer()
    assert float(row["seconds"]) > 0


def test_cnn_with_gap_runs_with_6390_parameters(tiny_cifar, tmp_path):
    out = tmp_path / "gap"
    args = ["--data-dir", str(tiny_cifar), "--out-dir", str(out), "--epochs", "1"]
    assert cnn_with_gap.main(args) == 0
    summary, history = read_run(out)
    assert summary["script"] == "cnn_with_gap.py"
    assert summary["params"] == 6_390
    assert summary["epochs"] == 1 and len(history) == 1


def test_visualize_weights_tiles_30_filters_before_and_after(cnn_run):
    assert visualize_weights.main(["--run-dir", str(cnn_run), "--scale", "8"]) == 0
    before = np.asarray(Image.open(cnn_run / "filters_before.png"))
    after = np.asarray(Image.open(cnn_run / "filters_after.png"))
    # 6 rows and 5 columns of 40x40 tiles with 2-pixel gaps.
    assert before.shape == after.shape == (6 * 40 + 5 * 2, 5 * 40 + 4 * 2, 3)
    assert not np.array_equal(before, after)


def test_visualize_weights_refuses_a_run_without_first_layer_filters(tmp_path):
    (tmp_path / "summary.json").write_text('{"script": "transfer_learning.py"}')
    with pytest.raises(RunError, match="is a run of transfer_learning.py"):
        visualize_weights.main(["--run-dir", str(tmp_path)])


def test_visualize_weights_of_a_missing_run_names_the_command(tmp_path):
    with pytest.raises(RunError, match="python chapter7/cnn.py"):
        visualize_weights.main(["--run-dir", str(tmp_path)])


def test_show_cifar10_saves_the_samples(tiny_cifar, tmp_path, capsys):
    out = tmp_path / "samples.png"
    args = ["--data-dir", str(tiny_cifar), "--count", "6", "--out", str(out)]
    assert show_cifar10.main(args) == 0
    assert is_png(out)
    assert "(60, 32, 32, 3)" in capsys.readouterr().out


def test_flatten_pitfall_prints_the_three_parameter_counts(capsys):
    assert flatten_pitfall.main([]) == 0
    table = capsys.readouterr().out.splitlines()[-3:]
    assert table[0].split()[-5:] == ["(None,", "14,", "14,", "30)", "2,280"]
    assert table[1].split()[-5:] == ["(None,", "14,", "14,", "100)", "5,380"]
    assert table[2].split()[-3:] == ["(None,", "100)", "591,390"]
