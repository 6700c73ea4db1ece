"""The first-layer filters of cnn.py, before and after training (p. 234).

cnn.py's Conv2D layer holds 30 filters of 5x5 pixels in 3 colours: a
(5, 5, 3, 30) kernel. Each filter is stretched to 0..255 on its own, as
keras' array_to_img does, and the 30 are tiled 5 across and 6 down. Before
training they are random noise; after 20 epochs most have become oriented
edges, stripes or blobs of colour: what the first layer looks for.

Reads model_before.keras and model_after.keras of a cnn.py run (the latest
in runs/cnn unless --run-dir says otherwise) and writes filters_before.png
and filters_after.png beside them.

    python chapter7/cnn.py --data-dir ../shared/data/cifar10-jpeg
    python chapter7/visualize_weights.py
"""

from pathlib import Path

import common
import keras
from PIL import Image

from common.runs import (
    RUNS_ROOT,
    first_line,
    shown,
    whole_number,
    write_atomically,
)
from common.tiles import grid_shape

SCALE = 8  # screen pixels per filter pixel
GAP = 2  # pixels between filters


def first_layer_filters(model):
    """The first Conv2D kernel (height, width, channels, filters) as
    (filters, height, width, channels)."""
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    conv = convs[0]
    kernel = keras.ops.convert_to_numpy(conv.kernel)
    return kernel.transpose(3, 0, 1, 2)


def filters_image(model, scale, gap):
    filters = [common.to_image(f) for f in first_layer_filters(model)]
    return common.tile_images(filters, scale=scale, gap=gap)


def parse_args(argv=None):
    parser = common.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--run-dir",
        default=RUNS_ROOT / "cnn",
        type=Path,
        help="a cnn.py run folder, or a folder of runs to take the latest "
        "(default: runs/cnn)",
    )
    parser.add_argument(
        "--scale",
        type=whole_number(1, 32),
        default=SCALE,
        help=f"screen pixels per filter pixel (default: {SCALE})",
    )
    return parser.parse_args(argv)


def load_model(path):
    """A saved run model, or a one-line RunError naming what is wrong."""
    if not path.is_file():
        raise common.RunError(
            f"{shown(path)} is missing; make the run with: python chapter7/cnn.py"
        )
    try:
        return keras.saving.load_model(path, compile=False)
    except Exception as error:
        reason = first_line(error)
        raise common.RunError(f"cannot read {shown(path)} ({reason})")


def main(argv=None):
    args = parse_args(argv)
    run_dir = common.find_run(args.run_dir, "python chapter7/cnn.py")
    script = common.runs.read_summary(run_dir).get("script")
    if script not in ("cnn.py", "cnn_with_gap.py"):
        raise common.RunError(
            f"{shown(run_dir)} is a run of {script}; the filters shown here are "
            "those of a cnn.py (or cnn_with_gap.py) run"
        )
    for stage in ("before", "after"):
        model = load_model(run_dir / f"model_{stage}.keras")
        grid = filters_image(model, args.scale, GAP)
        out_path = run_dir / f"filters_{stage}.png"
        write_atomically(
            out_path, lambda temporary: Image.fromarray(grid).save(temporary, "PNG")
        )
        print(f"wrote {shown(out_path)}")
    count = len(first_layer_filters(model))
    rows, columns = grid_shape(count)
    print(f"{count} filters in each image, {columns} across and {rows} down")
    return 0


if __name__ == "__main__":
    common.run_script(main)
