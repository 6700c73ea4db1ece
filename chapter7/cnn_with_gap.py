"""The chapter's CNN with GlobalAveragePooling2D in place of Flatten.

cnn.py spends 588,100 of its 591,390 parameters on the Dense layer that
reads the flattened 14x14x30 map. Averaging each of the 30 feature maps to
one number first (global average pooling) leaves 30 inputs for that layer:

    Conv2D(30 filters, 5x5, valid, relu)  -> 28x28x30     2,280 parameters
    MaxPooling2D(2)                       -> 14x14x30
    GlobalAveragePooling2D                -> 30
    Dense(100, relu)                                      3,100 parameters
    Dense(10, softmax)                                    1,010 parameters

6,390 parameters, about 1% of cnn.py's. It learns far more slowly and
overfits far less: about 56% test accuracy after 150 epochs (Adam, batch
100). Writes the same run files as cnn.py into runs/cnn_with_gap/run-NNN.

    python chapter7/cnn_with_gap.py --data-dir ../shared/data/cifar10-jpeg
"""

import common
import keras
from keras import layers

import cnn

EPOCHS = 150  # batch size, optimizer and the rest: as in cnn.py


def build_model():
    return keras.Sequential(
        [
            keras.Input(shape=(32, 32, 3), dtype="uint8"),
            layers.Rescaling(1 / 255),
            layers.Conv2D(
                filters=30, kernel_size=5, padding="valid", activation="relu"
            ),
            layers.MaxPooling2D(pool_size=2),
            # One average per feature map: position is forgotten, so is most
            # of the capacity to memorise the training set.
            layers.GlobalAveragePooling2D(),
            layers.Dense(100, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ],
        name="convnet_with_gap",
    )


def main(argv=None):
    args = cnn.parse_args(argv, description=__doc__, epochs=EPOCHS)
    # Trained exactly as cnn.py trains its network: only the model differs.
    return cnn.train("cnn_with_gap", build_model, args)


if __name__ == "__main__":
    common.run_script(main)
