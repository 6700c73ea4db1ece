"""Figures of a run: accuracy and loss by epoch, and the confusion matrix.

Figures are built with matplotlib's object interface (no pyplot), so they
render to files on any machine, with or without a display.
"""

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, ScalarFormatter


def curves_figure(histories, metric, show_train=True, log_epochs=False):
    """Test (solid) and train (dashed) `metric` by epoch for each history.

    histories: {label: rows} with rows as read from history.csv. Epochs are
    numbered from 1 and every run shares one epoch axis, so a 20-epoch run
    stops where a 150-epoch run goes on; log_epochs spreads the first few
    epochs out. Short runs get a dot per epoch so that they stay visible.
    """
    figure = Figure(figsize=(7, 4.5), layout="constrained")
    axes = figure.subplots()
    for index, (label, rows) in enumerate(histories.items()):
        marker = "o" if len(rows) <= 30 else None
        style = {"color": f"C{index % 10}", "marker": marker, "markersize": 3}
        epochs = [int(row["epoch"]) + 1 for row in rows]
        prefix = f"{label} " if label else ""
        test = [float(row[f"val_{metric}"]) for row in rows]
        test_label = f"{prefix}test" if show_train or not label else label
        axes.plot(epochs, test, label=test_label, **style)
        if show_train:
            train = [float(row[metric]) for row in rows]
            axes.plot(epochs, train, "--", label=f"{prefix}train", **style)
    axes.set_xlabel("epoch")
    axes.set_ylabel(metric)
    if log_epochs:
        axes.set_xscale("log")
        axes.set_xticks([1, 2, 3, 5, 10, 20, 50, 100, 150])
        axes.xaxis.set_major_formatter(ScalarFormatter())
    else:
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.grid(alpha=0.3)
    axes.legend()
    return figure


def confusion_matrix(labels, predictions, class_count):
    """counts[i, j] = how many images of class i were predicted as class j."""
    labels = np.asarray(labels).reshape(-1).astype(np.int64)
    predictions = np.asarray(predictions).reshape(-1).astype(np.int64)
    pairs = labels * class_count + predictions
    counts = np.bincount(pairs, minlength=class_count * class_count)
    return counts.reshape(class_count, class_count)


def confusion_figure(counts, class_names):
    """The confusion matrix as a heat map, each row (true class) in percent."""
    totals = counts.sum(axis=1, keepdims=True)
    percent = 100 * counts / np.maximum(totals, 1)
    figure = Figure(figsize=(7, 6), layout="constrained")
    axes = figure.subplots()
    image = axes.imshow(percent, cmap="Blues", vmin=0, vmax=100)
    for (row, column), value in np.ndenumerate(percent):
        color = "white" if value > 50 else "black"
        axes.text(column, row, f"{value:.0f}", ha="center", va="center", color=color)
    ticks = range(len(class_names))
    axes.set_xticks(ticks, class_names, rotation=45, ha="right")
    axes.set_yticks(ticks, class_names)
    axes.set_xlabel("predicted class")
    axes.set_ylabel("true class")
    axes.set_title("test images: % of each true class by predicted class")
    figure.colorbar(image, ax=axes, fraction=0.046)
    return figure
