"""What a run folder records besides its curves: confusion counts and a diagram."""

import argparse
import importlib.util
import shutil

import keras
import numpy as np
import pytest

from common.plots import confusion_matrix
from common.runs import Run

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_confusion_matrix_counts_true_class_by_predicted_class():
    labels = [0, 0, 0, 1, 1, 2, 2, 2]
    predictions = [0, 0, 1, 1, 2, 2, 0, 2]
    # By hand: class 0 is right twice and taken for 1 once; class 1 is right
    # once and taken for 2 once; class 2 is right twice and taken for 0 once.
    expected = [
        [2, 1, 0],
        [0, 1, 1],
        [1, 0, 2],
    ]
    assert confusion_matrix(labels, predictions, 3).tolist() == expected


def test_confusion_matrix_keeps_a_row_for_a_class_never_seen():
    counts = confusion_matrix(np.array([[0], [1]]), np.array([1, 1]), 3)
    assert counts.tolist() == [[0, 1, 0], [0, 1, 0], [0, 0, 0]]


def tiny_model():
    return keras.Sequential(
        [keras.Input(shape=(4,)), keras.layers.Dense(2)], name="tiny"
    )


@pytest.fixture
def run(tmp_path):
    args = argparse.Namespace(
        out_dir=str(tmp_path / "run"), resume=False, overwrite=False, epochs=1
    )
    run = Run("cnn", args)
    run.dir.mkdir()  # as Run.begin() would
    return run


def test_diagram_is_drawn_when_pydot_and_graphviz_exist(run, capsys):
    # The test set-up (README, .ci/run) installs both.
    assert importlib.util.find_spec("pydot"), "pip install pydot"
    assert shutil.which("dot"), "install Graphviz (apt-get install graphviz)"
    run._save_diagram(tiny_model())
    assert (run.dir / "model.png").read_bytes().startswith(PNG_SIGNATURE)
    assert capsys.readouterr().out.startswith("wrote ")


def test_missing_diagram_tools_cost_one_line_and_no_failure(run, monkeypatch, capsys):
    def plot_model_without_pydot(*args, **kwargs):
        # Keras raises this when pydot or Graphviz cannot be found.
        raise ImportError("You must install pydot (`pip install pydot`)")

    monkeypatch.setattr(keras.utils, "plot_model", plot_model_without_pydot)
    run._save_diagram(tiny_model())
    printed = capsys.readouterr().out
    assert printed.count("\n") == 1
    assert "pydot" in printed and "Graphviz" in printed
    assert list(run.dir.iterdir()) == []
