"""What the accompaniment GAN reads as the melody, and what it refuses, before any model is run."""

import numpy as np
import pytest

from keycomposer.models.gan import AccompanimentError, Accompanist, MelodyNote, accompany, melody_of, octave_shift
from keycomposer.music.composition import DRUM_CHANNEL, Composition, Note, Track

BEAT = 480  # ticks per beat (the default resolution); a 16th is 120 ticks


def piece(*tracks):
    return Composition(tuple(Track(tuple(notes), channel=channel) for channel, notes in tracks))


def test_a_composition_without_notes_has_nothing_to_accompany():
    with pytest.raises(AccompanimentError, match="the melody is empty"):
        melody_of(piece())


def test_drum_hits_alone_are_no_melody():
    with pytest.raises(AccompanimentError, match="the melody is empty"):
        melody_of(piece((DRUM_CHANNEL, [Note(0, 36, BEAT)])))


def test_a_single_voice_becomes_one_pitch_per_sixteenth():
    melody = melody_of(piece((0, [Note(0, 60, BEAT), Note(2 * BEAT, 64, BEAT // 2)])))
    assert melody.pitches.tolist() == [60] * 4 + [-1] * 4 + [64] * 2


def test_a_chord_is_refused_by_default_and_its_place_named():
    chord = [Note(4 * BEAT + BEAT, pitch, BEAT) for pitch in (60, 64, 67)]
    with pytest.raises(AccompanimentError, match=r"chord at bar 2, beat 2 .*chords='top'"):
        melody_of(piece((0, [Note(0, 72, BEAT)] + chord)))


def test_chords_top_keeps_the_highest_note_of_each_chord():
    chord = [Note(0, pitch, BEAT) for pitch in (60, 64, 67)]
    assert set(melody_of(piece((0, chord)), chords="top").used.tolist()) == {67}


def test_an_unknown_chord_policy_is_named():
    with pytest.raises(AccompanimentError, match="chords must be one of error, top"):
        melody_of(piece((0, [Note(0, 60, BEAT)])), chords="lowest")


def test_legato_overlap_is_not_a_chord_the_earlier_note_ends_where_the_next_starts():
    melody = melody_of(piece((0, [Note(0, 60, 2 * BEAT), Note(BEAT, 62, BEAT)])))
    assert melody.pitches.tolist() == [60] * 4 + [62] * 4


def test_notes_of_two_pitched_tracks_together_form_the_melody():
    melody = melody_of(piece((0, [Note(0, 60, BEAT)]), (1, [Note(BEAT, 62, BEAT)])))
    assert melody.pitches.tolist() == [60] * 4 + [62] * 4


def test_a_melody_in_the_trained_range_stays_where_it_is():
    assert octave_shift(np.array([64, 72]), lowest=33, pitches=64, trained=(60, 81)) == 0


def test_a_low_melody_moves_up_whole_octaves_towards_the_trained_range():
    assert octave_shift(np.array([40, 47]), lowest=33, pitches=64, trained=(60, 81)) == 24


def test_a_melody_below_the_band_still_fits_an_octave_higher():
    assert octave_shift(np.array([20, 30]), lowest=33, pitches=64, trained=(60, 81)) % 12 == 0
    assert 20 + octave_shift(np.array([20, 30]), 33, 64, (60, 81)) >= 33


def test_a_melody_wider_than_the_band_names_both_ranges():
    with pytest.raises(AccompanimentError, match=r"spans 70 semitones \(MIDI 30..100\).*MIDI 33..96"):
        octave_shift(np.array([30, 100]), lowest=33, pitches=64, trained=(60, 81))


def test_an_unknown_style_lists_the_styles_before_any_file_is_read(tmp_path):
    with pytest.raises(AccompanimentError, match="unknown accompaniment style 'jazz': choose one of bach, quartet"):
        accompany(piece((0, [Note(0, 60, BEAT)])), style="jazz", folder=tmp_path)


def test_a_style_without_a_trained_model_says_so(tmp_path):
    from keycomposer.models.runtime import ModelNotTrained

    with pytest.raises(ModelNotTrained, match="gan_bach"):
        Accompanist("bach", folder=tmp_path)


def test_a_chord_is_placed_in_the_pieces_own_meter():
    from keycomposer.music.composition import TimeSignature

    waltz = Composition((Track((Note(3 * BEAT, 60, BEAT), Note(3 * BEAT, 64, BEAT))),),
                        time_signatures=(TimeSignature(0, 3, 4),))
    with pytest.raises(AccompanimentError, match="chord at bar 2, beat 1"):
        melody_of(waltz)


def test_a_melody_doubled_in_two_tracks_is_one_voice_not_a_chord():
    melody = melody_of(piece((0, [Note(0, 60, BEAT)]), (1, [Note(0, 60, BEAT)])))
    assert melody.pitches.tolist() == [60] * 4


def test_the_melody_is_read_in_the_bars_its_time_signatures_draw():
    from keycomposer.music.composition import TimeSignature

    def in_meter(*signatures):
        return Composition((Track((Note(0, 60, BEAT),)),), time_signatures=signatures)

    assert melody_of(piece((0, [Note(0, 60, BEAT)]))).bars.starts(40).tolist() == [0, 16, 32]
    # 6/8 for 4 bars (12 quarter notes), then 2/4
    changing = melody_of(in_meter(TimeSignature(0, 6, 8), TimeSignature(12 * BEAT, 2, 4)))
    assert changing.bars.starts(64).tolist() == [0, 12, 24, 36, 48, 56]
    # a one-beat pickup written as a bar of 1/4 is the last beat of a 3/4 bar
    pickup = melody_of(in_meter(TimeSignature(0, 1, 4), TimeSignature(BEAT, 3, 4)))
    assert pickup.bars.place(0) == (1, 8, (3, 4)) and pickup.bars.place(4) == (2, 0, (3, 4))
    with pytest.raises(AccompanimentError, match="meter at beat 5: a bar of 3/32 is not a whole number of 16th notes"):
        melody_of(in_meter(TimeSignature(0, 4, 4), TimeSignature(4 * BEAT, 3, 32)))


def test_a_chord_after_a_change_of_meter_is_placed_in_the_new_bars_and_beats():
    from keycomposer.music.composition import TimeSignature

    # two bars of 4/4, then 6/8: the chord on the 6/8 bar's fourth 8th (beat 4 of that meter)
    chord_at = 8 * BEAT + 3 * BEAT // 2
    song = Composition((Track((Note(chord_at, 60, BEAT // 2), Note(chord_at, 64, BEAT // 2))),),
                       time_signatures=(TimeSignature(0, 4, 4), TimeSignature(8 * BEAT, 6, 8)))
    with pytest.raises(AccompanimentError, match="chord at bar 3, beat 4"):
        melody_of(song)


def test_an_ornament_is_read_as_its_top_note_with_a_note_saying_so():
    """A grace note or a 32nd-note turn puts two notes, one after the other, on one 16th: read by default as
    the highest of them (a real chord still gives the error it gave)."""
    grace = [Note(0, 72, BEAT), Note(BEAT, 74, 40), Note(BEAT + 40, 72, BEAT - 40)]  # a grace note of a third of a 16th
    with pytest.warns(MelodyNote, match=r"ornaments .* at bar 1, beat 2: the highest note of each was read"):
        melody = melody_of(piece((0, grace)))
    assert melody.pitches[:8].tolist() == [72] * 4 + [74] * 4
    assert melody.onsets[:8].tolist() == [True, False, False, False, True, False, False, False]


def test_notes_a_little_apart_like_a_chord_played_by_hand_are_still_a_chord():
    spread = [Note(0, 60, BEAT), Note(10, 64, BEAT), Note(20, 67, BEAT)]  # within a 64th (30 ticks)
    with pytest.raises(AccompanimentError, match="chord at bar 1, beat 1"):
        melody_of(piece((0, spread)))
    assert melody_of(piece((0, spread)), chords="top").used.tolist() == [67] * 4
