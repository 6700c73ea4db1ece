"""Figures of a run: accuracy and loss by epoch, and the confusion matrix.

Figures are built with matplotlib's object interface (no pyplot), so they
render to files on any machine, with or without a display.
"""

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator


def curves_figure(histories, metric, show_train=True):
    """Test (solid) and train (dashed) `metric` by epoch for each history.

    histories: {label: rows} with rows as read from history.csv. Epochs are
    numbered from 1, and every run is drawn on the same linear epoch axis,
    so a 20-epoch run simply stops where a 150-epoch run goes on.
    """
    figure = Figure(figsize=(7, 4.5), layout="constrained")
    axes = figure.subplots()
    for index, (label, rows) in enumerate(histories.items()):
        color = f"C{index % 10}"
        epochs = [int(row["epoch"]) + 1 for row in rows]
        prefix = f"{label} " if label else ""
        test = [float(row[f"val_{metric}"]) for row in rows]
        axes.plot(epochs, test, color=color, label=f"{prefix}test")
        if show_train:
            train = [float(row[metric]) for row in rows]
            axes.plot(epochs, train, "--", color=color, label=f"{prefix}train")
    axes.set_xlabel("epoch")
    axes.set_ylabel(metric)
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
    shares = counts / np.maximum(totals, 1)
    figure = Figure(figsize=(7, 6), layout="constrained")
    axes = figure.subplots()
    image = axes.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    for (row, column), share in np.ndenumerate(shares):
        color = "white" if share > 0.5 else "black"
        text = f"{share * 100:.0f}"
        axes.text(column, row, text, ha="center", va="center", color=color)
    ticks = range(len(class_names))
    axes.set_xticks(ticks, class_names, rotation=45, ha="right")
    axes.set_yticks(ticks, class_names)
    axes.set_xlabel("predicted class")
    axes.set_ylabel("true class")
    axes.set_title("test images by true class (% of row)")
    figure.colorbar(image, ax=axes, fraction=0.046)
    return figure
