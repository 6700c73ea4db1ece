"""Run folders: the command-line flags every training script shares, and the
records a run leaves behind.

A run folder holds:

    history.csv          one row per finished epoch, written as training goes
    acc.png, loss.png    train and test curves by epoch (epochs from 1)
    confusion.png        test images by true and predicted class
    model_before.keras   the model before training (random filters)
    model_after.keras    the model after the last finished epoch
    model.png            a diagram of the model, where pydot and Graphviz exist
    summary.json         headline figures, settings, where the data came from
    backup/              Keras' BackupAndRestore state while a run is unfinished

Without --out-dir each run gets a fresh numbered folder runs/<script>/run-001,
run-002, ... in the repository, and tools given runs/<script> take the latest.
Every file is written under a temporary name and then renamed, so a crash
never leaves half a summary or half a model behind.
"""

import argparse
import contextlib
import csv
import json
import os
import platform
import shutil
import signal
import statistics
import sys
import time
from pathlib import Path

import keras
import numpy as np

from common.cifar10 import CLASS_NAMES, DataError, load_cifar10
from common.plots import confusion_figure, confusion_matrix, curves_figure

RUNS_ROOT = Path(__file__).resolve().parents[2] / "runs"
RUN_FILES = (
    "history.csv",
    "acc.png",
    "loss.png",
    "confusion.png",
    "model_before.keras",
    "model_after.keras",
    "model.png",
    "summary.json",
    "filters_before.png",  # written by visualize_weights.py
    "filters_after.png",
)
# Flags that choose the folder; every other setting is restored on --resume.
FOLDER_FLAGS = ("out_dir", "resume", "overwrite")


class RunError(ValueError):
    """A run that cannot start as asked; the message is one line with the fix."""


class ArgumentParser(argparse.ArgumentParser):
    """argparse with one-line errors: the problem, and where the flags are."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def whole_number(low, high=None):
    """argparse type: a whole number from low to high (no upper end if None)."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}")
        if value < low:
            raise argparse.ArgumentTypeError(f"must be {low} or more, got {value}")
        if high is not None and value > high:
            raise argparse.ArgumentTypeError(f"must be {high} or less, got {value}")
        return value

    return parse


positive_int = whole_number(1)
# Keras seeds NumPy, which takes 0 .. 2**32 - 1.
seed_int = whole_number(0, 2**32 - 1)


def add_run_arguments(parser, epochs, batch_size):
    """The flags of every training script; defaults are the chapter's settings."""
    parser.add_argument(
        "--data-dir",
        help="local CIFAR-10 copy (official python or binary archive, or "
        "train/<class>/ and test/<class>/ image folders); default: "
        "$CIFAR10_DIR, else Keras' download",
    )
    parser.add_argument(
        "--out-dir",
        help="run folder to write (default: a new runs/<script>/run-NNN)",
    )
    parser.add_argument(
        "--epochs", type=positive_int, default=epochs, help=f"default: {epochs}"
    )
    parser.add_argument(
        "--batch-size",
        type=positive_int,
        default=batch_size,
        help=f"default: {batch_size}",
    )
    parser.add_argument("--seed", type=seed_int, default=0, help="default: 0")
    parser.add_argument(
        "--limit",
        type=positive_int,
        help="train on this many training images drawn with the seed "
        "(the test set stays whole)",
    )
    again = parser.add_mutually_exclusive_group()
    again.add_argument(
        "--resume",
        action="store_true",
        help="continue an interrupted run (the latest, or --out-dir) with its "
        "saved settings",
    )
    again.add_argument(
        "--overwrite",
        action="store_true",
        help="replace the run already in --out-dir",
    )


