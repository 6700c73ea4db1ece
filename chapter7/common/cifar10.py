"""Load CIFAR-10 as uint8 arrays, downloaded by Keras or read from a local copy.

`load_cifar10()` returns the arrays `keras.datasets.cifar10.load_data()` does:
x uint8 (N, 32, 32, 3) and y uint8 (N, 1), with N = 50,000 for training and
10,000 for testing in the full set. Scaling to floats is left to the scripts.

A local copy may be given as the archive or folder itself, or as a folder that
holds it, in one of three layouts:

1. Python batches: `cifar-10-python.tar.gz` or its extracted folder
   `cifar-10-batches-py/`, with `data_batch_1` .. `data_batch_5` and
   `test_batch`. Each is a pickled dict: b"data" is (n, 3072) uint8, for each
   image 1024 red, 1024 green and 1024 blue bytes, every plane row by row, and
   b"labels" is a list of n ints.
2. Binary batches: `cifar-10-binary.tar.gz` or `cifar-10-batches-bin/`, with the
   same names plus `.bin`: records of one label byte and the same 3072 bytes.
3. A class-folder image tree: `train/<class>/` and `test/<class>/`, folders named
   as in CLASS_NAMES, holding 32x32 .png, .jpg, .jpeg or .bmp images.

A copy that cannot be read raises DataError, whose one-line message names the
file at fault and what to do about it.
"""

import io
import os
import pickle
import tarfile
import warnings
import zlib
from pathlib import Path, PurePosixPath

import numpy as np
from PIL import Image

CLASS_NAMES = (
    "airplane", "automobile", "bird", "cat", "deer",
    "dog", "frog", "horse", "ship", "truck",
)  # fmt: skip
BATCH_NAMES = tuple(f"data_batch_{i}" for i in range(1, 6)) + ("test_batch",)
BATCH_FILES = {  # extracted folder -> its batch files, five for training, then test
    "cifar-10-batches-py": BATCH_NAMES,
    "cifar-10-batches-bin": tuple(name + ".bin" for name in BATCH_NAMES),
}
ARCHIVE_NAMES = ("cifar-10-python.tar.gz", "cifar-10-binary.tar.gz")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")
PIXELS = 32 * 32 * 3
KNOWN_LAYOUTS = (
    "expected cifar-10-python.tar.gz or cifar-10-batches-py/, cifar-10-binary.tar.gz"
    " or cifar-10-batches-bin/, or class folders train/<class>/ and test/<class>/"
)


class DataError(ValueError):
    """A CIFAR-10 copy that cannot be read; the message is one line naming the file
    and the fix."""

    def __init__(self, message):
        super().__init__(" ".join(str(message).splitlines()))


def load_cifar10(data_dir=None):
    """Return (x_train, y_train), (x_test, y_test), source"""
    if not data_dir:
        data_dir = os.environ.get("CIFAR10_DIR")
    if not data_dir:
        return _download()
    try:
        return _load_copy(Path(data_dir).expanduser())
    except OSError as error:  # e.g. a permission error the readers did not expect
        raise DataError(
            f"{error.filename or data_dir}: {_reason(error)}; check the path"
        ) from error


def _download():
    import keras  # imported only here: it starts TensorFlow

    try:
        train, test = keras.datasets.cifar10.load_data()
    except Exception as error:
        raise DataError(
            f"could not download CIFAR-10 through Keras ({_reason(error)}); "
            "pass --data-dir PATH (or set CIFAR10_DIR) to a local copy"
        ) from error
    return train, test, "Keras download (keras.datasets.cifar10)"


def _load_copy(path):
    if not path.exists():
        raise DataError(f"{path}: no such file or folder; give a CIFAR-10 copy's path")
    if path.is_file():
        return _load_archive(path)
    if all(entry.name.startswith(".") for entry in path.iterdir()):
        raise DataError(f"{path}: folder is empty; {KNOWN_LAYOUTS}")
    for folder in (path, *(path / layout for layout in BATCH_FILES)):
        layout = _batch_layout(folder)
        if layout:
            return _load_batch_folder(folder, layout)
    for name in ARCHIVE_NAMES:
        if (path / name).is_file():
            return _load_archive(path / name)
    if (path / "train").is_dir() or (path / "test").is_dir():
        return _load_tree(path)
    raise DataError(f"{path}: not a CIFAR-10 copy; {KNOWN_LAYOUTS}")


