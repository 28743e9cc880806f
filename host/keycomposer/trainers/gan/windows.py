"""What the GAN learns from: 4-bar windows of four-part pieces, the melody as the condition, the parts as classes.

An example is a 4-bar window (64 sixteenths) of a training piece, starting on a beat, transposed by -5..+6
semitones where the melody fits its band and the parts the voice grid (keycomposer.models.voice_grid); the melody
part is the condition (keycomposer.models.gan.melody_features), the other three parts the real accompaniment,
one class per part per 16th. A divided part (a double stop, a divisi) is read at its top note, the lowest part at
its lowest. Pure numpy: `keycomposer train gan` and tools/gan/train.py draw their batches here.
"""

import numpy as np

from keycomposer.models import voice_grid
from keycomposer.models.gan import melody_features
from keycomposer.trainers.gan import networks

STEPS = networks.STEPS
PITCHES = networks.PITCHES
WINDOW_START_GRID = 4  # windows start on a beat
SHIFTS = (-5, 6)  # transposition range, semitones, inclusive


class NoWindows(ValueError):
    """None of the pieces holds a window to learn from (a sounding melody that fits the band, parts the grid)."""


def voice_of(sounding: np.ndarray, struck: np.ndarray, lowest: bool) -> tuple:
    """One part's (steps, 128) sounding and struck rolls as one voice: ((steps,) pitch, -1 at rests; (steps,)
    True where a note starts). Where the part sounds two notes (a divided part, a double stop) the highest is
    kept, or the lowest for the bass (``lowest``)."""
    steps = len(sounding)
    any_sounding = sounding.any(axis=1)
    if lowest:
        pitch = np.where(any_sounding, np.argmax(sounding, axis=1), -1)
    else:
        pitch = np.where(any_sounding, 127 - np.argmax(sounding[:, ::-1], axis=1), -1)
    before = np.concatenate([[-1], pitch[:-1]])
    starts = (pitch >= 0) & ((pitch != before) | struck[np.arange(steps), np.maximum(pitch, 0)])
    return pitch, starts


class WindowSampler:
    """Draws windows of training pieces as (melody features (n, STEPS, PITCHES + 1), part classes (n, STEPS,
    TRACKS)); windows whose melody is silent are left out (there is nothing to accompany), as are windows that
    fit the band in no transposition."""

    def __init__(self, pieces, lowest, rng):
        self.rng, self.lowest = rng, lowest
        self.lines = []  # per piece: (4, steps) pitches and (4, steps) onsets, melody first
        windows = []  # (piece index, start, lowest shift, highest shift)
        grid_low, grid_high = voice_grid.LOWEST_PITCH, voice_grid.LOWEST_PITCH + voice_grid.PITCHES - 1
        for index, piece in enumerate(pieces):
            struck = piece.struck if piece.struck is not None else piece.parts
            voices = [voice_of(piece.parts[part], struck[part], lowest=part == 3) for part in range(4)]
            pitches, onsets = np.stack([v[0] for v in voices]), np.stack([v[1] for v in voices])
            self.lines.append((pitches, onsets))
            for start in range(0, pitches.shape[1] - STEPS + 1, WINDOW_START_GRID):
                window = pitches[:, start:start + STEPS]
                melody, parts = window[0][window[0] >= 0], window[1:][window[1:] >= 0]
                if len(melody) == 0:
                    continue
                low, high = max(SHIFTS[0], lowest - melody.min()), min(SHIFTS[1], lowest + PITCHES - 1 - melody.max())
                if len(parts):
                    low, high = max(low, grid_low - parts.min()), min(high, grid_high - parts.max())
                if low <= high:
                    windows.append((index, start, low, high))
        if not windows:
            raise NoWindows("no window of these pieces fits the pitch band")
        self.windows = np.array(windows, dtype=np.int64)

    def __len__(self):
        return len(self.windows)

    def take(self, rows, shifts):
        melodies = np.zeros((len(rows), STEPS, PITCHES + 1), dtype=np.float32)
        classes = np.zeros((len(rows), STEPS, networks.TRACKS), dtype=np.int32)
        for out, ((index, start, _, _), shift) in enumerate(zip(rows, shifts)):
            pitches, onsets = (lines[:, start:start + STEPS] for lines in self.lines[index])
            melody = np.where(pitches[0] >= 0, pitches[0] + shift, -1)
            melodies[out] = melody_features(melody, onsets[0], self.lowest, PITCHES)
            parts = np.where(pitches[1:] >= 0, pitches[1:] + shift, -1)
            held = (parts >= 0) & ~onsets[1:]
            classes[out] = np.where(parts >= 0, parts - voice_grid.LOWEST_PITCH + 1 + held * voice_grid.PITCHES,
                                    voice_grid.REST).T
        return melodies, classes

    def batch(self, size):
        rows = self.windows[self.rng.integers(0, len(self.windows), size)]
        shifts = [self.rng.integers(low, high + 1) for _, _, low, high in rows]
        return self.take(rows, shifts)

    def fixed(self, size):
        """The same `size` windows every call, untransposed where that fits: for validation curves."""
        picks = np.random.default_rng(0).choice(len(self.windows), min(size, len(self.windows)), replace=False)
        rows = self.windows[np.sort(picks)]
        shifts = [min(max(0, low), high) for _, _, low, high in rows]
        return self.take(rows, shifts)
