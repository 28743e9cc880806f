"""Measures of a melodic line and of a continuation against the melody it continues.

Every function is a pure function of notes given as an int array (n, 3) of onset, length, pitch on a 16th-note
grid (`keycomposer.models.melody_tokens.Melody.notes`), onsets rising.
"""

from __future__ import annotations

import numpy as np

from keycomposer.music.metrics import krumhansl_fit, scale_mask


def krumhansl_key(notes: np.ndarray) -> tuple:
    """(tonic, mode) whose Krumhansl-Kessler profile correlates best with how long each pitch class sounds
    (the Krumhansl-Schmuckler key-finding method)."""
    weights = np.bincount(notes[:, 2] % 12, weights=notes[:, 1], minlength=12).astype(float)
    keys = [(tonic, mode) for mode in ("major", "minor") for tonic in range(12)]
    return max(keys, key=lambda key: krumhansl_fit(weights, *key))  # the first of equal fits, as before


def in_key_share(notes: np.ndarray, key: tuple) -> float:
    """Share of the notes (counted once each) whose pitch class is in the scale of `key` (natural minor for
    minor keys, with its raised 6th and 7th counted in, as melodic and harmonic minor use them)."""
    if not len(notes):
        return float("nan")
    tonic, mode = key
    mask = scale_mask(tonic, mode).copy()
    if mode == "minor":
        mask[(tonic + 9) % 12] = mask[(tonic + 11) % 12] = True
    return float(mask[notes[:, 2] % 12].mean())


def longest_note(notes: np.ndarray) -> int:
    """The longest note, in 16ths (0 for no notes)."""
    return int(notes[:, 1].max()) if len(notes) else 0


def notes_per_bar(notes: np.ndarray, steps_per_bar: int) -> float:
    """Notes per bar over the span from the first onset to the last note's end."""
    if not len(notes):
        return 0.0
    span = int((notes[:, 0] + notes[:, 1]).max() - notes[:, 0].min())
    return len(notes) / max(span / steps_per_bar, 1e-9)


def most_at_once(notes: np.ndarray) -> int:
    """The most notes sounding together on any 16th."""
    if not len(notes):
        return 0
    changes = np.concatenate([np.stack([notes[:, 0], np.ones(len(notes))], 1),
                              np.stack([notes[:, 0] + notes[:, 1], -np.ones(len(notes))], 1)])
    changes = changes[np.lexsort((changes[:, 1], changes[:, 0]))]  # an end before a start on the same 16th
    return int(np.cumsum(changes[:, 1]).max())


def motif_grams(notes: np.ndarray, n: int = 3) -> set:
    """The line's interval-and-rhythm n-grams: n consecutive (interval to the next note, 16ths to its onset)."""
    if len(notes) < n + 1:
        return set()
    moves = list(zip(np.diff(notes[:, 2]).tolist(), np.diff(notes[:, 0]).tolist()))
    return {tuple(moves[i:i + n]) for i in range(len(moves) - n + 1)}


def shared_motifs(continuation: np.ndarray, source: np.ndarray, n: int = 3) -> float:
    """Share of `source`'s interval-and-rhythm n-grams that come back in `continuation` (0 when it has none)."""
    wanted = motif_grams(source, n)
    return len(wanted & motif_grams(continuation, n)) / len(wanted) if wanted else 0.0
