"""benchmark.py's arithmetic and its workers; no timing is asserted here."""

import benchmark


def test_cnn_costs_about_14_mflop_per_training_image():
    # Forward: 28*28*30 outputs * 75 multiply-adds (1,764,000), then
    # 5,880*100 (588,000) and 100*10 (1,000); 2 FLOP each, 3 passes to train.
    assert benchmark.cnn_training_flop(1, 0) == 3 * 2 * 2_353_000
    assert benchmark.cnn_training_flop(1, 0) == 14_118_000


def test_a_cnn_epoch_on_cifar10_is_about_0_71_tflop_of_training():
    assert round(benchmark.cnn_training_flop(50_000, 0) / 1e12, 2) == 0.71


def test_testing_costs_one_forward_pass_per_image():
    assert benchmark.cnn_training_flop(0, 1) == 2 * 2_353_000


def test_plain_and_our_workers_report_the_same_figures(tiny_cifar):
    for recipe in ("plain", "ours"):
        result = benchmark.train("cnn", recipe, 2, str(tiny_cifar), None, seed=0)
        assert (result["train_images"], result["test_images"]) == (60, 20)
        assert len(result["seconds"]) == len(result["val_accuracy"]) == 2
        assert result["peak_rss_mb"] > 0


def test_plain_mobilenet_matches_the_scripts_parameter_count():
    plain = benchmark.plain_model("mobilenet", None)
    assert plain.count_params() == benchmark.our_model("mobilenet", None).count_params()
    assert plain.count_params() == 221_114


def test_plain_cnn_is_the_scripts_cnn_without_the_scaling_layer():
    assert benchmark.plain_model("cnn", None).count_params() == 591_390
