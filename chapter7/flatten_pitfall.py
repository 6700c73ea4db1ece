"""Why cnn.py needs Flatten: the chapter's pitfall, as three model summaries.

A Dense layer in Keras works on the last axis only. Put straight after the
14x14x30 pooled map, Dense(100) does not see 5,880 inputs: it applies one
small 30 -> 100 layer at each of the 14x14 positions.

    model                          output shape          parameters
    conv + pool                    (None, 14, 14, 30)         2,280
    conv + pool + Dense            (None, 14, 14, 100)        5,380
    conv + pool + Flatten + Dense  (None, 100)              591,390

Shapes are those out of Dense(100) (out of the pooling for the first). The
last is cnn.py's whole network, its Dense(10) output included. Builds the three
models and prints their summaries; no data, no training.

    python chapter7/flatten_pitfall.py
"""

import common
import keras
from keras import layers


def conv_and_pool():
    return [
        keras.Input(shape=(32, 32, 3)),
        layers.Conv2D(filters=30, kernel_size=5, padding="valid", activation="relu"),
        layers.MaxPooling2D(pool_size=2),
    ]


def build_models():
    """The three models of the pitfall, by name."""
    return {
        "conv + pool": keras.Sequential(conv_and_pool(), name="conv_pool"),
        "conv + pool + Dense": keras.Sequential(
            conv_and_pool() + [layers.Dense(100, activation="relu")],
            name="dense_without_flatten",
        ),
        "conv + pool + Flatten + Dense": keras.Sequential(
            conv_and_pool()
            + [
                layers.Flatten(),
                layers.Dense(100, activation="relu"),
                layers.Dense(10, activation="softmax"),
            ],
            name="dense_after_flatten",
        ),
    }


def dense_output_shape(model):
    """Shape out of the first Dense layer, or out of the pooling if none."""
    for layer in model.layers:
        if isinstance(layer, layers.Dense):
            return layer.output.shape
    return model.output_shape


def main(argv=None):
    parser = common.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    models = build_models()
    for title, model in models.items():
        print(f"\n== {title}")
        model.summary()
    print(f"\n{'model':31}{'output shape':22}{'parameters':>10}")
    for title, model in models.items():
        shape = str(dense_output_shape(model))
        print(f"{title:31}{shape:22}{model.count_params():>10,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
