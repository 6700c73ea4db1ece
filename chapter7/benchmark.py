"""Speed and memory: the article's plain recipe against this project's scripts.

The plain recipe is the article's code: uint8 images divided by 255 into
float64 arrays, one-hot labels, categorical cross-entropy, model.fit on
those arrays. The scripts keep the images uint8 and scale them inside the
model, give integer labels to the sparse form of the same loss, and run ten
batches per call into TensorFlow. Model, batch size, optimizer, data and
the per-epoch test evaluation are the same.

Each recipe trains in a fresh process, so that its peak resident memory is
its own; plain and ours alternate, a few epochs each. The report gives
seconds per epoch (the median over all rounds, leaving out each round's
first epoch, which also builds the graph), peak RSS, the ratios ours /
plain, and for the CNN the GFLOP/s achieved against a float32
matrix-multiply peak measured in the same run. --levers also times single
changes to ours, to see which are worth keeping.

    python chapter7/benchmark.py --data-dir ../shared/data/cifar10-jpeg \\
        --weights ../shared/weights/mobilenet_2_5_224_tf_no_top.h5
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

import common
import keras
from keras import layers

import cnn
import transfer_learning
from common.runs import EpochTimer, positive_int, seed_int, whole_number

ALPHA = 0.25  # the MobileNet whose ImageNet weights are to be had offline
SCRIPTS = {"cnn": cnn, "mobilenet": transfer_learning}
# Single changes to ours: compile() or fit() arguments, or environment
# variables of the worker (thread counts, another Keras backend). The first
# undoes the speed setting the scripts keep, to show what it buys.
LEVERS = {
    "steps_per_execution=1": {"compile": {"steps_per_execution": 1}},
    "jit_compile": {"compile": {"jit_compile": True}},
    "interop_threads=1": {"env": {"TF_NUM_INTEROP_THREADS": "1"}},
    "backend=jax": {"env": {"KERAS_BACKEND": "jax"}},  # needs: pip install jax
    "mixed_bfloat16": {"policy": "mixed_bfloat16"},
}
TARGETS = {"cnn": (0.6, 0.35), "mobilenet": (0.7, 0.5)}  # time, memory ratios


def plain_model(name, weights):
    """The article's models as it wrote them: float input, no scaling layer."""
    if name == "cnn":
        return keras.Sequential(
            [
                keras.Input(shape=(32, 32, 3)),
                layers.Conv2D(30, 5, padding="valid", activation="relu"),
                layers.MaxPooling2D(2),
                layers.Flatten(),
                layers.Dense(100, activation="relu"),
                layers.Dense(10, activation="softmax"),
            ]
        )
    base = keras.applications.MobileNet(
        input_shape=(32, 32, 3),
        alpha=ALPHA,
        include_top=False,
        pooling="avg",
        weights=weights,
    )
    return keras.Sequential(
        [keras.Input(shape=(32, 32, 3)), base, layers.Dense(10, activation="softmax")]
    )


def our_model(name, weights):
    if name == "cnn":
        return cnn.build_model()
    return transfer_learning.build_model(ALPHA, weights)


def train(name, recipe, epochs, data_dir, weights, seed):
    """One recipe in this process; returns its timings and peak memory."""
    (x_train, y_train), (x_test, y_test), _ = common.load_cifar10(data_dir)
    # The same seed gives both recipes the same initial weights and batches.
    keras.utils.set_random_seed(seed)
    script = SCRIPTS[name]
    if recipe == "plain":
        x_train, x_test = x_train / 255.0, x_test / 255.0  # float64, as the article
        y_train = keras.utils.to_categorical(y_train, 10)
        y_test = keras.utils.to_categorical(y_test, 10)
        model = plain_model(name, weights)
        loss = "categorical_crossentropy"
        compile_args, fit_args = {}, {}
    else:
        lever = LEVERS.get(recipe.removeprefix("ours+"), {})
        if "policy" in lever:
            keras.mixed_precision.set_global_policy(lever["policy"])
        model = our_model(name, weights)
        loss = "sparse_categorical_crossentropy"
        compile_args = {"steps_per_execution": script.STEPS_PER_EXECUTION}
        # Only transfer_learning.py tests in larger batches than it trains.
        test_batch = getattr(script, "TEST_BATCH_SIZE", None)
        fit_args = {"validation_batch_size": test_batch} if test_batch else {}
        compile_args.update(lever.get("compile", {}))
        fit_args.update(lever.get("fit", {}))
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"], **compile_args)
    history = model.fit(
        x_train,
        y_train,
        batch_size=script.BATCH_SIZE,
        epochs=epochs,
        validation_data=(x_test, y_test),
        callbacks=[EpochTimer()],
        verbose=0,
        **fit_args,
    )
    return {
        "train_images": len(x_train),
        "test_images": len(x_test),
        "seconds": history.history["seconds"],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "val_accuracy": history.history["val_accuracy"],
    }


def cnn_training_flop(train_images, test_images):
    """Floating-point operations of one cnn.py epoch, counted from its layers.

    Forward, per image: the conv layer does 28*28*30 outputs of 5*5*3
    multiply-adds, Dense(100) 5,880*100 and Dense(10) 100*10; 2 FLOP each.
    A training step costs about 3 forward passes (the backward pass computes
    gradients for both inputs and weights); testing costs one.
    """
    multiply_adds = 28 * 28 * 30 * 5 * 5 * 3 + 5_880 * 100 + 100 * 10
    forward = 2 * multiply_adds
    return 3 * forward * train_images + forward * test_images


