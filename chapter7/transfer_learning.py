"""Transfer learning: an ImageNet-trained MobileNet on CIFAR-10.

The chapter's CNN learns its filters from 50,000 small photos and stops near
65%. MobileNet has already learned its filters from 1.2 million ImageNet
photos; with a new Dense(10) head on top it needs only a few epochs:

    Input(32, 32, 3) -> MobileNet(include_top=False, pooling="avg")
                     -> Dense(10, softmax)

With alpha=1.0 (the article's): 3,239,114 parameters, 21,888 of them
non-trainable (batch-norm statistics), 10,250 in the head. Before training
the random head scores about 10% (the article: 11.9%); after 3 epochs of
Adam at batch 128, all layers trainable, about 77% (the article, on a GPU).
--weights none trains the same network from random weights, to show what
the pretraining buys. Writes the run files of cnn.py, plus the accuracy
before training, into runs/transfer_learning/run-NNN.

    python chapter7/transfer_learning.py --data-dir ../shared/data/cifar10-jpeg \\
        --alpha 0.25 --weights ../shared/weights/mobilenet_2_5_224_tf_no_top.h5
"""

import warnings
from pathlib import Path

import common
import h5py
import keras
from keras import layers

from common.runs import first_line, shown, whole_number

EPOCHS = 3
BATCH_SIZE = 128
# Speed only, results unchanged: batches per call into TensorFlow, and a
# larger batch for the test-set evaluation (MobileNet's many small layers
# cost time per call more than per image).
STEPS_PER_EXECUTION = 10
TEST_BATCH_SIZE = 1000
ALPHAS = (0.25, 0.5, 0.75, 1.0)


def weights_file_name(alpha):
    """The name of Keras' ImageNet no-top weights file for this alpha."""
    digits = {0.25: "2_5", 0.5: "5_0", 0.75: "7_5", 1.0: "1_0"}[alpha]
    return f"mobilenet_{digits}_224_tf_no_top.h5"


def build_model(alpha, weights=None, image_size=32, preprocessing="scale"):
    """The article's model. weights: None (random), "imagenet" or a file path.

    preprocessing "scale" divides pixels by 255 as the article does;
    "mobilenet" maps them to -1..1, the range MobileNet was trained on.
    """
    if preprocessing == "mobilenet":
        rescale = layers.Rescaling(1 / 127.5, offset=-1)
    else:
        rescale = layers.Rescaling(1 / 255)
    resize = []
    if image_size != 32:
        # Note: upsampling adds no detail, yet a 224x224 input costs about
        # 49 times the compute of 32x32.
        resize = [layers.Resizing(image_size, image_size)]
    base = keras.applications.MobileNet(
        input_shape=(image_size, image_size, 3),
        alpha=alpha,
        include_top=False,
        pooling="avg",
        weights=weights,
        name="mobilenet",
    )
    return keras.Sequential(
        [keras.Input(shape=(32, 32, 3), dtype="uint8"), rescale]
        + resize
        + [base, layers.Dense(10, activation="softmax")],
        name="mobilenet_transfer",
    )


def saved_alpha(path):
    """The alpha a Keras MobileNet weights file was made for, or None."""
    try:
        with h5py.File(path, "r") as file:
            return file["conv1"]["conv1/kernel:0"].shape[-1] / 32
    except (OSError, KeyError, TypeError):
        return None


def check_weights_file(path, alpha):
    """Stop early, in one line, on a missing file or one for another alpha."""
    expected = weights_file_name(alpha)
    if not Path(path).is_file():
        raise common.RunError(
            f"no weights file at {path}; expected Keras' {expected} "
            "(or --weights imagenet or --weights none)"
        )
    found = saved_alpha(path)
    if found is not None and found != alpha:
        raise common.RunError(
            f"{shown(path)} holds MobileNet weights for alpha={found}, not "
            f"{alpha}; pass --alpha {found} or the {expected} file"
        )


def build_pretrained(args):
    """build_model with --weights, every failure to load made one line."""
    weights = None if args.weights.lower() == "none" else args.weights
    if weights not in (None, "imagenet"):
        check_weights_file(weights, args.alpha)
    expected = weights_file_name(args.alpha)
    try:
        # Keras warns that the weights were made for 224x224 images; the
        # script says so in its own line below.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return build_model(args.alpha, weights, args.image_size, args.preprocessing)
    except Exception as error:
        reason = first_line(error)
        if weights == "imagenet":
            # Keras raises a plain Exception for a failed download.
            raise common.RunError(
                f"could not download MobileNet's ImageNet weights ({reason}); "
                f"pass --weights PATH to a local {expected}, or --weights none"
            )
        if isinstance(error, (OSError, ValueError)):
            raise common.RunError(
                f"cannot load {shown(weights)} into MobileNet alpha={args.alpha} "
                f"({reason}); expected Keras' {expected}"
            )
        raise


def parse_args(argv=None):
    parser = common.ArgumentParser(description=__doc__.splitlines()[0])
    common.add_run_arguments(parser, epochs=EPOCHS, batch_size=BATCH_SIZE)
    parser.add_argument(
        "--weights",
        default="imagenet",
        help="'imagenet' (Keras downloads them), a local Keras no-top .h5 "
        "file, or 'none' for random initialisation",
    )
    parser.add_argument("--alpha", type=float, choices=ALPHAS, default=1.0)
    parser.add_argument(
        "--image-size",
        type=whole_number(32, 224),
        default=32,
        help="enlarge the images to this size first (MobileNet was trained at "
        "224; costs about (size/32)^2 times the time)",
    )
    parser.add_argument(
        "--preprocessing",
        choices=("scale", "mobilenet"),
        default="scale",
        help="'scale': pixels / 255, as the article; 'mobilenet': -1..1, as "
        "MobileNet was trained",
    )
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    run = common.Run("transfer_learning", args)

    # The weights are checked before the data is read: a bad file fails fast.
    keras.utils.set_random_seed(args.seed)
    model = build_pretrained(args)
    if args.weights.lower() != "none":
        if args.image_size not in (128, 160, 192, 224):
            print(
                f"note: MobileNet's ImageNet weights were trained on 224x224 "
                f"images; here they see {args.image_size}x{args.image_size} ones"
            )

    (x_train, y_train), (x_test, y_test), source = common.load_training_data(args)

    model.summary()
    model.compile(
        optimizer="adam",
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=STEPS_PER_EXECUTION,
    )
    before = {}
    if not run.resuming:
        # The head is random, so this is chance level: about 10%.
        _, accuracy = model.evaluate(
            x_test, y_test, batch_size=TEST_BATCH_SIZE, verbose=0
        )
        print(f"test accuracy before training: {accuracy:.3f}")
        before = {"accuracy_before": accuracy}
    run.begin(model, source, **before)

    with run.training():
        model.fit(
            x_train,
            y_train,
            batch_size=args.batch_size,
            epochs=args.epochs,
            validation_data=(x_test, y_test),
            validation_batch_size=TEST_BATCH_SIZE,
            callbacks=run.callbacks(),
        )
    return run.finish(model, x_test, y_test)


if __name__ == "__main__":
    common.run_script(main)
