"""Tests for common/cifar10.py, on tiny copies written in each official layout.

The writers below follow the layout the CIFAR-10 page documents, not the
loader's code: a batch is 1024 red, 1024 green and 1024 blue bytes per image,
each plane row by row, and a binary record puts one label byte before them.
"""

import io
import os
import pickle
import shutil
import struct
import tarfile
import time

import numpy as np
import pytest
from PIL import Image

from common.cifar10 import DataError, load_cifar10
from conftest import write_png_tree

BATCHES = ["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4",
           "data_batch_5", "test_batch"]  # fmt: skip
IMAGES_PER_BATCH = 2


def small_cifar():
    """Twelve images: image k has planes red 10+k, green 100+k, blue 200+k.

    Pixel (row 1, column 2) is black in every image, so swapped rows and
    columns show up. Train labels are 0..9 and test labels 3, 8: ascending,
    as a class-folder tree lists them.
    """
    k = np.arange(12, dtype=np.uint8)[:, None, None, None]
    x = np.broadcast_to(k + np.array([10, 100, 200], np.uint8), (12, 32, 32, 3)).copy()
    x[:, 1, 2] = 0
    y = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 3, 8], np.uint8).reshape(-1, 1)
    return (x[:10], y[:10]), (x[10:], y[10:])


def batch_rows(images):
    """(n, 32, 32, 3) images -> (n, 3072) rows of red, green and blue planes."""
    return images.transpose(0, 3, 1, 2).reshape(len(images), 3072)


def split_into_batches(arrays):
    (x_train, y_train), (x_test, y_test) = arrays
    x = np.concatenate([x_train, x_test])
    y = np.concatenate([y_train, y_test]).ravel()
    for index, name in enumerate(BATCHES):
        part = slice(index * IMAGES_PER_BATCH, (index + 1) * IMAGES_PER_BATCH)
        yield name, x[part], y[part]


def python2_dumps(batch):
    """Pickle as the official batches were: Python 2, protocol 2, numpy 1.

    Python 3 would store bytes through a _codecs.encode global; Python 2 wrote
    them as str opcodes, which this pickler copies. numpy 1 named the array
    rebuilder numpy.core.multiarray._reconstruct.
    """

    class Python2Pickler(pickle._Pickler):
        dispatch = dict(pickle._Pickler.dispatch)

        def save_bytes(self, data):
            if len(data) < 256:
                self.write(pickle.SHORT_BINSTRING + bytes([len(data)]) + data)
            else:
                self.write(pickle.BINSTRING + struct.pack("<i", len(data)) + data)
            self.memoize(data)

        dispatch[bytes] = save_bytes

    buffer = io.BytesIO()
    Python2Pickler(buffer, protocol=2).dump(batch)
    return buffer.getvalue().replace(b"cnumpy._core.", b"cnumpy.core.")


def pickled_batch(images, labels, dumps=python2_dumps):
    batch = {
        b"batch_label": b"a tiny batch",
        b"labels": [int(label) for label in labels],
        b"data": batch_rows(images),
        b"filenames": [b"image_%d.png" % i for i in range(len(labels))],
    }
    return dumps(batch)


def write_python_folder(parent, arrays):
    folder = parent / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    for name, images, labels in split_into_batches(arrays):
        (folder / name).write_bytes(pickled_batch(images, labels))
    (folder / "batches.meta").write_bytes(pickle.dumps({b"label_names": []}, 2))
    return folder


def write_binary_folder(parent, arrays):
    folder = parent / "cifar-10-batches-bin"
    folder.mkdir(parents=True)
    for name, images, labels in split_into_batches(arrays):
        records = np.hstack([labels[:, None], batch_rows(images)])
        (folder / f"{name}.bin").write_bytes(records.tobytes())
    return folder


def write_tarball(folder, archive):
    """Members go in reverse name order: the official archives are unsorted too."""
    with tarfile.open(archive, "w:gz") as tar:
        for file in sorted(folder.iterdir(), reverse=True):
            tar.add(file, arcname=f"{folder.name}/{file.name}")
    return archive


LAYOUTS = {
    "python tarball": lambda tmp, arrays: write_tarball(
        write_python_folder(tmp / "src", arrays), tmp / "cifar-10-python.tar.gz"
    ),
    "python folder": lambda tmp, arrays: write_python_folder(tmp, arrays),
    "folder holding the binary tarball": lambda tmp, arrays: write_tarball(
        write_binary_folder(tmp / "src", arrays), tmp / "cifar-10-binary.tar.gz"
    ).parent,
    "folder holding the binary folder": lambda tmp, arrays: write_binary_folder(
        tmp, arrays
    ).parent,
    "png class tree": lambda tmp, arrays: write_png_tree(tmp / "tree", arrays),
}


