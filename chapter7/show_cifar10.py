"""A look at CIFAR-10 before training on it (the article's first step).

CIFAR-10 holds 60,000 colour photos of 32x32 pixels in 10 classes (50,000
for training, 10,000 for testing). This draws --count training images at
random with --seed, with their class names, and saves them as one PNG
(runs/cifar10_samples.png unless --out says otherwise). Keras' own copy is
already in random order, but a class-folder copy is sorted by class, so
the images are drawn rather than taken from the front.

    python chapter7/show_cifar10.py --data-dir ../shared/data/cifar10-jpeg
"""

from pathlib import Path

import common
import numpy as np
from matplotlib.figure import Figure

from common.runs import RUNS_ROOT, save_figure, seed_int, whole_number
from common.tiles import grid_shape

COUNT = 20


def samples_figure(images, labels, make_figure=Figure):
    """Each image in its own panel, titled with its class name."""
    rows, columns = grid_shape(len(images))
    figure = make_figure(figsize=(1.6 * columns, 1.8 * rows), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    for ax in axes:
        ax.axis("off")
    for ax, image, label in zip(axes, images, labels):
        ax.imshow(image)
        ax.set_title(common.CLASS_NAMES[int(label)], fontsize=10)
    return figure


def parse_args(argv=None):
    parser = common.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="local CIFAR-10 copy (see cnn.py --help)")
    parser.add_argument(
        "--count",
        type=whole_number(1, 100),
        default=COUNT,
        help=f"images to show (default: {COUNT})",
    )
    parser.add_argument("--seed", type=seed_int, default=0, help="default: 0")
    parser.add_argument(
        "--out", type=Path, default=RUNS_ROOT / "cifar10_samples.png"
    )
    parser.add_argument(
        "--show", action="store_true", help="also open the figure in a window"
    )
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    (x_train, y_train), _, source = common.load_cifar10(args.data_dir)
    if args.count > len(x_train):
        raise common.RunError(
            f"--count {args.count} is more than the {len(x_train)} training images"
        )
    print(f"CIFAR-10 from {source}: x_train {x_train.shape}, y_train {y_train.shape}")

    picked = np.random.default_rng(args.seed).choice(len(x_train), args.count, False)
    make_figure = Figure
    if args.show:
        # pyplot only when asked: it needs a display.
        from matplotlib import pyplot

        make_figure = pyplot.figure
    figure = samples_figure(x_train[picked], y_train[picked, 0], make_figure)
    try:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        save_figure(figure, args.out)
    except OSError as error:
        raise common.RunError(
            f"cannot write {args.out} ({error.strerror}); choose another --out"
        )
    if args.show:
        pyplot.show()
    return 0


if __name__ == "__main__":
    common.run_script(main)
