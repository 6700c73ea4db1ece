"""Run folders: where runs go, what is refused, and that nothing is lost."""

import argparse
import csv
import json
import os
import shutil
import signal

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


def stopped_run(monkeypatch, data_dir, out, epochs, stop_at):
    """Start cnn.py for `epochs` epochs and press Ctrl-C as epoch `stop_at`
    (0-based) begins; the run must report the interruption."""
    with monkeypatch.context() as patch:
        interrupt_at_epoch(patch, stop_at)
        args = ["--data-dir", str(data_dir), "--out-dir", str(out)]
        assert cnn.main(args + ["--epochs", str(epochs)]) == 130


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
    stopped_run(monkeypatch, tiny_cifar, out, epochs=4, stop_at=2)
    assert history_epochs(out) == [0, 1]
    assert summary(out)["status"] == "interrupted"
    assert summary(out)["epochs_run"] == 2
    for name in ("acc.png", "loss.png", "model_after.keras", "backup"):
        assert (out / name).exists(), name


def test_resume_completes_the_run_with_each_epoch_once(
    tiny_cifar, tmp_path, monkeypatch
):
    out = tmp_path / "run"
    stopped_run(monkeypatch, tiny_cifar, out, epochs=4, stop_at=2)
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
    stopped_run(monkeypatch, tiny_cifar, out, epochs=3, stop_at=1)
    # As if the process died after writing epoch 1's row but before its backup.
    with open(out / "history.csv", "a") as file:
        file.write("1,0.5,1.0,0.1,0.5,1.0\n")
    assert cnn.main(["--out-dir", str(out), "--resume"]) == 0
    assert history_epochs(out) == [0, 1, 2]


def test_ctrl_c_while_the_results_are_written_is_held_off(
    tiny_cifar, tmp_path, monkeypatch
):
    out = tmp_path / "run"
    real_save_figure = runs.save_figure

    def save_figure_then_ctrl_c(figure, path):
        real_save_figure(figure, path)
        os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(runs, "save_figure", save_figure_then_ctrl_c)
    args = ["--data-dir", str(tiny_cifar), "--out-dir", str(out), "--epochs", "2"]
    assert cnn.main(args) == 0
    assert summary(out)["status"] == "finished"
    assert history_epochs(out) == [0, 1]


def test_a_crash_while_writing_results_resumes_without_training_again(
    tiny_cifar, tmp_path, monkeypatch
):
    out = tmp_path / "run"
    with monkeypatch.context() as patch:

        def crash(*args):
            raise RuntimeError("power cut")

        patch.setattr(Run, "_save_confusion", crash)
        args = ["--data-dir", str(tiny_cifar), "--out-dir", str(out), "--epochs", "2"]
        with pytest.raises(RuntimeError):
            cnn.main(args)
    assert summary(out)["status"] == "running"
    history_before = (out / "history.csv").read_text()

    assert cnn.main(["--out-dir", str(out), "--resume"]) == 0
    # No epoch ran again: the history is the one from before the crash.
    assert (out / "history.csv").read_text() == history_before
    assert summary(out)["status"] == "finished"


def test_a_stop_within_the_first_epoch_saves_no_trained_model(
    tiny_cifar, tmp_path, monkeypatch
):
    out = tmp_path / "run"
    stopped_run(monkeypatch, tiny_cifar, out, epochs=2, stop_at=0)
    assert (out / "model_before.keras").is_file()
    assert not (out / "model_after.keras").exists()
    assert summary(out)["epochs_run"] == 0


def test_a_history_row_cut_short_by_a_crash_is_not_an_epoch(tmp_path):
    (tmp_path / "history.csv").write_text(
        "epoch,accuracy,loss,seconds,val_accuracy,val_loss\n"
        "0,0.3,1.9,2.0,0.35,1.8\n"
        "1,0.4,1.7"
    )
    assert [row["epoch"] for row in runs.read_history(tmp_path)] == ["0"]


def test_resume_keeps_the_data_folder_absolute_and_a_new_one_wins(
    tiny_cifar, tmp_path, monkeypatch
):
    out = tmp_path / "run"
    monkeypatch.chdir(tiny_cifar.parent)
    stopped_run(monkeypatch, tiny_cifar.name, out, epochs=2, stop_at=1)
    assert summary(out)["settings"]["data_dir"] == str(tiny_cifar)

    moved = tmp_path / "moved"
    shutil.copytree(tiny_cifar, moved)
    monkeypatch.chdir(tmp_path)
    assert cnn.main(["--out-dir", str(out), "--resume", "--data-dir", "moved"]) == 0
    assert summary(out)["settings"]["data_dir"] == str(moved)
