import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from common.cifar10 import CLASS_NAMES

SHARED = Path(__file__).resolve().parents[2] / "shared"


def write_png_tree(root, arrays):
    """Write ((x_train, y_train), (x_test, y_test)) as train/<class>/NNNN.png."""
    for split, (images, labels) in zip(("train", "test"), arrays):
        for index, (image, label) in enumerate(zip(images, labels.ravel())):
            folder = root / split / CLASS_NAMES[label]
            folder.mkdir(parents=True, exist_ok=True)
            Image.fromarray(image).save(folder / f"{index:04d}.png")
    return root


# One colour per class, shared by the training and the test images.
PALETTE = np.random.default_rng(0).integers(0, 256, size=(10, 3))


def colour_coded_images(count, seed):
    """Noisy images whose mean colour gives away their class: easy to learn."""
    rng = np.random.default_rng(seed)
    labels = np.arange(count, dtype=np.uint8) % 10
    noise = rng.integers(-40, 41, size=(count, 32, 32, 3))
    images = np.clip(PALETTE[labels][:, None, None, :] + noise, 0, 255)
    return images.astype(np.uint8), labels.reshape(-1, 1)


@pytest.fixture(scope="session")
def tiny_cifar(tmp_path_factory):
    """A class-folder copy of 60 training and 20 test images."""
    root = tmp_path_factory.mktemp("tiny_cifar")
    arrays = colour_coded_images(60, seed=1), colour_coded_images(20, seed=2)
    return write_png_tree(root, arrays)


@pytest.fixture(scope="session")
def real_cifar():
    """The real CIFAR-10: $CIFAR10_DIR, else the JPEG copy in ../shared."""
    path = Path(os.environ.get("CIFAR10_DIR") or SHARED / "data" / "cifar10-jpeg")
    assert path.exists(), (
        f"the real CIFAR-10 is missing at {path}; set CIFAR10_DIR to a copy"
    )
    return path


@pytest.fixture(scope="session")
def real_mobilenet_weights():
    """Keras' ImageNet MobileNet alpha=0.25 no-top weights: $MOBILENET_WEIGHTS,
    else the copy in ../shared."""
    default = SHARED / "weights" / "mobilenet_2_5_224_tf_no_top.h5"
    path = Path(os.environ.get("MOBILENET_WEIGHTS") or default)
    assert path.is_file(), (
        f"the MobileNet weights are missing at {path}; set MOBILENET_WEIGHTS to "
        "Keras' mobilenet_2_5_224_tf_no_top.h5"
    )
    return path


@pytest.fixture
def runs_root(tmp_path, monkeypatch):
    """Default run folders go under tmp_path instead of the repository."""
    from common import runs

    root = tmp_path / "runs"
    monkeypatch.setattr(runs, "RUNS_ROOT", root)
    return root