def matmul_peak_gflops(size=2048, repeats=5):
    """Best float32 matrix-multiply rate of TensorFlow on this machine."""
    import tensorflow as tf

    a = tf.random.normal((size, size))
    b = tf.random.normal((size, size))
    tf.linalg.matmul(a, b).numpy()  # warm up
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        tf.linalg.matmul(a, b).numpy()
        best = min(best, time.perf_counter() - started)
    return 2 * size**3 / best / 1e9


def run_worker(name, recipe, args):
    command = [sys.executable, __file__, "--worker", f"{name}:{recipe}"]
    command += ["--epochs", str(args.epochs), "--seed", str(args.seed)]
    if args.data_dir:
        command += ["--data-dir", args.data_dir]
    if args.weights:
        command += ["--weights", args.weights]
    lever = LEVERS.get(recipe.removeprefix("ours+"), {})
    environment = dict(os.environ, **lever.get("env", {}))
    done = subprocess.run(command, capture_output=True, text=True, env=environment)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or ["no message"]
        raise common.RunError(f"the {name} {recipe} worker failed: {lines[-1]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def steady_seconds(result):
    """Median seconds of the epochs after the first (which builds the graph)."""
    return statistics.median(result["seconds"][1:] or result["seconds"])


def parse_args(argv=None):
    parser = common.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="local CIFAR-10 copy (see cnn.py --help)")
    parser.add_argument(
        "--weights",
        help="MobileNet alpha=0.25 no-top weights file (default: random weights, "
        "which train at the same speed)",
    )
    parser.add_argument(
        "--models",
        nargs="+",
        choices=("cnn", "mobilenet"),
        default=["cnn", "mobilenet"],
    )
    parser.add_argument("--epochs", type=whole_number(2), default=4)
    parser.add_argument("--seed", type=seed_int, default=0)
    parser.add_argument(
        "--rounds", type=positive_int, default=2, help="plain/ours pairs per model"
    )
    parser.add_argument(
        "--levers",
        nargs="*",
        choices=list(LEVERS),
        metavar="LEVER",
        help="also time single changes to ours: all of them, or those named "
        f"({', '.join(LEVERS)})",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.worker:
        name, recipe = args.worker.split(":")
        result = train(
            name, recipe, args.epochs, args.data_dir, args.weights, args.seed
        )
        print(json.dumps(result))
        return 0

    # Bad input is caught here, before minutes of training in the workers.
    common.load_cifar10(args.data_dir)
    if args.weights and "mobilenet" in args.models:
        weights = argparse.Namespace(
            weights=args.weights, alpha=ALPHA, image_size=32, preprocessing="scale"
        )
        transfer_learning.build_pretrained(weights)

    peak = matmul_peak_gflops()
    print(f"float32 matmul peak (TensorFlow, 2048x2048): {peak:.1f} GFLOP/s")
    print(
        f"{'model':10} {'recipe':34} {'s/epoch':>8} {'peak RSS':>9} "
        f"{'best test acc':>13}"
    )
    for name in args.models:
        recipes = ["plain", "ours"] * args.rounds
        if args.levers is not None:
            recipes += [f"ours+{lever}" for lever in args.levers or LEVERS]
        results = {}
        for recipe in recipes:
            result = run_worker(name, recipe, args)
            results.setdefault(recipe, []).append(result)
            print(
                f"{name:10} {recipe:34} {steady_seconds(result):8.2f} "
                f"{result['peak_rss_mb']:7.0f}MB {max(result['val_accuracy']):13.3f}",
                flush=True,
            )
        # Every steady epoch of every round in one pool: a round slowed by
        # something else on the machine moves the median less than it would
        # move a median of per-round medians.
        seconds = {
            recipe: statistics.median(
                epoch for result in runs for epoch in result["seconds"][1:]
            )
            for recipe, runs in results.items()
        }
        memory = {
            recipe: max(result["peak_rss_mb"] for result in runs)
            for recipe, runs in results.items()
        }
        time_target, memory_target = TARGETS[name]
        time_ratio = seconds["ours"] / seconds["plain"]
        memory_ratio = memory["ours"] / memory["plain"]
        print(
            f"{name}: time per epoch {time_ratio:.2f}x plain "
            f"(target <= {time_target}), peak memory {memory_ratio:.2f}x plain "
            f"(target <= {memory_target})"
        )
        for lever in (r for r in seconds if r.startswith("ours+")):
            print(f"{name}: {lever} {seconds[lever] / seconds['ours']:.2f}x ours")
        if name == "cnn":
            sizes = results["ours"][0]
            flop = cnn_training_flop(sizes["train_images"], sizes["test_images"])
            achieved = flop / seconds["ours"] / 1e9
            print(
                f"cnn: {flop / 1e12:.2f} TFLOP per epoch -> {achieved:.1f} GFLOP/s, "
                f"{achieved / peak:.0%} of the matmul peak"
            )
    return 0


if __name__ == "__main__":
    common.run_script(main)
