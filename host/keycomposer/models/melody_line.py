"""A composition's melody as one line on the 16th-note grid, and back: what the Transformer-XL reads and writes.

`melody_of` takes the composition's main track (the pitched track with the most notes; drum tracks never
count), reads it as its top line (the highest note on each 16th, each note cut where the next begins) and
lays its bars as the time signatures draw them (`keycomposer.models.bars`; a pickup is the end of a whole
bar). `notes_to_track` is its inverse for generated notes.
"""

from __future__ import annotations

import numpy as np

from keycomposer.models.bars import Bars, STEPS_PER_QUARTER
from keycomposer.models.melody_tokens import MAX_BAR, Melody, monophonic
from keycomposer.music.composition import Composition, Note, Track
from keycomposer.music.pianoroll import tick_to_step


class MelodyError(ValueError):
    """The composition holds no melody that can be read on the grid; the message says why."""


def main_track_index(composition: Composition) -> int:
    pitched = [(len(t.notes), -i) for i, t in enumerate(composition.tracks) if not t.is_drum and t.notes]
    if not pitched:
        drums = any(t.is_drum and t.notes for t in composition.tracks)
        raise MelodyError("the input has only drum notes, no melody to continue" if drums
                          else "the input has no notes to continue")
    return -max(pitched)[1]


def ticks_per_step(composition: Composition) -> float:
    return composition.resolution / STEPS_PER_QUARTER


def grid_notes(composition: Composition, track: Track) -> np.ndarray:
    """The track's top line as (onset, length, pitch) rows in 16ths. Inverse: `notes_to_track`."""
    def step(tick: int) -> int:
        return tick_to_step(tick, composition.resolution, STEPS_PER_QUARTER)

    return monophonic([(step(n.start), max(1, step(n.end) - step(n.start)), n.pitch) for n in track.notes])


def melody_of(composition: Composition) -> Melody:
    """The main track's top line on the 16th grid with its bars (see the module doc)."""
    notes = grid_notes(composition, composition.tracks[main_track_index(composition)])
    try:
        bars = Bars.of_composition(composition).bars(int((notes[:, 0] + notes[:, 1]).max()))
    except ValueError as error:
        raise MelodyError(f"the input's bars cannot be read on a 16th-note grid: {error}") from error
    table = np.array([(b.start, b.end - b.start) for b in bars], dtype=np.int64)
    if bars[0].skipped:  # a pickup: the end of a whole bar
        table[0] = (table[0, 0] - bars[0].skipped, table[0, 1] + bars[0].skipped)
    if (table[:, 1] > MAX_BAR).any():
        raise MelodyError(f"bars longer than {MAX_BAR} 16ths (a meter such as 9/4) are not supported")
    return Melody(notes, table)


def notes_to_track(composition: Composition, notes: np.ndarray, program: int, channel: int, name: str,
                   velocity: int = 80) -> Track:
    """Grid notes (onset, length, pitch) in 16ths as a Track in the composition's ticks. Inverse: `grid_notes`."""
    per_step = ticks_per_step(composition)
    out = [Note(int(round(onset * per_step)), int(pitch), max(1, int(round(length * per_step))), velocity)
           for onset, length, pitch in np.asarray(notes).reshape(-1, 3) if onset >= 0]
    return Track(tuple(out), program, channel, name)
