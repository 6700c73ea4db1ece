"""Run folders: where runs go, what is refused, and that nothing is lost."""

import argparse
import csv
import json

import pytest

import cnn
from common import RunError, runs
from common.runs import Run, write_atomically


def run_args(**settings):
    values = dict(out_dir=None, resume=False, overwrite=False, epochs=3, seed=0)
    values.update(settings)
    return argparse.Namespace(**values)


def history_epochs(folder):
    with open(folder / "history.csv", newline="") as file:
        return [int(row["epoch"]) for row in csv.DictReader(file)]


def summary(folder):
    return json.loads((folder / "summary.json").read_text())


def interrupt_at_epoch(monkeypatch, epoch):
    """Make Ctrl-C arrive as epoch `epoch` (0-based) begins."""
    start = runs.EpochTimer.on_epoch_begin

    def on_epoch_begin(self, index, logs=None):
        if index == epoch:
            raise KeyboardInterrupt
        start(self, index, logs)

    monkeypatch.setattr(runs.EpochTimer, "on_epoch_begin", on_epoch_begin)


def test_runs_without_out_dir_are_numbered_from_run_001(runs_root):
    first = Run("cnn", run_args())
    assert first.dir == runs_root / "cnn" / "run-001"
    first.dir.mkdir()
    first.write_summary(status="finished")
    assert Run("cnn", run_args()).dir == runs_root / "cnn" / "run-002"


def test_a_run_that_fails_before_it_begins_leaves_no_folder(runs_root):
    Run("cnn", run_args())  # then, say, the data folder turns out to be missing
    assert not (runs_root / "cnn" / "run-001").exists()


def test_an_empty_numbered_folder_is_used_again(runs_root):
    (runs_root / "cnn" / "run-001").mkdir(parents=True)
    assert Run("cnn", run_args()).dir == runs_root / "cnn" / "run-001"


def test_a_finished_run_is_not_overwritten(tmp_path):
    Run("cnn", run_args(out_dir=str(tmp_path))).write_summary(status="finished")
    with pytest.raises(RunError, match="already holds a finished run.*--overwrite"):
        Run("cnn", run_args(out_dir=str(tmp_path)))
    assert Run("cnn", run_args(out_dir=str(tmp_path), overwrite=True))


def test_an_unfinished_run_asks_for_resume_or_overwrite(tmp_path):
    Run("cnn", run_args(out_dir=str(tmp_path))).write_summary(status="running")
    with pytest.raises(RunError, match="--resume.*--overwrite"):
        Run("cnn", run_args(out_dir=str(tmp_path)))


def test_resume_refuses_a_finished_run(tmp_path):
    Run("cnn", run_args(out_dir=str(tmp_path))).write_summary(status="finished")
    with pytest.raises(RunError, match="finished run; there is nothing to resume"):
        Run("cnn", run_args(out_dir=str(tmp_path), resume=True))


def test_resume_refuses_another_scripts_run(tmp_path):
    Run("cnn", run_args(out_dir=str(tmp_path))).write_summary(status="running")
    with pytest.raises(RunError, match="run of cnn.py, not of cnn_with_gap.py"):
        Run("cnn_with_gap", run_args(out_dir=str(tmp_path), resume=True))


def test_resume_without_any_run_says_so(runs_root):
    with pytest.raises(RunError, match="no run of cnn.py to resume"):
        Run("cnn", run_args(resume=True))


def test_an_unwritable_out_dir_fails_before_anything_runs(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(RunError, match="cannot write to .*choose another --out-dir"):
        Run("cnn", run_args(out_dir=str(blocker / "run")))


def test_a_failed_write_keeps_the_old_file(tmp_path):
    target = tmp_path / "summary.json"
    target.write_text('{"status": "finished"}')

    def crash_halfway(temporary):
        temporary.write_text('{"status": "runn')
        raise OSError("disk full")

    with pytest.raises(OSError):
        write_atomically(target, crash_halfway)
    assert target.read_text() == '{"status": "finished"}'
    assert list(tmp_path.iterdir()) == [target]


def test_interrupted_run_keeps_its_finished_epochs(tiny_cifar, tmp_path, monkeypatch):
    out = tmp_path / "run"
    interrupt_at_epoch(monkeypatch, 2)
    args = ["--data-dir", str(tiny_cifar), "--out-dir", str(out), "--epochs", "4"]
    assert cnn.main(args) == 130
    assert history_epochs(out) == [0, 1]
    assert summary(out)["status"] == "interrupted"
    assert summary(out)["epochs_run"] == 2
    for name in ("acc.png", "loss.png", "model_after.keras", "backup"):
        assert (out / name).exists(), name


def test_resume_completes_the_run_with_each_epoch_once(
    tiny_cifar, tmp_path, monkeypatch
):
    out = tmp_path / "run"
    with monkeypatch.context() as patch:
        interrupt_at_epoch(patch, 2)
        args = ["--data-dir", str(tiny_cifar), "--out-dir", str(out), "--epochs", "4"]
        assert cnn.main(args) == 130
    # Resuming takes the saved settings: 4 epochs, the same data.
    assert cnn.main(["--out-dir", str(out), "--resume"]) == 0
    assert history_epochs(out) == [0, 1, 2, 3]
    assert summary(out)["status"] == "finished"
    assert summary(out)["epochs_run"] == 4
    assert not (out / "backup").exists()


def test_resume_drops_a_history_row_the_backup_never_saw(
    tiny_cifar, tmp_path, monkeypatch
):
    out = tmp_path / "run"
    with monkeypatch.context() as patch:
        interrupt_at_epoch(patch, 1)
        args = ["--data-dir", str(tiny_cifar), "--out-dir", str(out), "--epochs", "3"]
        assert cnn.main(args) == 130
    # As if the process died after writing epoch 1's row but before its backup.
    with open(out / "history.csv", "a") as file:
        file.write("1,0.5,1.0,0.1,0.5,1.0\n")
    assert cnn.main(["--out-dir", str(out), "--resume"]) == 0
    assert history_epochs(out) == [0, 1, 2]
