"""composition_metrics holds rolls run-length compressed; its figures must be exactly those of the per-roll
functions on full rolls (the dense reference below is composition_metrics as it was written before), and its
memory must not grow with steps times tracks."""

import math
import tracemalloc

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keycomposer.music import Composition, Note, TimeSignature, Track, composition_metrics, sample_composition
from keycomposer.music import metrics
from keycomposer.music.pianoroll import pianoroll_length, tick_to_step, to_pianoroll


def dense_composition_metrics(composition):
    spb = metrics.METRIC_STEPS_PER_BEAT
    length = pianoroll_length(composition, spb)
    lines = sorted({tick_to_step(tick, composition.resolution, spb)
                    for tick in composition.bar_lines(-(-length * composition.resolution // spb))})
    bar_starts, steps = lines[:-1], max(lines[-1], length)

    def pitched(roll):
        tonic, mode, rate = metrics.best_key(roll)
        return {
            "empty_bar_rate": metrics.empty_bar_rate(roll, bar_starts),
            "pitches_used": metrics.n_pitches_used(roll),
            "pitch_classes_used": metrics.n_pitch_classes_used(roll),
            "pitch_classes_per_bar": metrics.pitch_classes_per_bar(roll, bar_starts),
            "polyphonic_rate": metrics.polyphonic_rate(roll),
            "qualified_note_rate": metrics.qualified_note_rate(roll),
            "stepwise_motion": metrics.stepwise_motion(roll),
            "in_scale_ratio": rate,
            "key": None if math.isnan(rate) else f"{metrics.PITCH_CLASS_NAMES[tonic]} {mode}",
        }

    tracks, centroids = [], {}
    merged = np.zeros((steps, 128), dtype=bool)
    for index, track in enumerate(composition.tracks):
        roll = to_pianoroll(composition.with_tracks([track]), spb, steps=steps)[0]
        entry = {"index": index, "name": track.name, "program": track.program, "drum": track.is_drum,
                 "notes": len(track.notes)}
        if track.is_drum:
            onsets = np.zeros((steps, 128), dtype=bool)
            for note in track.notes:
                step = tick_to_step(note.start, composition.resolution, spb)
                if step < steps:
                    onsets[step, note.pitch] = True
            entry.update({"empty_bar_rate": metrics.empty_bar_rate(roll, bar_starts),
                          "drum_in_pattern_rate": metrics.drum_in_pattern_rate(onsets, spb)})
        else:
            entry.update(pitched(roll))
            merged |= roll
            centroids[index] = metrics.tonal_centroids(roll, spb)
        tracks.append(entry)
    order = sorted(centroids)
    return metrics._json_ready({
        "name": composition.name, "bars": len(bar_starts), "resolution": composition.resolution,
        "bpm": round(composition.bpm, 3), "time_signature": metrics._meters(composition),
        "overall": {"notes": sum(len(composition.tracks[index].notes) for index in order), **pitched(merged)},
        "tracks": tracks,
        "tonal_distance": {f"{a}-{b}": metrics._mean_distance(centroids[a], centroids[b])
                           for position, a in enumerate(order) for b in order[position + 1:]},
    })


def test_the_samples_get_the_dense_figures():
    from keycomposer.music.samples import sample_names

    for name in sample_names():
        piece = sample_composition(name)
        assert composition_metrics(piece) == dense_composition_metrics(piece), name


notes = st.builds(Note, start=st.integers(0, 4000), pitch=st.integers(0, 127), duration=st.integers(1, 1500),
                  velocity=st.integers(1, 127))
tracks = st.builds(Track, notes=st.lists(notes, min_size=1, max_size=12).map(tuple),
                   channel=st.sampled_from([0, 1, 9]))
meters = st.lists(st.tuples(st.integers(0, 6), st.integers(1, 7), st.sampled_from([2, 4, 8])), max_size=3)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(track_list=st.lists(tracks, min_size=1, max_size=4), resolution=st.sampled_from([96, 120, 480, 7]),
       meter_list=meters)
def test_any_composition_gets_the_dense_figures(track_list, resolution, meter_list):
    signatures = {0: TimeSignature(0, 4, 4)}
    for bar, numerator, denominator in meter_list:
        tick = bar * resolution * 4
        signatures[tick] = TimeSignature(tick, numerator, denominator)
    piece = Composition(tuple(track_list), resolution=resolution,
                        time_signatures=tuple(signatures[tick] for tick in sorted(signatures)))
    assert composition_metrics(piece) == dense_composition_metrics(piece)


def test_notes_held_for_an_hour_on_many_tracks_cost_memory_by_bars_not_steps():
    """Twenty tracks of one note held 9,999 beats (a 417-byte file): 20 rolls of 240,000 steps x 128 pitches
    would be 600 MB, one of them 30.7 MB; held compressed, the whole computation stays below that one."""
    held = Composition(tuple(Track((Note(0, 60 + index, 9_999 * 96),), channel=index % 9) for index in range(20)),
                       resolution=96)
    tracemalloc.start()
    try:
        result = composition_metrics(held)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result["bars"] == 2500 and result["overall"]["notes"] == 20
    assert peak < 30_000_000, peak
