"""The AR-CNN sampler (blocked Gibbs under the melody), driven by fake networks whose wishes are known."""

import numpy as np
import pytest

from keycomposer.models import voice_grid
from keycomposer.models.arcnn import (
    OVERLAP_STEPS,
    SamplingSettings,
    harmonize,
    harmonize_composition,
    parallel_moves,
    parallel_pitches,
    window_starts,
)
from keycomposer.models.voice_grid import CLASSES, PITCHES, REST, onset_class
from keycomposer.music.composition import Composition, Note, Track

STEPS = 128
TWINKLE = [(4 * k, 4 * k + 4, p) for k, p in enumerate([60, 60, 67, 67, 69, 69])] + [(24, 32, 67)]


class Wants:
    """Logits that strongly prefer one class per voice per step: `wanted` (4, STEPS). Counts its calls and keeps
    the inputs it saw."""

    def __init__(self, wanted, strength=30.0):
        self.logits = np.zeros((STEPS, 4, CLASSES))
        self.logits[np.arange(STEPS)[:, None], np.arange(4)[None], np.asarray(wanted).T] = strength
        self.inputs = []

    def __call__(self, x):
        assert x.shape == (STEPS, 4 * CLASSES + 4) and x.dtype == np.float32
        self.inputs.append(x.copy())
        return self.logits