def first_line(error):
    """An exception's message cut to one line, or its type where it has none."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def run_script(main):
    """Call main() and exit with its status; bad input ends in one line."""
    program = Path(sys.argv[0]).name
    try:
        status = main()
    except (DataError, RunError) as error:
        print(f"{program}: error: {error}", file=sys.stderr)
        status = 2
    except KeyboardInterrupt:
        print(f"\n{program}: stopped before training started", file=sys.stderr)
        status = 130
    sys.exit(status)


def take_subset(x, y, limit, seed):
    """`limit` examples drawn at random with `seed`, or all of them."""
    if limit is None:
        return x, y
    if limit > len(x):
        raise RunError(
            f"--limit {limit} is larger than the {len(x)} training images; "
            f"use at most {len(x)}"
        )
    picked = np.random.default_rng(seed).choice(len(x), size=limit, replace=False)
    return x[picked], y[picked]


def load_training_data(args):
    """CIFAR-10 from --data-dir, the training part cut to --limit; says what
    it loaded. Returns (x_train, y_train), (x_test, y_test), source."""
    (x_train, y_train), (x_test, y_test), source = load_cifar10(args.data_dir)
    x_train, y_train = take_subset(x_train, y_train, args.limit, args.seed)
    print(f"CIFAR-10 from {source}")
    print(f"x_train {x_train.shape}, x_test {x_test.shape}")
    return (x_train, y_train), (x_test, y_test), source


def shown(path):
    """A path as a learner would type it: relative when under the current folder."""
    path = Path(path).absolute()
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def write_atomically(path, write):
    """Call write(temporary_path), then rename the result onto `path`."""
    path = Path(path)
    # The temporary name keeps the suffix: Keras and matplotlib go by it.
    temporary = path.with_name(f".{path.stem}.partial{path.suffix}")
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def save_figure(figure, path):
    """Save as the file name says (.png, .pdf, .svg, ...), atomically."""
    kind = Path(path).suffix.lstrip(".").lower() or "png"
    if kind not in figure.canvas.get_supported_filetypes():
        raise RunError(f"cannot draw {shown(path)}: {kind} is not a picture format")
    write_atomically(path, lambda temporary: figure.savefig(temporary, format=kind))
    print(f"wrote {shown(path)}")


def read_summary(folder):
    """The summary.json of a run folder, or None where there is none."""
    path = Path(folder) / "summary.json"
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise RunError(f"cannot read {shown(path)}: {error}")


def read_history(folder):
    """The rows of history.csv as dicts (empty before the first epoch ends)."""
    path = Path(folder) / "history.csv"
    if not path.is_file():
        return []
    with open(path, newline="") as file:
        rows = list(csv.DictReader(file))
    # A row cut short by a crash mid-write has empty fields: it never finished.
    return [row for row in rows if None not in row.values() and all(row.values())]


def numbered_runs(root):
    """run-001, run-002, ... under `root`, oldest first."""
    if not Path(root).is_dir():
        return []
    runs = [p for p in Path(root).glob("run-*") if p.name[4:].isdigit()]
    return sorted(runs, key=lambda p: int(p.name[4:]))


def find_run(path, make_hint):
    """The run at `path`, or the latest run inside a folder of numbered runs.

    make_hint is the command that makes such a run, for the error message.
    """
    folder = Path(path)
    if (folder / "summary.json").is_file():
        return folder
    runs = [run for run in numbered_runs(folder) if (run / "summary.json").is_file()]
    if runs:
        return runs[-1]
    raise RunError(
        f"{shown(folder)} holds no run (no summary.json); make one with: {make_hint}"
    )


@contextlib.contextmanager
def signals_held():
    """Ignore Ctrl-C and SIGTERM for the length of the block."""
    stops = (signal.SIGINT, signal.SIGTERM)
    previous = {stop: signal.signal(stop, signal.SIG_IGN) for stop in stops}
    try:
        yield
    finally:
        for stop, handler in previous.items():
            signal.signal(stop, handler)


class EpochTimer(keras.callbacks.Callback):
    """Adds the epoch's wall-clock seconds to the logs, hence to history.csv."""

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        logs["seconds"] = round(time.perf_counter() - self.started, 3)


class SummaryUpdate(keras.callbacks.Callback):
    """Rewrites summary.json after every epoch, so a killed run still has one."""

    def __init__(self, run):
        super().__init__()
        self.run = run

    def on_epoch_end(self, epoch, logs=None):
        self.run.write_summary(status="running")


