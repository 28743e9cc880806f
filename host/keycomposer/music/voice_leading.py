"""Voice leading between parts, as rules and as measures: parallel fifths and octaves, crossings.

A voice is a list of notes (start step, end step, MIDI pitch), end exclusive, or (`voice_line`) its sounding
pitch per 16th step, -1 at rests. The rules are one line each and serve both the measures here (the AR-CNN's
and the GAN's benches) and the GAN's decoder (keycomposer.models.gan_decoding), so what the decoder avoids
is exactly what the benches count.
"""

from __future__ import annotations

import numpy as np

PERFECT = (0, 7)  # interval classes of a unison/octave and a fifth (compound ones too)


def is_parallel(upper_before, lower_before, upper_after, lower_after):
    """A move of two voices (both change pitch) from a perfect fifth or octave to the same, in the same
    direction. Works on numbers or numpy arrays alike."""
    before, after = np.abs(upper_before - lower_before) % 12, np.abs(upper_after - lower_after) % 12
    moved_alike = np.sign(upper_after - upper_before) * np.sign(lower_after - lower_before) > 0
    return moved_alike & (before == after) & ((before == PERFECT[0]) | (before == PERFECT[1]))


def is_crossing(upper, lower):
    """The voice written lower sounds above the one over it (both sounding)."""
    return (upper >= 0) & (lower >= 0) & (lower > upper)


def voice_line(notes, steps) -> tuple:
    """((steps,) MIDI pitch sounding, -1 where the voice rests; (steps,) True where a note starts)."""
    line = np.full(steps, -1)
    struck = np.zeros(steps, dtype=bool)
    for start, end, midi in notes:
        line[start:min(end, steps)] = midi
        if start < steps:
            struck[start] = True
    return line, struck


def parallels(voices, steps) -> tuple:
    """(parallel fifths and octaves, moves): over each pair of voices (notes, top voice first), the moves from
    one sonority to the next (both sounding) in which both voices change pitch; a parallel is `is_parallel`."""
    lines = [voice_line(v, steps)[0] for v in voices]
    found = moves = 0
    for i in range(len(lines)):
        for j in range(i + 1, len(lines)):
            both = (lines[i] >= 0) & (lines[j] >= 0)
            pairs = np.stack([lines[i][both], lines[j][both]], axis=1)
            changed = np.any(pairs[1:] != pairs[:-1], axis=1)
            sonorities = np.concatenate([pairs[:1], pairs[1:][changed]]) if len(pairs) else pairs
            for a, b in zip(sonorities[:-1], sonorities[1:]):
                if a[0] == b[0] or a[1] == b[1]:
                    continue
                moves += 1
                found += bool(is_parallel(a[0], a[1], b[0], b[1]))
    return found, moves


def crossings(voices, steps) -> tuple:
    """(steps where a voice sounds above the one written over it, steps where both sound), over each pair of
    neighbouring voices (notes, top voice first)."""
    lines = [voice_line(v, steps)[0] for v in voices]
    crossed = both_count = 0
    for upper, lower in zip(lines[:-1], lines[1:]):
        both_count += int(((upper >= 0) & (lower >= 0)).sum())
        crossed += int(is_crossing(upper, lower).sum())
    return crossed, both_count
