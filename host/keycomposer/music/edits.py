"""Edits: each takes a Composition and returns a NEW one; the original is never changed.

``tracks`` arguments select track indexes; ``None`` means every track the edit applies to.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable

from keycomposer.music.composition import Composition, Tempo
from keycomposer.music.instruments import program_number


def _selected(composition: Composition, tracks: Iterable[int] | None) -> set[int]:
    count = len(composition.tracks)
    if tracks is None:
        return set(range(count))
    chosen = set(tracks)
    for index in chosen:
        if not 0 <= index < count:
            raise ValueError(f"track {index} does not exist (the composition has {count} tracks: 0..{count - 1})")
    return chosen


def quantize(
    composition: Composition,
    steps_per_beat: int = 4,
    strength: float = 1.0,
    tracks: Iterable[int] | None = None,
) -> Composition:
    """Rhythm assist: pull note starts and ends toward a grid of ``steps_per_beat`` cells a beat.

    Each start and end moves ``strength`` (0..1) of the way to its nearest grid line: 0 changes
    nothing, 1 snaps onto the grid. A note whose end would reach its start keeps a length of
    ``strength`` grid cells (at least one tick), interpolated from its own length.
    """
    if not 0.0 <= strength <= 1.0:
        raise ValueError(f"quantize strength must be in range 0..1, got {strength}")
    if steps_per_beat < 1:
        raise ValueError(f"quantize grid must have at least 1 step per beat, got {steps_per_beat}")
    resolution = composition.resolution

    def nearest_line(tick: int) -> int:
        step = (2 * tick * steps_per_beat + resolution) // (2 * resolution)
        return (2 * step * resolution + steps_per_beat) // (2 * steps_per_beat)

    def pulled(tick: int) -> int:
        return tick + round(strength * (nearest_line(tick) - tick))

    cell = resolution / steps_per_beat
    chosen = _selected(composition, tracks)
    new_tracks = []
    for index, track in enumerate(composition.tracks):
        if index not in chosen:
            new_tracks.append(track)
            continue
        notes = []
        for note in track.notes:
            start, end = pulled(note.start), pulled(note.end)
            if end <= start:
                end = start + max(1, round(note.duration + strength * (cell - note.duration)))
            notes.append(replace(note, start=start, duration=end - start))
        new_tracks.append(replace(track, notes=tuple(notes)))
    return composition.with_tracks(new_tracks)


def transpose(composition: Composition, semitones: int, tracks: Iterable[int] | None = None) -> Composition:
    """Move every pitch by ``semitones``. Drum tracks are left alone (their pitches are drum sounds).

    Raises ValueError when a note would leave the MIDI range 0..127.
    """
    chosen = _selected(composition, tracks)
    new_tracks = []
    for index, track in enumerate(composition.tracks):
        if index not in chosen or track.is_drum or semitones == 0:
            new_tracks.append(track)
            continue
        notes = []
        for note in track.notes:
            pitch = note.pitch + semitones
            if not 0 <= pitch <= 127:
                raise ValueError(
                    f"transposing by {semitones:+d} moves pitch {note.pitch} of track {index} to {pitch}, "
                    "outside the MIDI range 0..127"
                )
            notes.append(replace(note, pitch=pitch))
        new_tracks.append(replace(track, notes=tuple(notes)))
    return composition.with_tracks(new_tracks)


def set_instrument(composition: Composition, instrument: int | str, tracks: Iterable[int] | None = None) -> Composition:
    """Give tracks a General MIDI program (a number 0..127 or a GM name). Drum tracks keep theirs
    unless chosen explicitly by index."""
    program = program_number(instrument)
    chosen = _selected(composition, tracks)
    new_tracks = [
        replace(track, program=program)
        if index in chosen and (tracks is not None or not track.is_drum)
        else track
        for index, track in enumerate(composition.tracks)
    ]
    return composition.with_tracks(new_tracks)


def change_tempo(composition: Composition, bpm: float) -> Composition:
    """Set the opening tempo to ``bpm``; later tempo changes scale by the same ratio. Notes keep their ticks."""
    opening = Tempo.from_bpm(bpm)
    ratio = opening.microseconds_per_beat / composition.tempos[0].microseconds_per_beat
    tempos = [opening] + [
        Tempo(tempo.tick, min(0xFFFFFF, max(1, round(tempo.microseconds_per_beat * ratio))))
        for tempo in composition.tempos[1:]
    ]
    return replace(composition, tempos=tuple(tempos))


def apply_edits(
    composition: Composition,
    quantize_steps: int | None = None,
    strength: float = 1.0,
    semitones: int | None = None,
    instrument: int | str | None = None,
    bpm: float | None = None,
    tracks: Iterable[int] | None = None,
) -> tuple[Composition, list[str]]:
    """The chosen edits in the order quantize, transpose, instrument, tempo (``keycomposer edit``'s and the
    studio's one order); returns the new composition and a line per edit made. ``tracks`` selects the tracks
    for transpose and instrument. ValueError when no edit is chosen or one cannot be made."""
    if quantize_steps is None and semitones is None and instrument is None and bpm is None:
        raise ValueError("choose at least one edit: quantize, transpose, instrument or tempo")
    done = []
    if quantize_steps is not None:
        composition = quantize(composition, steps_per_beat=quantize_steps, strength=strength)
        done.append(f"quantize 1/{quantize_steps * 4} x{strength:g}")
    if semitones is not None:
        composition = transpose(composition, semitones, tracks)
        done.append(f"transpose {semitones:+d}")
    if instrument is not None:
        if isinstance(instrument, str) and instrument.strip().isdigit():
            instrument = int(instrument)
        composition = set_instrument(composition, instrument, tracks)
        done.append(f"instrument {instrument}")
    if bpm is not None:
        composition = change_tempo(composition, bpm)
        done.append(f"tempo {bpm:g} BPM")
    return composition, done