def half_notes(pitches, steps=STEPS):
    """One voice's classes: the pitches as half notes, one after another."""
    return voice_grid.voice_classes([(8 * k, 8 * k + 8, p) for k, p in enumerate(pitches * (steps // 8))], steps)


def chords():
    return np.stack([half_notes([72]), half_notes([64, 65]), half_notes([55, 57]), half_notes([48, 41])])


def settings(**kw):
    return SamplingSettings(**dict(dict(seed=0, iterations=30), **kw))


def test_zero_budgets_give_back_exactly_the_melody_repeated_notes_included():
    net = Wants(chords())
    for zero in (dict(iterations=0), dict(max_notes_to_add=0, max_remove_percent=0)):
        out = harmonize(TWINKLE, 32, net, settings(**zero))
        assert out.voices == [TWINKLE, [], [], []] and out.kept == list(range(len(TWINKLE)))
    assert net.inputs == []  # not even one network call


def test_the_voices_the_network_wants_come_out_as_whole_notes():
    out = harmonize([(0, 128, 72)], STEPS, Wants(chords()), settings())
    assert out.voices[1] == [(8 * k, 8 * k + 8, [64, 65][k % 2]) for k in range(16)]
    assert out.voices[3] == [(8 * k, 8 * k + 8, [48, 41][k % 2]) for k in range(16)]


def test_the_melody_is_never_moved_without_removal_however_much_the_network_dislikes_it():
    wanted = chords()  # the network wants 72 in the soprano; the melody plays Twinkle
    out = harmonize(TWINKLE, 32, Wants(wanted), settings(max_remove_percent=0))
    assert out.voices[0] == TWINKLE
    assert all(len(v) > 0 for v in out.voices[1:])


def test_the_first_gibbs_step_masks_every_added_cell_and_later_ones_fewer():
    net = Wants(chords())
    harmonize([(0, 128, 72)], STEPS, net, settings(iterations=20))
    masks = [x[:, 4 * CLASSES:] for x in net.inputs]
    assert masks[0][:, 1:].all() and not masks[0][:, 0].any()  # alto, tenor, bass hidden; the melody seen
    shares = [m[:, 1:].mean() for m in masks]
    assert shares[-1] < 0.2 and shares[5] < shares[1]  # annealed
    assert all(not m[:, 0].any() for m in masks)


@pytest.mark.parametrize("block", [1, 4])
def test_later_gibbs_steps_rewrite_whole_blocks_of_a_voice_on_one_shifted_grid(block):
    net = Wants(chords())
    harmonize([(0, 128, 72)], STEPS, net, settings(iterations=20), block_steps=block)
    for x in net.inputs[1:]:
        masked = x[:, 4 * CLASSES + 1:].T.astype(bool)  # (alto tenor bass, steps)
        # every block of one grid (some offset 0..block-1) is masked or seen as a whole
        assert any(all(len(set(row[max(start, 0):start + block])) <= 1
                       for row in masked for start in range(offset - block, STEPS, block))
                   for offset in range(block))


def test_whole_block_rewrites_still_give_the_whole_notes_the_network_wants():
    out = harmonize([(0, 128, 72)], STEPS, Wants(chords()), settings(iterations=40), block_steps=4)
    assert out.voices[2] == [(8 * k, 8 * k + 8, [55, 57][k % 2]) for k in range(16)]


def test_removal_rewrites_the_least_likely_notes_only_up_to_its_share():
    melody = [(8 * k, 8 * k + 8, 72) for k in range(16)]
    melody[5] = (40, 48, 73)  # the one note the network finds out of place
    net = Wants(chords())
    out = harmonize(melody, STEPS, net, settings(max_remove_percent=10))  # 10 % of 16: one note
    assert out.kept == [k for k in range(16) if k != 5]
    assert (40, 48, 72) in out.voices[0] and (40, 48, 73) not in out.voices[0]
    assert [n for n in out.voices[0] if n != (40, 48, 72)] == [melody[k] for k in out.kept]


def test_the_added_notes_are_capped_keeping_the_most_likely():
    out = harmonize([(0, 128, 72)], STEPS, Wants(chords()), settings(max_notes_to_add=5))
    assert sum(len(v) for v in out.voices[1:]) <= 5


def test_the_same_seed_gives_the_same_voices():
    rng = np.random.default_rng(1)
    noisy = Wants(chords(), strength=1.0)
    noisy.logits += rng.normal(0, 1, noisy.logits.shape)
    first = harmonize(TWINKLE, 32, noisy, settings(seed=4))
    assert first.voices == harmonize(TWINKLE, 32, noisy, settings(seed=4)).voices
    assert first.voices != harmonize(TWINKLE, 32, noisy, settings(seed=5)).voices


def test_a_long_piece_is_written_window_by_window_reading_the_part_before_as_it_was_written():
    melody = [(8 * k, 8 * k + 8, 72) for k in range(40)]  # 320 steps
    net = Wants(chords())
    out = harmonize(melody, 320, net, settings(iterations=20))
    starts = window_starts(320)
    assert starts[1] == STEPS - OVERLAP_STEPS
    assert max(e for _, e, _ in out.voices[2]) == 320 and out.voices[0] == melody
    # the second window's first calls see the overlap as written by the first window, unmasked
    lower_masks = [x[:, 4 * CLASSES + 1:] for x in net.inputs]
    second = [x for x, m in zip(net.inputs, lower_masks) if not m[:OVERLAP_STEPS].any() and m[OVERLAP_STEPS:].all()]
    alto = second[0][:2, CLASSES:2 * CLASSES]  # steps 96 and 97: the alto's 64 struck, then held
    assert list(np.argmax(alto, axis=1)) == [onset_class(64), onset_class(64) + PITCHES]
    assert len(net.inputs) < 3 * 20  # windows after the first get iterations pro rata


@pytest.mark.parametrize("bad, word", [
    (dict(max_notes_to_add=-1), "max_notes_to_add"),
    (dict(max_remove_percent=101), "max_remove_percent"),
    (dict(iterations=1.5), "iterations"),
    (dict(temperature=0), "temperature"),
])
def test_bad_settings_are_named(bad, word):
    with pytest.raises(ValueError, match=word):
        SamplingSettings(**bad)


def composition(*tracks):
    return Composition(tracks=tracks, resolution=480)


def track(pitches, channel=0, name="melody", length=480):
    notes = tuple(Note(length * k, p, length, 90) for k, p in enumerate(pitches))
    return Track(notes=notes, channel=channel, name=name)


def test_a_composition_gets_three_voices_and_keeps_every_other_track_as_it_was():
    melody = track([72, 72, 74, 76] * 8)
    drums = track([36, 38] * 8, channel=9, name="drums")
    bass = track([48] * 8, channel=1, name="bass line", length=1920)
    result = harmonize_composition(composition(drums, melody, bass), Wants(chords()), settings())
    assert result.tracks[:3] == (drums, melody, bass)  # notes as played, repeated ones included
    assert [t.name for t in result.tracks[3:]] == ["alto", "tenor", "bass"]
    assert all(t.notes and not t.is_drum for t in result.tracks[3:])
    assert len({t.channel for t in result.tracks}) == 6


def test_an_empty_or_drums_only_input_is_a_clear_error():
    with pytest.raises(ValueError, match="empty"):
        harmonize_composition(composition(), Wants(chords()), settings())
    with pytest.raises(ValueError, match="drum"):
        harmonize_composition(composition(track([36, 38], channel=9)), Wants(chords()), settings())


def test_with_removal_the_melody_track_keeps_every_note_but_the_rewritten_ones_as_played():
    pitches = [72] * 16
    pitches[5] = 73  # out of place for a network that wants 72 throughout
    melody = track(pitches, length=960)  # half notes: 8 steps each, as `chords` has them
    result = harmonize_composition(composition(melody), Wants(chords()), settings(max_remove_percent=10))
    notes = result.tracks[0].notes
    assert [n for n in notes if n.start != 5 * 960] == [n for k, n in enumerate(melody.notes) if k != 5]
    assert [(n.start, n.pitch, n.duration) for n in notes if n.start == 5 * 960] == [(5 * 960, 72, 960)]


def test_a_voice_may_not_move_in_parallel_octaves_or_fifths_with_another():
    lines = np.full((4, 3), -1)
    lines[0] = [72, 74, 76]  # soprano rising by steps
    lines[3, 0] = 48  # bass two octaves under the first note; its next pitch is being chosen
    lines[3, 2] = 57
    forbidden = set(np.flatnonzero(parallel_pitches(lines, 3, 1)) + voice_grid.LOWEST_PITCH)
    assert {50, 62, 74, 86} <= forbidden  # up with the soprano into an octave: parallel octaves
    assert not {38, 47, 48} & forbidden  # contrary or oblique motion is fine
    assert 55 in forbidden  # a fifth under 74, then up to 57, a fifth under 76: parallel fifths out of the step
    lines[0, 1] = 72  # the soprano holds: no parallel motion into the step
    assert not parallel_pitches(lines, 3, 1)[50 - voice_grid.LOWEST_PITCH]


def test_part_writing_keeps_a_network_that_wants_parallel_octaves_from_writing_them():
    melody_pitches = [72, 74, 76, 77, 79, 77, 76, 74]
    melody = [(8 * k, 8 * k + 8, p) for k, p in enumerate(melody_pitches * 2)]
    wanted = np.stack([voice_grid.voice_classes(melody, STEPS),
                       voice_grid.voice_classes([(s, e, p - 12) for s, e, p in melody], STEPS),
                       half_notes([55, 57]), half_notes([48, 41])])
    free = harmonize(melody, STEPS, Wants(wanted), settings(), part_writing=False)
    ruled = harmonize(melody, STEPS, Wants(wanted), settings())
    lines = lambda voices: np.stack([voice_grid.sounding_pitch(voice_grid.voice_classes(v, STEPS)) for v in voices])
    assert parallel_moves(lines(free.voices))  # what the network wants, left alone
    assert not parallel_moves(lines(ruled.voices))
    assert ruled.voices[0] == melody
