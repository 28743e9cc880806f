"""Piano rolls: a composition as boolean arrays of shape (tracks, time steps, 128 pitches).

A cell is True while a pitch sounds during that time step. A boolean roll cannot tell a held note
from the same pitch struck again right after it: ``from_pianoroll`` reads every unbroken run of
True cells as one note, so repeated notes with no gap between them come back merged.
"""

from __future__ import annotations

import numpy as np

from keycomposer.music.composition import (
    DEFAULT_RESOLUTION,
    DRUM_CHANNEL,
    Composition,
    Note,
    Tempo,
    TimeSignature,
    Track,
)

_MELODIC_CHANNELS = [channel for channel in range(16) if channel != DRUM_CHANNEL]
MAX_STEPS = 2_000_000  # 128 pitches x 2 M steps is 256 MB a track: refuse anything larger


def tick_to_step(tick: int, resolution: int, steps_per_beat: int) -> int:
    """The time step a tick falls on (rounded to the nearest step)."""
    return (2 * tick * steps_per_beat + resolution) // (2 * resolution)


def to_pianoroll(composition: Composition, steps_per_beat: int = 4, steps: int | None = None) -> np.ndarray:
    """Rasterise every track: a bool array (tracks, steps, 128). Inverse of ``from_pianoroll``.

    Note starts and ends are rounded to the nearest step; a note shorter than a step keeps one step
    so nothing played disappears. ``steps`` fixes the length (notes past it are cut off); by default
    the roll ends with the last note.
    """
    if steps_per_beat < 1:
        raise ValueError(f"steps per beat must be at least 1, got {steps_per_beat}")
    resolution = composition.resolution
    if steps is None:
        steps = pianoroll_length(composition, steps_per_beat)
    if not 0 <= steps <= MAX_STEPS:
        raise ValueError(f"a piano roll of {steps} steps is out of range 0..{MAX_STEPS}")
    roll = np.zeros((len(composition.tracks), steps, 128), dtype=bool)
    for index, track in enumerate(composition.tracks):
        for note in track.notes:
            first, last = _note_steps(note, resolution, steps_per_beat)
            roll[index, first:min(last, steps), note.pitch] = True
    return roll


def pianoroll_length(composition: Composition, steps_per_beat: int = 4) -> int:
    """The number of steps ``to_pianoroll`` gives by default: up to the end of the last note."""
    return max((_note_steps(note, composition.resolution, steps_per_beat)[1]
                for track in composition.tracks for note in track.notes), default=0)


def _note_steps(note: Note, resolution: int, steps_per_beat: int) -> tuple[int, int]:
    first = tick_to_step(note.start, resolution, steps_per_beat)
    last = max(tick_to_step(note.end, resolution, steps_per_beat), first + 1)
    return first, last


def from_pianoroll(
    roll: np.ndarray,
    steps_per_beat: int = 4,
    resolution: int = DEFAULT_RESOLUTION,
    programs: list[int] | None = None,
    channels: list[int] | None = None,
    names: list[str] | None = None,
    bpm: float = 120.0,
    time_signature: tuple[int, int] = (4, 4),
    velocity: int = 100,
) -> Composition:
    """Build a composition from a roll of shape (tracks, steps, 128) or (steps, 128). Inverse of ``to_pianoroll``.

    Any non-zero cell sounds. Each unbroken run of sounding cells of one pitch becomes one note.
    ``resolution`` must be a multiple of ``steps_per_beat`` so every step is a whole number of ticks.
    """
    roll = np.asarray(roll)
    if roll.ndim == 2:
        roll = roll[np.newaxis]
    if roll.ndim != 3 or roll.shape[2] != 128:
        raise ValueError(f"a piano roll must have shape (tracks, steps, 128) or (steps, 128), got {roll.shape}")
    if steps_per_beat < 1 or resolution % steps_per_beat:
        raise ValueError(f"resolution {resolution} must be a positive multiple of steps per beat {steps_per_beat}")
    count = roll.shape[0]
    programs = list(programs) if programs is not None else [0] * count
    channels = list(channels) if channels is not None else [_MELODIC_CHANNELS[index % 15] for index in range(count)]
    names = list(names) if names is not None else [f"Track {index + 1}" for index in range(count)]
    if not len(programs) == len(channels) == len(names) == count:
        raise ValueError(f"programs, channels and names need one entry for each of the {count} tracks")
    ticks_per_step = resolution // steps_per_beat
    tracks = []
    for index in range(count):
        sounding = np.pad(roll[index] != 0, ((1, 1), (0, 0))).astype(np.int8)
        change = np.diff(sounding, axis=0)
        # Sorted by pitch, then time, the n-th onset and the n-th offset belong to the same note.
        onset_step, onset_pitch = np.nonzero(change > 0)
        offset_step, offset_pitch = np.nonzero(change < 0)
        onset_order = np.lexsort((onset_step, onset_pitch))
        onset_pitch, onset_step = onset_pitch[onset_order], onset_step[onset_order]
        offset_step = offset_step[np.lexsort((offset_step, offset_pitch))]
        notes = tuple(
            Note(int(start) * ticks_per_step, int(pitch), int(end - start) * ticks_per_step, velocity)
            for pitch, start, end in zip(onset_pitch, onset_step, offset_step)
        )
        tracks.append(Track(notes, programs[index], channels[index], names[index]))
    return Composition(
        tracks=tuple(tracks),
        resolution=resolution,
        tempos=(Tempo.from_bpm(bpm),),
        time_signatures=(TimeSignature(0, *time_signature),),
    )
