"""What every chapter 7 script needs and no reader studies.

- `cifar10`: CIFAR-10 as uint8 arrays, from Keras' download or a local copy.
- `tiles`: many small images (such as 5x5 filters) combined into one grid.
- `plots`: accuracy and loss curves, confusion matrices.
- `runs`: run folders, command-line flags, run records and resuming.

Importing this package first also quiets TensorFlow's start-up log lines,
unless the user has set TF_CPP_MIN_LOG_LEVEL themselves.
"""

import os


def _import_tensorflow_quietly():
    if "TF_CPP_MIN_LOG_LEVEL" in os.environ:
        return
    if os.environ.get("KERAS_BACKEND", "tensorflow") != "tensorflow":
        return
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    # Some lines are printed from C++ before TensorFlow reads that variable,
    # so standard error is closed for the length of the import itself.
    saved_stderr = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        import tensorflow  # noqa: F401
    finally:
        os.dup2(saved_stderr, 2)
        os.close(saved_stderr)
        os.close(devnull)


_import_tensorflow_quietly()

from common.cifar10 import CLASS_NAMES, DataError, load_cifar10  # noqa: E402
from common.runs import (  # noqa: E402
    ArgumentParser,
    Run,
    RunError,
    add_run_arguments,
    find_run,
    load_training_data,
    run_script,
    take_subset,
)
from common.tiles import tile_images, to_image  # noqa: E402

__all__ = [
    "ArgumentParser",
    "CLASS_NAMES",
    "DataError",
    "Run",
    "RunError",
    "add_run_arguments",
    "find_run",
    "load_cifar10",
    "load_training_data",
    "run_script",
    "take_subset",
    "tile_images",
    "to_image",
]
