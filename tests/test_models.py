"""The models of the chapter, checked against the article's summaries."""

import cnn
import cnn_with_gap
import flatten_pitfall


def test_cnn_has_591390_parameters():
    assert cnn.build_model().count_params() == 591_390


def test_cnn_conv_layer_has_2280_parameters():
    # 30 filters of 5x5x3 weights plus one bias each: 30 * (75 + 1).
    conv = cnn.build_model().get_layer(index=1)
    assert conv.count_params() == 2_280


def test_cnn_pools_to_14_by_14_by_30_and_flattens_to_5880():
    model = cnn.build_model()
    pool, flatten = model.layers[2], model.layers[3]
    assert tuple(pool.output.shape) == (None, 14, 14, 30)
    assert tuple(flatten.output.shape) == (None, 5_880)


def test_pitfall_conv_and_pool_alone_has_2280_parameters():
    model = flatten_pitfall.build_models()["conv + pool"]
    assert tuple(model.output_shape) == (None, 14, 14, 30)
    assert model.count_params() == 2_280


def test_pitfall_dense_without_flatten_acts_per_position():
    model = flatten_pitfall.build_models()["conv + pool + Dense"]
    # Dense(100) on the last axis only: 30 * 100 + 100 = 3,100 on top of 2,280.
    assert tuple(model.output_shape) == (None, 14, 14, 100)
    assert model.count_params() == 5_380


def test_pitfall_with_flatten_is_the_cnn():
    model = flatten_pitfall.build_models()["conv + pool + Flatten + Dense"]
    shape = flatten_pitfall.dense_output_shape(model)
    assert tuple(shape) == (None, 100)
    assert model.count_params() == 591_390


def test_gap_model_has_6390_parameters():
    # 2,280 + (30 * 100 + 100) + (100 * 10 + 10)
    assert cnn_with_gap.build_model().count_params() == 6_390


def test_gap_averages_each_feature_map_to_one_number():
    model = cnn_with_gap.build_model()
    gap = next(layer for layer in model.layers if "global" in layer.name)
    assert tuple(gap.output.shape) == (None, 30)