def _batch_layout(folder):
    """Return the BATCH_FILES key `folder` is an extracted copy of, or None."""
    if folder.is_dir():
        for layout, names in BATCH_FILES.items():
            present = [name for name in names if (folder / name).is_file()]
            if folder.name == layout or present:
                return layout
    return None


def _load_batch_folder(folder, layout):
    batches = {}
    for name in BATCH_FILES[layout]:
        if (folder / name).is_file():
            batches[name] = (folder / name, (folder / name).read_bytes())
    return _assemble(batches, layout, folder)


def _load_archive(archive):
    batches = {layout: {} for layout in BATCH_FILES}
    try:
        # Members are read in stream order: seeking back in a .tar.gz starts over.
        with tarfile.open(archive, "r:*") as tar:
            for member in tar:
                member_path = PurePosixPath(member.name)
                layout, name = member_path.parent.name, member_path.name
                if member.isfile() and name in BATCH_FILES.get(layout, ()):
                    raw = tar.extractfile(member).read()
                    batches[layout][name] = (f"{archive}:{member.name}", raw)
    except (OSError, EOFError, tarfile.TarError, zlib.error) as error:
        raise DataError(
            f"{archive}: not a readable tar archive ({_reason(error)}); "
            "download it again or pass its extracted folder"
        ) from error
    for layout, found in batches.items():
        if found:
            return _assemble(found, layout, archive)
    raise DataError(f"{archive}: holds no CIFAR-10 batches; {KNOWN_LAYOUTS}")


def _assemble(batches, layout, where):
    names = BATCH_FILES[layout]
    missing = [name for name in names if name not in batches]
    if missing:
        raise DataError(
            f"{where}: missing {', '.join(missing)}; "
            f"a complete copy has {', '.join(names)}"
        )
    binary = layout.endswith("-bin")
    decode = _decode_records if binary else _decode_pickle
    decoded = [decode(*batches[name]) for name in names]
    x_train = np.concatenate([images for images, _ in decoded[:5]])
    y_train = np.concatenate([labels for _, labels in decoded[:5]]).reshape(-1, 1)
    x_test = np.ascontiguousarray(decoded[5][0])  # a writable copy, like x_train
    y_test = decoded[5][1].reshape(-1, 1)
    source = f"{where} ({'binary' if binary else 'python pickle'} batches)"
    return (x_train, y_train), (x_test, y_test), source


def _decode_pickle(origin, raw):
    try:
        batch = _RestrictedUnpickler(io.BytesIO(raw), origin).load()
        data, labels = batch[b"data"], np.array(batch[b"labels"], np.int64)
    except DataError:
        raise
    except Exception as error:  # a damaged pickle can fail in almost any way
        raise DataError(
            f"{origin}: not a CIFAR-10 batch pickle ({type(error).__name__}: "
            f"{_reason(error)}); download it again"
        ) from error
    wanted_shape = (len(labels), PIXELS) if labels.ndim == 1 else None
    uint8 = isinstance(data, np.ndarray) and data.dtype == np.uint8
    if not uint8 or data.shape != wanted_shape:
        raise DataError(
            f"{origin}: expected b'data' of shape (n, {PIXELS}) uint8 and n b'labels';"
            " download it again"
        )
    return _to_images(data), _checked_labels(labels, origin)


def _decode_records(origin, raw):
    record_size = 1 + PIXELS
    if not raw or len(raw) % record_size:
        raise DataError(
            f"{origin}: {len(raw)} bytes is not a whole number of {record_size}-byte "
            "records, so the file is truncated; download it again"
        )
    records = np.frombuffer(raw, np.uint8).reshape(-1, record_size)
    return _to_images(records[:, 1:]), _checked_labels(records[:, 0], origin)


