"""The tile combiner: grid size, placement, enlarging and gaps by hand."""

import numpy as np
import pytest

from common.tiles import grid_shape, tile_images, to_image


def numbered_pixels(count):
    """count 1x1 grey images whose value is their index + 1."""
    return np.arange(1, count + 1, dtype=np.uint8).reshape(count, 1, 1)


@pytest.mark.parametrize(
    "count, rows, columns",
    [(1, 1, 1), (4, 2, 2), (5, 3, 2), (10, 4, 3), (30, 6, 5), (100, 10, 10)],
)
def test_grid_is_floor_sqrt_wide_and_ceil_high(count, rows, columns):
    assert grid_shape(count) == (rows, columns)


def test_images_fill_the_grid_row_by_row():
    grid = tile_images(numbered_pixels(5), background=0)
    # 5 images: 2 across, 3 down, the last cell left as background.
    assert grid.tolist() == [[1, 2], [3, 4], [5, 0]]


def test_scale_turns_each_pixel_into_a_block():
    image = np.array([[[10, 20], [30, 40]]], dtype=np.uint8)
    grid = tile_images(image, scale=2)
    assert grid.tolist() == [
        [10, 10, 20, 20],
        [10, 10, 20, 20],
        [30, 30, 40, 40],
        [30, 30, 40, 40],
    ]


def test_gap_separates_tiles_but_not_the_border():
    grid = tile_images(numbered_pixels(4), scale=2, gap=1, background=9)
    assert grid.shape == (5, 5)
    assert grid.tolist() == [
        [1, 1, 9, 2, 2],
        [1, 1, 9, 2, 2],
        [9, 9, 9, 9, 9],
        [3, 3, 9, 4, 4],
        [3, 3, 9, 4, 4],
    ]


def test_thirty_colour_filters_make_a_five_by_six_grid():
    filters = np.zeros((30, 5, 5, 3), dtype=np.uint8)
    filters[29] = 200  # the last filter: row 6, column 5
    grid = tile_images(filters, scale=8, gap=2, background=255)
    assert grid.shape == (6 * 40 + 5 * 2, 5 * 40 + 4 * 2, 3)
    top, left = 5 * (40 + 2), 4 * (40 + 2)
    assert (grid[top : top + 40, left : left + 40] == 200).all()
    assert (grid[top - 2 : top, left:] == 255).all()


def test_to_image_stretches_values_to_0_and_255():
    weights = np.array([[-0.5, 0.0], [0.25, 1.0]])
    # (w + 0.5) / 1.5 * 255, cut to whole numbers as array_to_img does.
    assert to_image(weights).tolist() == [[0, 85], [127, 255]]


def test_to_image_of_a_constant_filter_is_black():
    assert to_image(np.full((5, 5, 3), 0.3)).max() == 0
