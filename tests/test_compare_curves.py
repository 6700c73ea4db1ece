"""compare_curves.py on two hand-written run folders: 3 epochs and 5 epochs."""

import json
import re

import common
import compare_curves
import pytest

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# Keras' CSVLogger numbers epochs from 0; the figures number them from 1.
CNN_HISTORY = """\
epoch,accuracy,loss,seconds,val_accuracy,val_loss
0,0.450,1.55,14.0,0.520,1.35
1,0.580,1.18,12.5,0.600,1.14
2,0.660,0.96,12.5,0.590,1.17
"""
CNN_SUMMARY = {
    "script": "cnn.py",
    "params": 591_390,
    "epochs_run": 3,
    "best_val_accuracy": 0.600,
    "best_epoch": 2,
    "final_val_accuracy": 0.590,
    "seconds_per_epoch": 12.5,
}
GAP_HISTORY = """\
epoch,accuracy,loss,seconds,val_accuracy,val_loss
0,0.280,2.01,9.0,0.300,1.92
1,0.370,1.75,7.5,0.380,1.70
2,0.410,1.62,7.5,0.420,1.60
3,0.440,1.54,7.5,0.450,1.52
4,0.460,1.49,7.5,0.440,1.53
"""
GAP_SUMMARY = {
    "script": "cnn_with_gap.py",
    "params": 6_390,
    "epochs_run": 5,
    "best_val_accuracy": 0.450,
    "best_epoch": 4,
    "final_val_accuracy": 0.440,
    "seconds_per_epoch": 7.5,
}


def write_run(folder, history, summary):
    folder.mkdir(parents=True)
    (folder / "history.csv").write_text(history)
    (folder / "summary.json").write_text(json.dumps(summary))
    return folder


@pytest.fixture
def two_runs(tmp_path):
    cnn = write_run(tmp_path / "cnn" / "run-001", CNN_HISTORY, CNN_SUMMARY)
    gap = write_run(tmp_path / "cnn_with_gap" / "run-001", GAP_HISTORY, GAP_SUMMARY)
    return str(cnn), str(gap)


@pytest.fixture
def drawn(monkeypatch):
    """What compare_curves handed to curves_figure, and the figure it got back."""
    calls = {}
    real_curves_figure = compare_curves.curves_figure

    def spy(histories, metric, show_train=True, log_epochs=False):
        calls.update(histories=histories, metric=metric, show_train=show_train)
        calls["log_epochs"] = log_epochs
        calls["figure"] = real_curves_figure(histories, metric, show_train, log_epochs)
        return calls["figure"]

    monkeypatch.setattr(compare_curves, "curves_figure", spy)
    return calls


def table_rows(printed):
    """{run: [cells]} from the printed table; cells are two or more spaces apart."""
    lines = printed.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("run "))
    rows = [re.split(r"\s{2,}", line.strip()) for line in lines[start + 1 :]]
    return {row[0]: row[1:] for row in rows if row != [""]}


def exit_of(argv, capsys):
    """The exit status and standard error of the script run as from a shell."""
    with pytest.raises(SystemExit) as stop:
        common.run_script(lambda: compare_curves.main(argv))
    return stop.value.code, capsys.readouterr().err


def test_figure_is_written_as_png(two_runs, tmp_path):
    out = tmp_path / "comparison.png"
    compare_curves.main([*two_runs, "--out", str(out)])
    assert out.read_bytes().startswith(PNG_SIGNATURE)


def test_table_shows_what_the_summaries_hold(two_runs, tmp_path, capsys):
    compare_curves.main([*two_runs, "--out", str(tmp_path / "comparison.png")])
    rows = table_rows(capsys.readouterr().out)
    assert rows == {
        "cnn": ["591,390", "3", "0.600 (epoch 2)", "0.590", "12.5"],
        "cnn_with_gap": ["6,390", "5", "0.450 (epoch 4)", "0.440", "7.5"],
    }


def test_runs_of_3_and_5_epochs_share_one_axis_from_epoch_1(two_runs, tmp_path, drawn):
    compare_curves.main([*two_runs, "--out", str(tmp_path / "comparison.png")])
    lines = drawn["figure"].axes[0].get_lines()
    assert [list(line.get_xdata()) for line in lines] == [[1, 2, 3], [1, 2, 3, 4, 5]]
    assert list(lines[1].get_ydata()) == [0.300, 0.380, 0.420, 0.450, 0.440]


def test_log_epochs_keeps_the_epochs_and_logs_the_axis(two_runs, tmp_path, drawn):
    out = str(tmp_path / "comparison.png")
    compare_curves.main([*two_runs, "--log-epochs", "--out", out])
    axes = drawn["figure"].axes[0]
    assert axes.get_xscale() == "log"
    assert [list(line.get_xdata()) for line in axes.get_lines()] == [
        [1, 2, 3],
        [1, 2, 3, 4, 5],
    ]