def _to_images(rows):
    """(n, 3072) rows of red, green and blue planes -> (n, 32, 32, 3) images."""
    return rows.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)


def _checked_labels(labels, origin):
    outside = labels[(labels < 0) | (labels >= len(CLASS_NAMES))]
    if outside.size:
        raise DataError(
            f"{origin}: label {outside[0]} is outside 0..9; "
            "this is not a CIFAR-10 batch (CIFAR-100?)"
        )
    return labels.astype(np.uint8)


_NUMPY_GLOBALS = {("numpy", "ndarray"), ("numpy", "dtype")} | {
    (f"{core}.{module}", name)
    for core in ("numpy.core", "numpy._core")  # as numpy 1 and numpy 2 write them
    for module, name in (("multiarray", "_reconstruct"), ("numeric", "_frombuffer"))
}


class _RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that builds numpy arrays and refuses every other global.

    A pickle may name any importable callable and have it called, os.system
    included, so a crafted batch is stopped here, before anything runs.
    """

    def __init__(self, file, origin):
        super().__init__(file, encoding="bytes")  # the batches come from Python 2
        self.origin = origin

    def find_class(self, module, name):
        # Note: Python 3 writes bytes as _codecs.encode(...) under protocols 0-2,
        # so batches re-pickled that way are refused too; the official Python 2
        # files and pickles of protocol 3 or later need only the numpy globals.
        if (module, name) not in _NUMPY_GLOBALS:
            raise DataError(
                f"{self.origin}: the pickle asks for {module}.{name}, which no "
                "CIFAR-10 batch needs; not loaded (the file may be malicious)"
            )
        with warnings.catch_warnings():  # numpy 2 warns about numpy.core.numeric
            warnings.simplefilter("ignore", DeprecationWarning)
            return super().find_class(module, name)


def _load_tree(root):
    for split in ("train", "test"):
        if not (root / split).is_dir():
            raise DataError(
                f"{root}: no {split}/ folder; a class-folder tree needs "
                "train/<class>/ and test/<class>/ side by side"
            )
    x_train, y_train = _read_split(root / "train")
    x_test, y_test = _read_split(root / "test")
    return (x_train, y_train), (x_test, y_test), f"{root} (class-folder image tree)"


def _read_split(split):
    for folder in sorted(split.iterdir()):
        hidden = folder.name.startswith(".")
        if folder.is_dir() and not hidden and folder.name not in CLASS_NAMES:
            raise DataError(
                f"{folder}: '{folder.name}' is not a CIFAR-10 class; "
                f"class folders must be named {', '.join(CLASS_NAMES)}"
            )
    files, labels = [], []
    for label, class_name in enumerate(CLASS_NAMES):
        if (split / class_name).is_dir():
            images = sorted(filter(_is_image, (split / class_name).iterdir()))
            files += images
            labels += [label] * len(images)
    if not files:
        raise DataError(
            f"{split}: no {'/'.join(IMAGE_SUFFIXES)} images in its class folders; "
            "put each image in the folder of its class"
        )
    x = np.empty((len(files), 32, 32, 3), np.uint8)  # filled in place, image by image
    for index, file in enumerate(files):
        x[index] = _read_image(file)
    return x, np.array(labels, np.uint8).reshape(-1, 1)


def _is_image(path):
    name = path.name
    return not name.startswith(".") and name.lower().endswith(IMAGE_SUFFIXES)


def _read_image(file):
    try:
        with Image.open(file) as image:
            if image.size == (32, 32):  # convert() copies, so only when it must
                rgb = image if image.mode == "RGB" else image.convert("RGB")
                return np.asarray(rgb)
            width, height = image.size
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise DataError(
            f"{file}: not a readable image ({_reason(error)}); replace or delete it"
        ) from error
    raise DataError(
        f"{file}: image is {width}x{height}, expected 32x32; resize or remove it"
    )


def _reason(error):
    return str(error) or type(error).__name__