def load_error(data_dir):
    """Load data_dir, expecting a DataError; return its message."""
    with pytest.raises(DataError) as raised:
        load_cifar10(data_dir)
    message = str(raised.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_layout_loads_the_arrays_it_was_written_from(tmp_path, layout):
    arrays = small_cifar()
    data_dir = LAYOUTS[layout](tmp_path, arrays)

    (x_train, y_train), (x_test, y_test), source = load_cifar10(data_dir)

    assert str(data_dir) in source
    for loaded, expected in zip((x_train, y_train, x_test, y_test), sum(arrays, ())):
        assert loaded.dtype == np.uint8 and loaded.flags.writeable
        np.testing.assert_array_equal(loaded, expected)
    assert x_train.shape == (10, 32, 32, 3) and y_train.shape == (10, 1)
    assert x_test.shape == (2, 32, 32, 3) and y_test.shape == (2, 1)


def test_record_planes_are_red_green_blue_row_by_row(tmp_path):
    red, green, blue = (np.full(1024, value, np.uint8) for value in (10, 20, 30))
    red[1 * 32 + 2] = 99  # row 1, column 2 of the red plane
    record = bytes([8]) + red.tobytes() + green.tobytes() + blue.tobytes()
    for name in BATCHES:
        (tmp_path / f"{name}.bin").write_bytes(record)

    (x_train, y_train), _, _ = load_cifar10(tmp_path)

    assert x_train[0, 0, 0].tolist() == [10, 20, 30]
    assert x_train[0, 1, 2].tolist() == [99, 20, 30]
    assert y_train[0, 0] == 8


@pytest.mark.parametrize("protocol", [3, 4, 5])
def test_batches_pickled_again_by_python_3_load(tmp_path, protocol):
    def dumps(batch):
        return pickle.dumps(batch, protocol=protocol)  # numpy 2 names, no _codecs

    for name, images, labels in split_into_batches(small_cifar()):
        (tmp_path / name).write_bytes(pickled_batch(images, labels, dumps))

    _, (x_test, y_test), _ = load_cifar10(tmp_path)

    assert x_test[0, 0, 0].tolist() == [20, 110, 210]
    assert y_test.ravel().tolist() == [3, 8]


def test_tree_labels_follow_class_names_order(tmp_path):
    for folder in ("train/ship", "train/airplane", "test/cat"):
        (tmp_path / folder).mkdir(parents=True)
        Image.new("RGB", (32, 32)).save(tmp_path / folder / "0000.png")

    (_, y_train), (_, y_test), _ = load_cifar10(tmp_path)

    assert y_train.ravel().tolist() == [0, 8]
    assert y_test.ravel().tolist() == [3]


def test_tree_reads_each_class_folder_in_name_order(tmp_path):
    for value in (5, 3, 9, 1, 7):  # written out of order
        (tmp_path / "train" / "cat").mkdir(parents=True, exist_ok=True)
        image = Image.new("RGB", (32, 32), (value, value, value))
        image.save(tmp_path / "train" / "cat" / f"{value:04d}.png")
    (tmp_path / "test" / "cat").mkdir(parents=True)
    Image.new("RGB", (32, 32)).save(tmp_path / "test" / "cat" / "0000.png")

    (x_train, _), _, _ = load_cifar10(tmp_path)

    assert x_train[:, 0, 0, 0].tolist() == [1, 3, 5, 7, 9]


def test_tree_reads_only_visible_image_files(tmp_path):
    write_png_tree(tmp_path, small_cifar())
    (tmp_path / "train" / "bird" / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (tmp_path / "train" / "bird" / "._0002.png").write_bytes(b"\0\5\26\7")
    (tmp_path / "train" / "bird" / "notes.txt").write_text("from my phone")
    Image.new("L", (32, 32), 7).save(tmp_path / "train" / "bird" / "0001.JPG")

    (x_train, y_train), _, _ = load_cifar10(tmp_path)

    assert y_train.ravel().tolist() == [0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9]
    assert x_train[2, 0, 0].tolist() == [7, 7, 7]  # 0001.JPG sorts before 0002.png


class RunsShellCommand:
    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return os.system, (self.command,)


def test_crafted_pickle_is_refused_without_running_it(tmp_path):
    folder = write_python_folder(tmp_path, small_cifar())
    marker = tmp_path / "the pickle ran"
    crafted = pickle.dumps(RunsShellCommand(f"touch '{marker}'"), protocol=2)
    (folder / "data_batch_3").write_bytes(crafted)

    message = load_error(folder)

    assert not marker.exists()
    assert str(folder / "data_batch_3") in message and "system" in message


def test_folder_that_does_not_exist_is_named(tmp_path):
    assert str(tmp_path / "nowhere") in load_error(tmp_path / "nowhere")


def test_empty_folder_is_named(tmp_path):
    (tmp_path / ".DS_Store").write_bytes(b"")
    message = load_error(tmp_path)
    assert str(tmp_path) in message and "empty" in message


def test_folder_in_no_known_layout_lists_the_layouts(tmp_path):
    (tmp_path / "notes.txt").write_text("cifar lives elsewhere")
    message = load_error(tmp_path)
    assert str(tmp_path) in message
    assert "cifar-10-python.tar.gz" in message and "train/<class>/" in message


def test_tree_without_test_split_is_named(tmp_path):
    write_png_tree(tmp_path, small_cifar())
    shutil.rmtree(tmp_path / "test")
    message = load_error(tmp_path)
    assert str(tmp_path) in message and "no test/" in message


def test_missing_batch_is_named(tmp_path):
    folder = write_python_folder(tmp_path, small_cifar())
    (folder / "data_batch_3").unlink()
    message = load_error(folder)
    assert str(folder) in message and "data_batch_3" in message


def test_folder_that_is_not_a_class_lists_the_classes(tmp_path):
    write_png_tree(tmp_path, small_cifar())
    (tmp_path / "train" / "cats").mkdir()
    message = load_error(tmp_path)
    assert str(tmp_path / "train" / "cats") in message and "airplane" in message


def test_split_without_images_is_named(tmp_path):
    write_png_tree(tmp_path, small_cifar())
    for file in (tmp_path / "test").rglob("*.png"):
        file.with_suffix(".txt").write_bytes(file.read_bytes())
        file.unlink()
    assert str(tmp_path / "test") in load_error(tmp_path)


def test_corrupt_image_is_named(tmp_path):
    write_png_tree(tmp_path, small_cifar())
    broken = tmp_path / "train" / "dog" / "0005.png"
    broken.write_bytes(broken.read_bytes()[:40])
    assert str(broken) in load_error(tmp_path)


def test_wrong_size_image_is_named_with_its_size(tmp_path):
    write_png_tree(tmp_path, small_cifar())
    mnist_sized = tmp_path / "test" / "ship" / "0001.png"
    Image.new("RGB", (28, 28)).save(mnist_sized)
    message = load_error(tmp_path)
    assert str(mnist_sized) in message and "28x28" in message


def test_pickle_label_out_of_range_is_named(tmp_path):
    folder = write_python_folder(tmp_path, small_cifar())
    images = np.zeros((2, 32, 32, 3), np.uint8)
    (folder / "test_batch").write_bytes(pickled_batch(images, [3, 10]))
    message = load_error(folder)
    assert str(folder / "test_batch") in message and "10" in message


def test_binary_label_out_of_range_is_named(tmp_path):
    folder = write_binary_folder(tmp_path, small_cifar())
    batch = bytearray((folder / "data_batch_2.bin").read_bytes())
    batch[0] = 99
    (folder / "data_batch_2.bin").write_bytes(batch)
    message = load_error(folder)
    assert str(folder / "data_batch_2.bin") in message and "99" in message


def test_truncated_binary_batch_is_named(tmp_path):
    folder = write_binary_folder(tmp_path, small_cifar())
    batch = folder / "test_batch.bin"
    batch.write_bytes(batch.read_bytes()[:-1])
    message = load_error(folder)
    assert str(batch) in message and "truncated" in message


def test_corrupt_pickle_is_named(tmp_path):
    folder = write_python_folder(tmp_path, small_cifar())
    (folder / "data_batch_1").write_bytes(b"\x80\x02}q\x00(U\x04data")
    assert str(folder / "data_batch_1") in load_error(folder)


def test_pickle_with_wrong_data_shape_is_named(tmp_path):
    folder = write_python_folder(tmp_path, small_cifar())
    batch = {b"data": np.zeros((2, 3000), np.uint8), b"labels": [0, 1]}
    (folder / "data_batch_4").write_bytes(python2_dumps(batch))
    message = load_error(folder)
    assert str(folder / "data_batch_4") in message and "3072" in message


def test_truncated_tarball_is_named(tmp_path):
    archive = LAYOUTS["python tarball"](tmp_path, small_cifar())
    archive.write_bytes(archive.read_bytes()[:-100])
    assert str(archive) in load_error(archive)


def test_cifar10_dir_is_used_when_no_folder_is_passed(tmp_path, monkeypatch):
    write_binary_folder(tmp_path, small_cifar())
    monkeypatch.setenv("CIFAR10_DIR", str(tmp_path))

    _, (x_test, _), source = load_cifar10()

    assert str(tmp_path) in source
    assert x_test.shape == (2, 32, 32, 3)


def test_failed_download_suggests_data_dir(monkeypatch):
    import keras

    def offline():
        raise OSError("network is unreachable")

    monkeypatch.delenv("CIFAR10_DIR", raising=False)
    monkeypatch.setattr(keras.datasets.cifar10, "load_data", offline)

    message = load_error(None)

    assert "network is unreachable" in message and "--data-dir" in message


def test_real_jpeg_tree_has_the_official_split(real_cifar):
    started = time.perf_counter()

    (x_train, y_train), (x_test, y_test), source = load_cifar10(real_cifar)

    print(f"loaded {source} in {time.perf_counter() - started:.1f} s")
    assert x_train.shape == (50000, 32, 32, 3) and y_train.shape == (50000, 1)
    assert x_test.shape == (10000, 32, 32, 3) and y_test.shape == (10000, 1)
    assert np.bincount(y_train.ravel()).tolist() == [5000] * 10
    assert np.bincount(y_test.ravel()).tolist() == [1000] * 10
