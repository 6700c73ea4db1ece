"""transfer_learning.py: the article's MobileNet figures and its weights checks."""

import json

import h5py
import numpy as np
import pytest

import transfer_learning
from common import RunError


def non_trainable(model):
    return sum(int(np.prod(weight.shape)) for weight in model.non_trainable_weights)


def test_alpha_1_matches_the_articles_summary():
    model = transfer_learning.build_model(alpha=1.0)
    assert model.count_params() == 3_239_114
    assert non_trainable(model) == 21_888
    # The head: 1,024 pooled features * 10 classes + 10 biases.
    assert model.layers[-1].count_params() == 10_250


def test_alpha_quarter_base_has_218544_parameters():
    model = transfer_learning.build_model(alpha=0.25)
    assert model.get_layer("mobilenet").count_params() == 218_544
    assert model.count_params() == 221_114


def test_upsampling_adds_no_parameters():
    model = transfer_learning.build_model(alpha=0.25, image_size=64)
    assert model.count_params() == 221_114
    assert tuple(model.get_layer("mobilenet").input.shape) == (None, 64, 64, 3)


def test_weights_file_names_follow_keras():
    assert transfer_learning.weights_file_name(0.25) == "mobilenet_2_5_224_tf_no_top.h5"
    assert transfer_learning.weights_file_name(1.0) == "mobilenet_1_0_224_tf_no_top.h5"


def test_local_imagenet_weights_load_into_the_base(real_mobilenet_weights):
    model = transfer_learning.build_model(0.25, weights=str(real_mobilenet_weights))
    with h5py.File(real_mobilenet_weights, "r") as file:
        saved = file["conv1"]["conv1/kernel:0"][()]
    loaded = model.get_layer("mobilenet").get_layer("conv1").kernel.numpy()
    # 3x3 kernel, 3 colours, 32 * 0.25 = 8 filters.
    assert loaded.shape == (3, 3, 3, 8)
    np.testing.assert_array_equal(loaded, saved)


def main_error(args):
    with pytest.raises(RunError) as raised:
        transfer_learning.main(args)
    message = str(raised.value)
    assert "\n" not in message
    return message


def test_weights_for_another_alpha_stop_before_training(
    real_mobilenet_weights, tmp_path
):
    args = ["--weights", str(real_mobilenet_weights), "--alpha", "0.5"]
    message = main_error(args + ["--out-dir", str(tmp_path / "run")])
    assert "alpha=0.25, not 0.5" in message
    assert "mobilenet_5_0_224_tf_no_top.h5" in message
    assert not (tmp_path / "run" / "summary.json").exists()


def test_corrupt_weights_file_is_named(tmp_path):
    corrupt = tmp_path / "mobilenet_2_5_224_tf_no_top.h5"
    corrupt.write_bytes(b"this is not an HDF5 file" * 40)
    args = ["--weights", str(corrupt), "--alpha", "0.25"]
    message = main_error(args + ["--out-dir", str(tmp_path / "run")])
    assert message.startswith(f"cannot load {corrupt}")
    assert "mobilenet_2_5_224_tf_no_top.h5" in message


def test_missing_weights_file_is_named(tmp_path):
    missing = tmp_path / "nowhere.h5"
    message = main_error(["--weights", str(missing), "--out-dir", str(tmp_path)])
    assert message.startswith(f"no weights file at {missing}")


def test_failed_download_suggests_a_local_file(tmp_path, monkeypatch):
    from keras.src.utils import file_utils

    def offline(*args, **kwargs):
        raise Exception("URL fetch failure: no network")

    monkeypatch.setattr(file_utils, "get_file", offline)
    message = main_error(["--alpha", "0.25", "--out-dir", str(tmp_path / "run")])
    assert "could not download" in message
    assert "--weights PATH" in message and "--weights none" in message


def test_one_epoch_from_random_weights_records_accuracy_before(tiny_cifar, tmp_path):
    out = tmp_path / "run"
    args = ["--data-dir", str(tiny_cifar), "--out-dir", str(out), "--weights"]
    status = transfer_learning.main(args + ["none", "--alpha", "0.25", "--epochs", "1"])
    assert status == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["script"] == "transfer_learning.py"
    assert summary["params"] == 221_114
    assert summary["epochs_run"] == 1
    # 20 test images: the accuracy before training is a whole number of twentieths.
    assert round(summary["accuracy_before"] * 20, 4).is_integer()
    for name in ("history.csv", "acc.png", "loss.png", "model_after.keras"):
        assert (out / name).is_file(), name
