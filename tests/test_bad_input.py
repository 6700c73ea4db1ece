"""The README's troubleshooting table: each bad input stops a script at once.

Every row runs a script as the command line does (through run_script), and
checks the exit status 2, a one-line message that names the problem and the
fix, and that nothing past the check ran: no training, no run files.
"""

import pickle

import pytest
from PIL import Image

import cnn
import transfer_learning
from common import run_script
from conftest import write_png_tree
from test_cifar10 import (
    RunsShellCommand,
    small_cifar,
    write_binary_folder,
    write_python_folder,
)


def stops_with(main, args, capsys):
    """Run main(args) as the command line would; return its one-line error."""
    with pytest.raises(SystemExit) as exited:
        run_script(lambda: main(args))
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert "Epoch 1/" not in captured.out
    message = captured.err.strip()
    assert message.count("\n") == 0, message
    return message


def cnn_error(data_dir, tmp_path, capsys, *flags):
    out = tmp_path / "run"
    args = ["--data-dir", str(data_dir), "--out-dir", str(out), *flags]
    message = stops_with(cnn.main, args, capsys)
    assert not (out / "summary.json").exists()
    assert not (out / "model_before.keras").exists()
    return message


def png_tree(tmp_path):
    return write_png_tree(tmp_path / "data", small_cifar())


def test_missing_data_folder(tmp_path, capsys):
    message = cnn_error(tmp_path / "nowhere", tmp_path, capsys)
    missing = tmp_path / "nowhere"
    assert f"{missing}: no such file or folder; give a CIFAR-10 copy's path" in message


def test_empty_data_folder(tmp_path, capsys):
    (tmp_path / "data").mkdir()
    assert "is empty" in cnn_error(tmp_path / "data", tmp_path, capsys)


def test_folder_in_no_known_layout(tmp_path, capsys):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "readme.txt").write_text("not CIFAR-10")
    message = cnn_error(tmp_path / "data", tmp_path, capsys)
    assert "cifar-10-batches-py/" in message and "train/<class>/" in message


def test_truncated_batch_file(tmp_path, capsys):
    folder = write_binary_folder(tmp_path / "data", small_cifar())
    batch = folder / "data_batch_5.bin"
    batch.write_bytes(batch.read_bytes()[:5000])
    message = cnn_error(folder, tmp_path, capsys)
    assert str(batch) in message and "truncated" in message


def test_corrupt_image(tmp_path, capsys):
    root = png_tree(tmp_path)
    broken = root / "train" / "frog" / "0006.png"
    broken.write_bytes(b"not a png")
    assert str(broken) in cnn_error(root, tmp_path, capsys)


def test_image_of_the_wrong_size(tmp_path, capsys):
    root = png_tree(tmp_path)
    Image.new("RGB", (64, 64)).save(root / "test" / "cat" / "0000.png")
    message = cnn_error(root, tmp_path, capsys)
    assert "64x64" in message and "32x32" in message


def test_class_folder_that_is_not_a_cifar10_class(tmp_path, capsys):
    root = png_tree(tmp_path)
    (root / "train" / "unicorn").mkdir()
    message = cnn_error(root, tmp_path, capsys)
    assert "unicorn" in message and "truck" in message


def test_crafted_pickle_does_not_run(tmp_path, capsys):
    folder = write_python_folder(tmp_path / "data", small_cifar())
    marker = tmp_path / "pwned"
    payload = pickle.dumps(RunsShellCommand(f"touch '{marker}'"), protocol=2)
    (folder / "test_batch").write_bytes(payload)
    message = cnn_error(folder, tmp_path, capsys)
    assert "test_batch" in message
    assert not marker.exists()


def test_weights_for_another_alpha(real_mobilenet_weights, tmp_path, capsys):
    args = ["--weights", str(real_mobilenet_weights), "--alpha", "0.75"]
    args += ["--out-dir", str(tmp_path)]
    message = stops_with(transfer_learning.main, args, capsys)
    assert "alpha=0.25, not 0.75" in message


def test_corrupt_weights_file(tmp_path, capsys):
    corrupt = tmp_path / "weights.h5"
    corrupt.write_bytes(b"\0" * 1000)
    args = ["--weights", str(corrupt), "--alpha", "0.25", "--out-dir", str(tmp_path)]
    message = stops_with(transfer_learning.main, args, capsys)
    assert f"cannot load {corrupt} into MobileNet alpha=0.25" in message


def test_output_folder_that_cannot_be_written(tiny_cifar, tmp_path, capsys):
    (tmp_path / "file").write_text("")
    out = tmp_path / "file" / "run"
    args = ["--data-dir", str(tiny_cifar), "--out-dir", str(out)]
    message = stops_with(cnn.main, args, capsys)
    assert "cannot write to" in message and "--out-dir" in message


@pytest.mark.parametrize("flag", ["--epochs", "--batch-size", "--limit"])
@pytest.mark.parametrize("value", ["0", "-3"])
def test_counts_of_zero_or_less(tiny_cifar, tmp_path, capsys, flag, value):
    message = cnn_error(tiny_cifar, tmp_path, capsys, flag, value)
    assert f"argument {flag}: must be 1 or more, got {int(value)}" in message


@pytest.mark.parametrize("seed", ["-1", str(2**32)])
def test_seed_that_keras_cannot_take(tiny_cifar, tmp_path, capsys, seed):
    message = cnn_error(tiny_cifar, tmp_path, capsys, "--seed", seed)
    assert "argument --seed: must be" in message and seed in message


def test_limit_larger_than_the_data(tiny_cifar, tmp_path, capsys):
    # The tiny copy holds 60 training images.
    message = cnn_error(tiny_cifar, tmp_path, capsys, "--limit", "61")
    assert "--limit 61 is larger than the 60 training images" in message


def test_finished_run_in_out_dir(tiny_cifar, tmp_path, capsys):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "summary.json").write_text('{"status": "finished"}')
    args = ["--data-dir", str(tiny_cifar), "--out-dir", str(tmp_path / "run")]
    message = stops_with(cnn.main, args, capsys)
    assert "already holds a finished run" in message


def test_resume_with_nothing_to_resume(tmp_path, capsys):
    args = ["--out-dir", str(tmp_path / "empty"), "--resume"]
    message = stops_with(cnn.main, args, capsys)
    assert "nothing to resume" in message
