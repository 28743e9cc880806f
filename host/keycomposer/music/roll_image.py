"""Piano-roll pictures: each note a bar, one colour a track, on a grid of beats and bars.

Pitch rises upward; rows of black keys are shaded; a faint line marks every beat, a darker one
every bar, and a line runs under each C. Notes are drawn from the composition itself (not from a
boolean roll), so a repeated note shows as two notes.
"""

from __future__ import annotations

import os

import numpy as np

from keycomposer.music.composition import Composition
from keycomposer.music.png import write_png

# Tableau 10, the usual categorical palette: distinct and colour-blind tolerant.
TRACK_COLOURS = (
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
    (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207),
)
_BLACK_KEYS = {1, 3, 6, 8, 10}
MAX_WIDTH = 8000


def track_colour(index: int) -> tuple[int, int, int]:
    return TRACK_COLOURS[index % len(TRACK_COLOURS)]


def render_pianoroll(composition: Composition, steps_per_beat: int = 4, step_width: int = 8,
                     row_height: int = 8) -> np.ndarray:
    """The picture as an (height, width, 3) uint8 RGB array. Wide pieces get narrower steps."""
    notes = [(index, note) for index, track in enumerate(composition.tracks) for note in track.notes]
    if not notes:
        raise ValueError("the composition has no notes to draw")
    low = max(0, min(note.pitch for _, note in notes) - 2)
    high = min(127, max(note.pitch for _, note in notes) + 2)
    resolution = composition.resolution
    bar_lines = composition.bar_lines()  # where the meter changes, so do the bars
    total_ticks = bar_lines[-1]
    steps = max(1, -(-total_ticks * steps_per_beat // resolution))
    step_width = max(1, min(step_width, MAX_WIDTH // steps))
    width = steps * step_width
    rows = high - low + 1
    height = rows * row_height
    image = np.full((height, width, 3), 255, np.uint8)

    def row_top(pitch: int) -> int:
        return (high - pitch) * row_height

    def x_of(tick: int) -> int:
        return min(width, round(tick * steps_per_beat * step_width / resolution))

    for pitch in range(low, high + 1):
        top = row_top(pitch)
        if pitch % 12 in _BLACK_KEYS:
            image[top:top + row_height] = (236, 236, 240)
        if pitch % 12 == 0:
            image[top + row_height - 1] = (190, 190, 200)
    for tick in range(0, total_ticks + 1, resolution):
        image[:, min(width - 1, x_of(tick))] = (215, 215, 222)  # beats
    for tick in bar_lines:
        image[:, min(width - 1, x_of(tick))] = (150, 150, 160)

    for index, note in notes:
        colour = np.array(track_colour(index))
        top = row_top(note.pitch)
        left, right = x_of(note.start), max(x_of(note.end), x_of(note.start) + 1)
        if right - left >= 3:
            right -= 1  # a one-pixel gap, so a repeated note reads as two notes
        image[top + 1:top + row_height - 1, left:right] = colour
        image[top + 1:top + row_height - 1, left] = (colour * 0.55).astype(np.uint8)  # onset edge
    return image


def draw_pianoroll(composition: Composition, path: str | os.PathLike, steps_per_beat: int = 4) -> tuple[int, int]:
    """Write the piano roll of ``composition`` to a PNG file; returns (width, height)."""
    image = render_pianoroll(composition, steps_per_beat)
    write_png(path, image)
    return image.shape[1], image.shape[0]
