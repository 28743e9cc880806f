"""Objective metrics of generated music, as MuseGAN (Dong et al., AAAI 2018) defines them.

Each metric is a pure function of a single-track piano roll: an array (steps, 128) whose non-zero
cells sound (see ``keycomposer.music.pianoroll``). ``composition_metrics`` applies them to a whole
Composition. A metric with nothing to measure (no notes, no beats) is NaN.

Where pypianoroll 1.0.4 implements the same metric, tests/host/test_metrics_pypianoroll.py shows
that ours agree with it, and pins down the defects of its versions (its empty_beat_rate counts the
beats that are NOT empty; its chroma groups ten neighbouring pitches instead of pitch classes).
"""

from __future__ import annotations

import math

import numpy as np

from keycomposer.music.composition import Composition
from keycomposer.music.pianoroll import pianoroll_length, tick_to_step, to_pianoroll

PITCH_CLASS_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
MAJOR_SCALE = np.array([1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1], dtype=bool)  # C D E F G A B
MINOR_SCALE = np.array([1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1, 0], dtype=bool)  # C D Eb F G Ab Bb (natural minor)
METRIC_STEPS_PER_BEAT = 24  # MuseGAN's resolution: a 32nd note is 3 steps


def _sounding(roll: np.ndarray) -> np.ndarray:
    roll = np.asarray(roll)
    if roll.ndim != 2 or roll.shape[1] != 128:
        raise ValueError(f"a single-track piano roll must have shape (steps, 128), got {roll.shape}")
    return roll != 0


