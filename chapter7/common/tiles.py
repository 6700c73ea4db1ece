"""Combine many small images into one grid, as the article does for filters.

N images are laid out row by row in a grid floor(sqrt(N)) tiles wide and
ceil(N / width) tiles high: the 30 first-layer filters of the chapter's CNN
become 5 columns by 6 rows. A 5x5 filter is too small to see, so each tile
can be enlarged without blurring (every pixel becomes a scale x scale block)
and the tiles separated by a thin gap.
"""

import math

import numpy as np


def to_image(array):
    """Stretch an array's values to 0..255 uint8, as keras' array_to_img does.

    The smallest value becomes 0 and the largest 255, so the sign and size of
    the weights turn into brightness; a constant array becomes black.
    """
    values = np.asarray(array, dtype=np.float64)
    values = values - values.min()
    largest = values.max()
    if largest > 0:
        values = values / largest
    return (values * 255).astype(np.uint8)


def grid_shape(count):
    """(rows, columns) of the grid that holds `count` tiles."""
    if count < 1:
        raise ValueError("tile_images needs at least one image")
    columns = math.isqrt(count)
    return math.ceil(count / columns), columns


def tile_images(images, scale=1, gap=0, background=255):
    """Lay out images (N, height, width[, channels]) row by row in one grid.

    scale: each pixel becomes a scale x scale block (nearest neighbour).
    gap: pixels of `background` between neighbouring tiles.
    Returns a uint8 array; grid cells past the last image stay background.
    """
    images = np.asarray(images)
    if images.ndim not in (3, 4):
        raise ValueError(
            f"tile_images expects (N, height, width[, channels]), got {images.shape}"
        )
    if scale < 1 or gap < 0:
        raise ValueError("tile_images needs scale >= 1 and gap >= 0")
    images = images.repeat(scale, axis=1).repeat(scale, axis=2)
    count, tile_height, tile_width = images.shape[:3]
    rows, columns = grid_shape(count)

    height = rows * tile_height + (rows - 1) * gap
    width = columns * tile_width + (columns - 1) * gap
    grid = np.full((height, width) + images.shape[3:], background, dtype=np.uint8)
    for index, image in enumerate(images):
        row, column = divmod(index, columns)
        top = row * (tile_height + gap)
        left = column * (tile_width + gap)
        grid[top : top + tile_height, left : left + tile_width] = image
    return grid