def test_only_test_accuracy_is_drawn_by_default(two_runs, tmp_path, drawn):
    compare_curves.main([*two_runs, "--out", str(tmp_path / "comparison.png")])
    assert drawn["metric"] == "accuracy"
    assert drawn["show_train"] is False


def test_train_option_adds_dashed_train_curves(two_runs, tmp_path, drawn):
    compare_curves.main([*two_runs, "--train", "--out", str(tmp_path / "c.png")])
    styles = [line.get_linestyle() for line in drawn["figure"].axes[0].get_lines()]
    assert styles == ["-", "--", "-", "--"]


@pytest.mark.parametrize(
    "flags, name",
    [([], "comparison_accuracy.png"), (["--loss"], "comparison_loss.png")],
)
def test_default_figure_goes_under_runs(two_runs, tmp_path, monkeypatch, flags, name):
    monkeypatch.setattr(compare_curves, "RUNS_ROOT", tmp_path / "runs")
    compare_curves.main([*two_runs, *flags])
    assert [path.name for path in (tmp_path / "runs").iterdir()] == [name]


def test_loss_option_draws_the_loss_columns(two_runs, tmp_path, drawn):
    compare_curves.main([*two_runs, "--loss", "--out", str(tmp_path / "loss.png")])
    assert drawn["metric"] == "loss"
    first_run = drawn["figure"].axes[0].get_lines()[0]
    assert list(first_run.get_ydata()) == [1.35, 1.14, 1.17]


def test_legend_names_each_run_by_its_script(two_runs, tmp_path, drawn):
    compare_curves.main([*two_runs, "--out", str(tmp_path / "comparison.png")])
    assert list(drawn["histories"]) == ["cnn", "cnn_with_gap"]


def test_two_runs_of_one_script_are_told_apart_by_folder(tmp_path, drawn):
    first = write_run(tmp_path / "cnn" / "run-001", CNN_HISTORY, CNN_SUMMARY)
    second = write_run(tmp_path / "cnn" / "run-002", CNN_HISTORY, CNN_SUMMARY)
    compare_curves.main([str(first), str(second), "--out", str(tmp_path / "c.png")])
    assert list(drawn["histories"]) == ["cnn (run-001)", "cnn (run-002)"]


def test_label_option_names_the_runs_in_order(two_runs, tmp_path, drawn, capsys):
    labels = ["--label", "SimpleConvNet", "--label", "GAP"]
    compare_curves.main([*two_runs, *labels, "--out", str(tmp_path / "c.png")])
    assert list(drawn["histories"]) == ["SimpleConvNet", "GAP"]
    assert list(table_rows(capsys.readouterr().out)) == ["SimpleConvNet", "GAP"]


def test_label_must_be_given_once_per_run(two_runs, capsys):
    with pytest.raises(SystemExit) as stop:
        compare_curves.main([*two_runs, "--label", "only one"])
    assert stop.value.code == 2
    assert "once per RUN_DIR" in capsys.readouterr().err


def test_folder_of_numbered_runs_takes_the_latest(tmp_path, capsys):
    write_run(tmp_path / "cnn" / "run-001", CNN_HISTORY, CNN_SUMMARY)
    write_run(tmp_path / "cnn" / "run-002", GAP_HISTORY, GAP_SUMMARY)
    out = tmp_path / "comparison.png"
    compare_curves.main([str(tmp_path / "cnn"), "--out", str(out)])
    # run-002 holds the 5-epoch GAP records.
    assert table_rows(capsys.readouterr().out) == {
        "cnn_with_gap": ["6,390", "5", "0.450 (epoch 4)", "0.440", "7.5"],
    }


def test_folder_without_a_run_exits_2_with_one_line(two_runs, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    status, error = exit_of([two_runs[0], str(empty)], capsys)
    assert status == 2
    assert error.count("\n") == 1
    assert str(empty) in error
    assert "no run" in error


def test_run_without_a_finished_epoch_exits_2(tmp_path, capsys):
    started = {"script": "cnn.py", "params": 591_390, "epochs_run": 0}
    header_only = CNN_HISTORY.splitlines()[0] + "\n"
    folder = write_run(tmp_path / "cnn" / "run-001", header_only, started)
    status, error = exit_of([str(folder)], capsys)
    assert status == 2
    assert error.count("\n") == 1
    assert "no finished epoch" in error


def test_no_run_dir_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as stop:
        compare_curves.main([])
    assert stop.value.code == 2
    assert "RUN_DIR" in capsys.readouterr().err


def test_figure_format_follows_the_file_name(two_runs, tmp_path):
    out = tmp_path / "comparison.svg"
    compare_curves.main([*two_runs, "--out", str(out)])
    assert out.read_text().lstrip().startswith("<?xml")


def test_a_name_that_is_no_picture_format_is_refused(two_runs, tmp_path, capsys):
    out = str(tmp_path / "comparison.txt")
    status, error = exit_of([*two_runs, "--out", out], capsys)
    assert status == 2
    assert "txt is not a picture format" in error