def _spans(cells: np.ndarray, steps_per_span: int) -> np.ndarray:
    """(steps, width) cells as (spans, steps_per_span, width), the last partial span padded with False."""
    if steps_per_span < 1:
        raise ValueError(f"steps per span must be at least 1, got {steps_per_span}")
    spans = -(-len(cells) // steps_per_span)
    padded = np.zeros((spans * steps_per_span, cells.shape[1]), dtype=bool)
    padded[: len(cells)] = cells
    return padded.reshape(spans, steps_per_span, cells.shape[1])


def _per_bar(cells: np.ndarray, bars) -> np.ndarray:
    """(bars, width): whether each column of (steps, width) cells is set anywhere in each bar. ``bars`` is the
    steps in a bar (bars of one length from step 0, a last partial one padded) or the first step of every bar
    (rising from 0: a piece whose meter changes; bars starting past the cells are not in them)."""
    if np.ndim(bars) == 0:
        return _spans(cells, int(bars)).any(axis=1)
    starts = np.asarray(bars, dtype=np.int64)
    if len(cells) == 0:
        return np.zeros((0, cells.shape[1]), dtype=bool)
    if len(starts) == 0 or starts[0] != 0 or (np.diff(starts) <= 0).any():
        raise ValueError(f"bar starts must rise from step 0, got {starts.tolist()[:8]}")
    return np.logical_or.reduceat(cells, starts[starts < len(cells)], axis=0)


def _empty_rate(roll: np.ndarray, steps_per_span) -> float:
    busy = _per_bar(_sounding(roll), steps_per_span).any(axis=1)
    if len(busy) == 0:
        return math.nan
    return float(np.count_nonzero(~busy) / len(busy))


def empty_bar_rate(roll: np.ndarray, steps_per_bar) -> float:
    """EB = #(bars where no note sounds) / #(bars). A last, partial bar counts as a bar. ``steps_per_bar``: the
    bar's length, or the first step of every bar where the meter changes."""
    return _empty_rate(roll, steps_per_bar)


def empty_beat_rate(roll: np.ndarray, steps_per_beat: int) -> float:
    """#(beats where no note sounds) / #(beats). A last, partial beat counts as a beat."""
    return _empty_rate(roll, int(steps_per_beat))


def n_pitches_used(roll: np.ndarray) -> int:
    """UP = #(distinct pitches that sound at least once)."""
    return int(np.count_nonzero(_sounding(roll).any(axis=0)))


def chroma(roll: np.ndarray) -> np.ndarray:
    """Per step, how many sounding pitches fall in each pitch class: shape (steps, 12), class = pitch mod 12."""
    sounding = _sounding(roll)
    counts = sounding[:, :120].reshape(len(sounding), 10, 12).sum(axis=1, dtype=np.int32)
    counts[:, :8] += sounding[:, 120:]  # pitches 120..127 are C..G of the eleventh octave
    return counts


def n_pitch_classes_used(roll: np.ndarray) -> int:
    """UPC = #(distinct pitch classes, pitch mod 12, that sound at least once)."""
    return int(np.count_nonzero(chroma(roll).any(axis=0)))


def pitch_classes_per_bar(roll: np.ndarray, steps_per_bar) -> float:
    """MuseGAN's UPC as its paper defines it: the number of pitch classes used in a bar (0..12), averaged
    over the bars where anything sounds (an empty bar is counted by EB, not here). A last, partial bar counts.
    ``steps_per_bar`` as in `empty_bar_rate`."""
    per_bar = _per_bar(chroma(roll) > 0, steps_per_bar).sum(axis=1)
    sounding = per_bar[per_bar > 0]
    return float(sounding.mean()) if len(sounding) else math.nan


def polyphonic_rate(roll: np.ndarray, threshold: int = 2) -> float:
    """PP = #(steps where more than ``threshold`` pitches sound) / #(steps). MuseGAN uses 2."""
    sounding = _sounding(roll)
    if len(sounding) == 0:
        return math.nan
    return float(np.count_nonzero(sounding.sum(axis=1) > threshold) / len(sounding))


def note_lengths(roll: np.ndarray) -> np.ndarray:
    """Length in steps of every note, a note being an unbroken run of sounding steps of one pitch."""
    padded = np.pad(_sounding(roll), ((1, 1), (0, 0))).astype(np.int8)
    change = np.diff(padded, axis=0)
    onset_step, onset_pitch = np.nonzero(change > 0)
    offset_step, offset_pitch = np.nonzero(change < 0)
    # Sorted by pitch, then time, the n-th onset and the n-th offset belong to the same note.
    onsets = onset_step[np.lexsort((onset_step, onset_pitch))]
    offsets = offset_step[np.lexsort((offset_step, offset_pitch))]
    return offsets - onsets


def top_line(roll: np.ndarray) -> np.ndarray:
    """Per step the highest sounding pitch, or -1: the line a listener follows in a part with chords."""
    sounding = _sounding(roll)
    highest = 127 - sounding[:, ::-1].argmax(axis=1)
    return np.where(sounding.any(axis=1), highest, -1)


def line_runs(line: np.ndarray) -> tuple:
    """A line (per step a pitch, or -1 for a rest) as its runs, each a note or a rest: (starts, lengths, pitches)."""
    starts = np.concatenate([[0], np.flatnonzero(np.diff(line)) + 1]) if len(line) else np.zeros(0, dtype=int)
    return starts, np.diff(np.append(starts, len(line))), line[starts]


def straight_moves(pitches: np.ndarray) -> np.ndarray:
    """The signed moves, in semitones, from each run's note straight to the next one's (no rest between)."""
    straight = (pitches[:-1] >= 0) & (pitches[1:] >= 0)
    return np.diff(pitches)[straight]


def stepwise_motion(roll: np.ndarray, widest: int = 2) -> float:
    """Share of the moves of the top line from one note straight to the next (no rest between) that are at most
    ``widest`` semitones: how much a part moves by step, as voices in a chorale mostly do, rather than by leap."""
    moves = np.abs(straight_moves(line_runs(top_line(roll))[2]))
    return float(np.mean(moves <= widest)) if len(moves) else math.nan


def qualified_note_rate(roll: np.ndarray, threshold: int = 3) -> float:
    """QN = #(notes at least ``threshold`` steps long) / #(notes).

    MuseGAN counts a note "no shorter than three time steps (i.e. a 32nd note)" at 24 steps per beat
    as qualified; QN shows whether the music is overly fragmented.
    """
    lengths = note_lengths(roll)
    if len(lengths) == 0:
        return math.nan
    return float(np.count_nonzero(lengths >= threshold) / len(lengths))


def scale_mask(tonic: int, mode: str) -> np.ndarray:
    """The 12 pitch classes of the major or natural minor scale on ``tonic`` (0 = C)."""
    if mode not in ("major", "minor"):
        raise ValueError(f"mode must be 'major' or 'minor', got {mode!r}")
    return np.roll(MAJOR_SCALE if mode == "major" else MINOR_SCALE, tonic % 12)


def in_scale_rate(roll: np.ndarray, tonic: int = 0, mode: str = "major") -> float:
    """#(sounding note-steps whose pitch class is in the scale) / #(sounding note-steps)."""
    counts = chroma(roll).sum(axis=0)
    total = counts.sum()
    if total == 0:
        return math.nan
    return float(counts[scale_mask(tonic, mode)].sum() / total)


# Krumhansl and Kessler's probe-tone ratings of each pitch class in a major and a minor key (tonic first).
KRUMHANSL_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
KRUMHANSL_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


def krumhansl_fit(weights: np.ndarray, tonic: int, mode: str) -> float:
    """How well the Krumhansl-Kessler profile of the key (tonic, mode) correlates with ``weights``, how long each
    pitch class sounds (0 when every pitch class sounds alike)."""
    profile = KRUMHANSL_MAJOR if mode == "major" else KRUMHANSL_MINOR
    return float(np.corrcoef(weights, np.roll(profile, tonic))[0, 1]) if weights.std() > 0 else 0.0


def best_key(roll: np.ndarray) -> tuple[int, str, float]:
    """The major or minor key with the highest in-scale rate: (tonic, mode, rate).

    Several keys often fit equally well (C major and A minor share one scale; a five-note tune fits
    even more). Ties go to the key whose Krumhansl-Kessler profile correlates best with how long each
    pitch class sounds (the Krumhansl-Schmuckler key-finding method). NaN rate when nothing sounds.
    """
    return _best_key_of(chroma(roll).sum(axis=0))


def _best_key_of(pitch_class_steps: np.ndarray) -> tuple[int, str, float]:
    """``best_key`` from how many steps each pitch class sounds (summed over sounding pitches)."""
    weights = np.asarray(pitch_class_steps).astype(float)
    total = weights.sum()
    if total == 0:
        return (0, "major", math.nan)
    candidates = []
    for mode in ("major", "minor"):
        for tonic in range(12):
            rate = float(weights[scale_mask(tonic, mode)].sum() / total)  # in_scale_rate, from the same chroma
            candidates.append((rate, krumhansl_fit(weights, tonic, mode), mode == "major", -tonic, tonic, mode))
    rate, _, _, _, tonic, mode = max(candidates)
    return (tonic, mode, rate)


def in_scale_ratio(roll: np.ndarray) -> float:
    """The in-scale rate of the best-fitting major or minor key (see ``best_key``)."""
    return best_key(roll)[2]


def drum_pattern_mask(steps_per_beat: int, tolerance: float = 0.1) -> np.ndarray:
    """MuseGAN's weight for a drum hit at each step of a beat: 1 on the grid, ``tolerance`` next to it.

    The grid is the 16th note (every 6 steps) at 24 or 18 steps per beat, and the 8th note at 16 or 4;
    at 12, 9, 8 and 6 it is the triplet or 16th grid. The masks are MuseGAN's, one beat long.
    """
    patterns = {
        24: [1.0, tolerance, 0.0, 0.0, 0.0, tolerance] * 4,
        18: [1.0, tolerance, 0.0, 0.0, 0.0, tolerance] * 3,
        16: [1.0, tolerance, 0.0, tolerance] * 4,
        12: [1.0, tolerance, tolerance] * 4,
        9: [1.0, tolerance, tolerance] * 3,
        8: [1.0, tolerance] * 4,
        6: [1.0, tolerance, tolerance] * 2,
        4: [1.0, tolerance] * 2,
    }
    if steps_per_beat not in patterns:
        raise ValueError(f"drum pattern needs 4, 6, 8, 9, 12, 16, 18 or 24 steps per beat, got {steps_per_beat}")
    return np.array(patterns[steps_per_beat])


def drum_in_pattern_rate(roll: np.ndarray, steps_per_beat: int, tolerance: float = 0.1) -> float:
    """DP = sum over sounding drum cells of the pattern weight at their step / #(sounding drum cells).

    The weight repeats every beat (``drum_pattern_mask``); it rewards drums that keep to the grid.
    """
    sounding = _sounding(roll)
    mask = drum_pattern_mask(steps_per_beat, tolerance)
    per_step = sounding.sum(axis=1)
    total = per_step.sum()
    if total == 0:
        return math.nan
    weights = np.resize(mask, len(per_step))
    return float((weights * per_step).sum() / total)


def tonal_matrix(radii: tuple[float, float, float] = (1.0, 1.0, 0.5)) -> np.ndarray:
    """Harte et al.'s 6 x 12 map from chroma to the tonal centroid: the circle of fifths,
    the circle of minor thirds and the circle of major thirds, with radii r1, r2, r3."""
    r1, r2, r3 = radii
    classes = np.arange(12)
    return np.array([
        r1 * np.sin(classes * 7 * np.pi / 6), r1 * np.cos(classes * 7 * np.pi / 6),
        r2 * np.sin(classes * 3 * np.pi / 2), r2 * np.cos(classes * 3 * np.pi / 2),
        r3 * np.sin(classes * 2 * np.pi / 3), r3 * np.cos(classes * 2 * np.pi / 3),
    ])


def tonal_centroids(roll: np.ndarray, steps_per_beat: int) -> np.ndarray:
    """Per beat, zeta = T c / |c|_1 where c is the beat's chroma summed over its steps: shape (beats, 6).

    A beat with no sound has no centroid (NaN). A last, partial beat counts as a beat.
    """
    counts = chroma(roll)
    beats = -(-len(counts) // steps_per_beat)
    padded = np.zeros((beats * steps_per_beat, 12))
    padded[: len(counts)] = counts
    return _centroids_of(padded.reshape(beats, steps_per_beat, 12).sum(axis=1))


def _centroids_of(beat_chroma: np.ndarray) -> np.ndarray:
    """``tonal_centroids`` from each beat's chroma summed over its steps, shape (beats, 12)."""
    beat_chroma = np.asarray(beat_chroma, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        normalised = beat_chroma / beat_chroma.sum(axis=1, keepdims=True)
    return normalised @ tonal_matrix().T


def tonal_distance(roll_a: np.ndarray, roll_b: np.ndarray, steps_per_beat: int) -> float:
    """TD = mean over beats where both tracks sound of |zeta_a - zeta_b| (Euclidean, tonal centroids).

    Small values mean the two tracks agree harmonically; MuseGAN reports it between track pairs.
    """
    if len(roll_a) != len(roll_b):
        raise ValueError(f"tonal distance needs rolls of equal length, got {len(roll_a)} and {len(roll_b)} steps")
    return _mean_distance(tonal_centroids(roll_a, steps_per_beat), tonal_centroids(roll_b, steps_per_beat))


def _mean_distance(centroids_a: np.ndarray, centroids_b: np.ndarray) -> float:
    distances = np.linalg.norm(centroids_a - centroids_b, axis=1)
    distances = distances[~np.isnan(distances)]
    return float(distances.mean()) if len(distances) else math.nan


def composition_metrics(composition: Composition) -> dict:
    """All metrics of a composition as plain data (JSON-ready; NaN becomes None).

    Rolls are taken at 24 steps per beat and padded to whole bars, the bars its time signatures draw
    (`Composition.bar_lines`: where the meter changes, so do the bars). ``overall`` merges the pitched
    (non-drum) tracks; ``tonal_distance`` is given for every pair of pitched tracks. A drum track's
    drum-in-pattern rate counts note onsets, as the MuseGAN paper defines it ("ratio of notes in
    8- or 16-beat patterns"), rather than every step a drum note is held.

    The figures are those of the per-roll functions above on each track's roll, but the rolls are held
    run-length compressed (`_SpanRoll`: one row per span in which nothing starts or ends, no bar or beat
    begins), so the work grows with the notes, bars and beats, never with steps times tracks: a file of a
    few hundred bytes whose notes are held for an hour costs no more than its bars.
    """
    spb = METRIC_STEPS_PER_BEAT
    length = pianoroll_length(composition, spb)
    lines = sorted({tick_to_step(tick, composition.resolution, spb)
                    for tick in composition.bar_lines(-(-length * composition.resolution // spb))})
    bar_starts, steps = lines[:-1], max(lines[-1], length)
    bars = len(bar_starts)
    grid = np.union1d(np.asarray(bar_starts, dtype=np.int64), np.arange(0, steps, spb, dtype=np.int64))

    def pitched_metrics(roll: _SpanRoll) -> dict:
        tonic, mode, rate = _best_key_of(roll.pitch_class_steps())
        return {
            "empty_bar_rate": roll.empty_bar_rate(),
            "pitches_used": n_pitches_used(roll.cells),
            "pitch_classes_used": n_pitch_classes_used(roll.cells),
            "pitch_classes_per_bar": roll.pitch_classes_per_bar(),
            "polyphonic_rate": roll.polyphonic_rate(),
            "qualified_note_rate": roll.qualified_note_rate(),
            "stepwise_motion": stepwise_motion(roll.cells),  # moves between runs: span lengths do not matter
            "in_scale_ratio": rate,
            "key": None if math.isnan(rate) else f"{PITCH_CLASS_NAMES[tonic]} {mode}",
        }

    tracks = []
    centroids = {}
    pitched_notes = []
    for index, track in enumerate(composition.tracks):
        spans = _note_spans(track.notes, composition.resolution, steps)
        roll = _SpanRoll(spans, grid, bar_starts, steps)
        entry = {"index": index, "name": track.name, "program": track.program, "drum": track.is_drum,
                 "notes": len(track.notes)}
        if track.is_drum:
            entry.update({
                "empty_bar_rate": roll.empty_bar_rate(),
                "drum_in_pattern_rate": _drum_onset_rate(spans, steps, spb),
            })
        else:
            entry.update(pitched_metrics(roll))
            pitched_notes.append(spans)
            centroids[index] = roll.tonal_centroids(spb)
        tracks.append(entry)

    merged = _SpanRoll(np.concatenate(pitched_notes) if pitched_notes else np.zeros((0, 3), dtype=np.int64),
                       grid, bar_starts, steps)
    pitched = sorted(centroids)
    distances = {
        f"{a}-{b}": _mean_distance(centroids[a], centroids[b])
        for position, a in enumerate(pitched) for b in pitched[position + 1:]
    }
    result = {
        "name": composition.name,
        "bars": bars,
        "resolution": composition.resolution,
        "bpm": round(composition.bpm, 3),
        "time_signature": _meters(composition),
        "overall": {"notes": sum(len(composition.tracks[index].notes) for index in pitched),
                    **pitched_metrics(merged)},
        "tracks": tracks,
        "tonal_distance": distances,
    }
    return _json_ready(result)


def _note_spans(notes, resolution: int, steps: int) -> np.ndarray:
    """Each note as (first step, end step, pitch), rounded as ``to_pianoroll`` rounds them: shape (notes, 3)."""
    spans = np.array([(note.start, note.end, note.pitch) for note in notes], dtype=np.int64).reshape(-1, 3)
    spb = METRIC_STEPS_PER_BEAT
    first = (2 * spans[:, 0] * spb + resolution) // (2 * resolution)  # tick_to_step, on arrays
    last = np.maximum((2 * spans[:, 1] * spb + resolution) // (2 * resolution), first + 1)
    return np.stack([first, np.minimum(last, steps), spans[:, 2]], axis=1)


class _SpanRoll:
    """A single-track piano roll of ``steps`` steps held run-length compressed: ``cells`` has one row per
    span between consecutive ``edges`` (the steps where a note starts or ends, a bar or beat begins), and
    row i stands for ``lengths[i]`` identical steps. Every metric here equals the function of the same name
    on the full roll."""

    def __init__(self, spans: np.ndarray, grid: np.ndarray, bar_starts, steps: int):
        self.steps = steps
        self.edges = np.union1d(np.union1d(spans[:, 0], spans[:, 1]), np.append(grid, steps))
        self.edges = self.edges[self.edges <= steps]
        self.lengths = np.diff(self.edges)
        rows = len(self.lengths)
        change = np.zeros((rows + 1, 128), dtype=np.int32)
        np.add.at(change, (np.searchsorted(self.edges, spans[:, 0]), spans[:, 2]), 1)
        np.add.at(change, (np.searchsorted(self.edges, spans[:, 1]), spans[:, 2]), -1)
        self.cells = np.cumsum(change[:rows], axis=0, dtype=np.int32) > 0
        self.bar_rows = np.searchsorted(self.edges, [start for start in bar_starts if start < steps])

    def _per_bar(self, cells: np.ndarray) -> np.ndarray:
        if len(cells) == 0:
            return np.zeros((0, cells.shape[1]), dtype=bool)
        return np.logical_or.reduceat(cells, self.bar_rows, axis=0)

    def empty_bar_rate(self) -> float:
        busy = self._per_bar(self.cells).any(axis=1)
        return float(np.count_nonzero(~busy) / len(busy)) if len(busy) else math.nan

    def pitch_classes_per_bar(self) -> float:
        per_bar = self._per_bar(chroma(self.cells) > 0).sum(axis=1)
        sounding = per_bar[per_bar > 0]
        return float(sounding.mean()) if len(sounding) else math.nan

    def polyphonic_rate(self, threshold: int = 2) -> float:
        if self.steps == 0:
            return math.nan
        return float(self.lengths[self.cells.sum(axis=1) > threshold].sum() / self.steps)

    def qualified_note_rate(self, threshold: int = 3) -> float:
        padded = np.pad(self.cells, ((1, 1), (0, 0))).astype(np.int8)
        change = np.diff(padded, axis=0)
        onset_row, onset_pitch = np.nonzero(change > 0)
        offset_row, offset_pitch = np.nonzero(change < 0)
        onsets = self.edges[onset_row[np.lexsort((onset_row, onset_pitch))]]
        offsets = self.edges[offset_row[np.lexsort((offset_row, offset_pitch))]]
        lengths = offsets - onsets
        return float(np.count_nonzero(lengths >= threshold) / len(lengths)) if len(lengths) else math.nan

    def _weighted_chroma(self) -> np.ndarray:
        return chroma(self.cells).astype(np.int64) * self.lengths[:, np.newaxis]

    def pitch_class_steps(self) -> np.ndarray:
        return self._weighted_chroma().sum(axis=0)

    def tonal_centroids(self, steps_per_beat: int) -> np.ndarray:
        beat_rows = np.searchsorted(self.edges, np.arange(0, self.steps, steps_per_beat))
        if len(beat_rows) == 0:
            return np.zeros((0, 6))
        return _centroids_of(np.add.reduceat(self._weighted_chroma(), beat_rows, axis=0))


def _drum_onset_rate(spans: np.ndarray, steps: int, steps_per_beat: int) -> float:
    """``drum_in_pattern_rate`` of a roll holding only the step where each note starts: the paper counts drum
    NOTES in the pattern, and a drum note's length means nothing to a General MIDI drum kit."""
    cells = np.unique(spans[spans[:, 0] < steps][:, [0, 2]], axis=0)
    if len(cells) == 0:
        return math.nan
    mask = drum_pattern_mask(steps_per_beat)
    return float(mask[cells[:, 0] % len(mask)].sum() / len(cells))


def _meters(composition: Composition) -> str:
    """The composition's meters in the order they come, joined where it changes: "4/4" or "4/4, 3/4"."""
    names = [f"{signature.numerator}/{signature.denominator}" for signature in composition.time_signatures]
    return ", ".join(name for index, name in enumerate(names) if index == 0 or name != names[index - 1])


def _json_ready(value):
    if isinstance(value, dict):
        return {key: _json_ready(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_ready(item) for item in value]
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 6)
    return value
