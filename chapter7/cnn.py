"""A one-layer CNN on CIFAR-10: the chapter's SimpleConvNet, in Keras.

Chapter 7 (p. 229) builds SimpleConvNet as conv - relu - pool - affine -
relu - affine - softmax. Here that network is written in Keras layers and
trained on CIFAR-10's 32x32 colour photos instead of MNIST:

    Conv2D(30 filters, 5x5, valid, relu)  -> 28x28x30     2,280 parameters
    MaxPooling2D(2)                       -> 14x14x30
    Flatten                               -> 5,880
    Dense(100, relu)                                    588,100 parameters
    Dense(10, softmax)                                    1,010 parameters

591,390 parameters in all. Adam, batch 100, 20 epochs: test accuracy climbs
to about 65% within 5 epochs and then stalls while train accuracy keeps
rising - the model overfits. Writes acc.png, loss.png, history.csv,
summary.json and the model before and after training (for
visualize_weights.py) into a new runs/cnn/run-NNN folder.

    python chapter7/cnn.py --data-dir ../shared/data/cifar10-jpeg
"""

import common
import keras
from keras import layers

EPOCHS = 20
BATCH_SIZE = 100
# Speed only, results unchanged: batches per call into TensorFlow.
STEPS_PER_EXECUTION = 10


def build_model():
    return keras.Sequential(
        [
            keras.Input(shape=(32, 32, 3), dtype="uint8"),
            # Pixels stay uint8 until here: a quarter of float32's memory.
            layers.Rescaling(1 / 255),
            layers.Conv2D(
                filters=30, kernel_size=5, padding="valid", activation="relu"
            ),
            layers.MaxPooling2D(pool_size=2),
            layers.Flatten(),
            layers.Dense(100, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ],
        name="simple_convnet",
    )


def parse_args(argv=None, description=__doc__, epochs=EPOCHS):
    parser = common.ArgumentParser(description=description.splitlines()[0])
    common.add_run_arguments(parser, epochs=epochs, batch_size=BATCH_SIZE)
    return parser.parse_args(argv)


def train(script, build, args):
    """Train the model build() makes as the chapter does, recording the run
    in a folder of runs/<script>; returns the exit status."""
    run = common.Run(script, args)

    (x_train, y_train), (x_test, y_test), source = common.load_training_data(args)

    keras.utils.set_random_seed(args.seed)
    model = build()
    model.summary()
    # Integer labels with the sparse loss: the same cross-entropy as one-hot
    # labels with categorical_crossentropy, without the (N, 10) label array.
    model.compile(
        optimizer="adam",
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=STEPS_PER_EXECUTION,
    )
    run.begin(model, source)

    with run.training():
        model.fit(
            x_train,
            y_train,
            batch_size=args.batch_size,
            epochs=args.epochs,
            validation_data=(x_test, y_test),
            callbacks=run.callbacks(),
        )
    return run.finish(model, x_test, y_test)


def main(argv=None):
    return train("cnn", build_model, parse_args(argv))


if __name__ == "__main__":
    common.run_script(main)
