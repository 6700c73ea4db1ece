"""Several runs on one figure: test accuracy by epoch, and a table of results.

The chapter's question is which model learns best: the one-layer CNN, its
global-average-pooling variant, MobileNet pretrained or trained from scratch.
Each training script plots only its own run; this one reads the run folders
they leave (history.csv and summary.json) and draws every run's test accuracy
on one linear epoch axis, so a 20-epoch run stops where a 150-epoch run goes
on. --train adds the train accuracy as dashed lines (the gap between the two
is the overfitting), --loss draws the loss instead.

Writes runs/comparison_accuracy.png (runs/comparison_loss.png with --loss)
and prints, for each run: parameters, epochs run, best test accuracy and its
epoch, final test accuracy and seconds per epoch, as its summary.json holds
them.

    python chapter7/compare_curves.py runs/cnn runs/cnn_with_gap \\
        runs/transfer_learning --train
"""

from pathlib import Path

import common
from common.plots import curves_figure
from common.runs import RUNS_ROOT, read_history, read_summary, save_figure, shown

MAKE_HINT = "python chapter7/cnn.py (or another training script)"
SUMMARY_KEYS = (
    "params",
    "epochs_run",
    "best_val_accuracy",
    "best_epoch",
    "final_val_accuracy",
    "seconds_per_epoch",
)
TABLE_HEADINGS = (
    "run", "params", "epochs", "best test acc", "final test acc", "s/epoch"
)


def load_runs(paths):
    """(folder, summary, history rows) for each path, latest run of a folder."""
    runs = []
    for path in paths:
        folder = common.find_run(path, MAKE_HINT)
        if any(folder.resolve() == seen.resolve() for seen, _, _ in runs):
            raise common.RunError(f"{shown(folder)} is given twice")
        summary, history = read_summary(folder), read_history(folder)
        # The summary catches up with history.csv a moment after each epoch.
        if not history or "best_val_accuracy" not in summary:
            raise common.RunError(
                f"{shown(folder)} has no finished epoch yet; let it train for "
                "at least one epoch"
            )
        missing = [key for key in SUMMARY_KEYS if key not in summary]
        if missing:
            raise common.RunError(
                f"{shown(folder / 'summary.json')} lacks {', '.join(missing)}; "
                "it was not written by this project's scripts"
            )
        runs.append((folder, summary, history))
    return runs


def run_labels(runs):
    """The script name of each run, with its folder where two would clash."""
    names = [
        summary.get("script", folder.name).removesuffix(".py")
        for folder, summary, _ in runs
    ]
    labels = [
        f"{name} ({folder.name})" if names.count(name) > 1 else name
        for name, (folder, _, _) in zip(names, runs)
    ]
    # Two run-001 folders of the same script in different places.
    return [
        f"{name} ({shown(folder)})" if labels.count(label) > 1 else label
        for name, label, (folder, _, _) in zip(names, labels, runs)
    ]


def results_table(labels, summaries):
    """The table as text lines, numbers right-aligned under their headings."""
    rows = [list(TABLE_HEADINGS)]
    for label, summary in zip(labels, summaries):
        if summary.get("status") == "interrupted":
            label += " (interrupted)"
        rows.append(
            [
                label,
                f"{summary['params']:,}",
                str(summary["epochs_run"]),
                f"{summary['best_val_accuracy']:.3f} "
                f"(epoch {summary['best_epoch']})",
                f"{summary['final_val_accuracy']:.3f}",
                f"{summary['seconds_per_epoch']:.1f}",
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(TABLE_HEADINGS))]
    lines = []
    for row in rows:
        cells = [row[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(row[1:], widths[1:])]
        lines.append("  ".join(cells))
    return lines


def parse_args(argv=None):
    parser = common.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "run_dirs",
        metavar="RUN_DIR",
        nargs="+",
        type=Path,
        help="a run folder, or a folder of numbered runs to take the latest",
    )
    parser.add_argument(
        "--label",
        action="append",
        dest="labels",
        metavar="LABEL",
        help="legend name of a run; give it once per RUN_DIR, in the same order",
    )
    parser.add_argument(
        "--train", action="store_true", help="also draw train curves, dashed"
    )
    parser.add_argument(
        "--loss", action="store_true", help="draw the loss instead of accuracy"
    )
    parser.add_argument(
        "--log-epochs",
        action="store_true",
        help="log-scale epoch axis, so that 3- and 150-epoch runs both show",
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="figure to write (default: runs/comparison_accuracy.png, or "
        "runs/comparison_loss.png with --loss)",
    )
    args = parser.parse_args(argv)
    if args.labels is not None:
        if len(args.labels) != len(args.run_dirs):
            parser.error(
                f"--label is given {len(args.labels)} times for "
                f"{len(args.run_dirs)} runs; give it once per RUN_DIR"
            )
        if len(set(args.labels)) != len(args.labels):
            parser.error("each --label must be different")
    return args


def main(argv=None):
    args = parse_args(argv)
    runs = load_runs(args.run_dirs)
    labels = args.labels or run_labels(runs)

    metric = "loss" if args.loss else "accuracy"
    histories = {label: history for label, (_, _, history) in zip(labels, runs)}
    figure = curves_figure(histories, metric, args.train, args.log_epochs)
    lines = "solid test, dashed train" if args.train else "test"
    figure.axes[0].set_title(f"{metric} by epoch ({lines})")
    out_path = args.out or RUNS_ROOT / f"comparison_{metric}.png"
    try:
        out_path.parent.mkdir(parents=True, exist_ok=True)
        save_figure(figure, out_path)
    except OSError as error:
        raise common.RunError(
            f"cannot write {shown(out_path)} ({error.strerror}); choose another --out"
        )

    print()
    for line in results_table(labels, [summary for _, summary, _ in runs]):
        print(line)
    return 0


if __name__ == "__main__":
    common.run_script(main)