class Run:
    """One run folder of a training script, from its first check to its summary.

    A script uses it in four steps:

        run = Run("cnn", args)       # checks the folder before any long work
        run.begin(model, source)     # model_before.keras, diagram, summary
        with run.training():         # Ctrl-C stops cleanly here
            model.fit(..., callbacks=run.callbacks())
        return run.finish(model, x_test, y_test)
    """

    def __init__(self, script, args):
        self.script = script
        self.args = args
        self.interrupted = False
        try:
            self.dir, self.resuming = self._choose_folder()
        except OSError as error:
            raise RunError(
                f"cannot use {args.out_dir or RUNS_ROOT} as a run folder "
                f"({error.strerror}); choose another --out-dir"
            )
        self.summary = {"script": f"{script}.py"}
        if self.resuming:
            self.summary.update(read_summary(self.dir))
            self._restore_settings()
        self._check_writable()

    def _choose_folder(self):
        args = self.args
        if args.out_dir:
            folder = Path(args.out_dir)
            summary = read_summary(folder)
            if args.resume:
                self._check_resumable(folder, summary)
                return folder, True
            if summary is not None and not args.overwrite:
                if summary.get("status") == "finished":
                    raise RunError(
                        f"{shown(folder)} already holds a finished run; pass "
                        "--overwrite to replace it or choose another --out-dir"
                    )
                raise RunError(
                    f"{shown(folder)} holds an unfinished run; pass --resume to "
                    "continue it or --overwrite to start again"
                )
            return folder, False

        root = RUNS_ROOT / self.script
        runs = numbered_runs(root)
        if args.resume:
            started = [run for run in runs if (run / "summary.json").is_file()]
            if not started:
                raise RunError(f"no run of {self.script}.py to resume in {shown(root)}")
            self._check_resumable(started[-1], read_summary(started[-1]))
            return started[-1], True
        # A folder left empty by a run that failed before training is reused.
        if runs and not any(runs[-1].iterdir()):
            return runs[-1], False
        number = int(runs[-1].name[4:]) + 1 if runs else 1
        return root / f"run-{number:03d}", False

    def _check_resumable(self, folder, summary):
        if summary is None:
            raise RunError(f"nothing to resume in {shown(folder)}: it holds no run")
        if summary.get("status") == "finished":
            raise RunError(
                f"{shown(folder)} is a finished run; there is nothing to resume"
            )
        if summary.get("script") != f"{self.script}.py":
            raise RunError(
                f"{shown(folder)} is a run of {summary.get('script')}, "
                f"not of {self.script}.py"
            )

    def _restore_settings(self):
        given_data_dir = self.args.data_dir
        for name, value in self.summary.get("settings", {}).items():
            if name not in FOLDER_FLAGS:
                setattr(self.args, name, value)
        # The same images may have moved since: a --data-dir given now wins.
        if given_data_dir:
            self.args.data_dir = given_data_dir

    def _check_writable(self):
        created = not self.dir.exists()
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            probe = self.dir / ".write-check"
            probe.write_text("")
            probe.unlink()
        except OSError as error:
            raise RunError(
                f"cannot write to {shown(self.dir)} ({error.strerror}); "
                "choose another --out-dir"
            )
        if created:
            # Made again by begin(): a run that fails before it leaves nothing.
            self.dir.rmdir()

    @property
    def backup_dir(self):
        return self.dir / "backup"

    def finished_epochs(self):
        """Epochs the backup holds, as BackupAndRestore will resume from them."""
        metadata = self.backup_dir / "training_metadata.json"
        if not metadata.is_file():
            return 0
        return json.loads(metadata.read_text())["epoch"]

    def begin(self, model, data_source, **fields):
        """Record the starting point: the untrained model and the settings.

        Extra fields (such as the accuracy before training) go into summary.json.
        """
        self.dir.mkdir(parents=True, exist_ok=True)
        if self.resuming:
            done = self.finished_epochs()
            self._keep_history_rows(done)
            print(
                f"resuming {shown(self.dir)} after epoch {done} of "
                f"{self.args.epochs}, with its saved settings"
            )
        else:
            self._clear_folder()
            self._save_model(model, "model_before.keras")
            self._save_diagram(model)
        self.write_summary(
            status="running",
            params=model.count_params(),
            data=data_source,
            settings=self._settings(),
            **fields,
        )

    def _settings(self):
        settings = dict(vars(self.args))
        if settings.get("data_dir"):
            # Absolute, so that --resume works from any folder.
            settings["data_dir"] = str(Path(settings["data_dir"]).absolute())
        return settings

    def _clear_folder(self):
        for name in RUN_FILES:
            (self.dir / name).unlink(missing_ok=True)
        shutil.rmtree(self.backup_dir, ignore_errors=True)

    def _keep_history_rows(self, count):
        # A crash between writing a history row and the backup would repeat
        # that epoch on resume, so the history is cut back to the backup.
        rows = read_history(self.dir)
        if len(rows) == count:
            return
        fields = list(rows[0]) if rows else []

        def write(temporary):
            with open(temporary, "w", newline="") as file:
                if count:
                    writer = csv.DictWriter(file, fields)
                    writer.writeheader()
                    writer.writerows(rows[:count])

        write_atomically(self.dir / "history.csv", write)

    def _save_model(self, model, name):
        write_atomically(self.dir / name, lambda temporary: model.save(temporary))
        print(f"wrote {shown(self.dir / name)}")

    def _save_diagram(self, model):
        def draw(temporary):
            keras.utils.plot_model(model, to_file=str(temporary), show_shapes=True)
            # In a notebook Keras prints its complaint instead of raising it.
            if not temporary.exists():
                raise ImportError("plot_model wrote nothing")

        try:
            write_atomically(self.dir / "model.png", draw)
        except ImportError:
            print(
                "no model.png: drawing the model needs pydot and Graphviz "
                "(pip install pydot; apt-get install graphviz)"
            )
            return
        print(f"wrote {shown(self.dir / 'model.png')}")

    def callbacks(self):
        """Keras callbacks that time, back up and record every epoch."""
        return [
            EpochTimer(),
            # Kept after training too: finish() removes it once all is written.
            keras.callbacks.BackupAndRestore(
                str(self.backup_dir), delete_checkpoint=False
            ),
            keras.callbacks.CSVLogger(str(self.dir / "history.csv"), append=True),
            SummaryUpdate(self),
        ]

    @contextlib.contextmanager
    def training(self):
        """Turn Ctrl-C (or a polite kill) during training into a clean stop."""

        def interrupt(signal_number, frame):
            raise KeyboardInterrupt

        previous = signal.signal(signal.SIGTERM, interrupt)
        try:
            yield
        except KeyboardInterrupt:
            self.interrupted = True
            print()
        finally:
            signal.signal(signal.SIGTERM, previous)

    def write_summary(self, **fields):
        self.summary.update(fields)
        self.summary.update(self._figures())
        self.summary["epochs"] = self.args.epochs
        self.summary["versions"] = {
            "python": platform.python_version(),
            "keras": keras.__version__,
            "backend": keras.backend.backend(),
        }
        self.summary["updated"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        text = json.dumps(self.summary, indent=2) + "\n"
        write_atomically(self.dir / "summary.json", lambda path: path.write_text(text))

    def _figures(self):
        rows = read_history(self.dir)
        if not rows:
            return {"epochs_run": 0}
        test = [float(row["val_accuracy"]) for row in rows]
        seconds = [float(row["seconds"]) for row in rows]
        best = int(np.argmax(test))
        # The first epoch also builds the graph; later ones show the real pace.
        steady = seconds[1:] or seconds
        return {
            "epochs_run": len(rows),
            "best_val_accuracy": test[best],
            "best_epoch": best + 1,
            "final_val_accuracy": test[-1],
            "final_accuracy": float(rows[-1]["accuracy"]),
            "seconds_per_epoch": round(statistics.median(steady), 3),
        }

    def finish(self, model, x_test, y_test, **fields):
        """Write the curves, the trained model and the summary; return the exit
        status (0, or 130 after an interruption)."""
        # A stop halfway through these writes would leave a run that is
        # neither finished nor resumable; they take seconds, so they go first.
        with signals_held():
            self._write_results(model, x_test, y_test, fields)
        if self.interrupted:
            again = f"python {shown(sys.argv[0])} --resume"
            if self.args.out_dir:
                again += f" --out-dir {shown(self.dir)}"
            print(
                f"interrupted after epoch {self.summary['epochs_run']} of "
                f"{self.args.epochs}; continue with: {again}"
            )
            return 130
        figures = self.summary
        print(
            f"best test accuracy {figures['best_val_accuracy']:.3f} at epoch "
            f"{figures['best_epoch']} of {figures['epochs_run']} "
            f"(final {figures['final_val_accuracy']:.3f})"
        )
        return 0

    def _write_results(self, model, x_test, y_test, fields):
        rows = read_history(self.dir)
        last_epoch = self.backup_dir / "latest.weights.h5"
        if not self.interrupted:
            self._save_model(model, "model_after.keras")
        elif last_epoch.is_file():
            # The weights of the last finished epoch, not of half an epoch.
            model.load_weights(last_epoch)
            self._save_model(model, "model_after.keras")
        if rows:
            for metric, name in (("accuracy", "acc.png"), ("loss", "loss.png")):
                figure = curves_figure({"": rows}, metric)
                figure.axes[0].set_title(f"{self.script}.py: {metric} by epoch")
                save_figure(figure, self.dir / name)
        if not self.interrupted:
            fields["per_class_accuracy"] = self._save_confusion(model, x_test, y_test)
        status = "interrupted" if self.interrupted else "finished"
        self.write_summary(status=status, **fields)
        print(f"wrote {shown(self.dir / 'summary.json')}")
        if not self.interrupted:
            shutil.rmtree(self.backup_dir, ignore_errors=True)

    def _save_confusion(self, model, x_test, y_test):
        probabilities = model.predict(x_test, batch_size=1000, verbose=0)
        counts = confusion_matrix(y_test, probabilities.argmax(axis=1), 10)
        save_figure(confusion_figure(counts, CLASS_NAMES), self.dir / "confusion.png")
        totals = counts.sum(axis=1)
        # None for a class the test set does not hold: no accuracy to speak of.
        return {
            name: round(float(counts[i, i] / totals[i]), 4) if totals[i] else None
            for i, name in enumerate(CLASS_NAMES)
        }
